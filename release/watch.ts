/**
 * The post-promotion watch: after the last step (100%), the new live revision is watched for
 * `postPromotionWatchMinutes` (per environment, `lib/gates.ts`) with the same checks as a canary
 * step (`observe.ts`): the production URL's health every `checkIntervalSeconds` and the automatic
 * rollback triggers on trailing windows, until the requests of the whole period have been ingested
 * and judged. A check that fails throws; `promote` then rolls back to the previous live slot with
 * one traffic write, as it does for a failed step. Its last windows must have `minRequests`
 * requests (`tooFewRequests`, the rule that makes a canary step inconclusive): a watch whose last
 * windows could not be judged fails the same way instead of passing.
 */
import { ReleaseContext, productionUrl } from "./context";
import { tooFewRequests } from "./gates";
import { CheckResult, MINUTE, RevisionObserver } from "./observe";
import { ReleaseDeps, TrafficWeight } from "./ports";
import { Slot } from "./state";
import { CheckFailed } from "./traffic";

/** `10:23:30 UTC` */
export function utcClock(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 19)} UTC`;
}

/** The new live slot the watch is about. */
export interface Watched {
  readonly slot: Slot;
  readonly version: string;
  readonly revision: string;
}

/** How long the watch runs from `start`: its period, then the ingestion lag. */
export function watchEnd(
  ctx: ReleaseContext,
  start: number,
): { requestsUntil: number; until: number } {
  const requestsUntil = start + ctx.gates.postPromotionWatchMinutes * MINUTE;
  return { requestsUntil, until: requestsUntil + ctx.gates.ingestionLagMinutes * MINUTE };
}

/**
 * Why the watch's last check judged nothing: the first of its windows (error rate, then p95) with
 * fewer than `minRequests` requests, which no trigger can fire on; `undefined` when both have
 * enough or no telemetry is read (the stack exports no workspace: only health is watched).
 */
export function inconclusiveEnd(
  ctx: ReleaseContext,
  observer: RevisionObserver,
  result: CheckResult,
): string | undefined {
  const g = ctx.gates;
  const windows = [
    { name: "error-rate", minutes: g.rollbackErrorRateWindowMinutes, stats: result.errorWindow },
    { name: "p95", minutes: g.rollbackP95WindowMinutes, stats: result.latencyWindow },
  ];
  for (const { name, minutes, stats } of windows) {
    const tooFew = stats === undefined ? undefined : tooFewRequests(stats, g);
    if (tooFew !== undefined) {
      const from = observer.windowStart(minutes, result.ingested);
      const length = result.ingested - from;
      const span =
        length % MINUTE === 0 ? `${length / MINUTE} min` : `${Math.round(length / 1000)}s`;
      return `inconclusive: the watch's last ${name} window (${utcClock(from).slice(0, 8)} to ${utcClock(result.ingested)}, ${span}) has ${tooFew}; a window without enough requests never passes, so the watch ends without a verdict on the new version. --no-watch skips the watch; \`postPromotionWatchMinutes\` sets its length`;
    }
  }
  return undefined;
}

/**
 * Watches the new live revision; returns when its period has been judged without a trigger.
 * Throws `CheckFailed` when a check fails or the last windows are inconclusive, the signal's
 * reason when interrupted.
 */
export async function watchPromotion(
  ctx: ReleaseContext,
  deps: ReleaseDeps,
  watched: Watched,
  expected: readonly TrafficWeight[],
  smokePaths: readonly string[],
): Promise<void> {
  const g = ctx.gates;
  const start = deps.clock.now();
  const { requestsUntil, until } = watchEnd(ctx, start);
  const url = productionUrl(ctx);
  const observer = new RevisionObserver(
    ctx,
    deps,
    {
      revision: watched.revision,
      endpoint: { url },
      smokePaths,
      expected,
      what: "the post-promotion watch",
    },
    start,
  );
  const triggers =
    ctx.workspaceId === ""
      ? "no telemetry (the stack exports no `logAnalyticsWorkspaceId`: only health is watched)"
      : `error rate above ${g.rollbackErrorRatePercent}% over ${g.rollbackErrorRateWindowMinutes} min, p95 above ${g.rollbackP95Ms} ms over ${g.rollbackP95WindowMinutes} min`;
  deps.report.info(
    `watching ${watched.slot} (${watched.version}, ${watched.revision}) for ${g.postPromotionWatchMinutes} min after promotion: health of ${url} every ${g.checkIntervalSeconds}s (more than ${g.maxConsecutiveHealthFailures} failures in a row roll back), ${triggers}; requests until ${utcClock(requestsUntil)} are judged, so the watch ends at ${utcClock(until)} (${g.ingestionLagMinutes} min ingestion lag). A trigger rolls back to the previous live slot; Ctrl-C ends the watch and keeps the promotion`,
  );
  const total = Math.round((until - start) / 1000);
  for (;;) {
    await deps.clock.sleep(g.checkIntervalSeconds * 1000, deps.signal);
    const result = await observer.check();
    // The watch passes only once the windows that end at `requestsUntil` were read and judged: a
    // tolerated telemetry failure on that check leaves the last windows unjudged, so it goes on
    // (and three failures in a row end it like a step's).
    const judged = result.errorWindow !== undefined || ctx.workspaceId === "";
    if (result.ingested >= requestsUntil && judged) {
      const inconclusive = inconclusiveEnd(ctx, observer, result);
      if (inconclusive !== undefined) {
        throw new CheckFailed(inconclusive);
      }
      deps.report.info(
        `post-promotion watch passed: no rollback trigger fired for ${watched.slot} (${watched.version}) in ${g.postPromotionWatchMinutes} min`,
      );
      return;
    }
    const elapsed = Math.round((deps.clock.now() - start) / 1000);
    deps.report.info(
      `watching ${watched.slot} (${watched.version}) until ${utcClock(until)}: ${observer.describe(result)} (${elapsed}s of ${total}s)`,
    );
  }
}
