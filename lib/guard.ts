/**
 * The release guard: every `pulumi up` (a merge deploy, a drift-remediation run, a re-run of an old
 * commit) reads what is deployed before it registers anything and
 * - refuses a release block older than the one Azure carries. The release command bumps
 *   `release.generation` with every change it makes and writes it on the Container App as the tag
 *   `chatbot-release-generation`; a stack file whose generation is lower would move traffic back
 *   or overwrite a slot;
 * - at the same generation, refuses a block whose live slot or canary share is not the one that
 *   generation was released with (the tag `chatbot-release-traffic`, written with the generation):
 *   the block was edited by hand, and applying it would send traffic to a slot no release checked;
 * - at the same generation, takes each slot's revision from the label Azure has on it where the
 *   block has not recorded one, so a config change is checked against the revision that really
 *   serves the slot (`lib/release.ts`, `latestSuffix`).
 */
import * as app from "@pulumi/azure-native/app";
import { REVISION_SEPARATOR } from "./naming";
import { Release, SLOTS, Slot, otherSlot } from "./release";

/** The Container App tag that carries the deployed release generation. */
export const GENERATION_TAG = "chatbot-release-generation";
/** The Container App tag that carries the traffic that generation was released with. */
export const TRAFFIC_TAG = "chatbot-release-traffic";

/** The live slot and canary share a release set (written with its generation). */
export interface ReleasedTraffic {
  readonly live: Slot;
  readonly canaryPercent: number;
}

/** What a release block sends: the canary share is 0 without a second slot. */
export function releasedTraffic(release: {
  readonly live: Slot;
  readonly canaryPercent: number;
  readonly blue?: object;
  readonly green?: object;
}): ReleasedTraffic {
  const other = release[otherSlot(release.live)];
  return { live: release.live, canaryPercent: other === undefined ? 0 : release.canaryPercent };
}

/**
 * The traffic that label weights (percentages summing to 100) send: the live slot has the larger
 * weight (a canary is at most 50%, `lib/release.ts`; at 50/50 the current live slot stays), the
 * canary share is the other slot's weight. The release command records it with each traffic write.
 */
export function trafficOfWeights(
  weights: Partial<Record<Slot, number>>,
  currentLive: unknown,
): ReleasedTraffic {
  const [blue, green] = [weights.blue ?? 0, weights.green ?? 0];
  const live: Slot =
    blue === green ? (currentLive === "green" ? "green" : "blue") : blue > green ? "blue" : "green";
  return { live, canaryPercent: live === "blue" ? green : blue };
}

/**
 * `g=5,live=blue,canary=10`: the value of `TRAFFIC_TAG`. It names its generation, so a tag carried
 * forward by a writer that bumps the generation without rewriting it (a release command from
 * before the tag existed keeps the app's other tags) is not taken for that generation's traffic.
 */
export function trafficTagValue(traffic: ReleasedTraffic, generation: number): string {
  return `g=${generation},live=${traffic.live},canary=${traffic.canaryPercent}`;
}

/** The generation and traffic a `TRAFFIC_TAG` value records, or `undefined` (none, or malformed). */
export function parseTrafficTag(
  value: string | undefined,
): (ReleasedTraffic & { readonly generation: number }) | undefined {
  const match = /^g=(\d+),live=(blue|green),canary=(\d{1,3})$/.exec(value ?? "");
  return match === null
    ? undefined
    : { generation: Number(match[1]), live: match[2] as Slot, canaryPercent: Number(match[3]) };
}

/** A release block older than the deployed one. */
export class ReleaseBehindError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReleaseBehindError";
  }
}

/**
 * The traffic the deployed generation was released with, from the app's tags (or the route's
 * annotations in the same form); only a record of that generation counts (`trafficTagValue`).
 */
export function recordedTraffic(
  tags: Readonly<Record<string, string>> | undefined,
): ReleasedTraffic | undefined {
  const recorded = parseTrafficTag(tags?.[TRAFFIC_TAG]);
  return recorded === undefined || recorded.generation !== deployedGeneration(tags)
    ? undefined
    : { live: recorded.live, canaryPercent: recorded.canaryPercent };
}

/** The generation a Container App's tags carry, or `undefined` (no tag: deployed before the guard). */
export function deployedGeneration(
  tags: Readonly<Record<string, string>> | undefined,
): number | undefined {
  const value = tags?.[GENERATION_TAG];
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** Throws `ReleaseBehindError`, naming both generations, when `config` is older than `deployed`. */
export function checkNotBehind(args: {
  readonly configGeneration: number;
  readonly deployed: number | undefined;
  readonly stack: string;
  readonly appName: string;
  /** What carries the deployed generation; the Container App by default. */
  readonly carrier?: string;
}): void {
  if (args.deployed === undefined || args.configGeneration >= args.deployed) {
    return;
  }
  throw new ReleaseBehindError(
    `Pulumi.${args.stack}.yaml is behind what is deployed: its release block has generation ` +
      `${args.configGeneration}, ${args.carrier ?? `the Container App ${args.appName}`} carries generation ${args.deployed} ` +
      `(a release ran after this stack file was written: its commit back failed, or this is an ` +
      `older commit). Applying it would move traffic back or overwrite a slot, so nothing was ` +
      `changed. Bring the stack file up to date (the release workflow commits it; ` +
      `npm run release -- status --stack ${args.stack} shows what is deployed) and run again.`,
  );
}

/**
 * What `release` sends when, at the generation `recorded` was released with, it is not that
 * traffic (the block was edited by hand); `undefined` otherwise, and without a record.
 */
export function editedTraffic(
  release: Parameters<typeof releasedTraffic>[0] & { readonly generation: number },
  deployedGeneration: number | undefined,
  recorded: ReleasedTraffic | undefined,
): ReleasedTraffic | undefined {
  if (recorded === undefined || deployedGeneration !== release.generation) {
    return undefined;
  }
  const sent = releasedTraffic(release);
  return sent.live === recorded.live && sent.canaryPercent === recorded.canaryPercent
    ? undefined
    : sent;
}

/**
 * A release block whose live slot or canary share differs from what its generation was released
 * with (edited by hand). Refused like an older block: nothing is changed.
 */
export class ReleaseEditedError extends ReleaseBehindError {
  constructor(message: string) {
    super(message);
    this.name = "ReleaseEditedError";
  }
}

/** Throws `ReleaseEditedError` when `release` sends other traffic than its generation was released with. */
export function checkNotEdited(
  release: Release,
  deployed: DeployedRelease,
  target: GuardTarget,
): void {
  const recorded = deployed.traffic;
  const block = editedTraffic(release, deployed.generation, recorded);
  if (block === undefined || recorded === undefined) {
    return;
  }
  const show = (t: ReleasedTraffic) => `live ${t.live} (canary ${t.canaryPercent}%)`;
  throw new ReleaseEditedError(
    `Pulumi.${target.stack}.yaml's release block says ${show(block)} at generation ` +
      `${release.generation}, but generation ${release.generation} was released with ${show(recorded)} ` +
      `(${deployed.carrier ?? `the Container App ${target.appName}, tag ${TRAFFIC_TAG}`}): the block ` +
      `was edited without the release command. Applying it would move traffic to a slot no ` +
      `release checked, so nothing was changed. Put the block back as the last release ` +
      `committed it (git log -p -- Pulumi.${target.stack}.yaml), then move traffic with ` +
      `npm run release -- promote or rollback --stack ${target.stack} (they check the slot first).`,
  );
}

/** An ARM "not found" (the app or its resource group does not exist yet: a new stack). */
export function isNotFound(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /ResourceNotFound|ResourceGroupNotFound|\b404\b|was not found/i.test(message);
}

/** What the guard needs to know about the stack. */
export interface GuardTarget {
  readonly stack: string;
  readonly resourceGroup: string;
  readonly appName: string;
}

/** What the deployed Container App says about the release. */
export interface DeployedRelease {
  /** The generation tag; `undefined` for an app deployed before the guard existed. */
  readonly generation: number | undefined;
  /** The revision suffix each label points at. */
  readonly labels: Partial<Record<Slot, string>>;
  /** What carries the generation, for messages (the AKS guard names the HTTPRoute). */
  readonly carrier?: string;
  /** The traffic the deployed generation was released with; `undefined` when not recorded. */
  readonly traffic?: ReleasedTraffic;
}

/** The subset of the `getContainerApp` result the guard reads. */
export interface DeployedApp {
  readonly tags?: Record<string, string>;
  readonly configuration?: {
    readonly ingress?: {
      readonly traffic?: ReadonlyArray<{ readonly label?: string; readonly revisionName?: string }>;
    };
  };
}

/** The release facts of a deployed app. */
export function deployedRelease(appName: string, deployed: DeployedApp): DeployedRelease {
  const labels: Partial<Record<Slot, string>> = {};
  const prefix = `${appName}${REVISION_SEPARATOR}`;
  for (const entry of deployed.configuration?.ingress?.traffic ?? []) {
    const slot = SLOTS.find((name) => name === entry.label);
    if (slot !== undefined && entry.revisionName?.startsWith(prefix)) {
      labels[slot] = entry.revisionName.slice(prefix.length);
    }
  }
  const generation = deployedGeneration(deployed.tags);
  const traffic = recordedTraffic(deployed.tags);
  return traffic === undefined ? { generation, labels } : { generation, labels, traffic };
}

/**
 * Reads the deployed Container App (the `getContainerApp` invoke: a GET on ARM, also in preview).
 * `undefined` when it does not exist yet (a new stack).
 */
export async function readDeployedRelease(
  target: GuardTarget,
): Promise<DeployedRelease | undefined> {
  try {
    const deployed = await app.getContainerApp({
      resourceGroupName: target.resourceGroup,
      containerAppName: target.appName,
    });
    return deployedRelease(target.appName, deployed);
  } catch (err) {
    if (isNotFound(err)) {
      return undefined;
    }
    throw err;
  }
}

/**
 * The release to apply: refused (`ReleaseBehindError`) when older than the deployed one, and
 * (`ReleaseEditedError`) when at its generation it sends other traffic than was released. Each slot
 * without a recorded revision gets the revision its label points at, except, in a newer block (the
 * release command's deploy), the latest slot: that one gets a new revision.
 */
export function reconcileRelease(
  release: Release,
  deployed: DeployedRelease | undefined,
  target: GuardTarget,
): Release {
  if (deployed === undefined) {
    return release;
  }
  checkNotBehind({
    configGeneration: release.generation,
    deployed: deployed.generation,
    stack: target.stack,
    appName: target.appName,
    carrier: deployed.carrier,
  });
  checkNotEdited(release, deployed, target);
  const newer = deployed.generation !== undefined && release.generation > deployed.generation;
  const filled: { -readonly [K in keyof Release]: Release[K] } = { ...release };
  for (const slot of SLOTS) {
    const current = release[slot];
    const label = deployed.labels[slot];
    if (newer && slot === release.latest) {
      continue;
    }
    if (current !== undefined && current.revision === undefined && label !== undefined) {
      filled[slot] = { ...current, revision: label };
    }
  }
  return filled;
}
