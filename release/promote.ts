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
 * Undo: every failure after traffic moved (a gate, an Azure error, a timeout, SIGINT/SIGTERM)
 * puts the original traffic back with one ARM write before the command exits.
 */
import { DEFAULT_SMOKE_PATHS } from "./ports";
import {
  ReleaseContext,
  assertTrafficMatches,
  labelUrl,
  productionUrl,
  revisionOf,
} from "./context";
import { verifiedMarker } from "./deploy";
import { promotionVerdict, triggerReason } from "./gates";
import { deactivateSuperseded } from "./lifecycle";
import { EXIT, ExitCode, ReleaseDeps, RequestStats, TrafficWeight, probeNames } from "./ports";
import { ReleaseState, Slot, otherSlot, trafficOf } from "./state";
import { bestEffort, recordRelease } from "./record";
import {
  CheckFailed,
  Refused,
  describeTraffic,
  ensureServable,
  sameTraffic,
  writeTraffic,
} from "./traffic";
import { healthOnce, verifyUrl } from "./verify";

export interface PromoteCommand {
  readonly kind: "promote";
  /** Traffic shares for the idle slot; the last is 100. @default [100] */
  readonly steps: readonly number[];
  /** Observation time of each step but the last. @default 2 min */
  readonly pauseMs: number;
  readonly smokePaths: readonly string[];
}

const MINUTE = 60_000;

/** Consecutive failed telemetry reads a step tolerates (throttling, a transient error). */
export const TELEMETRY_FAILURE_LIMIT = 3;

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
  const url = labelUrl(ctx, candidate.slot);
  if (ctx.workspaceId === "") {
    throw new CheckFailed(
      "the stack exports no `logAnalyticsWorkspaceId`: the gates cannot read the candidate's requests (run pulumi up once to add the output)",
    );
  }
  const excludeNames = probeNames([...new Set([...DEFAULT_SMOKE_PATHS, ...smokePaths])]);
  let telemetryFailures = 0;
  const stats = async (fromMs: number, toMs: number): Promise<RequestStats | undefined> => {
    try {
      const result = await deps.telemetry.requestStats({
        workspaceId: ctx.workspaceId,
        revisionName: candidate.revision,
        fromMs,
        toMs,
        excludeNames,
      });
      telemetryFailures = 0;
      return result;
    } catch (err) {
      telemetryFailures++;
      if (telemetryFailures >= TELEMETRY_FAILURE_LIMIT) {
        throw err;
      }
      deps.report.info(
        `telemetry read failed (${(err as Error).message}); ${TELEMETRY_FAILURE_LIMIT - telemetryFailures} more failure(s) allowed before the promotion is rolled back`,
      );
      return undefined;
    }
  };
  const end = stepStart + pauseMs;
  const deadline = end + lag + g.inconclusiveMaxWaitMinutes * MINUTE;
  let consecutive = 0;
  let told = false;
  for (;;) {
    await deps.clock.sleep(interval, deps.signal);
    // A concurrent update (a `pulumi up` that passed the generation guard before this step's
    // write) or a change in the portal may have moved traffic: judge nothing that is not this step.
    const app = await deps.azure.getApp(ctx.ref);
    if (app !== undefined && !sameTraffic(app.traffic, expected)) {
      throw new CheckFailed(
        `traffic was changed outside the release during the step (Azure serves ${describeTraffic(app.traffic)}); a concurrent pulumi up or a change in the portal`,
      );
    }
    const failures = await healthOnce(deps, url, smokePaths);
    consecutive = failures.length === 0 ? 0 : consecutive + 1;
    if (consecutive > g.maxConsecutiveHealthFailures) {
      throw new CheckFailed(
        `health check failed ${consecutive} times in a row (more than ${g.maxConsecutiveHealthFailures}): ${failures.join(", ")}`,
      );
    }
    const ingested = deps.clock.now() - lag;
    if (ingested > stepStart) {
      const from = (minutes: number) => Math.max(stepStart, ingested - minutes * MINUTE);
      const errorWindow = await stats(from(g.rollbackErrorRateWindowMinutes), ingested);
      const latencyWindow = await stats(from(g.rollbackP95WindowMinutes), ingested);
      const reason =
        errorWindow === undefined || latencyWindow === undefined
          ? undefined
          : triggerReason(errorWindow, latencyWindow, g);
      if (reason !== undefined) {
        throw new CheckFailed(`rollback trigger: ${reason}`);
      }
    }
    if (ingested < end) {
      if (deps.clock.now() >= end && !told) {
        told = true;
        deps.report.info(
          `step window ends; waiting ${Math.round((end - ingested) / 1000)}s for telemetry ingestion (${g.ingestionLagMinutes} min), still checking health`,
        );
      }
      continue;
    }
    const window = await stats(stepStart, ingested);
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
  await ensureServable(deps, ctx.ref, candidateRevision);

  let generation = release.generation;
  let moved = false;
  // The traffic of the block with `live` getting `100 - canary` and the other slot `canary`.
  const trafficAt = (live: Slot, canary: number): TrafficWeight[] =>
    trafficOf(ctx.ref.appName, { ...release, live, canaryPercent: canary });
  const original = trafficAt(release.live, release.canaryPercent);
  const write = async (traffic: TrafficWeight[], next: ReleaseState) => {
    generation += 1;
    moved = true;
    await writeTraffic(deps, ctx.ref, traffic, generation);
    await recordRelease(deps, { ...next, generation });
  };
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
        await verifyUrl(deps, `production (${idle} live)`, productionUrl(ctx), command.smokePaths);
      }
    }
  } catch (err) {
    if (!moved) {
      throw err;
    }
    const why =
      err instanceof CheckFailed
        ? err.message
        : deps.signal?.aborted
          ? `interrupted (${String(deps.signal.reason)})`
          : `error: ${(err as Error).message.replace(/\.$/, "")}`;
    deps.report.error(`promotion of ${idle} failed: ${why}`);
    generation += 1;
    try {
      await writeTraffic(deps, ctx.ref, original, generation);
    } catch (undo) {
      deps.report.error(
        `error: putting traffic back failed: ${(undo as Error).message.replace(/\.$/, "")}. Traffic may still be split. Finish by hand: npm run release -- rollback --stack ${stack} (or set ${release.live} to 100%: az containerapp ingress traffic set --name ${ctx.ref.appName} --resource-group ${ctx.ref.resourceGroup} --label-weight ${release.live}=100 ${idle}=0)`,
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
  return EXIT.ok;
}
