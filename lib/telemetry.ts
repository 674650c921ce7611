/**
 * What counts as a user's request in the app's request telemetry (the workspace's `AppRequests`
 * table): one definition, read by the release gates (`release/gates.ts`) and by the SLO and
 * rollback-trigger alerts (`lib/monitoring/slo.ts`), so the two can never count differently.
 *
 * - Health and readiness probes (the platform's and the release's own checks) are not users:
 *   their request names (`GET /health`) are excluded.
 * - Synthetic traffic (availability tests, load tests that set it) carries
 *   `OperationSyntheticSource` and is excluded.
 * - Requests are counted with their sampling weight: `sum(ItemCount)`, never `count()`
 *   (https://learn.microsoft.com/azure/azure-monitor/app/sampling-classic-api#knowing-whether-sampling-is-in-operation:
 *   each kept item stands for `itemCount` items).
 */

/** The paths the platform probes and the release verifies: never users' requests. */
export const DEFAULT_PROBE_PATHS: readonly string[] = ["/health", "/ready"];

const REQUEST_NAME = /^[A-Z]+ \/[A-Za-z0-9/_.-]*$/;

/** The request names of those paths in Application Insights (`GET /health`). */
export function probeNames(paths: readonly string[]): string[] {
  return paths.map((path) => `GET ${path}`);
}

/**
 * The KQL line that keeps users' requests only: no synthetic source and none of `excludeNames`.
 * Throws on a name that is not `<METHOD> /<path>` (it is quoted into the query).
 */
export function userRequestsFilter(excludeNames: readonly string[]): string {
  const bad = excludeNames.find((name) => !REQUEST_NAME.test(name));
  if (bad !== undefined) {
    throw new Error(`not a request name: ${bad}`);
  }
  const names = excludeNames.map((name) => `"${name}"`).join(", ");
  return names === ""
    ? "| where isempty(OperationSyntheticSource)"
    : `| where isempty(OperationSyntheticSource) and Name !in (${names})`;
}

/**
 * What Container Apps appends to a revision's name to name a replica (`AppRoleInstance`):
 * `<revision>-<replica set hash>-<pod id>`. The release gates match one revision with it.
 */
export const REPLICA_SUFFIX = "-[0-9a-f]{8,10}-[0-9a-z]{5}$";
/** KQL: the revision a request's replica belongs to, as the column `Revision`. */
export const REVISION_COLUMN = `| extend Revision = extract("^(.+)${REPLICA_SUFFIX}", 1, AppRoleInstance)`;

/** Sampling-weighted request count, and failed requests, as KQL aggregations. */
export const WEIGHTED_REQUESTS = "sum(ItemCount)";
export const WEIGHTED_FAILED = "sumif(ItemCount, Success == false)";
/** p95 server duration weighted by `ItemCount`. */
export const WEIGHTED_P95 = "percentilew(DurationMs, ItemCount, 95)";
