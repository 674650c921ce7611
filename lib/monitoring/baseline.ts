/**
 * Baseline alerts from Azure Monitor Baseline Alerts (AMBA, github.com/Azure/azure-monitor-baseline-alerts,
 * folder `services/`, read at commit b772e9f9 of 2026-05-26): one table per service, each entry
 * naming the AMBA file and rule guid it comes from. Metric, aggregation, operator, window and
 * frequency are AMBA's; thresholds are AMBA's unless the entry says why not, and may differ per
 * environment. One rule per resource: metric alerts on several Container Apps at once are not
 * supported (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-metric-multiple-time-series-single-rule
 * lists the resource types that are), so every rule has exactly one scope.
 */
import { EnvironmentName } from "../environments";
import { LogAlert, MetricAlert } from "./rules";

const GiB = 1024 ** 3;

/** A threshold for every environment. */
type PerEnvironment = Readonly<Record<EnvironmentName, number>>;
const same = (value: number): PerEnvironment => ({ dev: value, staging: value, prod: value });

/** A table entry: a metric alert whose threshold depends on the environment or the resource. */
export type BaselineEntry = Omit<MetricAlert, "threshold" | "alertClass"> & {
  readonly threshold: PerEnvironment;
  /** Pages in prod (`page`) or is a ticket (`ticket`). */
  readonly alertClass: MetricAlert["alertClass"];
};

const AMBA = "Azure/azure-monitor-baseline-alerts services/";

/** What the Container Apps rules need to know about the app. */
export interface AppFacts {
  /** vCPU per replica. */
  readonly cpu: number;
  /** Memory per replica, e.g. `2Gi`. */
  readonly memory: string;
  readonly minReplicas: number;
}

/**
 * Container Apps (`services/App/containerApps/alerts.yaml`). CPU and memory: AMBA fixes 0.9 cores
 * and 500 MB; ours follow the app's size and the design's performance gate (CPU < 70%, memory
 * < 80% of what a replica has, the platform design). `Replicas < 1` only for an app that never scales
 * to zero (dev may, `minReplicas: 0`: zero replicas is then normal).
 */
export function containerAppAlerts(app: AppFacts): MetricAlert[] {
  const memoryBytes = Number(app.memory.replace(/Gi$/, "")) * GiB;
  const namespace = "Microsoft.App/containerApps";
  const file = `${AMBA}App/containerApps/alerts.yaml`;
  const alerts: MetricAlert[] = [
    {
      key: "ca-restarts",
      displayName: "Container App: a replica's restart count above 3",
      // RestartCount is "Restart count of container app replicas", per replica (dimensions
      // revisionName, podName), one value a minute
      // (https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-app-containerapps-metrics).
      // Maximum over a 5-minute window: the highest count any replica reported in any of those
      // minutes. Microsoft does not say whether the count is since the replica started or per
      // minute, so this is not "restarts within 5 minutes": a replica whose count is above 3
      // keeps it firing while the replica lives.
      description:
        "The highest restart count any replica of the app reported in the last 5 minutes (RestartCount, Maximum) is above 3: a crash loop or a failing liveness probe.",
      severity: 2,
      alertClass: "ticket",
      source: `${file} RestartCount b12cad96-7ef2-4223-97f4-53b3dc64ecfa`,
      metricNamespace: namespace,
      metricName: "RestartCount",
      timeAggregation: "Maximum",
      operator: "GreaterThan",
      threshold: 3,
      evaluationFrequency: "PT1M",
      windowSize: "PT5M",
    },
    {
      key: "ca-cpu",
      displayName: `Container App: CPU above 70% of ${app.cpu} vCPU`,
      description: "Average CPU per replica above 70% of its allocation for 5 minutes.",
      severity: 2,
      alertClass: "ticket",
      source: `${file} UsageNanoCores a9e1306a-a541-423f-a69e-bd37f8f5013a; threshold: platform design CPU < 70%`,
      metricNamespace: namespace,
      metricName: "UsageNanoCores",
      timeAggregation: "Average",
      operator: "GreaterThan",
      threshold: Math.round(app.cpu * 0.7 * 1e9),
      evaluationFrequency: "PT1M",
      windowSize: "PT5M",
    },
    {
      key: "ca-memory",
      displayName: `Container App: memory above 80% of ${app.memory}`,
      description: "Average working set per replica above 80% of its memory for 5 minutes.",
      severity: 2,
      alertClass: "ticket",
      source: `${file} WorkingSetBytes 423b4280-1f68-49d8-b11a-6a816b0d9172; threshold: platform design memory < 80%`,
      metricNamespace: namespace,
      metricName: "WorkingSetBytes",
      timeAggregation: "Average",
      operator: "GreaterThan",
      threshold: Math.round(memoryBytes * 0.8),
      evaluationFrequency: "PT1M",
      windowSize: "PT5M",
    },
  ];
  if (app.minReplicas >= 1) {
    alerts.push({
      key: "ca-no-replicas",
      displayName: "Container App: no replica running",
      description: "The app had no running replica for 5 minutes: it serves nothing.",
      severity: 1,
      alertClass: "page",
      source: `${file} Replicas 94ae53cd-6e3b-47f5-9709-9c2e10eae6d7`,
      metricNamespace: namespace,
      metricName: "Replicas",
      timeAggregation: "Maximum",
      operator: "LessThan",
      threshold: 1,
      evaluationFrequency: "PT1M",
      windowSize: "PT5M",
    });
  }
  return alerts;
}

/**
 * AKS (`services/ContainerService/managedClusters/alerts.yaml`): every rule AMBA deploys enabled
 * for a managed cluster, on the cluster's platform metrics
 * (https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-containerservice-managedclusters-metrics),
 * which need no Container insights or Prometheus. AMBA's metric, aggregation, operator, window,
 * frequency, severity and threshold, except:
 * - node CPU and memory working set in prod: 90 and 95 (AMBA 95 and 100; Microsoft's recommended
 *   rules, https://learn.microsoft.com/azure/azure-monitor/containers/kubernetes-metric-alerts,
 *   describe the memory rule as "greater than 95%" but set 100); prod tickets before the nodes
 *   saturate, while the autoscaler can still add nodes for the HPA's next pods;
 * - ready pods: AMBA alerts when the cluster-wide Average of `kube_pod_status_ready` is below 1,
 *   that is whenever any pod of the cluster is briefly not ready (every rollout). Ours is the
 *   Container Apps "no replica" rule for the app: the Total over 5 minutes of ready pods in the
 *   app's namespace below 1, so no pod of either slot was ready for 5 minutes; it pages.
 * Container restarts are not a platform metric (AMBA has no AKS restart rule): a crash-looping pod
 * is not ready (the ready-pods rule) and its requests fail (the SLO and trigger alerts).
 */
export function aksAlerts(namespace: string): BaselineEntry[] {
  const metricNamespace = "Microsoft.ContainerService/managedClusters";
  const file = `${AMBA}ContainerService/managedClusters/alerts.yaml`;
  const metric = (
    key: string,
    metricName: string,
    guid: string,
    rest: Omit<BaselineEntry, "key" | "metricName" | "metricNamespace" | "source">,
    note = "",
  ): BaselineEntry => ({
    key,
    metricName,
    metricNamespace,
    source: `${file} ${metricName} ${guid}${note}`,
    ...rest,
  });
  const ticket = (severity: 2 | 3) => ({
    severity,
    alertClass: "ticket" as const,
    evaluationFrequency: "PT1M",
    windowSize: "PT5M",
  });
  return [
    metric("aks-node-cpu", "node_cpu_usage_percentage", "1303e91d-bc80-4ec2-937e-1d179fc32b43", {
      displayName: "AKS: node CPU high",
      description:
        "Average CPU of the cluster's nodes above the threshold (percent) for 5 minutes.",
      ...ticket(3),
      evaluationFrequency: "PT5M",
      timeAggregation: "Average",
      operator: "GreaterThan",
      threshold: { dev: 95, staging: 95, prod: 90 },
    }),
    metric(
      "aks-node-memory",
      "node_memory_working_set_percentage",
      "9ae2dfbf-d69b-4802-8497-8b7836bef5e9",
      {
        displayName: "AKS: node memory working set high",
        description:
          "Average memory working set of the cluster's nodes above the threshold (percent) for 5 minutes.",
        ...ticket(3),
        evaluationFrequency: "PT5M",
        timeAggregation: "Average",
        operator: "GreaterThan",
        threshold: { dev: 100, staging: 100, prod: 95 },
      },
    ),
    metric("aks-node-rss", "node_memory_rss_percentage", "e89e023e-117b-4db4-bfb2-853849e273f5", {
      displayName: "AKS: node memory RSS above 90%",
      description: "Average RSS memory of the cluster's nodes above 90% for 5 minutes.",
      ...ticket(3),
      timeAggregation: "Average",
      operator: "GreaterThan",
      threshold: same(90),
    }),
    metric("aks-node-disk", "node_disk_usage_percentage", "aa3c5697-5cca-4c16-a37e-94f1d580701e", {
      displayName: "AKS: node disk above 80%",
      description: "Average disk space used on the cluster's nodes above 80% for 5 minutes.",
      ...ticket(2),
      timeAggregation: "Average",
      operator: "GreaterThan",
      threshold: same(80),
    }),
    metric("aks-pods-failed", "kube_pod_status_phase", "e38e6e11-ac88-4014-98c8-8e64f70b832a", {
      displayName: "AKS: pods in phase Failed",
      description: "Pods of the cluster were in phase Failed (Average above 0 over 5 minutes).",
      ...ticket(3),
      timeAggregation: "Average",
      operator: "GreaterThan",
      threshold: same(0),
      dimensions: [{ name: "phase", values: ["Failed"] }],
    }),
    metric(
      "aks-no-ready-pods",
      "kube_pod_status_ready",
      "cebf00b7-7294-4cf7-bc50-108f999d0c67",
      {
        displayName: "AKS: no pod of the app ready",
        description: `No pod in namespace ${namespace} was ready for 5 minutes (Total of ready pods below 1): the app serves nothing.`,
        severity: 1,
        alertClass: "page",
        evaluationFrequency: "PT1M",
        windowSize: "PT5M",
        timeAggregation: "Total",
        operator: "LessThan",
        threshold: same(1),
        dimensions: [{ name: "namespace", values: [namespace] }],
      },
      `; aggregation, threshold and namespace: the app's, not AMBA's cluster-wide Average < 1`,
    ),
    metric(
      "aks-nodes-not-ready",
      "kube_node_status_condition",
      "ebbbbb92-5208-4d52-b407-6bea8e4473b9",
      {
        displayName: "AKS: nodes not ready",
        description: "Nodes reported NotReady or Unknown in the last 5 minutes.",
        ...ticket(3),
        timeAggregation: "Total",
        operator: "GreaterThan",
        threshold: same(0),
        dimensions: [{ name: "status2", values: ["NotReady", "Unknown"] }],
      },
    ),
    metric(
      "aks-unschedulable-pods",
      "cluster_autoscaler_unschedulable_pods_count",
      "301ca0e3-fc88-4285-be99-a2a587c412f5",
      {
        displayName: "AKS: unschedulable pods",
        description:
          "Pods could not be scheduled for 5 minutes: the node pools are at their maxCount or a pod asks for more than a node has.",
        ...ticket(3),
        timeAggregation: "Average",
        operator: "GreaterThan",
        threshold: same(0),
      },
    ),
    metric(
      "aks-autoscaler-unsafe",
      "cluster_autoscaler_cluster_safe_to_autoscale",
      "49fd8bac-d061-459d-8d80-a048c4c8ba56",
      {
        displayName: "AKS: cluster autoscaler stopped",
        description:
          "The cluster autoscaler considered the cluster unsafe to scale for 5 minutes: it adds and removes no nodes.",
        ...ticket(3),
        timeAggregation: "Average",
        operator: "LessThan",
        threshold: same(1),
      },
    ),
    metric(
      "aks-allocatable-cpu",
      "kube_node_status_allocatable_cpu_cores",
      "64a872f9-5ec6-4121-acad-edd12f4c3466",
      {
        displayName: "AKS: allocatable CPU below 2 cores",
        description: "The cluster's allocatable CPU was below 2 cores for 5 minutes.",
        ...ticket(3),
        timeAggregation: "Average",
        operator: "LessThan",
        threshold: same(2),
      },
    ),
    metric(
      "aks-allocatable-memory",
      "kube_node_status_allocatable_memory_bytes",
      "14fa63fb-7da9-4d2e-9de9-203c4a3e0401",
      {
        displayName: "AKS: allocatable memory below 2 GiB",
        description: "The cluster's allocatable memory was below 2 GiB for 5 minutes.",
        ...ticket(3),
        timeAggregation: "Average",
        operator: "LessThan",
        threshold: same(2 * GiB),
      },
    ),
  ];
}

/**
 * PostgreSQL Flexible Server (`services/DBforPostgreSQL/flexibleServers/alerts.yaml`).
 * `maximum_used_transactionIDs`: AMBA's threshold (10737418240) is above the 2^31 (about 2.1
 * billion) transaction IDs PostgreSQL can have in use before wraparound, so it can never fire;
 * ours is 1 billion, half the horizon, leaving weeks to vacuum
 * (https://www.postgresql.org/docs/current/routine-vacuuming.html#VACUUM-FOR-WRAPAROUND).
 * `storage_free`: AMBA's 10 GiB is a third of dev's 32 GB disk; ours is 5% of the disk, at most
 * 10 GiB. CPU and memory page earlier in prod (80%) than AMBA's 90%.
 */
export function postgresAlerts(storageSizeGB: number): BaselineEntry[] {
  const namespace = "Microsoft.DBforPostgreSQL/flexibleServers";
  const file = `${AMBA}DBforPostgreSQL/flexibleServers/alerts.yaml`;
  const freeBytes = Math.min(10 * GiB, Math.round(storageSizeGB * 1e9 * 0.05));
  const metric = (
    key: string,
    metricName: string,
    guid: string,
    rest: Omit<BaselineEntry, "key" | "metricName" | "metricNamespace" | "source">,
  ): BaselineEntry => ({
    key,
    metricName,
    metricNamespace: namespace,
    source: `${file} ${metricName} ${guid}`,
    ...rest,
  });
  return [
    metric("pg-cpu", "cpu_percent", "389057c9-a0e0-4327-b89f-58c3dabb519d", {
      displayName: "PostgreSQL: CPU high",
      description: "Average CPU of the server above the threshold for 5 minutes.",
      severity: 2,
      alertClass: "ticket",
      timeAggregation: "Average",
      operator: "GreaterThan",
      threshold: { dev: 90, staging: 90, prod: 80 },
      evaluationFrequency: "PT1M",
      windowSize: "PT5M",
    }),
    metric("pg-memory", "memory_percent", "0c64aa8f-4bdb-4bb0-961c-d298000536af", {
      displayName: "PostgreSQL: memory high",
      description: "Average memory of the server above the threshold for 5 minutes.",
      severity: 2,
      alertClass: "ticket",
      timeAggregation: "Average",
      operator: "GreaterThan",
      threshold: { dev: 90, staging: 90, prod: 80 },
      evaluationFrequency: "PT1M",
      windowSize: "PT5M",
    }),
    metric("pg-storage", "storage_percent", "e397645f-359b-46d1-8182-d2cabab71aae", {
      displayName: "PostgreSQL: storage above the threshold",
      description: "Storage used above the threshold (grow the disk before it fills).",
      severity: 2,
      alertClass: "ticket",
      timeAggregation: "Average",
      operator: "GreaterThan",
      threshold: { dev: 90, staging: 90, prod: 80 },
      evaluationFrequency: "PT1M",
      windowSize: "PT5M",
    }),
    metric("pg-connections-failed", "connections_failed", "5f9cdad0-db39-48c9-a4eb-3107b5b79414", {
      displayName: "PostgreSQL: failed connections",
      description: "More than 5 failed connections in 5 minutes (password, TLS or limit problems).",
      severity: 3,
      alertClass: "ticket",
      timeAggregation: "Total",
      operator: "GreaterThan",
      threshold: same(5),
      evaluationFrequency: "PT1M",
      windowSize: "PT5M",
    }),
    metric("pg-alive", "is_db_alive", "b0ac25d8-ae08-45e1-8a1e-5204514ad7bd", {
      displayName: "PostgreSQL: database down",
      description: "The server reported not alive for 15 minutes.",
      severity: 1,
      alertClass: "page",
      timeAggregation: "Maximum",
      operator: "LessThan",
      threshold: same(1),
      evaluationFrequency: "PT15M",
      windowSize: "PT15M",
    }),
    metric("pg-storage-free", "storage_free", "d389ee62-f431-4faa-a4bc-4a3d02cea182", {
      displayName: "PostgreSQL: storage almost full",
      description:
        "Less than 5% of the disk (at most 10 GiB) is free: writes stop when it is full.",
      severity: 0,
      alertClass: "page",
      timeAggregation: "Average",
      operator: "LessThan",
      threshold: same(freeBytes),
      evaluationFrequency: "PT5M",
      windowSize: "PT1H",
    }),
    metric(
      "pg-txid-wraparound",
      "maximum_used_transactionIDs",
      "1103b9a5-3d3d-4aa8-a3c2-66958e32c220",
      {
        displayName: "PostgreSQL: transaction ID wraparound approaching",
        description:
          "More than 1 billion transaction IDs in use (wraparound at about 2.1 billion): vacuum freeze the oldest tables.",
        severity: 1,
        alertClass: "page",
        timeAggregation: "Maximum",
        operator: "GreaterThan",
        threshold: same(1_000_000_000),
        evaluationFrequency: "PT15M",
        windowSize: "PT1H",
      },
    ),
  ];
}

/** Key Vault (`services/KeyVault/vaults/alerts.yaml`); AMBA's thresholds. */
export const KEY_VAULT_ALERTS: readonly BaselineEntry[] = [
  {
    key: "kv-availability",
    displayName: "Key Vault: availability below 90%",
    description:
      "Fewer than 90% of vault requests succeeded over 5 minutes: the app cannot read its secrets.",
    severity: 1,
    alertClass: "page",
    source: `${AMBA}KeyVault/vaults/alerts.yaml Availability a3c8bcb4-22ca-45be-92f7-605f232ecec2`,
    metricNamespace: "Microsoft.KeyVault/vaults",
    metricName: "Availability",
    timeAggregation: "Average",
    operator: "LessThan",
    threshold: same(90),
    evaluationFrequency: "PT1M",
    windowSize: "PT5M",
    autoMitigate: false,
  },
  {
    key: "kv-saturation",
    displayName: "Key Vault: capacity above 75%",
    description: "The vault used more than 75% of its request capacity: throttling is near.",
    severity: 1,
    alertClass: "ticket",
    source: `${AMBA}KeyVault/vaults/alerts.yaml SaturationShoebox dc852755-e5df-4fd0-83ac-cbbc516f60b3`,
    metricNamespace: "Microsoft.KeyVault/vaults",
    metricName: "SaturationShoebox",
    timeAggregation: "Average",
    operator: "GreaterThan",
    threshold: same(75),
    evaluationFrequency: "PT1M",
    windowSize: "PT5M",
    autoMitigate: false,
  },
  {
    key: "kv-latency",
    displayName: "Key Vault: API latency above 1 s",
    description: "Average latency of vault API requests above 1000 ms over 5 minutes.",
    severity: 3,
    alertClass: "ticket",
    source: `${AMBA}KeyVault/vaults/alerts.yaml ServiceApiLatency 2651f57f-ac74-44f3-8511-c245488134f8`,
    metricNamespace: "Microsoft.KeyVault/vaults",
    metricName: "ServiceApiLatency",
    timeAggregation: "Average",
    operator: "GreaterThan",
    threshold: same(1000),
    evaluationFrequency: "PT5M",
    windowSize: "PT5M",
    autoMitigate: false,
  },
];

/** Key Vault deletion (`services/KeyVault/vaults/alerts.yaml`, activity log). */
export const KEY_VAULT_DELETE_ALERT = {
  key: "kv-deleted",
  displayName: "Key Vault deleted",
  description:
    "A Key Vault in the stack's resource group was deleted (it stays soft-deleted: recover it).",
  severity: 1 as const,
  alertClass: "page" as const,
  source: `${AMBA}KeyVault/vaults/alerts.yaml Activity Log Key Vault Delete f68ed392-7179-419d-8ee6-3813ea10866b`,
  category: "Administrative" as const,
  operationName: "Microsoft.KeyVault/vaults/delete",
  status: "Succeeded" as const,
};

/**
 * Container Registry (`services/ContainerRegistry/registries/alerts.yaml`): storage used near the
 * storage the SKU includes (https://learn.microsoft.com/azure/container-registry/container-registry-skus:
 * Basic 10 GiB, Standard 100 GiB, Premium 500 GiB). Premium and Standard are AMBA's thresholds
 * (`StorageUsed` fa9efde4-..., `StorageUsed for Standard Pricing Plan` 42995506-...); Basic is 80%
 * of its 10 GiB, by the same rule as Premium's (400 GiB of 500).
 */
export const REGISTRY_STORAGE_ALERT: BaselineEntry = {
  key: "acr-storage",
  displayName: "Container Registry: storage near the SKU's included storage",
  description:
    "The registry stores nearly what its SKU includes; clean up old images or pay for more.",
  severity: 3,
  alertClass: "ticket",
  source: `${AMBA}ContainerRegistry/registries/alerts.yaml StorageUsed fa9efde4-3586-4595-a442-b7e97f70fe91 / 42995506-5bd2-4687-9316-d9399919990b`,
  metricNamespace: "Microsoft.ContainerRegistry/registries",
  metricName: "StorageUsed",
  timeAggregation: "Average",
  operator: "GreaterThan",
  threshold: { dev: 8 * GiB, staging: 50_000_000_000, prod: 400 * GiB },
  evaluationFrequency: "PT5M",
  windowSize: "PT1H",
  autoMitigate: false,
};

/**
 * Application Insights (`services/Insights/components/Deploy-AppInsightsThrottlingLimit-Alert.json`):
 * telemetry items billed per hour above 32,000 (AMBA's default), read from the workspace's
 * `AppSystemEvents`; and the workspace's daily cap reached: ingestion stops until the next reset
 * (https://learn.microsoft.com/azure/azure-monitor/logs/daily-cap#alert-when-daily-cap-is-reached).
 */
export const APP_INSIGHTS_ALERTS: readonly LogAlert[] = [
  {
    key: "appi-throttling",
    displayName: "Application Insights: telemetry throttling limit",
    description:
      "More than 32,000 telemetry items billed in an hour: the app's telemetry is being throttled or sampled away.",
    severity: 2,
    alertClass: "ticket",
    source: `${AMBA}Insights/components/Deploy-AppInsightsThrottlingLimit-Alert.json`,
    query: [
      "AppSystemEvents",
      '| summarize billedItems = sum(toint(Measurements["BillingTelemetryCount"])) by bin(TimeGenerated, 1h)',
    ].join("\n"),
    metricMeasureColumn: "billedItems",
    timeAggregation: "Maximum",
    operator: "GreaterThan",
    threshold: 32_000,
    evaluationFrequency: "PT1H",
    windowSize: "P1D",
    autoMitigate: false,
    muteActionsDuration: "P1D",
  },
  {
    key: "appi-daily-cap",
    displayName: "Log Analytics: daily cap reached",
    description:
      "The workspace reached its daily cap: telemetry and audit logs are dropped until the cap resets.",
    severity: 2,
    alertClass: "ticket",
    source:
      "https://learn.microsoft.com/azure/azure-monitor/logs/daily-cap (alert when daily cap is reached)",
    query: [
      "_LogOperation",
      '| where Category =~ "Ingestion"',
      '| where Detail contains "OverQuota"',
    ].join("\n"),
    timeAggregation: "Count",
    operator: "GreaterThan",
    threshold: 0,
    evaluationFrequency: "PT15M",
    windowSize: "PT15M",
    autoMitigate: false,
    muteActionsDuration: "PT6H",
  },
];

/** A table entry's rule in one environment. */
export function inEnvironment(entry: BaselineEntry, environment: EnvironmentName): MetricAlert {
  return { ...entry, threshold: entry.threshold[environment] };
}
