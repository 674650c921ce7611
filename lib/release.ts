/**
 * The blue/green release model: the two slots, which one is live, the traffic split the Container
 * App gets, and the revision identity rule. Pure functions, no Pulumi resources.
 *
 * Revision identity. Azure keeps a revision suffix for the app's whole life and refuses a write
 * that sends an existing suffix with a different template. So a revision suffix is derived from
 * what the revision is: `<version slug>-<template fingerprint>g<generation>`, e.g.
 * `v1-4-2-3f9a2cg7`. The fingerprint (6 hex characters of the SHA-256 of the template) changes
 * with any revision-scope input (image, settings, secret references, CPU/memory, probes, scale);
 * the generation (the release block's counter, bumped by every release command) makes a suffix
 * unique even when a template comes back to an earlier content. Once a deploy has recorded a
 * slot's suffix (`release.<slot>.revision`), the program refuses, before any resource, a config
 * whose template no longer matches that fingerprint: a revision-scope change lands only as a new
 * candidate through `npm run release -- deploy`, never by moving live traffic.
 */
import { createHash } from "node:crypto";
import { MAX_REVISION_NAME_LENGTH, REVISION_SEPARATOR, revisionName } from "./naming";

/** The two release slots. Each is a label on one revision of the Container App. */
export const SLOTS = ["blue", "green"] as const;
export type Slot = (typeof SLOTS)[number];

/** The largest share of traffic the slot that is not live may get. */
export const MAX_CANARY_PERCENT = 50;

/** One deployed version in one slot. */
export interface SlotRelease {
  /** The release version, e.g. `1.4.2`. */
  readonly version: string;
  /**
   * Immutable image reference: `<registry>/<repo>:<tag>` or `<registry>/<repo>@sha256:<digest>`.
   * Absent only for the `latest` slot when the stack builds its image (`imageBuild`).
   */
  readonly image?: string;
  /** The version as a revision-name slug (`1.4.2` -> `v1-4-2`). */
  readonly suffix: string;
  /**
   * The revision suffix the slot's revision was created with, recorded by the release command
   * after a deploy. Absent for a slot the program has not deployed yet (its suffix is computed).
   */
  readonly revision?: string;
}

/** The validated `release` config. */
export interface Release {
  /** The slot that serves production traffic. */
  readonly live: Slot;
  /** The slot whose revision the Container App template describes (most recently deployed). */
  readonly latest: Slot;
  /** Share of traffic (0..50) sent to the slot that is not live. */
  readonly canaryPercent: number;
  /**
   * Counter of release changes: every release command that changes traffic or revisions bumps it,
   * and the Container App carries it as a tag, so an older release block is never applied.
   */
  readonly generation: number;
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

/** Characters of the template fingerprint in a revision suffix. */
export const FINGERPRINT_LENGTH = 6;

const SUFFIX_TAIL = /-([0-9a-f]{6})g(\d+)$/;

/** JSON with object keys sorted, so equal content always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(",")}]`;
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The fingerprint of a revision template (without its suffix): 6 hex characters of SHA-256. */
export function templateFingerprint(template: unknown): string {
  return createHash("sha256")
    .update(canonicalJson(template))
    .digest("hex")
    .slice(0, FINGERPRINT_LENGTH);
}

/**
 * The suffix of a new revision: `<slug>-<fingerprint>g<generation>`, the slug shortened (never
 * below its first character) so that `<app>--<suffix>` fits Azure's 54 characters.
 */
export function candidateSuffix(
  appName: string,
  slug: string,
  fingerprint: string,
  generation: number,
): string {
  const tail = `-${fingerprint}g${generation}`;
  const room = MAX_REVISION_NAME_LENGTH - appName.length - REVISION_SEPARATOR.length - tail.length;
  const head = slug.slice(0, Math.max(1, room)).replace(/-+$/, "");
  return `${head}${tail}`;
}

/** The fingerprint and generation a suffix made by `candidateSuffix` carries, else `undefined`. */
export function parseSuffix(
  suffix: string,
): { readonly fingerprint: string; readonly generation: number } | undefined {
  const match = SUFFIX_TAIL.exec(suffix);
  return match === null ? undefined : { fingerprint: match[1], generation: Number(match[2]) };
}

/**
 * The suffix of a slot that the template does not describe: the recorded one, or for a block
 * written before suffixes were recorded, the version slug (how those revisions were named).
 */
export function recordedSuffix(slot: SlotRelease): string {
  return slot.revision ?? slot.suffix;
}

/** Thrown when the config changes a deployed revision's template without a release. */
export class RevisionChangedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RevisionChangedError";
  }
}

/**
 * The suffix the latest slot's revision gets from a template fingerprint: its recorded suffix when
 * the template is unchanged, a new candidate suffix when nothing is recorded yet. Throws
 * `RevisionChangedError` (naming the release command) when the slot recorded a suffix for another
 * template: sending that suffix again would be refused by Azure, and a new suffix would move the
 * slot's traffic to a revision nobody verified.
 */
export function latestSuffix(
  release: Release,
  appName: string,
  fingerprint: string,
  stack: string,
): string {
  const slot = release[release.latest];
  if (slot === undefined) {
    throw new Error(`\`release.latest\` is ${release.latest}, a slot with no version`);
  }
  if (slot.revision === undefined) {
    return candidateSuffix(appName, slot.suffix, fingerprint, release.generation);
  }
  const recorded = parseSuffix(slot.revision);
  if (recorded === undefined || recorded.fingerprint === fingerprint) {
    return slot.revision;
  }
  const weight = slotWeight(release, release.latest);
  const image = slot.image === undefined ? "<image>" : slot.image;
  throw new RevisionChangedError(
    `this configuration changes the revision template of slot ${release.latest} ` +
      `(${weight === 0 ? "idle" : `${weight}% of traffic`}): revision ` +
      `${revisionName(appName, slot.revision)} was deployed with template ${recorded.fingerprint}, ` +
      `the config now gives template ${fingerprint} (an image, app setting, secret reference, CPU, ` +
      `memory, probe or scale change). Azure refuses a revision suffix reused with another ` +
      `template, and a template change must not move traffic by itself, so nothing was changed. ` +
      `Ship it as a new candidate in the idle slot: npm run release -- deploy --stack ${stack} ` +
      `--version ${slot.version} --image ${image}`,
  );
}

/**
 * The Container App's traffic: the live slot gets `100 - canaryPercent`, the other slot (when it
 * holds a version) `canaryPercent`. The latest slot's revision is `latest`; the other slot's is
 * its recorded suffix. Entries are always in slot order (blue, then green), so the same release
 * gives the same array and a promotion changes weights only.
 */
export function computeTraffic(release: Release, appName: string, latest: string): TrafficEntry[] {
  const entries: TrafficEntry[] = [];
  for (const slot of SLOTS) {
    const deployed = release[slot];
    if (deployed === undefined) {
      continue;
    }
    const suffix = slot === release.latest ? latest : recordedSuffix(deployed);
    entries.push({
      revisionName: revisionName(appName, suffix),
      label: slot,
      weight: slotWeight(release, slot),
    });
  }
  return entries;
}
