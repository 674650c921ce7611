/**
 * The stack's dashboard as an Azure Monitor workbook (`serializedData`, schema
 * https://github.com/microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json):
 * the SLOs over the last day, the availability error budget left over 30 days, traffic per
 * revision and label, and the last releases. Every query reads users' requests as the release
 * gates and the alerts do (`lib/telemetry.ts`).
 *
 * On AKS the traffic split is the HTTPRoute's weights, a Kubernetes object that Azure Resource
 * Graph does not hold, and the cluster sends no logs to the workspace (no Container Apps system
 * log): the dashboard shows users' requests per slot from Application Insights instead (the split
 * as served, last 15 minutes), and, for the releases, when each pod template (ReplicaSet) of a
 * slot first and last served (a deploy or restart of a slot starts a new one).
 */
import { createHash } from "crypto";
import { Target } from "../environments";
import {
  KUBE_NAME_CHARS,
  probeNames,
  requestGrouping,
  userRequestsFilter,
  WEIGHTED_FAILED,
  WEIGHTED_P95,
  WEIGHTED_REQUESTS,
} from "../telemetry";
import { APP_NAME } from "../kubernetes";
import { SLOTS } from "../release";
import { AVAILABILITY_SLO_PERCENT, ERROR_BUDGET_DAYS } from "./slo";

/** What the workbook shows, for one stack. */
export interface WorkbookInputs {
  /** Log Analytics workspace resource id (the queries' resource). */
  readonly workspaceId: string;
  /** Subscription id (the Resource Graph query of the live traffic split). */
  readonly subscriptionId: string;
  /** Where the app runs: which traffic and release items the dashboard has. */
  readonly target: Target;
  /** The app's name (the Container App's; on AKS the base name of its revisions). */
  readonly containerAppName: string;
  /** The AKS cluster's name (AKS only). */
  readonly clusterName?: string;
  readonly promoteMaxP95Ms: number;
  readonly promoteMaxErrorRatePercent: number;
  /** Probe paths (not users' requests). */
  readonly probePaths: readonly string[];
}

/** Workbook item types and query types (schema above). */
const TEXT = 1;
const QUERY = 3;
const LOGS = 0;
const RESOURCE_GRAPH = 1;

/** A workbook's resource name must be a GUID: a stable one per stack. */
export function workbookId(seed: string): string {
  const hex = createHash("sha256").update(seed).digest("hex");
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `4${hex.slice(13, 16)}`,
    `${((parseInt(hex[16], 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}`,
    hex.slice(20, 32),
  ].join("-");
}

const DAY_MS = 86_400_000;

function logs(
  name: string,
  title: string,
  query: string,
  visualization: string,
  workspaceId: string,
  days = 1,
) {
  return {
    type: QUERY,
    name,
    content: {
      version: "KqlItem/1.0",
      title,
      query,
      size: 0,
      timeContext: { durationMs: days * DAY_MS },
      queryType: LOGS,
      resourceType: "microsoft.operationalinsights/workspaces",
      crossComponentResources: [workspaceId],
      visualization,
    },
  };
}

/** The traffic and release items on Container Apps: Resource Graph and the system log. */
function containerAppsItems(inputs: WorkbookInputs, users: string) {
  const ws = inputs.workspaceId;
  const grouping = requestGrouping("containerApps");
  return [
    {
      type: QUERY,
      name: "traffic-split",
      content: {
        version: "KqlItem/1.0",
        title: "Traffic split now (labels and weights, from Azure Resource Graph)",
        query: [
          "resources",
          `| where type =~ "microsoft.app/containerapps" and name == "${inputs.containerAppName}"`,
          "| mv-expand entry = properties.configuration.ingress.traffic",
          "| project label = tostring(entry.label), revision = tostring(entry.revisionName), weight = toint(entry.weight)",
        ].join("\n"),
        size: 0,
        queryType: RESOURCE_GRAPH,
        resourceType: "microsoft.resourcegraph/resources",
        crossComponentResources: [`/subscriptions/${inputs.subscriptionId}`],
        visualization: "table",
      },
    },
    logs(
      "traffic-per-revision",
      "Users' requests per revision",
      [
        users,
        grouping.extend,
        `| summarize requests = ${WEIGHTED_REQUESTS} by ${grouping.column}, bin(TimeGenerated, 5m)`,
      ].join("\n"),
      "timechart",
      ws,
    ),
    logs(
      "releases",
      "Last releases (revisions created, traffic weights set, revisions deactivated)",
      [
        "ContainerAppSystemLogs_CL",
        `| where ContainerAppName_s == "${inputs.containerAppName}"`,
        '| where Log_s has_any ("Setting traffic weight", "Creating a new revision", "Successfully provisioned revision", "Deactivating")',
        "| project TimeGenerated, RevisionName_s, Log_s",
        "| top 30 by TimeGenerated desc",
      ].join("\n"),
      "table",
      ws,
      30,
    ),
  ];
}

/** Minutes of users' requests the AKS "split now" item reads. */
export const SPLIT_NOW_MINUTES = 15;

/** The traffic and release items on AKS: requests per slot and pod templates, from App Insights. */
function aksItems(inputs: WorkbookInputs, users: string) {
  const ws = inputs.workspaceId;
  const grouping = requestGrouping("aks");
  const replicaSet = `^(${APP_NAME}-(?:${SLOTS.join("|")})-${KUBE_NAME_CHARS}{1,10})-${KUBE_NAME_CHARS}{5}$`;
  return [
    logs(
      "traffic-per-slot-now",
      `Traffic split as served, last ${SPLIT_NOW_MINUTES} min (users' requests per slot from Application Insights: the HTTPRoute's weights are not in Azure Resource Graph)`,
      [
        ...users.split("\n").map((line, i) => (i === 0 ? `let bySlot = ${line}` : `    ${line}`)),
        `    | where TimeGenerated > ago(${SPLIT_NOW_MINUTES}m)`,
        `    ${grouping.extend}`,
        `    | summarize requests = ${WEIGHTED_REQUESTS} by ${grouping.column};`,
        "let total = toscalar(bySlot | summarize sum(requests));",
        "bySlot",
        "| extend sharePercent = round(100.0 * requests / total, 1)",
        "| order by Slot asc",
      ].join("\n"),
      "table",
      ws,
    ),
    logs(
      "traffic-per-slot",
      "Users' requests per slot",
      [
        users,
        grouping.extend,
        `| summarize requests = ${WEIGHTED_REQUESTS} by ${grouping.column}, bin(TimeGenerated, 5m)`,
      ].join("\n"),
      "timechart",
      ws,
    ),
    logs(
      "pod-templates",
      "Last releases: each slot's pod templates (ReplicaSets) by first request (a deploy or a restart of a slot starts one; the cluster's own events are not in the workspace)",
      [
        "AppRequests",
        `| where TimeGenerated > ago(30d)`,
        `| extend ReplicaSet = extract("${replicaSet}", 1, AppRoleInstance)`,
        "| where isnotempty(ReplicaSet)",
        `| summarize firstRequest = min(TimeGenerated), lastRequest = max(TimeGenerated), requests = ${WEIGHTED_REQUESTS} by ReplicaSet`,
        "| top 30 by firstRequest desc",
      ].join("\n"),
      "table",
      ws,
      30,
    ),
  ];
}

/** The workbook document. */
export function workbookContent(inputs: WorkbookInputs): Record<string, unknown> {
  const ws = inputs.workspaceId;
  const users = ["AppRequests", userRequestsFilter(probeNames(inputs.probePaths))].join("\n");
  const budget = 100 - AVAILABILITY_SLO_PERCENT;
  const aks = inputs.target === "aks";
  const where = aks ? ` on AKS (cluster ${inputs.clusterName ?? ""})` : "";
  const aksNote = aks
    ? " On AKS the traffic split is shown as users' requests per slot (the HTTPRoute's weights are not in Azure Resource Graph) and releases as the slots' pod templates (the cluster sends no logs to the workspace)."
    : "";
  return {
    version: "Notebook/1.0",
    items: [
      {
        type: TEXT,
        name: "title",
        content: {
          json: `## ${inputs.containerAppName}${where}\nObjectives: p95 below ${inputs.promoteMaxP95Ms} ms, error rate below ${inputs.promoteMaxErrorRatePercent}%, availability ${AVAILABILITY_SLO_PERCENT}% over ${ERROR_BUDGET_DAYS} days. Probes and synthetic requests are not counted; requests are weighted by sampling (itemCount).${aksNote}`,
        },
      },
      logs(
        "slo",
        "SLOs per hour",
        [
          users,
          `| summarize requests = ${WEIGHTED_REQUESTS}, failed = ${WEIGHTED_FAILED}, p95 = ${WEIGHTED_P95} by bin(TimeGenerated, 1h)`,
          "| extend errorRatePercent = 100.0 * failed / requests",
          `| extend p95Objective = ${inputs.promoteMaxP95Ms}, errorRateObjective = ${inputs.promoteMaxErrorRatePercent}`,
          "| project TimeGenerated, p95, p95Objective, errorRatePercent, errorRateObjective",
        ].join("\n"),
        "timechart",
        ws,
      ),
      {
        ...logs(
          "error-budget",
          `Availability error budget left (${ERROR_BUDGET_DAYS} days)`,
          [
            users,
            `| where TimeGenerated > ago(${ERROR_BUDGET_DAYS}d)`,
            `| summarize requests = ${WEIGHTED_REQUESTS}, failed = ${WEIGHTED_FAILED}`,
            "| extend availabilityPercent = 100.0 * (requests - failed) / requests",
            `| extend budgetLeftPercent = 100.0 * (1 - (100.0 * failed / requests) / ${budget.toFixed(6).replace(/0+$/, "")})`,
            "| project availabilityPercent, budgetLeftPercent, requests, failed",
          ].join("\n"),
          "tiles",
          ws,
          ERROR_BUDGET_DAYS,
        ),
      },
      ...(aks ? aksItems(inputs, users) : containerAppsItems(inputs, users)),
    ],
    fallbackResourceIds: [ws],
    $schema:
      "https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json",
  };
}
