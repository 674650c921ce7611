/**
 * Promote: the verified idle slot takes traffic step by step (`--steps 10,50,100`), each step
 * observed for `--pause` and judged by the gates; the last step makes it live.
 *
 * Each step is one ARM write of the Container App's traffic (no `pulumi up`, no other resource),
 * then the stack file records it with a new generation. During a step:
 * - health checks of the candidate's label URL every `checkIntervalSeconds`; more than
 *   `maxConsecutiveHealthFailures` in a row roll back;
 * - the automatic rollback triggers (error rate over 2 min, p95 over 5 min) on trailing windows;
 * - at the end, once `ingestionLagMinutes` have passed, the promotion criteria over the whole step
 *   (p95 and error rate of the candidate's own requests). Too few requests is inconclusive: the
 *   step waits, at most `inconclusiveMaxWaitMinutes`, then fails; it never passes.
 * After the last step, the post-promotion watch (`watch.ts`) keeps evaluating the rollback
 * triggers on the new live revision for `postPromotionWatchMinutes`; a trigger rolls back.
 * Undo: every failure after traffic moved (a gate, a trigger during the watch, an Azure error, a
 * timeout, SIGINT/SIGTERM during a step) puts the original traffic back with one ARM write before
 * the command exits. SIGINT/SIGTERM during the watch keeps the promotion (it passed its gates).
 * Every step, the finished promotion and a rollback are announced (`notify.ts`).
 */
import {
  ReleaseContext,
  assertTrafficMatches,
  labelEndpoint,
  productionUrl,
  revisionOf,
} from "./context";
import { verifiedMarker } from "./deploy";
import { promotionVerdict } from "./gates";
import { deactivateSuperseded } from "./lifecycle";
import { EXIT, ExitCode, ReleaseDeps, TrafficWeight } from "./ports";
import { ReleaseState, Slot, otherSlot, trafficOf } from "./state";
import { bestEffort, recordCommand, recordRelease } from "./record";
import { CheckFailed, Refused, ensureServable, writeTraffic } from "./traffic";
import { verifyUrl } from "./verify";
import { announce } from "./notify";
import { MINUTE, RevisionObserver } from "./observe";
import { assertPauseCoversWindow } from "./pause";
import { watchPromotion } from "./watch";
import { AKS_NAMESPACE, ROUTE_NAME, slotObjectName } from "./aks";

/** The command that gives `live` `100 - canary` and the other slot `canary` by hand, on the stack's target. */
function manualTraffic(ctx: ReleaseContext, live: Slot, canary = 0): string {
  const idle = otherSlot(live);
  return ctx.app?.slotHeader === undefined
    ? `az containerapp ingress traffic set --name ${ctx.ref.appName} --resource-group ${ctx.ref.resourceGroup} --label-weight ${live}=${100 - canary} ${idle}=${canary}`
    : `kubectl edit httproute ${ROUTE_NAME} --namespace ${AKS_NAMESPACE}: in the rule without matches, weight ${100 - canary} on backendRef ${slotObjectName(live)} and ${canary} on ${slotObjectName(idle)}`;
}

export interface PromoteCommand {
  readonly kind: "promote";
  /** Traffic shares for the idle slot; the last is 100. @default [100] */
  readonly steps: readonly number[];
  /** Observation time of each step but the last. @default 2 min */
  readonly pauseMs: number;
  readonly smokePaths: readonly string[];
  /**
   * Watch the new live slot after the last step for `postPromotionWatchMinutes` (`--no-watch`
   * skips it, for emergencies). @default true
   */
  readonly watch?: boolean;
}

/**
 * Observes one canary step until its verdict, every `checkIntervalSeconds`: health checks of the
 * label URL and the rollback triggers on trailing windows all the time (also while the step's
 * window is being ingested and while more requests are awaited), and, once the step's window
 * has been ingested, the promotion criteria over the whole step. Throws `CheckFailed` when a
 * trigger fires, the criteria fail, or the window stays inconclusive too long; a telemetry read
 * that keeps failing is rethrown (an error: the promotion is rolled back).
 */
async function observeStep(
  ctx: ReleaseContext,
  deps: ReleaseDeps,
  candidate: { slot: Slot; revision: string },
  stepStart: number,
  pauseMs: number,
  smokePaths: readonly string[],
  expected: readonly TrafficWeight[],
): Promise<void> {
  const g = ctx.gates;
  const interval = g.checkIntervalSeconds * 1000;
  const lag = g.ingestionLagMinutes * MINUTE;
  if (ctx.workspaceId === "") {
    throw new CheckFailed(
      "the stack exports no `logAnalyticsWorkspaceId`: the gates cannot read the candidate's requests (run pulumi up once to add the output)",
    );
  }
  const observer = new RevisionObserver(
    ctx,
    deps,
    {
      revision: candidate.revision,
      endpoint: labelEndpoint(ctx, candidate.slot),
      smokePaths,
      expected,
      what: "the step",
    },
    stepStart,
  );
  const end = stepStart + pauseMs;
  const deadline = end + lag + g.inconclusiveMaxWaitMinutes * MINUTE;
  let told = false;
  for (;;) {
    await deps.clock.sleep(interval, deps.signal);
    const { ingested } = await observer.check();
    if (ingested < end) {
      if (deps.clock.now() >= end && !told) {
        told = true;
        deps.report.info(
          `step window ends; waiting ${Math.round((end - ingested) / 1000)}s for telemetry ingestion (${g.ingestionLagMinutes} min), still checking health`,
        );
      }
      continue;
    }
    const window = await observer.stats(stepStart, ingested);
    if (window === undefined) {
      continue;
    }
    const verdict = promotionVerdict(window, g);
    if (verdict.kind === "pass") {
      deps.report.info(`promotion criteria met: ${verdict.detail}`);
      return;
    }
    if (verdict.kind === "fail") {
      throw new CheckFailed(`promotion criteria not met: ${verdict.detail}`);
    }
    if (deps.clock.now() >= deadline) {
      throw new CheckFailed(
        `inconclusive: ${verdict.detail} after waiting ${g.inconclusiveMaxWaitMinutes} min; a window without enough requests never passes`,
      );
    }
    deps.report.info(
      `inconclusive: ${verdict.detail}; waiting ${g.checkIntervalSeconds}s for more`,
    );
  }
}

/** Runs a promotion; every failure after traffic moved is rolled back before it returns. */
export async function promote(
  ctx: ReleaseContext,
  command: PromoteCommand,
  deps: ReleaseDeps,
): Promise<ExitCode> {
  const release = ctx.release;
  const stack = ctx.stack;
  if (release === undefined || ctx.app === undefined) {
    throw new Refused(`no release on stack ${stack} yet; run deploy first`);
  }
  const idle = otherSlot(release.live);
  const candidate = release[idle];
  const candidateRevision = revisionOf(ctx, idle);
  const verified = await deps.workspace.readVerified();
  if (
    candidate === undefined ||
    candidateRevision === undefined ||
    verified !== verifiedMarker(idle, candidateRevision)
  ) {
    throw new Refused(
      `no verified idle slot on stack ${stack}: ${candidate === undefined ? "the idle slot is empty" : `${idle} (${candidate.version}, ${candidateRevision}) has not passed a deploy's checks`}; run deploy first`,
    );
  }
  assertTrafficMatches(ctx);
  // The command line holds a pause to the design's window; a stack may lengthen its own (checked
  // before the lock too, from the checkout's file; here from the stack file after its update).
  assertPauseCoversWindow(stack, command, ctx.gates);
  await ensureServable(deps, ctx.ref, candidateRevision);

  let generation = release.generation;
  let moved = false;
  // The traffic of the block with `live` getting `100 - canary` and the other slot `canary`.
  const trafficAt = (live: Slot, canary: number): TrafficWeight[] =>
    trafficOf(ctx.ref.appName, { ...release, live, canaryPercent: canary });
  const original = trafficAt(release.live, release.canaryPercent);
  let recorded = false;
  const write = async (traffic: TrafficWeight[], next: ReleaseState) => {
    generation += 1;
    moved = true;
    await writeTraffic(deps, ctx.ref, traffic, generation, next.live);
    await recordRelease(deps, { ...next, generation });
    recorded = true;
  };
  const minutes = ctx.gates.postPromotionWatchMinutes;
  const watch = command.watch !== false && minutes > 0;
  let watchStart: number | undefined;
  const tell = (
    event: "promote-step" | "promoted" | "rollback",
    state: ReleaseState,
    text: string,
    extra: { reason?: string; step?: number } = {},
  ) =>
    announce(
      deps,
      event,
      stack,
      { ...state, generation },
      { version: candidate.version, text, ...extra },
    );
  try {
    for (const step of command.steps) {
      deps.signal?.throwIfAborted();
      if (step < 100) {
        const stepTraffic = trafficAt(release.live, step);
        await write(stepTraffic, { ...release, canaryPercent: step });
        const stepStart = deps.clock.now();
        deps.report.info(
          `step ${step}%: ${idle} (${candidate.version}, ${candidateRevision}) gets ${step}% of traffic; observing for ${command.pauseMs / 1000}s`,
        );
        tell(
          "promote-step",
          { ...release, canaryPercent: step },
          `promote ${candidate.version}: step ${step}%, ${idle} gets ${step}% of traffic`,
          { step },
        );
        await observeStep(
          ctx,
          deps,
          { slot: idle, revision: candidateRevision },
          stepStart,
          command.pauseMs,
          command.smokePaths,
          stepTraffic,
        );
      } else {
        await write(trafficAt(idle, 0), { ...release, live: idle, canaryPercent: 0 });
        deps.report.info(`step 100%: ${idle} (${candidate.version}) is live`);
        tell(
          "promote-step",
          { ...release, live: idle, canaryPercent: 0 },
          `promote ${candidate.version}: step 100%, ${idle} is live${watch ? `; watched for ${minutes} min` : ""}`,
          { step },
        );
        await verifyUrl(deps, `production (${idle} live)`, productionUrl(ctx), command.smokePaths);
      }
    }
    if (watch) {
      watchStart = deps.clock.now();
      await watchPromotion(
        ctx,
        deps,
        { slot: idle, version: candidate.version, revision: candidateRevision },
        trafficAt(idle, 0),
        command.smokePaths,
      );
    } else {
      deps.report.info(
        command.watch === false
          ? `post-promotion watch skipped (--no-watch): nothing watches ${idle} (${candidate.version}) now; roll back with: npm run release -- rollback --stack ${stack}`
          : `no post-promotion watch (\`postPromotionWatchMinutes\` is 0 on stack ${stack})`,
      );
    }
  } catch (err) {
    if (!moved) {
      throw err;
    }
    if (watchStart !== undefined && deps.signal?.aborted === true) {
      // The promotion happened and passed its gates; an interrupted watch (Ctrl-C, a cancelled
      // job) keeps it rather than roll back a healthy release. Nothing more is changed.
      const watched = Math.round((deps.clock.now() - watchStart) / 1000);
      deps.report.error(
        `interrupted (${String(deps.signal.reason)}) during the post-promotion watch after ${watched}s of ${minutes} min: the promotion stands, ${idle} (${candidate.version}) serves 100% of traffic and the stack file says so; nothing watches it now. Roll back if needed with: npm run release -- rollback --stack ${stack}`,
      );
      tell(
        "promoted",
        { ...release, live: idle, canaryPercent: 0 },
        `promoted ${candidate.version}: ${idle} is live; the post-promotion watch was interrupted after ${watched}s of ${minutes} min and nothing watches it now; ${release.live} (${release[release.live]?.version}) is idle`,
        { reason: "post-promotion watch interrupted" },
      );
      return EXIT.errorRolledBack;
    }
    const during = watchStart === undefined ? "" : "post-promotion watch: ";
    const why =
      err instanceof CheckFailed
        ? `${during}${err.message}`
        : deps.signal?.aborted
          ? `interrupted (${String(deps.signal.reason)})`
          : `error: ${(err as Error).message.replace(/\.$/, "")}`;
    deps.report.error(`promotion of ${idle} failed: ${why}`);
    generation += 1;
    try {
      await writeTraffic(deps, ctx.ref, original, generation, release.live);
    } catch (undo) {
      const failed = `error: putting traffic back failed: ${(undo as Error).message.replace(/\.$/, "")}.`;
      deps.report.error(
        recorded
          ? `${failed} Traffic may still be split and the stack file still sends ${idle} (${candidate.version}) traffic, so a pulumi up would too. Finish with: npm run release -- rollback --stack ${stack} (it retries the traffic write and records ${release.live} live in the stack file). If it keeps failing, set the traffic by hand (${manualTraffic(ctx, release.live)}), then run the same rollback command to record it`
          : // The first write's answer was lost: it may have landed, and nothing was recorded.
            `${failed} The stack file still holds generation ${release.generation} as before this promotion, but its traffic writes may have landed unanswered (Azure may carry generation ${release.generation + 1} or ${generation}). See what Azure serves with: npm run release -- status --stack ${stack}. Unless it serves the stack file's traffic, set it back by hand (${manualTraffic(ctx, release.live, release.canaryPercent)}). Then, in every case, record it with: ${recordCommand(stack, { ...release, generation })}`,
      );
      return EXIT.rollbackFailed;
    }
    // Traffic is back; the stack file must say so (a failure here is StateNotRecorded: exit 5).
    await recordRelease(deps, { ...release, generation });
    await bestEffort(deps, "clear the verified marker", () =>
      deps.workspace.writeVerified(undefined),
    );
    deps.report.error(
      `rolled back automatically: ${release.live} (${release[release.live]?.version}) serves ${100 - release.canaryPercent}% of traffic again`,
    );
    tell(
      "rollback",
      release,
      `rolled back automatically: ${candidate.version} on ${idle} failed (${why}); ${release.live} (${release[release.live]?.version}) serves ${100 - release.canaryPercent}% again`,
      { reason: why },
    );
    return err instanceof CheckFailed ? EXIT.checkFailed : EXIT.errorRolledBack;
  }
  await bestEffort(deps, "clear the verified marker", () =>
    deps.workspace.writeVerified(undefined),
  );
  const previousLive = revisionOf(ctx, release.live);
  await deactivateSuperseded(deps, ctx.ref, [
    candidateRevision,
    ...(previousLive === undefined ? [] : [previousLive]),
  ]);
  deps.report.info(
    `promoted ${idle} (${candidate.version}) to live on stack ${stack}; ${release.live} (${release[release.live]?.version}) is idle and stays active for rollback; undo with: npm run release -- rollback --stack ${stack}`,
  );
  tell(
    "promoted",
    { ...release, live: idle, canaryPercent: 0 },
    `promoted ${candidate.version}: ${idle} is live${watch ? ` (watched ${minutes} min, no trigger fired)` : ""}; ${release.live} (${release[release.live]?.version}) is idle`,
  );
  return EXIT.ok;
}
