/**
 * The release guard: every `pulumi up` (a merge deploy, a drift-remediation run, a re-run of an old
 * commit) reads what is deployed before it registers anything and
 * - refuses a release block older than the one Azure carries. The release command bumps
 *   `release.generation` with every change it makes and writes it on the Container App as the tag
 *   `chatbot-release-generation`; a stack file whose generation is lower would move traffic back
 *   or overwrite a slot;
 * - at the same generation, takes each slot's revision from the label Azure has on it where the
 *   block has not recorded one, so a config change is checked against the revision that really
 *   serves the slot (`lib/release.ts`, `latestSuffix`).
 */
import * as app from "@pulumi/azure-native/app";
import { REVISION_SEPARATOR } from "./naming";
import { Release, SLOTS, Slot } from "./release";

/** The Container App tag that carries the deployed release generation. */
export const GENERATION_TAG = "chatbot-release-generation";

/** A release block older than the deployed one. */
export class ReleaseBehindError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReleaseBehindError";
  }
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
  return { generation: deployedGeneration(deployed.tags), labels };
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
 * The release to apply: refused (`ReleaseBehindError`) when older than the deployed one. Each slot
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
