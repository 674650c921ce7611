// The Monitoring component under the mock runtime: SLO, burn-rate and rollback-trigger alerts with
// the design's numbers and the release gates' definitions, the AMBA baseline, action groups and
// routing, the chat adapter, the dashboard and the budget; conformance of every new resource with
// the provider's types and enums; webhook URLs never in plain text.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { Monitoring, MonitoringArgs } from "../../components/monitoring";
import { ConfigError, parseConfig, parseGatesConfig, PROJECT } from "../../lib/config";
import { ENVIRONMENT_PROFILES } from "../../lib/environments";
import { DEFAULT_GATES, gatesFor } from "../../lib/gates";
import {
  logAlertProblems,
  LogAlert,
  metricAlertProblems,
  minutesOf,
} from "../../lib/monitoring/rules";
import { aksAlerts, inEnvironment } from "../../lib/monitoring/baseline";
import { POD_SUFFIX, requestGrouping } from "../../lib/telemetry";
import { podNamePattern } from "../../release/aks";
import { gateQuery } from "../../release/gates";
import { probeNames } from "../../release/ports";
import { SimulatedResource, SimulationResult, simulateStack } from "../../simulator/simulate";
import { MOCK_SECRET_VALUES, plaintextSecrets } from "../helpers/secretScan";
import { ROOT, runComponent, runStack, stackConfig, withConfig } from "../helpers/simulation";

/* eslint-disable @typescript-eslint/no-require-imports */
const monitorEnums = require("@pulumi/azure-native/types/enums/monitor") as Record<
  string,
  Record<string, string>
>;
const consumptionEnums = require("@pulumi/azure-native/types/enums/consumption") as Record<
  string,
  Record<string, string>
>;
const logicEnums = require("@pulumi/azure-native/types/enums/logic") as Record<
  string,
  Record<string, string>
>;
const insightsEnums = require("@pulumi/azure-native/types/enums/applicationinsights") as Record<
  string,
  Record<string, string>
>;
/* eslint-enable @typescript-eslint/no-require-imports */

const SLACK = "https://hooks.slack.com/services/T000/B000/offline-slack-token";
const TEAMS = "https://contoso.webhook.office.com/webhookb2/offline-teams-token";
const PAGER = "https://events.pagerduty.com/integration/offline-pager-key/enqueue";
const SIG = "mock-logic-app-sas-signature";
const SQR = "azure-native:monitor:ScheduledQueryRule";
const METRIC = "azure-native:monitor:MetricAlert";
const GROUP = "azure-native:monitor:ActionGroup";
const OVERRIDES = {
  promoteMaxP95Ms: 400,
  rollbackErrorRatePercent: 8,
  rollbackErrorRateWindowMinutes: 4,
  maxConsecutiveHealthFailures: 5,
};

/** Prod with webhooks (encrypted, as `pulumi config set --secret` leaves them) and gate overrides. */
function prodWithReceivers(): Promise<SimulationResult> {
  const config = withConfig(stackConfig("prod"), {
    alertWebhooks: { slack: SLACK, teams: TEAMS, pager: PAGER },
    releaseGates: OVERRIDES,
    alerts: {
      emails: ["ops@example.com"],
      pagerEmails: ["oncall@example.com"],
      monthlyBudget: 2500,
    },
  });
  config.secretKeys.push(`${PROJECT}:alertWebhooks`);
  return simulateStack({ stack: "prod", config });
}

let receiversRun: Promise<SimulationResult> | undefined;
/** One evaluation of prod with receivers, shared by every describe block. */
const withReceivers = () => (receiversRun ??= prodWithReceivers());

const ofType = (result: SimulationResult, type: string) =>
  result.resources.filter((r) => r.type === type);
const byKey = (result: SimulationResult, type: string, key: string): SimulatedResource => {
  const found = result.resources.filter(
    (r) => r.type === type && r.name === `chatbot-monitoring-${key}`,
  );
  assert.strictEqual(found.length, 1, `one ${type} chatbot-monitoring-${key}`);
  return found[0];
};
const criterion = (rule: SimulatedResource) =>
  ((rule.inputs.criteria as Record<string, unknown>).allOf as Record<string, unknown>[])[0];
/** `key: threshold operator window/frequency severity` of every rule of a type. */
function summary(result: SimulationResult, type: string): string[] {
  return ofType(result, type)
    .map((rule) => {
      const c = criterion(rule);
      const key = rule.name.replace("chatbot-monitoring-", "");
      return `${key}: ${String(c.metricName ?? c.metricMeasureColumn ?? "rows")} ${String(c.timeAggregation)} ${String(c.operator)} ${String(c.threshold)} over ${String(rule.inputs.windowSize)} every ${String(rule.inputs.evaluationFrequency)} sev${String(rule.inputs.severity)}`;
    })
    .sort();
}

describe("monitoring: what each stack registers", () => {
  const results: Record<string, SimulationResult> = {};
  before(async () => {
    results.prod = await runStack("prod");
    results.dev = await runStack("dev");
    results.receivers = await withReceivers();
  });

  it("registers the SLO, burn-rate, trigger and App Insights log alerts in prod with the design's numbers", () => {
    assert.deepStrictEqual(summary(results.prod, SQR), [
      "appi-daily-cap: rows Count GreaterThan 0 over PT15M every PT15M sev2",
      "appi-throttling: billedItems Maximum GreaterThan 32000 over P1D every PT1H sev2",
      // 1 h and 6 h read 3 minutes late (ingestionLagMinutes): the shortest windows that cover 63
      // and 363 minutes
      "slo-burn-fast: burnRate Maximum GreaterThan 14.4 over PT2H every PT5M sev1",
      "slo-burn-slow: burnRate Maximum GreaterThan 6 over P1D every PT15M sev3",
      "slo-error-rate: errorRatePercent Maximum GreaterThanOrEqual 1 over PT15M every PT5M sev2",
      "slo-p95-latency: p95 Maximum GreaterThanOrEqual 500 over PT15M every PT5M sev2",
      "trigger-error-rate: errorRatePercent Maximum GreaterThan 5 over PT5M every PT1M sev1",
      "trigger-health-checks: consecutiveFailures Maximum GreaterThan 3 over PT10M every PT1M sev1",
      "trigger-p95-latency: p95 Maximum GreaterThan 2000 over PT10M every PT1M sev1",
    ]);
  });

  it("counts users' requests with sum(ItemCount) and the release gates' probe and synthetic exclusion", () => {
    const users = gateQuery({
      workspaceId: "ws",
      revisionName: "chatbot-api-prod--v1",
      fromMs: 0,
      toMs: 1,
      excludeNames: probeNames(["/health", "/ready"]),
    }).split("\n")[3];
    assert.strictEqual(
      criterion(byKey(results.prod, SQR, "trigger-error-rate")).query,
      [
        "AppRequests",
        users,
        "| where TimeGenerated between (ago(5m) .. ago(3m))",
        '| extend Revision = extract("^(.+)-[0-9a-f]{8,10}-[0-9a-z]{5}$", 1, AppRoleInstance)',
        "| summarize requests = sum(ItemCount), failed = sumif(ItemCount, Success == false) by Revision",
        "| where requests >= 50",
        "| extend errorRatePercent = 100.0 * failed / requests",
      ].join("\n"),
    );
    assert.strictEqual(
      criterion(byKey(results.prod, SQR, "slo-burn-fast")).query,
      [
        "AppRequests",
        '| where isempty(OperationSyntheticSource) and Name !in ("GET /health", "GET /ready")',
        // both windows end 3 minutes ago (ingestionLagMinutes), as the trigger alerts read:
        // 60 minutes and 5 minutes of complete data
        "| where TimeGenerated between (ago(63m) .. ago(3m))",
        "| summarize requests = sum(ItemCount), failed = sumif(ItemCount, Success == false),",
        "    shortRequests = sumif(ItemCount, TimeGenerated > ago(8m)),",
        "    shortFailed = sumif(ItemCount, Success == false and TimeGenerated > ago(8m))",
        "| where requests >= 50 and shortRequests > 0",
        "| extend longBurn = (100.0 * failed / requests) / 0.1, shortBurn = (100.0 * shortFailed / shortRequests) / 0.1",
        "| extend burnRate = min_of(longBurn, shortBurn)",
      ].join("\n"),
    );
    assert.match(
      String(criterion(byKey(results.prod, SQR, "slo-burn-slow")).query),
      /\| where TimeGenerated between \(ago\(363m\) \.\. ago\(3m\)\)\n[\s\S]*TimeGenerated > ago\(33m\)\),\n/,
    );
    assert.deepStrictEqual(criterion(byKey(results.prod, SQR, "trigger-p95-latency")).dimensions, [
      { name: "Revision", operator: "Include", values: ["*"] },
    ]);
  });

  it("reads the stack's releaseGates overrides, as the release command does", () => {
    // given the overrides the release command would read from the stack file
    const gates = parseGatesConfig(OVERRIDES, "prod");
    assert.deepStrictEqual(gates, gatesFor("prod", OVERRIDES));
    // then every alert threshold and window follows them
    const r = results.receivers;
    assert.strictEqual(
      criterion(byKey(r, SQR, "slo-p95-latency")).threshold,
      gates.promoteMaxP95Ms,
    );
    assert.strictEqual(criterion(byKey(r, SQR, "slo-p95-latency")).threshold, 400);
    assert.strictEqual(criterion(byKey(r, SQR, "trigger-error-rate")).threshold, 8);
    // a 4-minute window read 3 minutes late: 7 minutes, the shortest allowed window is PT10M
    assert.strictEqual(byKey(r, SQR, "trigger-error-rate").inputs.windowSize, "PT10M");
    assert.match(
      String(criterion(byKey(r, SQR, "trigger-error-rate")).query),
      /between \(ago\(7m\) \.\. ago\(3m\)\)/,
    );
    assert.strictEqual(criterion(byKey(r, SQR, "trigger-health-checks")).threshold, 5);
    assert.match(
      String(criterion(byKey(r, SQR, "trigger-health-checks")).query),
      /top 6 by TimeGenerated desc/,
    );
    // and the defaults are the design's
    assert.strictEqual(
      criterion(byKey(results.prod, SQR, "trigger-error-rate")).threshold,
      DEFAULT_GATES.rollbackErrorRatePercent,
    );
  });

  it("registers the AMBA baseline set in prod: one rule per resource, thresholds per environment", () => {
    assert.deepStrictEqual(summary(results.prod, METRIC), [
      "acr-storage: StorageUsed Average GreaterThan 429496729600 over PT1H every PT5M sev3",
      "ca-cpu-chatbot-api-prod: UsageNanoCores Average GreaterThan 1400000000 over PT5M every PT1M sev2",
      "ca-memory-chatbot-api-prod: WorkingSetBytes Average GreaterThan 3435973837 over PT5M every PT1M sev2",
      "ca-no-replicas-chatbot-api-prod: Replicas Maximum LessThan 1 over PT5M every PT1M sev1",
      "ca-restarts-chatbot-api-prod: RestartCount Maximum GreaterThan 3 over PT5M every PT1M sev2",
      "kv-availability: Availability Average LessThan 90 over PT5M every PT1M sev1",
      "kv-latency: ServiceApiLatency Average GreaterThan 1000 over PT5M every PT5M sev3",
      "kv-saturation: SaturationShoebox Average GreaterThan 75 over PT5M every PT1M sev1",
      "pg-alive: is_db_alive Maximum LessThan 1 over PT15M every PT15M sev1",
      "pg-connections-failed: connections_failed Total GreaterThan 5 over PT5M every PT1M sev3",
      "pg-cpu: cpu_percent Average GreaterThan 80 over PT5M every PT1M sev2",
      "pg-memory: memory_percent Average GreaterThan 80 over PT5M every PT1M sev2",
      "pg-storage-free: storage_free Average LessThan 6400000000 over PT1H every PT5M sev0",
      "pg-storage: storage_percent Average GreaterThan 80 over PT5M every PT1M sev2",
      "pg-txid-wraparound: maximum_used_transactionIDs Maximum GreaterThan 1000000000 over PT1H every PT15M sev1",
    ]);
    for (const rule of ofType(results.prod, METRIC)) {
      assert.strictEqual((rule.inputs.scopes as string[]).length, 1, rule.name);
      assert.strictEqual(rule.inputs.location, "global");
    }
    // the restart rule says what it measures: the Maximum of a per-replica count over 5 minutes
    assert.strictEqual(
      byKey(results.prod, METRIC, "ca-restarts-chatbot-api-prod").inputs.description,
      "Container App: a replica's restart count above 3. The highest restart count any replica of the app reported in the last 5 minutes (RestartCount, Maximum) is above 3: a crash loop or a failing liveness probe. Source: Azure/azure-monitor-baseline-alerts services/App/containerApps/alerts.yaml RestartCount b12cad96-7ef2-4223-97f4-53b3dc64ecfa.",
    );
    // the transaction-ID threshold can fire: below the 2^31 IDs PostgreSQL can have in use
    assert.ok(
      Number(criterion(byKey(results.prod, METRIC, "pg-txid-wraparound")).threshold) < 2 ** 31,
    );
    assert.strictEqual(
      (byKey(results.prod, METRIC, "ca-restarts-chatbot-api-prod").inputs.scopes as string[])[0],
      "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-chatbot-prod/providers/Microsoft.App/containerApps/chatbot-api-prod",
    );
    const deleted = byKey(results.prod, "azure-native:monitor:ActivityLogAlert", "kv-deleted");
    assert.deepStrictEqual(deleted.inputs.condition, {
      allOf: [
        { field: "category", equals: "Administrative" },
        { field: "operationName", equals: "Microsoft.KeyVault/vaults/delete" },
        { field: "status", equals: "Succeeded" },
      ],
    });
  });

  it("uses dev's thresholds and no replica alert where the app scales to zero", () => {
    const dev = summary(results.dev, METRIC);
    assert.ok(!dev.some((line) => line.startsWith("ca-no-replicas")));
    assert.ok(dev.includes("pg-cpu: cpu_percent Average GreaterThan 90 over PT5M every PT1M sev2"));
    assert.ok(
      dev.includes(
        "acr-storage: StorageUsed Average GreaterThan 8589934592 over PT1H every PT5M sev3",
      ),
    );
    assert.ok(
      dev.includes(
        "ca-cpu-chatbot-api-dev: UsageNanoCores Average GreaterThan 350000000 over PT5M every PT1M sev2",
      ),
    );
  });

  it("makes log alerts single-scoped on the workspace, replaced (old first) when the scope changes", () => {
    for (const rule of ofType(results.prod, SQR)) {
      assert.deepStrictEqual(rule.inputs.scopes, [
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-chatbot-prod/providers/Microsoft.operationalinsights/Workspace/log-chatbot-prod",
      ]);
      assert.strictEqual(rule.inputs.kind, "LogAlert");
      assert.strictEqual(rule.options.deleteBeforeReplace, true, rule.name);
      assert.strictEqual(rule.inputs.skipQueryValidation, true);
      const mute = rule.inputs.muteActionsDuration;
      assert.strictEqual(rule.inputs.autoMitigate, mute === undefined, rule.name);
    }
  });

  it("routes prod pages to page + chat and tickets to chat, with email as the fallback", () => {
    // committed prod: no chat receiver, so tickets fall back to email
    const groups = ofType(results.prod, GROUP)
      .map((g) => g.inputs.actionGroupName)
      .sort();
    assert.deepStrictEqual(groups, ["ag-chatbot-prod-email", "ag-chatbot-prod-page"]);
    const ids = (result: SimulationResult) =>
      Object.fromEntries(
        ofType(result, GROUP).map((g) => [String(g.inputs.actionGroupName).split("-").pop(), g.id]),
      );
    const committed = ids(results.prod);
    const actions = (r: SimulationResult, key: string) =>
      (byKey(r, SQR, key).inputs.actions as Record<string, unknown>).actionGroups as string[];
    assert.deepStrictEqual(actions(results.prod, "slo-burn-fast"), [committed.page]);
    assert.deepStrictEqual(actions(results.prod, "slo-burn-slow"), [committed.email]);
    // with every receiver: pages to page + chat, tickets to chat
    const full = ids(results.receivers);
    assert.deepStrictEqual(Object.keys(full).sort(), ["chat", "page"]);
    assert.deepStrictEqual(actions(results.receivers, "trigger-p95-latency"), [
      full.page,
      full.chat,
    ]);
    assert.deepStrictEqual(actions(results.receivers, "slo-error-rate"), [full.chat]);
    assert.deepStrictEqual(byKey(results.receivers, METRIC, "kv-latency").inputs.actions, [
      { actionGroupId: full.chat },
    ]);
    // dev: email only
    assert.deepStrictEqual(
      ofType(results.dev, GROUP).map((g) => g.inputs.actionGroupName),
      ["ag-chatbot-dev-email"],
    );
  });

  it("builds global action groups with the common alert schema on every receiver", () => {
    const page = byKey(results.receivers, GROUP, "ag-page");
    assert.strictEqual(page.inputs.location, "global");
    assert.strictEqual(page.inputs.groupShortName, "prd-page");
    assert.deepStrictEqual(page.inputs.emailReceivers, [
      { name: "email-1", emailAddress: "oncall@example.com", useCommonAlertSchema: true },
    ]);
    assert.deepStrictEqual(page.inputs.webhookReceivers, [
      { name: "pager", serviceUri: PAGER, useCommonAlertSchema: true },
    ]);
    const chat = byKey(results.receivers, GROUP, "ag-chat");
    const adapter = byKey(results.receivers, "azure-native:logic:Workflow", "chat-adapter");
    assert.deepStrictEqual(chat.inputs.logicAppReceivers, [
      {
        name: "chat-adapter",
        resourceId: adapter.id,
        callbackUrl: `https://prod-00.eastus2.logic.azure.com:443/workflows/logic-chatbot-prod-chat-alerts/triggers/manual/paths/invoke?api-version=2016-10-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${SIG}`,
        useCommonAlertSchema: true,
      },
    ]);
  });

  it("reshapes the common alert schema for Slack and Teams in the Logic App adapter", () => {
    const adapter = byKey(results.receivers, "azure-native:logic:Workflow", "chat-adapter");
    const definition = adapter.inputs.definition as Record<
      string,
      Record<string, Record<string, unknown>>
    >;
    assert.deepStrictEqual(Object.keys(definition.actions), ["Post_to_slack", "Post_to_teams"]);
    const text =
      "[prod] @{triggerBody()?['data']?['essentials']?['monitorCondition']} @{triggerBody()?['data']?['essentials']?['severity']} " +
      "@{triggerBody()?['data']?['essentials']?['alertRule']}: @{triggerBody()?['data']?['essentials']?['description']} " +
      "(fired @{triggerBody()?['data']?['essentials']?['firedDateTime']})";
    assert.deepStrictEqual(definition.actions.Post_to_slack.inputs, {
      method: "POST",
      uri: "@parameters('slackWebhookUrl')",
      headers: { "Content-Type": "application/json" },
      body: { text },
    });
    assert.deepStrictEqual(definition.parameters, {
      slackWebhookUrl: { type: "SecureString" },
      teamsWebhookUrl: { type: "SecureString" },
    });
    assert.deepStrictEqual(adapter.inputs.parameters, {
      slackWebhookUrl: { type: "SecureString", value: SLACK },
      teamsWebhookUrl: { type: "SecureString", value: TEAMS },
    });
    assert.deepStrictEqual(adapter.secretPaths, ["parameters"]);
  });

  it("keeps webhook URLs and the adapter's signature out of state, outputs and logs", () => {
    const known = [...MOCK_SECRET_VALUES, SLACK, TEAMS, PAGER];
    assert.deepStrictEqual(plaintextSecrets(results.receivers, known), []);
    // the walk does reach them: they are in the inputs, as secrets
    assert.deepStrictEqual(byKey(results.receivers, GROUP, "ag-page").secretPaths, [
      "webhookReceivers",
    ]);
    assert.deepStrictEqual(byKey(results.receivers, GROUP, "ag-chat").secretPaths, [
      "logicAppReceivers",
    ]);
  });

  it("sets a monthly budget on the resource group: Actual 80/100%, Forecasted 110%, to the action groups", () => {
    const budget = byKey(results.prod, "azure-native:consumption:Budget", "budget");
    assert.strictEqual(budget.inputs.amount, 3000);
    assert.strictEqual(
      budget.inputs.scope,
      "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-chatbot-prod",
    );
    assert.strictEqual(budget.inputs.timeGrain, "Monthly");
    assert.strictEqual(budget.inputs.category, "Cost");
    assert.deepStrictEqual(budget.inputs.timePeriod, {
      startDate: `${new Date().toISOString().slice(0, 7)}-01T00:00:00Z`,
    });
    assert.deepStrictEqual(budget.options.ignoreChanges, ["timePeriod"]);
    const email = ofType(results.prod, GROUP).find(
      (g) => g.inputs.actionGroupName === "ag-chatbot-prod-email",
    )?.id;
    const notification = (thresholdType: string, threshold: number) => ({
      enabled: true,
      operator: "GreaterThanOrEqualTo",
      threshold,
      thresholdType,
      contactEmails: ["platform-team@example.com"],
      contactGroups: [email],
    });
    assert.deepStrictEqual(budget.inputs.notifications, {
      actual80: notification("Actual", 80),
      actual100: notification("Actual", 100),
      forecasted110: notification("Forecasted", 110),
    });
    assert.strictEqual(
      byKey(results.dev, "azure-native:consumption:Budget", "budget").inputs.amount,
      150,
    );
    assert.strictEqual(
      byKey(results.receivers, "azure-native:consumption:Budget", "budget").inputs.amount,
      2500,
    );
  });

  it("builds a workbook with the SLOs, the error budget left, traffic per revision and label, and the last releases", () => {
    const workbook = byKey(results.prod, "azure-native:applicationinsights:Workbook", "dashboard");
    assert.match(
      String(workbook.inputs.resourceName),
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const data = JSON.parse(String(workbook.inputs.serializedData)) as {
      items: { name: string; content: { query?: string; queryType?: number } }[];
    };
    assert.deepStrictEqual(
      data.items.map((i) => i.name),
      ["title", "slo", "error-budget", "traffic-split", "traffic-per-revision", "releases"],
    );
    const budget = data.items[2].content.query;
    assert.strictEqual(
      budget,
      [
        "AppRequests",
        '| where isempty(OperationSyntheticSource) and Name !in ("GET /health", "GET /ready")',
        "| where TimeGenerated > ago(30d)",
        "| summarize requests = sum(ItemCount), failed = sumif(ItemCount, Success == false)",
        "| extend availabilityPercent = 100.0 * (requests - failed) / requests",
        "| extend budgetLeftPercent = 100.0 * (1 - (100.0 * failed / requests) / 0.1)",
        "| project availabilityPercent, budgetLeftPercent, requests, failed",
      ].join("\n"),
    );
    assert.match(
      String(data.items[3].content.query),
      /name == "chatbot-api-prod"\n\| mv-expand entry = properties\.configuration\.ingress\.traffic/,
    );
    assert.match(
      String(data.items[5].content.query),
      /^ContainerAppSystemLogs_CL\n\| where ContainerAppName_s == "chatbot-api-prod"/,
    );
  });
});

/** One evaluation of prod with `target: aks`, shared by the AKS and conformance blocks. */
let aksRun: Promise<SimulationResult> | undefined;
const prodOnAks = () => (aksRun ??= runStack("prod", { target: "aks" }));

const CLUSTER_ID =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-chatbot-prod/providers/Microsoft.ContainerService/managedClusters/aks-chatbot-prod";

describe("monitoring: target aks", () => {
  let aks: SimulationResult;
  before(async () => {
    aks = await prodOnAks();
  });

  it("registers the AMBA AKS baseline on the cluster, and no Container App rule", () => {
    assert.deepStrictEqual(
      summary(aks, METRIC).filter((line) => line.startsWith("aks-") || line.startsWith("ca-")),
      [
        "aks-allocatable-cpu: kube_node_status_allocatable_cpu_cores Average LessThan 2 over PT5M every PT1M sev3",
        "aks-allocatable-memory: kube_node_status_allocatable_memory_bytes Average LessThan 2147483648 over PT5M every PT1M sev3",
        "aks-autoscaler-unsafe: cluster_autoscaler_cluster_safe_to_autoscale Average LessThan 1 over PT5M every PT1M sev3",
        "aks-no-ready-pods: kube_pod_status_ready Total LessThan 1 over PT5M every PT1M sev1",
        "aks-node-cpu: node_cpu_usage_percentage Average GreaterThan 90 over PT5M every PT5M sev3",
        "aks-node-disk: node_disk_usage_percentage Average GreaterThan 80 over PT5M every PT1M sev2",
        "aks-node-memory: node_memory_working_set_percentage Average GreaterThan 95 over PT5M every PT5M sev3",
        "aks-node-rss: node_memory_rss_percentage Average GreaterThan 90 over PT5M every PT1M sev3",
        "aks-nodes-not-ready: kube_node_status_condition Total GreaterThan 0 over PT5M every PT1M sev3",
        "aks-pods-failed: kube_pod_status_phase Average GreaterThan 0 over PT5M every PT1M sev3",
        "aks-unschedulable-pods: cluster_autoscaler_unschedulable_pods_count Average GreaterThan 0 over PT5M every PT1M sev3",
      ],
    );
    const aksRules = ofType(aks, METRIC).filter((r) => r.name.includes("-aks-"));
    for (const rule of aksRules) {
      assert.deepStrictEqual(rule.inputs.scopes, [CLUSTER_ID], rule.name);
      assert.strictEqual(
        criterion(rule).metricNamespace,
        "Microsoft.ContainerService/managedClusters",
      );
    }
    const dimensions = (key: string) => criterion(byKey(aks, METRIC, key)).dimensions;
    assert.deepStrictEqual(dimensions("aks-pods-failed"), [
      { name: "phase", operator: "Include", values: ["Failed"] },
    ]);
    assert.deepStrictEqual(dimensions("aks-nodes-not-ready"), [
      { name: "status2", operator: "Include", values: ["NotReady", "Unknown"] },
    ]);
    assert.deepStrictEqual(dimensions("aks-no-ready-pods"), [
      { name: "namespace", operator: "Include", values: ["chatbot"] },
    ]);
    assert.strictEqual(dimensions("aks-node-cpu"), undefined);
    assert.strictEqual(
      byKey(aks, METRIC, "aks-node-cpu").inputs.ruleName,
      "alert-chatbot-prod-aks-node-cpu",
    );
    // the no-ready-pods rule pages as the Container Apps no-replica rule does
    const groups = Object.fromEntries(
      ofType(aks, GROUP).map((g) => [String(g.inputs.actionGroupName), g.id]),
    );
    assert.deepStrictEqual(byKey(aks, METRIC, "aks-no-ready-pods").inputs.actions, [
      { actionGroupId: groups["ag-chatbot-prod-page"] },
    ]);
  });

  it("takes AMBA's thresholds in dev and staging, and prod's own for node CPU and memory", () => {
    const table = aksAlerts("chatbot");
    const at = (environment: "dev" | "staging" | "prod") =>
      Object.fromEntries(
        table.map((entry) => [entry.key, inEnvironment(entry, environment).threshold]),
      );
    assert.deepStrictEqual(at("dev"), at("staging"));
    assert.deepStrictEqual(
      [at("dev")["aks-node-cpu"], at("dev")["aks-node-memory"], at("prod")["aks-node-cpu"]],
      [95, 100, 90],
    );
    // every entry names its AMBA file and rule guid
    for (const entry of table) {
      assert.match(
        entry.source,
        new RegExp(
          `^Azure/azure-monitor-baseline-alerts services/ContainerService/managedClusters/alerts\\.yaml ${entry.metricName} [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`,
        ),
        entry.key,
      );
    }
  });

  it("groups the trigger alerts by slot: the slot's Deployment, from the pod name", () => {
    assert.strictEqual(
      criterion(byKey(aks, SQR, "trigger-error-rate")).query,
      [
        "AppRequests",
        '| where isempty(OperationSyntheticSource) and Name !in ("GET /health", "GET /ready")',
        "| where TimeGenerated between (ago(5m) .. ago(3m))",
        '| extend Slot = extract("^(chatbot-api-(?:blue|green))-[bcdfghjklmnpqrstvwxz2456789]{1,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$", 1, AppRoleInstance)',
        "| summarize requests = sum(ItemCount), failed = sumif(ItemCount, Success == false) by Slot",
        "| where requests >= 50",
        "| extend errorRatePercent = 100.0 * failed / requests",
      ].join("\n"),
    );
    for (const key of ["trigger-error-rate", "trigger-p95-latency", "trigger-health-checks"]) {
      assert.deepStrictEqual(criterion(byKey(aks, SQR, key)).dimensions, [
        { name: "Slot", operator: "Include", values: ["*"] },
      ]);
    }
    assert.match(
      String(criterion(byKey(aks, SQR, "trigger-health-checks")).query),
      /by Slot, AppRoleInstance\n[\s\S]*\| summarize consecutiveFailures = max\(consecutiveFailures\) by Slot$/,
    );
    // a pod of a slot (pod-template-hash and suffix from Kubernetes' alphabet) lands in its slot;
    // the Container Apps column would drop it (its hash is not hex)
    const pod = "chatbot-api-green-7fk9d4c8bw-x2k4p";
    const slotOf = (extend: string) => {
      const regex = /extract\("(.+)", 1, AppRoleInstance\)$/.exec(extend)?.[1] ?? "";
      return new RegExp(regex).exec(pod)?.[1];
    };
    assert.strictEqual(slotOf(requestGrouping("aks").extend), "chatbot-api-green");
    assert.strictEqual(slotOf(requestGrouping("containerApps").extend), undefined);
    // the same pods the release gates count for the slot on AKS
    assert.strictEqual(podNamePattern("green"), `^chatbot-api-green${POD_SUFFIX}`);
    assert.ok(new RegExp(podNamePattern("green")).test(pod));
  });

  it("tags every rule with its kind and key", () => {
    const tags = (type: string, key: string) => byKey(aks, type, key).inputs.tags;
    assert.deepStrictEqual(tags(SQR, "slo-p95-latency"), {
      environment: "prod",
      service: "chatbot-api",
      owner: "platform-team",
      "chatbot-alert-kind": "slo",
      "chatbot-alert": "slo-p95-latency",
    });
    const kinds = (type: string) =>
      ofType(aks, type).map((r) => {
        const t = r.inputs.tags as Record<string, string>;
        return `${t["chatbot-alert"]}=${t["chatbot-alert-kind"]}`;
      });
    assert.deepStrictEqual(kinds(SQR).sort(), [
      "appi-daily-cap=baseline",
      "appi-throttling=baseline",
      "slo-burn-fast=slo",
      "slo-burn-slow=slo",
      "slo-error-rate=slo",
      "slo-p95-latency=slo",
      "trigger-error-rate=trigger",
      "trigger-health-checks=trigger",
      "trigger-p95-latency=trigger",
    ]);
    assert.ok(kinds(METRIC).every((line) => line.endsWith("=baseline")));
    assert.deepStrictEqual(kinds("azure-native:monitor:ActivityLogAlert"), ["kv-deleted=baseline"]);
  });

  it("shows traffic per slot and the slots' pod templates on the dashboard, not Container Apps sources", () => {
    const workbook = byKey(aks, "azure-native:applicationinsights:Workbook", "dashboard");
    const text = String(workbook.inputs.serializedData);
    const data = JSON.parse(text) as {
      items: {
        name: string;
        content: { query?: string; title?: string; json?: string; queryType?: number };
      }[];
    };
    assert.deepStrictEqual(
      data.items.map((i) => i.name),
      ["title", "slo", "error-budget", "traffic-per-slot-now", "traffic-per-slot", "pod-templates"],
    );
    assert.doesNotMatch(text, /containerapps|ContainerAppSystemLogs_CL/i);
    // every item reads the workspace (queryType 0), none Azure Resource Graph (1)
    assert.ok(data.items.every((i) => [undefined, 0].includes(i.content.queryType)));
    assert.match(
      String(data.items[0].content.json),
      /^## chatbot-api-prod on AKS \(cluster aks-chatbot-prod\)\n/,
    );
    assert.strictEqual(
      data.items[3].content.query,
      [
        "let bySlot = AppRequests",
        '    | where isempty(OperationSyntheticSource) and Name !in ("GET /health", "GET /ready")',
        "    | where TimeGenerated > ago(15m)",
        '    | extend Slot = extract("^(chatbot-api-(?:blue|green))-[bcdfghjklmnpqrstvwxz2456789]{1,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$", 1, AppRoleInstance)',
        "    | summarize requests = sum(ItemCount) by Slot;",
        "let total = toscalar(bySlot | summarize sum(requests));",
        "bySlot",
        "| extend sharePercent = round(100.0 * requests / total, 1)",
        "| order by Slot asc",
      ].join("\n"),
    );
    assert.match(
      String(data.items[3].content.title),
      /the HTTPRoute's weights are not in Azure Resource Graph/,
    );
    assert.strictEqual(
      data.items[5].content.query,
      [
        "AppRequests",
        "| where TimeGenerated > ago(30d)",
        '| extend ReplicaSet = extract("^(chatbot-api-(?:blue|green)-[bcdfghjklmnpqrstvwxz2456789]{1,10})-[bcdfghjklmnpqrstvwxz2456789]{5}$", 1, AppRoleInstance)',
        "| where isnotempty(ReplicaSet)",
        "| summarize firstRequest = min(TimeGenerated), lastRequest = max(TimeGenerated), requests = sum(ItemCount) by ReplicaSet",
        "| top 30 by firstRequest desc",
      ].join("\n"),
    );
  });
});

describe("monitoring: the default budget", () => {
  it("equals each environment's cost ceiling in its committed policy config", () => {
    for (const environment of ["dev", "staging", "prod"] as const) {
      const policyConfig = JSON.parse(
        fs.readFileSync(path.join(ROOT, "policy", "config", `${environment}.json`), "utf8"),
      );
      assert.strictEqual(
        ENVIRONMENT_PROFILES[environment].monthlyBudget,
        policyConfig["chatbot-stack-cost-ceiling"].monthlyCostCeilingUsd,
        environment,
      );
    }
  });
});

describe("monitoring: conformance with the provider's types and enums", () => {
  let result: SimulationResult;
  before(async () => {
    result = await withReceivers();
  });
  const values = (enums: Record<string, Record<string, string>>, name: string) =>
    Object.values(enums[name]);

  const PROVIDER = path.join(ROOT, "node_modules/@pulumi/azure-native");

  /**
   * The members of an interface body (`name?: type;`, types may span lines): name -> type text.
   * Doc comments are dropped; a `;` ends a member only outside brackets.
   */
  function members(body: string): Map<string, string> {
    const text = body.replace(/\/\*\*[\s\S]*?\*\//g, "");
    const found = new Map<string, string>();
    let depth = 0;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if ("{<([".includes(c)) depth++;
      else if ("}>)]".includes(c) && text[i - 1] !== "=") depth--;
      else if (c === ";" && depth === 0) {
        const match = /^(\w+)\??:\s*([\s\S]*)$/.exec(text.slice(start, i).trim());
        if (match !== null) found.set(match[1], match[2]);
        start = i + 1;
      }
    }
    return found;
  }

  /** `export interface <Name>Args` of a resource module. */
  function resourceArgs(module: string, file: string, name: string): Map<string, string> {
    const text = fs.readFileSync(path.join(PROVIDER, module, `${file}.d.ts`), "utf8");
    const start = text.indexOf(`export interface ${name}Args {\n`);
    assert.ok(start >= 0, `${module}/${file}.d.ts declares ${name}Args`);
    const body = text.slice(text.indexOf("\n", start), text.indexOf("\n}", start));
    return members(body);
  }

  /** Input types (`types/input.d.ts`), `<namespace>.<Interface>` -> members, read once. */
  let inputTypes: Map<string, Map<string, string>> | undefined;
  function inputType(ref: string): Map<string, string> | undefined {
    if (inputTypes === undefined) {
      inputTypes = new Map();
      const text = fs.readFileSync(path.join(PROVIDER, "types/input.d.ts"), "utf8");
      for (const ns of text.matchAll(/^export declare namespace (\w+) \{\n([\s\S]*?)^\}$/gm)) {
        for (const iface of ns[2].matchAll(/^ {4}interface (\w+) \{\n([\s\S]*?)^ {4}\}$/gm)) {
          inputTypes.set(`${ns[1]}.${iface[1]}`, members(iface[2]));
        }
      }
    }
    return inputTypes.get(ref);
  }

  /**
   * Paths in `value` that the provider's type text `type` does not declare, walking nested
   * input types (`inputs.<ns>.<Interface>`), arrays and `{[key: string]: ...}` maps. A union
   * is satisfied by its best-fitting member; a value of a type without input interfaces (a
   * string, `any`, a map of strings) is not walked.
   */
  function undeclared(value: unknown, type: string, at: string): string[] {
    if (value === null || typeof value !== "object") return [];
    if (Array.isArray(value)) return value.flatMap((v, i) => undeclared(v, type, `${at}[${i}]`));
    const refs = [
      ...new Set([...type.matchAll(/inputs\.(\w+)\.(\w+)/g)].map((m) => `${m[1]}.${m[2]}`)),
    ];
    if (refs.length === 0) return [];
    const union = refs.map((ref) => `inputs.${ref}`).join(" | ");
    if (/^pulumi\.Input<\{\s*\[key: string\]/.test(type)) {
      return Object.entries(value).flatMap(([key, v]) => undeclared(v, union, `${at}.${key}`));
    }
    const fits = refs.map((ref) => {
      const declared = inputType(ref);
      assert.ok(declared, `types/input.d.ts declares ${ref}`);
      return Object.entries(value).flatMap(([key, v]) => {
        const memberType = declared.get(key);
        return memberType === undefined
          ? [`${at}.${key} (not in ${ref})`]
          : undeclared(v, memberType, `${at}.${key}`);
      });
    });
    return fits.reduce((best, problems) => (problems.length < best.length ? problems : best));
  }

  /** What a resource's inputs send that its `<Name>Args` does not declare, at any depth. */
  function undeclaredInputs(inputs: Record<string, unknown>, args: Map<string, string>): string[] {
    return Object.entries(inputs).flatMap(([key, value]) => {
      const type = args.get(key);
      return type === undefined ? [`${key} (not in Args)`] : undeclared(value, type, key);
    });
  }

  const CONFORMANCE: [string, string, string, string][] = [
    [SQR, "monitor", "scheduledQueryRule", "ScheduledQueryRule"],
    [METRIC, "monitor", "metricAlert", "MetricAlert"],
    [GROUP, "monitor", "actionGroup", "ActionGroup"],
    ["azure-native:monitor:ActivityLogAlert", "monitor", "activityLogAlert", "ActivityLogAlert"],
    ["azure-native:logic:Workflow", "logic", "workflow", "Workflow"],
    ["azure-native:applicationinsights:Workbook", "applicationinsights", "workbook", "Workbook"],
    ["azure-native:consumption:Budget", "consumption", "budget", "Budget"],
    // the AKS target's Azure resources (issue 12)
    [
      "azure-native:containerservice:ManagedCluster",
      "containerservice",
      "managedCluster",
      "ManagedCluster",
    ],
    [
      "azure-native:managedidentity:FederatedIdentityCredential",
      "managedidentity",
      "federatedIdentityCredential",
      "FederatedIdentityCredential",
    ],
    [
      "azure-native:authorization:RoleAssignment",
      "authorization",
      "roleAssignment",
      "RoleAssignment",
    ],
  ];
  for (const [type, module, file, name] of CONFORMANCE) {
    it(`sends only properties ${name} and its nested input types declare`, async () => {
      const args = resourceArgs(module, file, name);
      const resources = [...ofType(result, type), ...ofType(await prodOnAks(), type)];
      assert.ok(resources.length > 0, `a run registers a ${type}`);
      for (const resource of resources) {
        assert.deepStrictEqual(undeclaredInputs(resource.inputs, args), [], resource.name);
      }
    });
  }

  it("finds a misspelled key at any depth", async () => {
    // given real inputs with one nested key misspelled each
    const rule = structuredClone(byKey(result, SQR, "slo-p95-latency").inputs);
    const periods = criterion({ inputs: rule } as unknown as SimulatedResource)
      .failingPeriods as Record<string, unknown>;
    periods.minFailingPeriodsToAlerts = periods.minFailingPeriodsToAlert;
    delete periods.minFailingPeriodsToAlert;
    const chat = structuredClone(byKey(result, GROUP, "ag-chat").inputs);
    const receiver = (chat.logicAppReceivers as Record<string, unknown>[])[0];
    receiver.callbackURL = receiver.callbackUrl;
    delete receiver.callbackUrl;
    const budget = structuredClone(
      byKey(result, "azure-native:consumption:Budget", "budget").inputs,
    );
    (budget.notifications as Record<string, Record<string, unknown>>).actual80.contactEmail = [];
    const metric = structuredClone(byKey(await prodOnAks(), METRIC, "aks-pods-failed").inputs);
    (criterion({ inputs: metric } as unknown as SimulatedResource).dimensions as object[])[0] = {
      name: "phase",
      operator: "Include",
      value: ["Failed"],
    };
    const cluster = structuredClone(
      ofType(await prodOnAks(), "azure-native:containerservice:ManagedCluster")[0].inputs,
    );
    (cluster.oidcIssuerProfile as Record<string, unknown>).enable = true;
    // then each is reported with its path and the input type that lacks it
    assert.deepStrictEqual(
      [
        undeclaredInputs(rule, resourceArgs("monitor", "scheduledQueryRule", "ScheduledQueryRule")),
        undeclaredInputs(chat, resourceArgs("monitor", "actionGroup", "ActionGroup")),
        undeclaredInputs(budget, resourceArgs("consumption", "budget", "Budget")),
        undeclaredInputs(metric, resourceArgs("monitor", "metricAlert", "MetricAlert")),
        undeclaredInputs(
          cluster,
          resourceArgs("containerservice", "managedCluster", "ManagedCluster"),
        ),
      ],
      [
        [
          "criteria.allOf[0].failingPeriods.minFailingPeriodsToAlerts (not in monitor.ConditionFailingPeriodsArgs)",
        ],
        ["logicAppReceivers[0].callbackURL (not in monitor.LogicAppReceiverArgs)"],
        ["notifications.actual80.contactEmail (not in consumption.NotificationArgs)"],
        ["criteria.allOf[0].dimensions[0].value (not in monitor.MetricDimensionArgs)"],
        ["oidcIssuerProfile.enable (not in containerservice.ManagedClusterOIDCIssuerProfileArgs)"],
      ],
    );
  });

  it("sends the log alert operators as the API's strings, not the `ConditionOperator` enum's", () => {
    const operators = new Set(ofType(result, SQR).map((rule) => criterion(rule).operator));
    assert.deepStrictEqual([...operators].sort(), ["GreaterThan", "GreaterThanOrEqual"]);
    for (const operator of operators) {
      assert.ok(values(monitorEnums, "Operator").includes(String(operator)));
      // the enum the generated type offers for this field would send "gt"
      assert.ok(!values(monitorEnums, "ConditionOperator").includes(String(operator)));
    }
    assert.strictEqual(monitorEnums.ConditionOperator.GreaterThan, "gt");
  });

  it("uses only enum values the provider knows and Azure's allowed durations", () => {
    for (const rule of ofType(result, SQR)) {
      const c = criterion(rule);
      assert.ok(values(monitorEnums, "TimeAggregation").includes(String(c.timeAggregation)));
      assert.ok(values(monitorEnums, "Kind").includes(String(rule.inputs.kind)));
      for (const d of (c.dimensions as { operator: string }[]) ?? []) {
        assert.ok(values(monitorEnums, "DimensionOperator").includes(d.operator));
      }
      assert.ok([0, 1, 2, 3, 4].includes(Number(rule.inputs.severity)));
      assert.deepStrictEqual(logAlertProblems(asLogAlert(rule)), [], rule.name);
    }
    for (const rule of ofType(result, METRIC)) {
      const c = criterion(rule);
      assert.ok(values(monitorEnums, "Operator").includes(String(c.operator)));
      assert.ok(values(monitorEnums, "AggregationTypeEnum").includes(String(c.timeAggregation)));
      assert.ok(values(monitorEnums, "CriterionType").includes(String(c.criterionType)));
      assert.ok(
        minutesOf(String(rule.inputs.windowSize)) >=
          minutesOf(String(rule.inputs.evaluationFrequency)),
      );
    }
    const budget = ofType(result, "azure-native:consumption:Budget")[0];
    assert.ok(values(consumptionEnums, "CategoryType").includes(String(budget.inputs.category)));
    assert.ok(values(consumptionEnums, "TimeGrainType").includes(String(budget.inputs.timeGrain)));
    for (const n of Object.values(
      budget.inputs.notifications as Record<string, Record<string, string>>,
    )) {
      assert.ok(values(consumptionEnums, "ThresholdType").includes(n.thresholdType));
      assert.ok(values(consumptionEnums, "OperatorType").includes(n.operator));
    }
    const workflow = ofType(result, "azure-native:logic:Workflow")[0];
    assert.ok(values(logicEnums, "WorkflowState").includes(String(workflow.inputs.state)));
    for (const p of Object.values(workflow.inputs.parameters as Record<string, { type: string }>)) {
      assert.ok(values(logicEnums, "ParameterType").includes(p.type));
    }
    const workbook = ofType(result, "azure-native:applicationinsights:Workbook")[0];
    assert.ok(
      values(insightsEnums, "WorkbookSharedTypeKind").includes(String(workbook.inputs.kind)),
    );
  });
});

/** A registered log alert read back as a definition (for the Azure rule checks). */
function asLogAlert(rule: SimulatedResource): LogAlert {
  const c = criterion(rule);
  return {
    key: rule.name,
    displayName: "",
    description: "",
    severity: 1,
    alertClass: "page",
    source: "",
    query: String(c.query),
    metricMeasureColumn: c.metricMeasureColumn as string | undefined,
    timeAggregation: c.timeAggregation as LogAlert["timeAggregation"],
    operator: c.operator as LogAlert["operator"],
    threshold: Number(c.threshold),
    evaluationFrequency: String(rule.inputs.evaluationFrequency),
    windowSize: String(rule.inputs.windowSize),
    autoMitigate: rule.inputs.autoMitigate === true,
    muteActionsDuration: rule.inputs.muteActionsDuration as string | undefined,
  };
}

describe("monitoring: refusals before any resource", () => {
  const base: LogAlert = {
    key: "x",
    displayName: "",
    description: "",
    severity: 2,
    alertClass: "ticket",
    source: "",
    query: "AppRequests",
    metricMeasureColumn: "v",
    timeAggregation: "Maximum",
    operator: "GreaterThan",
    threshold: 1,
    evaluationFrequency: "PT5M",
    windowSize: "PT15M",
    autoMitigate: false,
  };

  it("fails when a log alert breaks Azure's rules, naming each one", () => {
    assert.deepStrictEqual(logAlertProblems({ ...base, windowSize: "PT1M" }), [
      "log alert `x`: windowSize PT1M is not allowed with evaluationFrequency PT5M (allowed: PT5M, PT10M, PT15M, PT30M, PT45M, PT1H, PT2H, PT3H, PT4H, PT5H, PT6H, P1D, P2D)",
    ]);
    assert.deepStrictEqual(
      logAlertProblems({ ...base, evaluationFrequency: "PT1H", windowSize: "PT30M" }),
      ["log alert `x`: windowSize PT30M is shorter than evaluationFrequency PT1H"],
    );
    assert.deepStrictEqual(
      logAlertProblems({ ...base, muteActionsDuration: "PT20M", autoMitigate: true }),
      [
        "log alert `x`: muteActionsDuration PT20M is not one of PT5M, PT10M, PT15M, PT30M, PT45M, PT1H, PT2H, PT3H, PT4H, PT5H, PT6H, P1D, P2D",
        "log alert `x`: muteActionsDuration and autoMitigate exclude each other",
      ],
    );
    assert.deepStrictEqual(logAlertProblems({ ...base, operator: "gt" as LogAlert["operator"] }), [
      "log alert `x`: operator gt is not one of GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual",
    ]);
    assert.deepStrictEqual(logAlertProblems({ ...base, timeAggregation: "Count" }), [
      "log alert `x`: metricMeasureColumn is required with Count and not allowed with Count",
    ]);
    assert.deepStrictEqual(
      metricAlertProblems({
        key: "m",
        displayName: "",
        description: "",
        severity: 2,
        alertClass: "ticket",
        source: "",
        metricNamespace: "n",
        metricName: "m",
        timeAggregation: "Average",
        operator: "GreaterThan",
        threshold: 1,
        evaluationFrequency: "PT10M",
        windowSize: "PT2H",
      }),
      [
        "metric alert `m`: evaluationFrequency PT10M is not one of PT1M, PT5M, PT15M, PT30M, PT1H",
        "metric alert `m`: windowSize PT2H is not one of PT1M, PT5M, PT15M, PT30M, PT1H, PT6H, PT12H, P1D",
      ],
    );
    const [podsFailed] = aksAlerts("chatbot").filter((entry) => entry.key === "aks-pods-failed");
    assert.deepStrictEqual(
      metricAlertProblems({
        ...inEnvironment(podsFailed, "prod"),
        dimensions: [{ name: "phase", values: [] }],
      }),
      ["metric alert `aks-pods-failed`: dimension phase has no value to include"],
    );
  });

  it("fails when no alert class has a receiver, before any resource", async () => {
    const args: MonitoringArgs = {
      resourceGroupName: "rg",
      resourceGroupId: "/subscriptions/s/resourceGroups/rg",
      location: "eastus2",
      environment: "staging",
      baseName: "chatbot-staging",
      routing: { page: ["chat"], ticket: ["chat"] },
      workspaceId: "/ws",
      subscriptionId: "s",
      gates: DEFAULT_GATES,
      healthPath: "/health",
      readyPath: "/ready",
      postgresServerId: "/pg",
      postgresStorageSizeGB: 64,
      keyVaultId: "/kv",
      registryId: "/acr",
      monthlyBudget: 0,
      budgetStartDate: "2026-12-15",
      tags: {},
    };
    let error: Error | undefined;
    const result = await runComponent(() => {
      try {
        new Monitoring("mon", args);
      } catch (err) {
        error = err as Error;
      }
    });
    assert.strictEqual(
      error?.message,
      [
        "Monitoring mon:",
        "exactly one of `containerApp` (target containerApps) and `cluster` (target aks) must be given",
        "`monthlyBudget` must be a positive amount; received 0",
        '`budgetStartDate` must be the first day of a month (YYYY-MM-01); received "2026-12-15"',
        "no receiver for page and ticket alerts: the staging routing sends them to chat and chat; set `alerts.emails` (the fallback) or the channels' receivers",
      ].join("\n"),
    );
    assert.deepStrictEqual(
      result.resources.map((r) => r.type),
      ["chatbot:monitoring:Monitoring"],
    );
  });

  it("refuses webhook URLs that are not encrypted, without showing them", () => {
    const raw = {
      environment: "dev",
      release: JSON.stringify({
        live: "blue",
        blue: { version: "1.4.2", image: "acr.azurecr.io/chatbot-api:1.4.2" },
      }),
      alertWebhooks: JSON.stringify({ slack: SLACK }),
      alerts: JSON.stringify({ emails: ["not-an-email"] }),
    };
    assert.throws(
      () => parseConfig(raw, "dev", { secretKeys: [] }),
      (err: unknown) =>
        err instanceof ConfigError &&
        JSON.stringify(err.problems) ===
          JSON.stringify([
            'Invalid `chatbot-platform:alerts.emails[0]`: received "not-an-email"; expected an email address.',
            "Invalid `chatbot-platform:alertWebhooks`: received \"[secret]\"; values must be encrypted: set each with `pulumi config set --secret --path 'alertWebhooks.<NAME>' <value>` (the stack file then holds `secure:`).",
          ]),
    );
    const parsed = parseConfig({ ...raw, alerts: undefined }, "dev", {
      secretKeys: ["alertWebhooks"],
    });
    assert.deepStrictEqual(parsed.alerts, {
      emails: [],
      pagerEmails: [],
      monthlyBudget: 150,
      webhooks: { slack: SLACK },
    });
  });
});
