/**
 * The release state the release command reads and writes: the structured stack config key
 * `chatbot-platform:release`. Pure functions, no Pulumi or Azure calls.
 *
 * The program validates the same block in `lib/config.ts`; this module keeps only what the
 * orchestration needs (slots, versions, the live and latest markers, the canary share) so that a
 * malformed block is refused before anything changes.
 */

import { revisionSuffix as programRevisionSuffix } from "../lib/naming";
import { ConfigError, parseRelease } from "../lib/config";
import { MAX_CANARY_PERCENT, Release, Slot, otherSlot, slotWeight } from "../lib/release";

/** The config key of the release block. */
export const RELEASE_CONFIG_KEY = "chatbot-platform:release";

// One definition of the contract: slots, the canary range and the suffix rule come from the program.
export { MAX_CANARY_PERCENT, otherSlot, slotWeight };
export type { Slot };

/** One deployed version in one slot. */
export interface SlotState {
  readonly version: string;
  readonly image: string;
}

/** The `release` block of a stack's config. */
export interface ReleaseState {
  /** The slot serving production traffic. */
  readonly live: Slot;
  /** The slot deployed most recently. */
  readonly latest?: Slot;
  /** Share of traffic (0..50) sent to the slot that is not live. */
  readonly canaryPercent: number;
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
      : { version: deployed.version, image: deployed.image ?? "" };
  };
  const blue = slot("blue");
  const green = slot("green");
  const latest = (raw as { latest?: unknown }).latest === undefined ? undefined : release.latest;
  return {
    live: release.live,
    ...(latest === undefined ? {} : { latest }),
    canaryPercent: release.canaryPercent,
    ...(blue === undefined ? {} : { blue }),
    ...(green === undefined ? {} : { green }),
  };
}

/** The slot the template describes: `latest`, or the live slot while only one slot exists. */
export function latestSlot(release: ReleaseState): Slot {
  return release.latest ?? release.live;
}

/**
 * The program's revision suffix for a version (`lib/naming.ts`); a version without one is refused.
 * Two versions with the same suffix would name the same revision.
 */
export function revisionSuffix(version: string): string {
  const suffix = programRevisionSuffix(version);
  if (suffix === undefined) {
    throw new ReleaseConfigError(
      `version ${JSON.stringify(version)} gives no valid revision suffix`,
    );
  }
  return suffix;
}

/** `<containerAppName>--<suffix>`. */
export function revisionName(appName: string, version: string): string {
  return `${appName}--${revisionSuffix(version)}`;
}

/** A digest reference: `<registry>/<repository>@sha256:<64 lowercase hex>`. */
export const DIGEST_IMAGE = /^[^\s@]+@sha256:[0-9a-f]{64}$/;
