/**
 * The release gates over request telemetry: the Logs query that reads one revision's own requests,
 * and the verdicts the design's thresholds (`lib/gates.ts`) give. Pure functions.
 *
 * What a gate counts:
 * - only the candidate's requests: `AppRoleInstance` (the replica name,
 *   `<revision>-<replica-set hash>-<pod id>`) must match the revision name exactly, so `v1-1`
 *   never counts `v1-10`'s requests;
 * - users' requests: health and readiness probes (the platform's and the release's own) and
 *   synthetic (availability-test) requests are excluded, so probes never dilute an error rate;
 * - with sampling weight: `sum(ItemCount)`, and p95 weighted by `ItemCount`;
 * - only ingested rows: the engine reads a window only `ingestionLagMinutes` after it ends.
 * A window with fewer than `minRequests` requests is inconclusive: it never passes.
 */
import { GateThresholds } from "../lib/gates";
import {
  userRequestsFilter,
  WEIGHTED_FAILED,
  WEIGHTED_P95,
  WEIGHTED_REQUESTS,
} from "../lib/telemetry";
import { RequestStats, StatsQuery } from "./ports";

const REVISION_NAME = /^[a-z][a-z0-9-]*[a-z0-9]$/;

/** The KQL over the workspace's `AppRequests` table for one revision's window. */
export function gateQuery(query: StatsQuery): string {
  if (!REVISION_NAME.test(query.revisionName)) {
    throw new Error(`not a Container App revision name: ${query.revisionName}`);
  }
  if (
    query.instancePattern !== undefined &&
    !/^\^[A-Za-z0-9[\]{},\-]+\$$/.test(query.instancePattern)
  ) {
    throw new Error(`not a replica name pattern: ${query.instancePattern}`);
  }
  const users = userRequestsFilter(query.excludeNames);
  const from = new Date(query.fromMs).toISOString();
  const to = new Date(query.toMs).toISOString();
  return [
    "AppRequests",
    `| where TimeGenerated >= datetime(${from}) and TimeGenerated < datetime(${to})`,
    `| where AppRoleInstance matches regex "${query.instancePattern ?? `^${query.revisionName}-[0-9a-f]{8,10}-[0-9a-z]{5}$`}"`,
    users,
    `| summarize requests = ${WEIGHTED_REQUESTS}, failed = ${WEIGHTED_FAILED}, p95 = ${WEIGHTED_P95}`,
  ].join("\n");
}

/** Error rate in percent; `undefined` without requests. */
export function errorRatePercent(stats: RequestStats): number | undefined {
  return stats.requests === 0 ? undefined : (100 * stats.failed) / stats.requests;
}

/** `3.2% errors (16 of 500), p95 412 ms` */
export function describeStats(stats: RequestStats): string {
  const rate = errorRatePercent(stats);
  return rate === undefined
    ? "no requests"
    : `${rate.toFixed(1)}% errors (${stats.failed} of ${stats.requests}), p95 ${stats.p95Ms === undefined ? "n/a" : `${Math.round(stats.p95Ms)} ms`}`;
}

/** What a window says. */
export type Verdict =
  | { readonly kind: "pass"; readonly detail: string }
  | { readonly kind: "fail"; readonly detail: string }
  | { readonly kind: "inconclusive"; readonly detail: string };

/**
 * Why a window is inconclusive (fewer than `minRequests` requests: it can neither pass nor fire a
 * trigger), or `undefined` when it has enough. The one definition the promotion criteria, the
 * rollback triggers and the post-promotion watch's end share.
 */
export function tooFewRequests(stats: RequestStats, gates: GateThresholds): string | undefined {
  return stats.requests < gates.minRequests
    ? `${stats.requests} requests, fewer than the ${gates.minRequests} a verdict needs`
    : undefined;
}

/** The promotion criteria over a step's window: p95 and error rate below the design's limits. */
export function promotionVerdict(stats: RequestStats, gates: GateThresholds): Verdict {
  const tooFew = tooFewRequests(stats, gates);
  if (tooFew !== undefined) {
    return { kind: "inconclusive", detail: tooFew };
  }
  const rate = errorRatePercent(stats) ?? 0;
  if (rate >= gates.promoteMaxErrorRatePercent) {
    return {
      kind: "fail",
      detail: `error rate ${rate.toFixed(1)}% (${stats.failed} of ${stats.requests}) is not below ${gates.promoteMaxErrorRatePercent}%`,
    };
  }
  if (stats.p95Ms === undefined || stats.p95Ms >= gates.promoteMaxP95Ms) {
    return {
      kind: "fail",
      detail: `p95 latency ${stats.p95Ms === undefined ? "n/a" : Math.round(stats.p95Ms)} ms is not below ${gates.promoteMaxP95Ms} ms`,
    };
  }
  return { kind: "pass", detail: describeStats(stats) };
}

/**
 * The automatic rollback triggers over trailing windows: the error rate over the last
 * `rollbackErrorRateWindowMinutes`, the p95 over the last `rollbackP95WindowMinutes`. A window
 * with too few requests does not trigger (the promotion criteria then decide at the step's end).
 * Returns why to roll back, or `undefined`.
 */
export function triggerReason(
  errorWindow: RequestStats,
  latencyWindow: RequestStats,
  gates: GateThresholds,
): string | undefined {
  const rate = errorRatePercent(errorWindow);
  if (
    tooFewRequests(errorWindow, gates) === undefined &&
    rate !== undefined &&
    rate > gates.rollbackErrorRatePercent
  ) {
    return `error rate ${rate.toFixed(1)}% (${errorWindow.failed} of ${errorWindow.requests}) over ${gates.rollbackErrorRateWindowMinutes} min is above ${gates.rollbackErrorRatePercent}%`;
  }
  if (
    tooFewRequests(latencyWindow, gates) === undefined &&
    latencyWindow.p95Ms !== undefined &&
    latencyWindow.p95Ms > gates.rollbackP95Ms
  ) {
    return `p95 latency ${Math.round(latencyWindow.p95Ms)} ms over ${gates.rollbackP95WindowMinutes} min is above ${gates.rollbackP95Ms} ms`;
  }
  return undefined;
}
