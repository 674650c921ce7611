/**
 * The release state the engine reads and writes: the structured stack config key
 * `chatbot-platform:release`. It is the desired state; the engine is its only writer, and every
 * change it makes bumps `generation` (the Container App carries the same number as a tag). Pure
 * functions, no Pulumi or Azure calls.
 */
import { ConfigError, parseGatesConfig, parseRelease } from "../lib/config";
import { ENVIRONMENTS } from "../lib/environments";
import { GateThresholds } from "../lib/gates";
import { revisionName as programRevisionName, revisionSuffix } from "../lib/naming";
import {
  MAX_CANARY_PERCENT,
  Release,
  Slot,
  otherSlot,
  recordedSuffix,
  slotWeight,
} from "../lib/release";

/** The config key of the release block. */
export const RELEASE_CONFIG_KEY = "chatbot-platform:release";
/** The config key of the gate overrides. */
export const GATES_CONFIG_KEY = "chatbot-platform:releaseGates";
/** The config key of the stack's environment (`dev`, `staging`, `prod`): some gate defaults depend on it. */
export const ENVIRONMENT_CONFIG_KEY = "chatbot-platform:environment";
/** The config key of the alerts' webhooks (secret); release notifications go to its `slack` URL. */
export const WEBHOOKS_CONFIG_KEY = "chatbot-platform:alertWebhooks";

/** The `slack` URL of a parsed `alertWebhooks` block, or `undefined`. */
export function chatWebhookOf(webhooks: unknown): string | undefined {
  const slack = (webhooks as { slack?: unknown } | undefined)?.slack;
  return typeof slack === "string" && slack !== "" ? slack : undefined;
}

// One definition of the contract: slots and the canary range come from the program.
export { MAX_CANARY_PERCENT, otherSlot, slotWeight };
export type { Slot };

/** One deployed version in one slot. */
export interface SlotState {
  readonly version: string;
  readonly image: string;
  /** The revision suffix recorded after the deploy; absent until then. */
  readonly revision?: string;
}

/** The `release` block of a stack's config. */
export interface ReleaseState {
  /** The slot serving production traffic. */
  readonly live: Slot;
  /** The slot deployed most recently (the one the template describes). */
  readonly latest?: Slot;
  /** Share of traffic (0..50) sent to the slot that is not live. */
  readonly canaryPercent: number;
  /** Bumped by every change the engine makes. */
  readonly generation: number;
  readonly blue?: SlotState;
  readonly green?: SlotState;
}

/** A malformed release block or command argument: exit code 2, nothing changed. */
export class ReleaseConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReleaseConfigError";
  }
}

/**
 * Validates the raw release block (already JSON-parsed) with the program's own rules
 * (`lib/config.ts`), so the command refuses exactly what `pulumi up` would. `undefined` means the
 * stack has no release yet (first deploy). The command writes images itself, so every slot needs one.
 */
export function parseReleaseState(raw: unknown): ReleaseState | undefined {
  if (raw === undefined) {
    return undefined;
  }
  let release: Release;
  try {
    release = parseRelease(raw);
  } catch (err) {
    if (err instanceof ConfigError) {
      throw new ReleaseConfigError(err.message);
    }
    throw err;
  }
  const slot = (name: Slot): SlotState | undefined => {
    const deployed = release[name];
    return deployed === undefined
      ? undefined
      : {
          version: deployed.version,
          image: deployed.image ?? "",
          ...(deployed.revision === undefined ? {} : { revision: deployed.revision }),
        };
  };
  const blue = slot("blue");
  const green = slot("green");
  const latest = (raw as { latest?: unknown }).latest === undefined ? undefined : release.latest;
  return {
    live: release.live,
    ...(latest === undefined ? {} : { latest }),
    canaryPercent: release.canaryPercent,
    generation: release.generation,
    ...(blue === undefined ? {} : { blue }),
    ...(green === undefined ? {} : { green }),
  };
}

/**
 * The stack's gates: its `releaseGates` overrides over its environment's defaults (the program's
 * rules). An environment that is not one of the program's gives the design's values.
 */
export function parseGateState(raw: unknown, environment?: unknown): GateThresholds {
  const known = ENVIRONMENTS.find((name) => name === environment);
  try {
    return parseGatesConfig(raw, known);
  } catch (err) {
    if (err instanceof ConfigError) {
      throw new ReleaseConfigError(err.message);
    }
    throw err;
  }
}

/** The slot the template describes: `latest`, or the live slot while only one slot exists. */
export function latestSlot(release: ReleaseState): Slot {
  return release.latest ?? release.live;
}

/** The revision name of a slot: its recorded suffix (or, for an old block, the version slug). */
export function slotRevision(
  appName: string,
  release: ReleaseState,
  slot: Slot,
): string | undefined {
  const state = release[slot];
  if (state === undefined) {
    return undefined;
  }
  return programRevisionName(
    appName,
    state.revision ??
      recordedSuffix({ version: state.version, suffix: revisionSuffix(state.version) ?? "" }),
  );
}

/** The traffic a release block gives, by label: the live slot `100 - canary`, the other `canary`. */
export function trafficOf(
  appName: string,
  release: ReleaseState,
): { revisionName: string; label: Slot; weight: number }[] {
  const entries: { revisionName: string; label: Slot; weight: number }[] = [];
  for (const slot of ["blue", "green"] as const) {
    const name = slotRevision(appName, release, slot);
    if (name !== undefined) {
      entries.push({ revisionName: name, label: slot, weight: slotWeight(release, slot) });
    }
  }
  return entries;
}

/** A digest reference: `<registry>/<repository>@sha256:<64 lowercase hex>`. */
export const DIGEST_IMAGE = /^[^\s@]+@sha256:[0-9a-f]{64}$/;
