/**
 * The release runbook: status, deploy, promote and rollback over one stack. Each command takes the
 * release lock, reads the stack file and the deployed app (`context.ts`), refuses before any
 * change when they disagree, and maps every outcome to one documented exit code:
 * 0 done · 1 check failed (traffic back where it was) · 2 usage · 3 refused, nothing changed ·
 * 4 error or interruption (traffic back where it was) · 5 putting traffic back failed.
 */
import {
  ReleaseContext,
  StackNotCreated,
  labelUrl,
  loadContext,
  revisionOf,
  shortStackName,
} from "./context";
import { DeployCommand, deploy, verifiedMarker } from "./deploy";
import { EXIT, ExitCode, RELEASE_LOCK_TAG, ReleaseDeps, Reporter } from "./ports";
import { NOTIFY_FLUSH_MS, NotificationQueue, announce } from "./notify";
import { PromoteCommand, promote } from "./promote";
import { RollbackCommand, rollback } from "./rollback";
import { ReleaseConfigError, ReleaseState, latestSlot, parseReleaseState } from "./state";
import { StateNotRecorded, bestEffort } from "./record";
import { CheckFailed, Refused } from "./traffic";

export interface StatusCommand {
  readonly kind: "status";
}
export type { DeployCommand, PromoteCommand, RollbackCommand };
export type ReleaseCommand = StatusCommand | DeployCommand | PromoteCommand | RollbackCommand;
export { shortStackName, verifiedMarker };

/**
 * Runs one release command and returns the process exit code. Its events go to `deps.notifier`
 * through a queue (`notify.ts`): a deploy, a rollback command and a failed command (exit 1, 4, 5)
 * are announced here, promotion steps and automatic rollbacks by `promote`.
 */
export async function runRelease(command: ReleaseCommand, deps: ReleaseDeps): Promise<ExitCode> {
  if (deps.notifier === undefined || command.kind === "status") {
    return runCommand(command, deps);
  }
  const queue = new NotificationQueue(deps.notifier, deps.report);
  let firstError: string | undefined;
  const report: Reporter = {
    info: (line) => deps.report.info(line),
    error: (line) => {
      if (firstError === undefined && !line.startsWith("warning:")) {
        firstError = line;
      }
      deps.report.error(line);
    },
  };
  const inner = { ...deps, notifier: queue, report };
  const exit = await runCommand(command, inner);
  // A promotion whose watch was interrupted stands (exit 4): it was announced as promoted.
  if (!queue.events.includes("promoted")) {
    await announceOutcome(command, inner, exit, firstError);
  }
  await queue.flush(NOTIFY_FLUSH_MS);
  return exit;
}

/** Announces a finished deploy or rollback command, or a failed command, with the stack file's state. */
async function announceOutcome(
  command: Exclude<ReleaseCommand, StatusCommand>,
  deps: ReleaseDeps,
  exit: ExitCode,
  firstError: string | undefined,
): Promise<void> {
  const failed =
    exit === EXIT.checkFailed || exit === EXIT.errorRolledBack || exit === EXIT.rollbackFailed;
  if (exit !== EXIT.ok && !failed) {
    return;
  }
  if (exit === EXIT.ok && command.kind === "promote") {
    return;
  }
  let release: ReleaseState | undefined;
  try {
    release = parseReleaseState(await deps.workspace.readRelease());
  } catch {
    release = undefined;
  }
  const stack = deps.workspace.stackName;
  const latest = release === undefined ? undefined : release[latestSlot(release)];
  const live = release === undefined ? undefined : release[release.live];
  if (failed) {
    const version = command.kind === "deploy" ? command.version : latest?.version;
    const reason = (firstError ?? `exit ${exit}`).replace(/^(error|check failed|refused): /, "");
    announce(deps, "failure", stack, release, {
      version,
      reason,
      exitCode: exit,
      text: `${command.kind}${version === undefined ? "" : ` ${version}`} failed (exit ${exit}): ${reason}`,
    });
  } else if (command.kind === "deploy") {
    announce(deps, "deploy", stack, release, {
      version: command.version,
      text: `deployed ${command.version} to ${release === undefined ? "?" : latestSlot(release)} at 0% traffic, verified; live: ${release?.live} (${live?.version})`,
    });
  } else {
    announce(deps, "rollback", stack, release, {
      version: live?.version,
      reason: "rollback command",
      text: `rolled back by command: ${release?.live} (${live?.version}) is live at 100%`,
    });
  }
}

async function runCommand(command: ReleaseCommand, deps: ReleaseDeps): Promise<ExitCode> {
  try {
    if (command.kind === "status") {
      return await status(await loadContext(deps, { readOnly: true }), deps);
    }
    return await exclusive(command.kind, deps, async (waited) => {
      await checkoutUpToDate(deps, waited);
      if (command.kind === "deploy") {
        let loaded: ReleaseContext | undefined;
        try {
          loaded = await loadContext(deps);
        } catch (err) {
          if (!(err instanceof StackNotCreated)) {
            throw err;
          }
        }
        return deploy(loaded, command, deps);
      }
      const ctx = await loadContext(deps);
      switch (command.kind) {
        case "promote":
          return promote(ctx, command, deps);
        default:
          return rollback(ctx, deps);
      }
    });
  } catch (err) {
    if (err instanceof ReleaseConfigError) {
      deps.report.error(`error: ${err.message}`);
      return EXIT.usage;
    }
    if (err instanceof Refused) {
      deps.report.error(`refused: ${err.message}; nothing changed`);
      return EXIT.refused;
    }
    if (err instanceof CheckFailed) {
      deps.report.error(`check failed: ${err.message}`);
      return EXIT.checkFailed;
    }
    if (err instanceof StateNotRecorded) {
      deps.report.error(`error: ${err.message}`);
      return EXIT.rollbackFailed;
    }
    const why = deps.signal?.aborted
      ? `interrupted (${String(deps.signal.reason)})`
      : (err as Error).message.replace(/\.$/, "");
    deps.report.error(`error: ${why}; live traffic did not move`);
    return EXIT.errorRolledBack;
  }
}

/**
 * Runs a command that changes the stack under the release lock. Refuses, changing nothing, while
 * another update holds Pulumi's stack lock or another release holds the release lock (a promotion
 * holds it through its pauses, when Pulumi's lock is free).
 */
async function exclusive(
  name: string,
  deps: ReleaseDeps,
  run: (waited: LockWait | undefined) => Promise<ExitCode>,
): Promise<ExitCode> {
  const stack = deps.workspace.stackName;
  if (await deps.workspace.updateInProgress()) {
    throw new Refused(`another update is in progress on stack ${stack} (stack lock)`);
  }
  const me = `${name} by ${deps.owner}`;
  const waitMs = deps.lockWaitMs ?? 0;
  const start = deps.clock.now();
  let waited: LockWait | undefined;
  for (;;) {
    const holder = await deps.workspace.readLock();
    if (holder === undefined) {
      // Stack tags are last-writer-wins: let a concurrent writer's tag land, read back, and
      // wait again if another release won. This narrows the race; it is not a lease.
      await deps.workspace.writeLock(me);
      await deps.clock.sleep(LOCK_SETTLE_MS);
      if ((await deps.workspace.readLock()) === me) {
        break;
      }
    } else if (deps.clock.now() - start >= waitMs) {
      throw new Refused(
        `another release holds stack ${stack} (${holder})${waitMs > 0 ? ` after waiting ${Math.round(waitMs / 1000)}s` : ""}; if that release is no longer running, remove its lock with: pulumi stack tag rm ${RELEASE_LOCK_TAG} --stack ${stack}`,
      );
    } else {
      waited = { holder, generation: waited?.generation ?? (await deployedGeneration(deps)) };
      deps.report.info(`waiting for another release of ${stack} to finish (${holder})`);
      await deps.clock.sleep(LOCK_POLL_MS, deps.signal);
    }
  }
  try {
    return await run(waited);
  } finally {
    // Remove the lock only while it is ours (never another release's after a lost race).
    await bestEffort(
      deps,
      `remove the release lock (pulumi stack tag rm ${RELEASE_LOCK_TAG})`,
      async () => {
        if ((await deps.workspace.readLock()) === me) {
          await deps.workspace.writeLock(undefined);
        }
      },
    );
  }
}

/** Time a written lock is left to settle before it is read back. */
const LOCK_SETTLE_MS = 3_000;

/** Time between looks at the release lock while `--wait-for-lock` waits. */
const LOCK_POLL_MS = 30_000;

/**
 * How long a release that waited for the lock keeps updating its checkout for the stack file of
 * the release it waited for: that release removes the lock, then its workflow commits and pushes
 * the file (a later step: notifications flushed for up to 20 s, then three push attempts).
 */
export const REFRESH_WAIT_MS = 180_000;

/** Time between those updates. */
const REFRESH_POLL_MS = 15_000;

/** What a command saw while it waited for another release's lock. */
interface LockWait {
  /** The release last seen holding the lock. */
  readonly holder: string;
  /** The deployed generation when the wait began; `undefined` when it could not be read. */
  readonly generation: number | undefined;
}

/** The deployed generation (the app's tag), or `undefined` when it cannot be read. */
async function deployedGeneration(deps: ReleaseDeps): Promise<number | undefined> {
  try {
    return (await loadContext(deps, { readOnly: true })).app?.generation;
  } catch {
    return undefined;
  }
}

/**
 * The stack file's and the deployed generation when another release moved the deployed
 * generation while this one waited and the stack file does not have that change; else undefined.
 */
async function changedWhileWaiting(
  deps: ReleaseDeps,
  waited: LockWait,
): Promise<{ readonly file: number; readonly deployed: number } | undefined> {
  let ctx: ReleaseContext;
  try {
    ctx = await loadContext(deps, { readOnly: true });
  } catch (err) {
    if (err instanceof Refused) {
      return undefined; // the command's own loadContext refuses with the reason
    }
    throw err;
  }
  const deployed = ctx.app?.generation;
  if (
    ctx.release === undefined ||
    deployed === undefined ||
    waited.generation === undefined ||
    deployed <= waited.generation ||
    ctx.release.generation >= deployed
  ) {
    return undefined;
  }
  return { file: ctx.release.generation, deployed };
}

/**
 * Run with the lock held, before the command reads the stack file: updates the checkout
 * (`deps.refresh`); after a wait for another release, until the stack file has what that release
 * deployed (its commit lands after it removed the lock, so this tries for `REFRESH_WAIT_MS`).
 * Refuses, saying so, when the file stays older than that release's change.
 */
async function checkoutUpToDate(deps: ReleaseDeps, waited: LockWait | undefined): Promise<void> {
  const refresh = deps.refresh;
  const start = deps.clock.now();
  for (;;) {
    if (refresh !== undefined) {
      try {
        await refresh.run();
      } catch (err) {
        deps.report.error(
          `warning: could not update the checkout (${refresh.command}): ${(err as Error).message.replace(/\.$/, "")}`,
        );
      }
    }
    const gap = waited === undefined ? undefined : await changedWhileWaiting(deps, waited);
    if (waited === undefined || gap === undefined) {
      return;
    }
    const short = shortStackName(deps.workspace.stackName);
    const file = `Pulumi.${short}.yaml`;
    const what = `another release of stack ${deps.workspace.stackName} (${waited.holder}) changed it while this one waited for the lock: what is deployed went from generation ${waited.generation} to ${gap.deployed}, and this checkout's ${file} is older than that release's commit (its release block has generation ${gap.file})`;
    const elapsed = deps.clock.now() - start;
    if (refresh === undefined) {
      throw new Refused(`${what}. Pull that commit (git pull --ff-only) and run the command again`);
    }
    if (elapsed >= REFRESH_WAIT_MS) {
      throw new Refused(
        `${what}, also after ${REFRESH_WAIT_MS / 1000}s of ${refresh.command}: that release's stack file has not been pushed (the release workflow keeps a file it could not push as its run's artifact release-state-${short}). Push it, then run the command again`,
      );
    }
    deps.report.info(
      `waiting for the stack file of the release before this one (${waited.holder}) to reach this checkout (${refresh.command}): ${file} has generation ${gap.file}, Azure ${gap.deployed} (${Math.round(elapsed / 1000)}s of ${REFRESH_WAIT_MS / 1000}s)`,
    );
    await deps.clock.sleep(REFRESH_POLL_MS, deps.signal);
  }
}

/** Prints the stack file's release next to what Azure serves. */
async function status(ctx: ReleaseContext, deps: ReleaseDeps): Promise<ExitCode> {
  const release = ctx.release;
  const report = deps.report;
  if (release === undefined) {
    if (ctx.behind !== undefined) {
      report.error(`warning: ${ctx.behind}`);
    } else {
      report.info(`stack ${ctx.stack}: no release yet (run deploy)`);
    }
    return EXIT.ok;
  }
  const verified = await deps.workspace.readVerified();
  const latest = latestSlot(release);
  if (ctx.behind !== undefined) {
    report.error(
      `warning: ${ctx.behind}; below, the slots as the stack file has them and what Azure serves`,
    );
  }
  report.info(
    `stack ${ctx.stack}: live ${release.live}, latest ${latest}, generation ${release.generation} (Azure: ${ctx.app?.generation ?? "no tag"})`,
  );
  const revisions = ctx.app === undefined ? [] : await deps.azure.listRevisions(ctx.ref);
  const inSlots: string[] = [];
  for (const slot of ["blue", "green"] as const) {
    const state = release[slot];
    const name = revisionOf(ctx, slot);
    if (state === undefined || name === undefined) {
      report.info(`${slot}: empty`);
      continue;
    }
    inSlots.push(name);
    const revision = revisions.find((item) => item.name === name);
    const served = ctx.app?.traffic.find((entry) => entry.label === slot);
    const weight = served?.weight;
    const marks = [
      slot === release.live ? "live" : "",
      slot === latest ? "latest" : "",
      verified === verifiedMarker(slot, name) ? "verified" : "",
    ].filter((mark) => mark !== "");
    report.info(
      `${slot}: version ${state.version}, revision ${name}${served !== undefined && served.revisionName !== name ? ` (Azure's ${slot} label: ${served.revisionName})` : ""}, weight ${weight ?? "?"}%, ${revision === undefined ? "not in Azure" : `${revision.active ? "active" : "inactive"}, ${revision.provisioningState}/${revision.runningState}, ${revision.replicas} replicas`}, image ${state.image}, url ${labelUrl(ctx, slot) || "(none)"}${marks.length > 0 ? ` [${marks.join(", ")}]` : ""}`,
    );
  }
  for (const revision of revisions) {
    if (inSlots.includes(revision.name)) {
      continue;
    }
    const failed = revision.provisioningState === "Failed" || revision.runningState === "Failed";
    if (failed) {
      report.info(
        `failed deploy: revision ${revision.name} (${revision.provisioningState}/${revision.runningState}${revision.provisioningError ? `: ${revision.provisioningError}` : ""}) is in no slot; its suffix is never reused`,
      );
    } else if (revision.active) {
      report.info(`superseded: revision ${revision.name} is active and in no slot`);
    }
  }
  const short = shortStackName(ctx.stack);
  const idle = latest === release.live ? undefined : latest;
  const idleRevision = idle === undefined ? undefined : revisionOf(ctx, idle);
  const next =
    idle === undefined
      ? `npm run release -- deploy --stack ${short} --version <V> --image <I>`
      : idleRevision !== undefined && verified === verifiedMarker(idle, idleRevision)
        ? `npm run release -- promote --stack ${short}`
        : `npm run release -- deploy --stack ${short} --version <V> --image <I> (${idle} holds a candidate that is not verified)`;
  report.info(
    `active revisions: ${revisions.filter((revision) => revision.active).length}; next: ${next}`,
  );
  return EXIT.ok;
}
