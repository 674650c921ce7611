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
import { Target } from "./environments";
import { APP_NAME } from "./kubernetes";
import { SLOTS } from "./release";

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

/**
 * Characters of generated Kubernetes names: a pod's pod-template-hash and its random suffix
 * (`alphanums` of k8s.io/apimachinery/pkg/util/rand: no vowels, no 0, 1 or 3).
 */
export const KUBE_NAME_CHARS = "[bcdfghjklmnpqrstvwxz2456789]";
/**
 * What a Deployment appends to its name to name a pod, the pod's `AppRoleInstance` on AKS (the
 * host name): `<deployment>-<pod-template-hash, up to 10>-<5>`. `release/aks.ts` podNamePattern
 * matches one slot's pods with it (the release gates on AKS).
 */
export const POD_SUFFIX = `-${KUBE_NAME_CHARS}{1,10}-${KUBE_NAME_CHARS}{5}$`;

/**
 * How the per-revision alerts and the dashboard group requests, per target:
 * - Container Apps: by revision (`Revision`, the replica name without its suffix), as the
 *   release gates count a revision;
 * - AKS: by slot (`Slot`, the slot's Deployment `chatbot-api-<slot>`, the pod name without its
 *   suffix). A slot runs one version at a time (a release deploys into the idle slot, rollback
 *   moves the HTTPRoute's weights between slots) and the release gates on AKS count a revision's
 *   requests as its slot Deployment's pods' (`release/aks.ts` AksTelemetry), so the slot is the
 *   unit a trigger means there. A pod's ReplicaSet (the pod-template-hash) changes on every
 *   restart of the slot, so it would split one version's requests.
 */
export interface RequestGrouping {
  /** The column the KQL line adds and the alerts' dimension. */
  readonly column: "Revision" | "Slot";
  /** The KQL line that adds it from `AppRoleInstance`. */
  readonly extend: string;
}

export function requestGrouping(target: Target): RequestGrouping {
  return target === "aks"
    ? {
        column: "Slot",
        extend: `| extend Slot = extract("^(${APP_NAME}-(?:${SLOTS.join("|")}))${POD_SUFFIX}", 1, AppRoleInstance)`,
      }
    : { column: "Revision", extend: REVISION_COLUMN };
}

/** Sampling-weighted request count, and failed requests, as KQL aggregations. */
export const WEIGHTED_REQUESTS = "sum(ItemCount)";
export const WEIGHTED_FAILED = "sumif(ItemCount, Success == false)";
/** p95 server duration weighted by `ItemCount`. */
export const WEIGHTED_P95 = "percentilew(DurationMs, ItemCount, 95)";
