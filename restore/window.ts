/**
 * Azure's rules for the restore point of a point-in-time restore, as pure functions
 * (https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-backup-restore):
 * - "You can then do a point-in-time recovery (PITR) within a retention period that you specify":
 *   no earlier than `backupRetentionDays` before now;
 * - and no earlier than the server's `backup.earliestRestoreDate` (a server younger than its
 *   retention has backups only since its first snapshot);
 * - no later than now ("Latest restore point (now)");
 * - transaction-log backups lag: "In general, the delay (recovery point objective, or RPO) can be
 *   up to 15 minutes", so the drill's default point is 15 minutes ago.
 */
import type { ServerInfo } from "./ports";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** The default restore point lies this far back: the documented RPO of transaction-log backups. */
export const DEFAULT_RESTORE_LAG_MS = 15 * MINUTE;

/** A restore point Azure would refuse. */
export class RestoreWindowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RestoreWindowError";
  }
}

/** `2026-11-29T09:45:00Z` (whole seconds; ARM's `pointInTimeUTC` format). */
export function utc(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** `14m05s`, `2h03m`, `45s`. */
export function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const two = (n: number) => String(n).padStart(2, "0");
  if (h > 0) return `${h}h${two(m)}m`;
  if (m > 0) return `${m}m${two(s)}s`;
  return `${s}s`;
}

/** The times a restore of `server` may target at `nowMs`: [earliest, latest]. */
export function restoreWindow(
  server: ServerInfo,
  nowMs: number,
): { earliestMs: number; latestMs: number } {
  const retentionStart = nowMs - server.backupRetentionDays * DAY;
  return {
    earliestMs: Math.max(retentionStart, server.earliestRestoreMs ?? retentionStart),
    latestMs: nowMs,
  };
}

/**
 * The restore point (epoch ms, whole seconds): `requested` (an ISO 8601 UTC time) or, without it,
 * 15 minutes ago. Throws `RestoreWindowError` naming the rule when Azure would refuse it.
 */
export function chooseRestorePoint(server: ServerInfo, nowMs: number, requested?: string): number {
  const { earliestMs } = restoreWindow(server, nowMs);
  const retentionStart = nowMs - server.backupRetentionDays * DAY;
  if (requested === undefined) {
    const point = Math.floor((nowMs - DEFAULT_RESTORE_LAG_MS) / 1000) * 1000;
    if (point < earliestMs) {
      throw new RestoreWindowError(
        `the default restore point (15 minutes ago, ${utc(point)}) is before the earliest restore point of server ${server.name}, ${utc(earliestMs)}: its first backup is newer; give --restore-time between ${utc(earliestMs)} and now (${utc(nowMs)})`,
      );
    }
    return point;
  }
  const point = Date.parse(requested);
  if (point > nowMs) {
    throw new RestoreWindowError(
      `\`--restore-time\` ${requested} is in the future (now is ${utc(nowMs)}): a restore point must lie between ${utc(earliestMs)} and now`,
    );
  }
  if (point < retentionStart) {
    throw new RestoreWindowError(
      `\`--restore-time\` ${requested} is outside server ${server.name}'s backup retention of ${server.backupRetentionDays} days (the earliest restore point is ${utc(earliestMs)})`,
    );
  }
  if (point < earliestMs) {
    throw new RestoreWindowError(
      `\`--restore-time\` ${requested} is before the earliest restore point of server ${server.name}, ${utc(earliestMs)} (its first backup)`,
    );
  }
  return point;
}
