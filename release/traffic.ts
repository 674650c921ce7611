/**
 * Traffic and revision readiness on the Container App: the only production changes the engine
 * makes besides a deploy's targeted update. Each write is one ARM call; a lost answer is settled by
 * reading the app back, and 409 Conflict (another operation in progress) is retried, bounded.
 */
import { Slot } from "../lib/release";
import { AppRef, ReleaseDeps, RevisionInfo, TrafficWeight } from "./ports";

/** A check that failed; the message says which and why. */
export class CheckFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckFailed";
  }
}

/** A precondition that does not hold: the command changes nothing. */
export class Refused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Refused";
  }
}

function statusOf(err: unknown): number | undefined {
  const status =
    (err as { statusCode?: unknown; status?: unknown }).statusCode ??
    (err as { status?: unknown }).status;
  return typeof status === "number" ? status : undefined;
}

/** `blue=chatbot-api-prod--v1-4-2-...:90, green=...:10` */
export function describeTraffic(traffic: readonly TrafficWeight[]): string {
  return traffic
    .map((entry) => `${entry.label ?? "(no label)"}=${entry.revisionName}:${entry.weight}`)
    .join(", ");
}

/** The same labelled weights (entries in any order; unlabelled entries at 0% ignored). */
export function sameTraffic(a: readonly TrafficWeight[], b: readonly TrafficWeight[]): boolean {
  const key = (entries: readonly TrafficWeight[]) =>
    entries
      .filter((entry) => entry.weight > 0 || entry.label !== undefined)
      .map((entry) => `${entry.label ?? ""}=${entry.revisionName}:${entry.weight}`)
      .sort()
      .join(",");
  return key(a) === key(b);
}

/**
 * Sets the app's traffic and generation tag with one ARM PATCH. 409 Conflict is retried
 * (`conflictAttempts`); any other failure is checked by reading the app back: when Azure already
 * serves the wanted traffic (the write landed, its answer was lost), that is success.
 */
export async function writeTraffic(
  deps: ReleaseDeps,
  ref: AppRef,
  traffic: readonly TrafficWeight[],
  generation: number,
  live: Slot,
): Promise<void> {
  // Once interrupted (a cancelled job is killed about 10 s after SIGINT), retry briefly.
  const aborted = deps.signal?.aborted === true;
  const conflictAttempts = aborted ? 2 : deps.timings.conflictAttempts;
  const conflictRetryMs = aborted ? 1_000 : deps.timings.conflictRetryMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.azure.setTraffic(ref, traffic, generation, live);
      return;
    } catch (err) {
      const app = await deps.azure.getApp(ref).catch(() => undefined);
      if (app !== undefined && sameTraffic(app.traffic, traffic)) {
        deps.report.info(
          `traffic write answered ${(err as Error).message}; Azure already serves the new traffic`,
        );
        return;
      }
      if (statusOf(err) !== 409 || attempt >= conflictAttempts) {
        throw err;
      }
      deps.report.info(
        `Azure answered 409 Conflict (another operation on ${ref.appName}); retry ${attempt + 1}/${conflictAttempts} in ${conflictRetryMs / 1000}s`,
      );
      await deps.clock.sleep(conflictRetryMs);
    }
  }
}

/** Azure's words for a revision that cannot pull its image or read its Key Vault secrets yet. */
const ROLE_NOT_EFFECTIVE =
  /unauthori[sz]ed|forbidden|403|does not have (secrets get )?permission|not authorized|AuthorizationFailed|pull access denied|ImagePull|KeyVault|Key Vault/i;

function ready(revision: RevisionInfo): boolean {
  return (
    revision.active &&
    revision.provisioningState === "Provisioned" &&
    revision.runningState === "Running"
  );
}

function describe(revision: RevisionInfo): string {
  return `provisioningState ${revision.provisioningState}, runningState ${revision.runningState}, active ${revision.active}${revision.provisioningError ? `, error: ${revision.provisioningError}` : ""}`;
}

/**
 * Waits until a revision is provisioned, active and running (a scaled-to-zero revision is running
 * with 0 replicas). A revision that fails because the identity's role assignments have not taken
 * effect yet is restarted after each poll, for at most `roleAssignmentGraceMs`; any other failure,
 * or `readyTimeoutMs`, is a `CheckFailed`.
 */
export async function waitReady(
  deps: ReleaseDeps,
  ref: AppRef,
  revisionName: string,
): Promise<void> {
  const { readyTimeoutMs, readyPollMs, roleAssignmentGraceMs } = deps.timings;
  const start = deps.clock.now();
  let roleWaitStart: number | undefined;
  for (;;) {
    const revision = await deps.azure.getRevision(ref, revisionName);
    if (revision === undefined) {
      throw new CheckFailed(`revision ${revisionName} does not exist`);
    }
    if (ready(revision)) {
      deps.report.info(`revision ${revisionName} is ready (${revision.replicas} replicas)`);
      return;
    }
    const failed = revision.provisioningState === "Failed" || revision.runningState === "Failed";
    if (failed) {
      if (!ROLE_NOT_EFFECTIVE.test(revision.provisioningError ?? "")) {
        throw new CheckFailed(`revision ${revisionName} failed (${describe(revision)})`);
      }
      roleWaitStart ??= deps.clock.now();
      const waited = deps.clock.now() - roleWaitStart;
      if (waited >= roleAssignmentGraceMs) {
        throw new CheckFailed(
          `revision ${revisionName} still cannot pull its image or read Key Vault after ${Math.round(waited / 1000)}s: the identity's role assignments have not taken effect (${describe(revision)}); check them and run the deploy again`,
        );
      }
      deps.report.info(
        `revision ${revisionName} cannot pull its image or read Key Vault yet (role assignments take minutes to take effect); restarting it in ${readyPollMs / 1000}s`,
      );
      await deps.clock.sleep(readyPollMs, deps.signal);
      await deps.azure.restart(ref, revisionName);
      continue;
    }
    if (roleWaitStart !== undefined) {
      // After a restart for role assignments, the grace period is the limit, not the ready timeout.
      const graceWaited = deps.clock.now() - roleWaitStart;
      if (graceWaited >= roleAssignmentGraceMs) {
        throw new CheckFailed(
          `revision ${revisionName} still cannot pull its image or read Key Vault after ${Math.round(graceWaited / 1000)}s: the identity's role assignments have not taken effect (${describe(revision)}); check them and run the deploy again`,
        );
      }
      await deps.clock.sleep(readyPollMs, deps.signal);
      continue;
    }
    const waited = deps.clock.now() - start;
    if (waited >= readyTimeoutMs) {
      throw new CheckFailed(
        `revision ${revisionName} not ready after ${Math.round(waited / 1000)}s (${describe(revision)})`,
      );
    }
    deps.report.info(
      `waiting for revision ${revisionName}: ${describe(revision)} (${Math.round(waited / 1000)}s of ${readyTimeoutMs / 1000}s)`,
    );
    await deps.clock.sleep(readyPollMs, deps.signal);
  }
}

/**
 * Makes sure traffic can go to a revision: it exists, is provisioned, active and running. An
 * inactive revision is activated and waited for. Throws `Refused` when it cannot serve (missing,
 * purged or failed): traffic never goes to a revision that would not answer.
 */
export async function ensureServable(
  deps: ReleaseDeps,
  ref: AppRef,
  revisionName: string,
): Promise<void> {
  const revision = await deps.azure.getRevision(ref, revisionName);
  if (revision === undefined) {
    throw new Refused(
      `revision ${revisionName} no longer exists (purged after maxInactiveRevisions); deploy that version again instead`,
    );
  }
  if (revision.provisioningState === "Failed" || revision.runningState === "Failed") {
    throw new Refused(`revision ${revisionName} cannot serve: ${describe(revision)}`);
  }
  if (ready(revision)) {
    return;
  }
  if (!revision.active) {
    deps.report.info(`revision ${revisionName} is inactive: activating it before it gets traffic`);
    await deps.azure.activate(ref, revisionName);
  }
  try {
    await waitReady(deps, ref, revisionName);
  } catch (err) {
    if (err instanceof CheckFailed) {
      throw new Refused(`revision ${revisionName} cannot be made ready: ${err.message}`);
    }
    throw err;
  }
}
