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
      "slo-burn-fast: burnRate Maximum GreaterThan 14.4 over PT1H every PT5M sev1",
      "slo-burn-slow: burnRate Maximum GreaterThan 6 over PT6H every PT15M sev3",
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
        "| where TimeGenerated > ago(60m)",
        "| summarize requests = sum(ItemCount), failed = sumif(ItemCount, Success == false),",
        "    shortRequests = sumif(ItemCount, TimeGenerated > ago(5m)),",
        "    shortFailed = sumif(ItemCount, Success == false and TimeGenerated > ago(5m))",
        "| where requests >= 50 and shortRequests > 0",
        "| extend longBurn = (100.0 * failed / requests) / 0.1, shortBurn = (100.0 * shortFailed / shortRequests) / 0.1",
        "| extend burnRate = min_of(longBurn, shortBurn)",
      ].join("\n"),
    );
    assert.match(
      String(criterion(byKey(results.prod, SQR, "slo-burn-slow")).query),
      /\| where TimeGenerated > ago\(360m\)\n[\s\S]*ago\(30m\)\),\n/,
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

  /** Top-level keys declared by `export interface <Name>Args` in the module's .d.ts. */
  function declaredArgs(module: string, file: string, name: string): string[] {
    const text = fs.readFileSync(
      path.join(ROOT, "node_modules/@pulumi/azure-native", module, `${file}.d.ts`),
      "utf8",
    );
    const body = text.slice(text.indexOf(`export interface ${name}Args {`));
    return [...body.slice(0, body.indexOf("\n}")).matchAll(/^ {4}(\w+)\??:/gm)].map((m) => m[1]);
  }

  for (const [type, module, file, name] of [
    [SQR, "monitor", "scheduledQueryRule", "ScheduledQueryRule"],
    [METRIC, "monitor", "metricAlert", "MetricAlert"],
    [GROUP, "monitor", "actionGroup", "ActionGroup"],
    ["azure-native:monitor:ActivityLogAlert", "monitor", "activityLogAlert", "ActivityLogAlert"],
    ["azure-native:logic:Workflow", "logic", "workflow", "Workflow"],
    ["azure-native:applicationinsights:Workbook", "applicationinsights", "workbook", "Workbook"],
    ["azure-native:consumption:Budget", "consumption", "budget", "Budget"],
  ]) {
    it(`sends only properties ${name} declares`, () => {
      const declared = declaredArgs(module, file, name);
      for (const resource of ofType(result, type)) {
        const extra = Object.keys(resource.inputs).filter((key) => !declared.includes(key));
        assert.deepStrictEqual(extra, [], `${resource.name} sends ${extra.join(", ")}`);
      }
    });
  }

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
