/**
 * The blue/green release model: the two slots, which one is live, and the traffic split the
 * Container App gets. Pure functions, no Pulumi resources.
 */
import { revisionName } from "./naming";

/** The two release slots. Each is a label on one revision of the Container App. */
export const SLOTS = ["blue", "green"] as const;
export type Slot = (typeof SLOTS)[number];

/** The largest share of traffic the slot that is not live may get. */
export const MAX_CANARY_PERCENT = 50;

/** One deployed version in one slot. */
export interface SlotRelease {
  /** The release version: becomes the revision suffix (`1.4.2` -> `v1-4-2`). */
  readonly version: string;
  /**
   * Immutable image reference: `<registry>/<repo>:<tag>` or `<registry>/<repo>@sha256:<digest>`.
   * Absent only for the `latest` slot when the stack builds its image (`imageBuild`).
   */
  readonly image?: string;
  /** The revision suffix derived from `version`. */
  readonly suffix: string;
}

/** The validated `release` config. */
export interface Release {
  /** The slot that serves production traffic. */
  readonly live: Slot;
  /** The slot whose revision the Container App template describes (most recently deployed). */
  readonly latest: Slot;
  /** Share of traffic (0..50) sent to the slot that is not live. */
  readonly canaryPercent: number;
  readonly blue?: SlotRelease;
  readonly green?: SlotRelease;
}

/** One entry of `configuration.ingress.traffic`. */
export interface TrafficEntry {
  readonly revisionName: string;
  readonly label: Slot;
  readonly weight: number;
}

/** The slot that is not `slot`. */
export function otherSlot(slot: Slot): Slot {
  return slot === "blue" ? "green" : "blue";
}

/**
 * The share of traffic a slot gets: the live slot `100 - canaryPercent` (all of it while the other
 * slot is empty), the other slot `canaryPercent`, an empty slot nothing.
 */
export function slotWeight(
  release: {
    readonly live: Slot;
    readonly canaryPercent: number;
    readonly blue?: object;
    readonly green?: object;
  },
  slot: Slot,
): number {
  if (release[slot] === undefined) {
    return 0;
  }
  if (slot === release.live) {
    return release[otherSlot(slot)] === undefined ? 100 : 100 - release.canaryPercent;
  }
  return release.canaryPercent;
}

/**
 * The Container App's traffic: the live slot gets `100 - canaryPercent`, the other slot (when it
 * holds a version) `canaryPercent`. Entries are always in slot order (blue, then green), so the
 * same release gives the same array and a promotion changes weights only.
 */
export function computeTraffic(release: Release, appName: string): TrafficEntry[] {
  const entries: TrafficEntry[] = [];
  for (const slot of SLOTS) {
    const deployed = release[slot];
    if (deployed === undefined) {
      continue;
    }
    entries.push({
      revisionName: revisionName(appName, deployed.suffix),
      label: slot,
      weight: slotWeight(release, slot),
    });
  }
  return entries;
}
