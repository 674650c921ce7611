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
import {
  DependenciesChanged,
  EXIT,
  ExitCode,
  RELEASE_LOCK_TAG,
  ReleaseDeps,
  ReleaseWorkspace,
  Reporter,
} from "./ports";
import { NOTIFY_FLUSH_MS, NotificationQueue, announce } from "./notify";
import { assertPauseCoversWindow } from "./pause";
import { PromoteCommand, promote } from "./promote";
import { RollbackCommand, rollback } from "./rollback";
import {
  ReleaseConfigError,
  ReleaseState,
  latestSlot,
  parseGateState,
  parseReleaseState,
} from "./state";
import { StateNotRecorded, bestEffort } from "./record";
import { CheckFailed, Refused } from "./traffic";

export interface StatusCommand {
  readonly kind: "status";
}
/** Removes the release lock a `--keep-lock` command left, only while `holder` holds it. */
export interface UnlockCommand {
  readonly kind: "unlock";
  readonly holder: string;
}
export type { DeployCommand, PromoteCommand, RollbackCommand };
export type ReleaseCommand =
  StatusCommand | DeployCommand | PromoteCommand | RollbackCommand | UnlockCommand;
export { shortStackName, verifiedMarker };

/**
 * Runs one release command and returns the process exit code. Its events go to `deps.notifier`
 * through a queue (`notify.ts`): a deploy, a rollback command and a failed command (exit 1, 4, 5)
 * are announced here, promotion steps and automatic rollbacks by `promote`.
 */
export async function runRelease(command: ReleaseCommand, deps: ReleaseDeps): Promise<ExitCode> {
  if (command.kind === "unlock") {
    return unlock(deps.workspace, command.holder, deps.report);
  }
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
  command: Exclude<ReleaseCommand, StatusCommand | UnlockCommand>,
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

async function runCommand(
  command: Exclude<ReleaseCommand, UnlockCommand>,
  deps: ReleaseDeps,
): Promise<ExitCode> {
  try {
    if (command.kind === "status") {
      return await status(await loadContext(deps, { readOnly: true }), deps);
    }
    if (command.kind === "promote" && command.steps.some((step) => step < 100)) {
      // Before the lock: a pause the stack's window refuses is refused before any wait.
      const gates =
        deps.gates ??
        parseGateState(await deps.workspace.readGates(), await deps.workspace.readEnvironment());
      assertPauseCoversWindow(deps.workspace.stackName, command, gates);
    }
    return await exclusive(command.kind, deps, async (waited) => {
      await checkoutUpToDate(deps, waited, command.kind);
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
 * holds it through its pauses, when Pulumi's lock is free). With `deps.keepLock` the lock outlives
 * the command: the release workflow removes it once it has pushed the stack file, so the next
 * release reads the file this one wrote. The holder is recorded (`keepLock`) before the lock is
 * written, so a job cancelled between the two still knows which lock is its own.
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
  let recorded = false;
  for (;;) {
    const holder = await deps.workspace.readLock();
    if (holder === undefined) {
      if (deps.keepLock !== undefined && !recorded) {
        try {
          await deps.keepLock(me);
        } catch (err) {
          throw new Refused(
            `cannot record the release lock's holder for --keep-lock (${(err as Error).message.replace(/\.$/, "")}), so nothing could remove the lock after the command; the lock was not taken`,
          );
        }
        recorded = true;
      }
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
  const kept = deps.keepLock !== undefined;
  try {
    return await run(waited);
  } finally {
    if (kept) {
      deps.report.info(
        `the release lock of stack ${stack} stays held by ${me} (--keep-lock): once the stack file is committed, remove it with: npm run release -- unlock --stack ${stack} --holder '${me}'`,
      );
    } else {
      await releaseOwnLock(deps, me);
    }
  }
}

/** Removes the release lock while `me` holds it (never another release's after a lost race). */
async function releaseOwnLock(deps: ReleaseDeps, me: string): Promise<void> {
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

/**
 * `unlock --holder <h>`: removes the release lock only while `holder` holds it. 0 removed (or
 * there was none) · 3 another holder has it, left as it is · 4 it could not be read or removed.
 */
export async function unlock(
  workspace: Pick<ReleaseWorkspace, "stackName" | "readLock" | "writeLock">,
  holder: string,
  report: Reporter,
): Promise<ExitCode> {
  const stack = workspace.stackName;
  try {
    const current = await workspace.readLock();
    if (current === undefined) {
      report.info(`stack ${stack} has no release lock; nothing to remove`);
      return EXIT.ok;
    }
    if (current !== holder) {
      report.error(
        `refused: the release lock of stack ${stack} is held by ${current}, not by ${holder}; left as it is`,
      );
      return EXIT.refused;
    }
    await workspace.writeLock(undefined);
    // Another release may take the freed lock at once; only ours still being there is a failure.
    if ((await workspace.readLock()) === holder) {
      throw new Error("it is still there after removing it");
    }
    report.info(`removed the release lock of stack ${stack} (${holder})`);
    return EXIT.ok;
  } catch (err) {
    report.error(
      `error: cannot remove the release lock of stack ${stack}: ${(err as Error).message.replace(/\.$/, "")}; run the same unlock again, or: pulumi stack tag rm ${RELEASE_LOCK_TAG} --stack ${stack}`,
    );
    return EXIT.errorRolledBack;
  }
}

/** Time a written lock is left to settle before it is read back. */
const LOCK_SETTLE_MS = 3_000;

/** Time between looks at the release lock while `--wait-for-lock` waits. */
const LOCK_POLL_MS = 30_000;

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
 * (`deps.refresh`) once. The release ahead (the release workflow: `--keep-lock`) held the lock
 * until its stack file was pushed, so one update brings it. A deploy (which runs the checkout's
 * program with `pulumi up`) refuses, leaving the checkout as it is, when the branch has other
 * dependencies than this job installed; promote and rollback only move traffic with the engine
 * already loaded, so for them that is no reason to refuse. After a wait, refuses when the stack
 * file is still older than what the release waited for deployed (its push failed, or it ran by
 * hand and was not committed).
 */
async function checkoutUpToDate(
  deps: ReleaseDeps,
  waited: LockWait | undefined,
  kind: "deploy" | "promote" | "rollback",
): Promise<void> {
  const refresh = deps.refresh;
  let pullFailed = false;
  if (refresh !== undefined) {
    try {
      await refresh.run({ refuseDependencyChanges: kind === "deploy" });
    } catch (err) {
      if (err instanceof DependenciesChanged) {
        throw new Refused(
          `the dependencies on ${err.source} differ from this job's checkout: ${err.files.join(", ")} changed between the checkout (${err.from.slice(0, 12)}) and ${err.source} (${err.to.slice(0, 12)}), but node_modules was installed and audited (npm ci) from the checkout's, and the deploy would run ${err.source}'s newer program (pulumi up) with them; the checkout was left as it is. Run the release workflow again: it installs and audits the new ones (by hand: git pull --ff-only ${err.source.replace("/", " ")}, npm ci, then the same command)`,
        );
      }
      pullFailed = true;
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
  if (refresh === undefined) {
    throw new Refused(`${what}. Pull that commit (git pull --ff-only) and run the command again`);
  }
  if (pullFailed) {
    throw new Refused(
      `${what}, and ${refresh.command} failed (the warning above). Update the checkout, then run the command again`,
    );
  }
  throw new Refused(
    `${what}, also after ${refresh.command}: that release's stack file is not on the branch (a release workflow whose push failed keeps it as its run's artifact release-state-${short}; a release run by hand commits it itself). Commit it, then run the command again`,
  );
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
