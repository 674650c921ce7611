/**
 * The release state the release command reads and writes: the structured stack config key
 * `chatbot-platform:release`. Pure functions, no Pulumi or Azure calls.
 *
 * The program validates the same block in `lib/config.ts`; this module keeps only what the
 * orchestration needs (slots, versions, the live and latest markers, the canary share) so that a
 * malformed block is refused before anything changes.
 */

import { revisionSuffix as programRevisionSuffix } from "../lib/naming";
import { MAX_CANARY_PERCENT, Slot, otherSlot } from "../lib/release";

/** The config key of the release block. */
export const RELEASE_CONFIG_KEY = "chatbot-platform:release";

// One definition of the contract: slots, the canary range and the suffix rule come from the program.
export { MAX_CANARY_PERCENT, otherSlot };
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readSlot(raw: unknown, slot: Slot): SlotState | undefined {
  if (raw === undefined || raw === null) {
    return undefined;
  }
  if (
    !isRecord(raw) ||
    typeof raw.version !== "string" ||
    raw.version === "" ||
    typeof raw.image !== "string" ||
    raw.image === ""
  ) {
    throw new ReleaseConfigError(
      `\`release.${slot}\` must be { version: string, image: string }, got ${JSON.stringify(raw)}`,
    );
  }
  return { version: raw.version, image: raw.image };
}

/**
 * Validates the raw release block (already JSON-parsed). `undefined` means the stack has no
 * release yet (first deploy).
 */
export function parseReleaseState(raw: unknown): ReleaseState | undefined {
  if (raw === undefined) {
    return undefined;
  }
  if (!isRecord(raw)) {
    throw new ReleaseConfigError(`\`release\` must be an object, got ${JSON.stringify(raw)}`);
  }
  const blue = readSlot(raw.blue, "blue");
  const green = readSlot(raw.green, "green");
  if (raw.live !== "blue" && raw.live !== "green") {
    throw new ReleaseConfigError(
      `\`release.live\` must be "blue" or "green", got ${JSON.stringify(raw.live)}`,
    );
  }
  const live: Slot = raw.live;
  if ((live === "blue" ? blue : green) === undefined) {
    throw new ReleaseConfigError(`\`release.live\` is "${live}" but \`release.${live}\` is empty`);
  }
  let latest: Slot | undefined;
  if (raw.latest !== undefined) {
    if (raw.latest !== "blue" && raw.latest !== "green") {
      throw new ReleaseConfigError(
        `\`release.latest\` must be "blue" or "green", got ${JSON.stringify(raw.latest)}`,
      );
    }
    latest = raw.latest;
  }
  const canary = raw.canaryPercent ?? 0;
  if (
    typeof canary !== "number" ||
    !Number.isInteger(canary) ||
    canary < 0 ||
    canary > MAX_CANARY_PERCENT
  ) {
    throw new ReleaseConfigError(
      `\`release.canaryPercent\` must be an integer from 0 to ${MAX_CANARY_PERCENT}, got ${JSON.stringify(raw.canaryPercent)}`,
    );
  }
  return {
    live,
    ...(latest === undefined ? {} : { latest }),
    canaryPercent: canary,
    ...(blue === undefined ? {} : { blue }),
    ...(green === undefined ? {} : { green }),
  };
}

/** The slot the template describes: `latest`, or the live slot while only one slot exists. */
export function latestSlot(release: ReleaseState): Slot {
  return release.latest ?? release.live;
}

/** The traffic weight of each slot: live `100 - canaryPercent`, the other `canaryPercent`. */
export function slotWeight(release: ReleaseState, slot: Slot): number {
  if (release[slot] === undefined) {
    return 0;
  }
  if (slot === release.live) {
    return release[otherSlot(slot)] === undefined ? 100 : 100 - release.canaryPercent;
  }
  return release.canaryPercent;
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
