import * as pulumi from "@pulumi/pulumi";
import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import * as consumption from "@pulumi/azure-native/consumption";
import * as logic from "@pulumi/azure-native/logic";
import * as monitor from "@pulumi/azure-native/monitor";
import {
  ALERT_CHANNELS,
  AlertChannel,
  AlertClass,
  EnvironmentName,
  Target,
} from "../lib/environments";
import { GateThresholds } from "../lib/gates";
import { NAMESPACE } from "../lib/kubernetes";
import {
  aksAlerts,
  APP_INSIGHTS_ALERTS,
  containerAppAlerts,
  inEnvironment,
  KEY_VAULT_ALERTS,
  KEY_VAULT_DELETE_ALERT,
  postgresAlerts,
  REGISTRY_STORAGE_ALERT,
} from "../lib/monitoring/baseline";
import {
  ADAPTER_TRIGGER,
  CHAT_TARGETS,
  ChatTarget,
  chatAdapterDefinition,
} from "../lib/monitoring/chatAdapter";
import {
  ALERT_KEY_TAG,
  ALERT_KIND_TAG,
  AlertKind,
  LogAlert,
  logAlertProblems,
  MetricAlert,
  metricAlertProblems,
} from "../lib/monitoring/rules";
import { sloAlerts, triggerAlerts } from "../lib/monitoring/slo";
import { workbookContent, workbookId } from "../lib/monitoring/workbook";
import { DEFAULT_PROBE_PATHS } from "../lib/telemetry";

/** Budget notifications: Actual 80% and 100%, Forecasted 110% of the monthly amount. */
export const BUDGET_NOTIFICATIONS = [
  { key: "actual80", thresholdType: "Actual", threshold: 80 },
  { key: "actual100", thresholdType: "Actual", threshold: 100 },
  { key: "forecasted110", thresholdType: "Forecasted", threshold: 110 },
] as const;

export interface MonitoringArgs {
  /** Resource group of every rule, group and dashboard. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** The resource group's ARM id: the budget's scope and the activity log alert's. */
  readonly resourceGroupId: pulumi.Input<string>;
  /** Azure region of the log search alerts, the adapter and the workbook. */
  readonly location: string;
  /** The environment: picks the thresholds of the baseline tables. */
  readonly environment: EnvironmentName;
  /** `<prefix>-<environment>`: every rule and group is named from it (`alert-chatbot-prod-...`). */
  readonly baseName: string;
  /** Which channels each alert class notifies. */
  readonly routing: Readonly<Record<AlertClass, readonly AlertChannel[]>>;
  /** Email receivers of the `email` group (and of the budget). @default [] */
  readonly emails?: readonly string[];
  /** Email receivers of the `page` group. @default [] */
  readonly pagerEmails?: readonly string[];
  /**
   * Incoming-webhook URLs (secrets): Slack and Teams through the chat adapter, the pager's as a
   * webhook receiver of the `page` group. @default - none
   */
  readonly slackWebhookUrl?: pulumi.Input<string>;
  readonly teamsWebhookUrl?: pulumi.Input<string>;
  readonly pagerWebhookUrl?: pulumi.Input<string>;
  /** Log Analytics workspace (ARM id): the one scope of every log search alert. */
  readonly workspaceId: pulumi.Input<string>;
  readonly subscriptionId: pulumi.Input<string>;
  /** The stack's gates (defaults merged with `releaseGates`): the SLO and trigger numbers. */
  readonly gates: GateThresholds;
  /** The app's probe paths (excluded from users' requests). */
  readonly healthPath: string;
  readonly readyPath: string;
  /**
   * Target `containerApps`: the Container App and its size, for the app's baseline rules and the
   * dashboard. Exactly one of `containerApp` and `cluster` is given.
   */
  readonly containerApp?: {
    readonly id: pulumi.Input<string>;
    readonly name: string;
    readonly cpu: number;
    readonly memory: string;
    readonly minReplicas: number;
  };
  /**
   * Target `aks`: the managed cluster (its ARM id scopes the AKS baseline rules) and the app's
   * base name (its revisions' and the dashboard's).
   */
  readonly cluster?: {
    readonly id: pulumi.Input<string>;
    readonly name: string;
    readonly appName: string;
  };
  readonly postgresServerId: pulumi.Input<string>;
  readonly postgresStorageSizeGB: number;
  readonly keyVaultId: pulumi.Input<string>;
  readonly registryId: pulumi.Input<string>;
  /** Monthly budget of the resource group, in the billing currency. */
  readonly monthlyBudget: number;
  /** First day of the budget (`YYYY-MM-01`). @default - the first day of the current month (UTC) */
  readonly budgetStartDate?: string;
  /** Tags for every child. */
  readonly tags: Record<string, string>;
}

const SHORT_ENVIRONMENT: Readonly<Record<EnvironmentName, string>> = {
  dev: "dev",
  staging: "stg",
  prod: "prd",
};

/** First day of the current UTC month, `YYYY-MM-01`. */
export function firstOfMonth(now: Date = new Date()): string {
  return `${now.toISOString().slice(0, 7)}-01`;
}

/**
 * Alerts, notifications, dashboard and budget of one stack: SLO and rollback-trigger log search
 * alerts over the app's requests, the AMBA baseline metric alerts of every service, action groups
 * per channel routed by the environment, the chat adapter for Slack and Teams, a workbook, and a
 * monthly consumption budget. Every rule is validated against Azure's rules before any resource.
 */
export class Monitoring extends pulumi.ComponentResource {
  /** ARM ids of the action groups by channel (only channels with receivers). */
  public readonly actionGroupIds: Partial<Record<AlertChannel, pulumi.Output<string>>>;
  /** Azure names of every alert rule. */
  public readonly alertRuleNames: string[];
  public readonly workbookId: pulumi.Output<string>;
  public readonly budgetName: string;

  constructor(name: string, args: MonitoringArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("chatbot:monitoring:Monitoring", name, {}, opts);
    const envThresholds = (entries: readonly Parameters<typeof inEnvironment>[0][]) =>
      entries.map((entry) => inEnvironment(entry, args.environment));
    const app = args.containerApp;
    const cluster = args.cluster;
    const target: Target = cluster === undefined ? "containerApps" : "aks";
    const sloInputs = {
      gates: args.gates,
      healthPath: args.healthPath,
      readyPath: args.readyPath,
      target,
    };
    const logAlerts: { alert: LogAlert; kind: AlertKind }[] = [
      ...sloAlerts(sloInputs).map((alert) => ({ alert, kind: "slo" as const })),
      ...triggerAlerts(sloInputs).map((alert) => ({ alert, kind: "trigger" as const })),
      ...APP_INSIGHTS_ALERTS.map((alert) => ({ alert, kind: "baseline" as const })),
    ];
    const metricAlerts: { alert: MetricAlert; scope: pulumi.Input<string>; suffix: string }[] = [
      ...(app === undefined
        ? []
        : containerAppAlerts(app).map((alert) => ({
            alert,
            scope: app.id,
            suffix: `-${app.name}`,
          }))),
      // One cluster per stack, like the database: no suffix.
      ...(cluster === undefined
        ? []
        : envThresholds(aksAlerts(NAMESPACE)).map((alert) => ({
            alert,
            scope: cluster.id,
            suffix: "",
          }))),
      ...envThresholds(postgresAlerts(args.postgresStorageSizeGB)).map((alert) => ({
        alert,
        scope: args.postgresServerId,
        suffix: "",
      })),
      ...envThresholds(KEY_VAULT_ALERTS).map((alert) => ({
        alert,
        scope: args.keyVaultId,
        suffix: "",
      })),
      {
        alert: inEnvironment(REGISTRY_STORAGE_ALERT, args.environment),
        scope: args.registryId,
        suffix: "",
      },
    ];

    // Validate everything before any child exists.
    const problems = [
      ...logAlerts.flatMap(({ alert }) => logAlertProblems(alert)),
      ...metricAlerts.flatMap(({ alert }) => metricAlertProblems(alert)),
    ];
    if ((app === undefined) === (cluster === undefined)) {
      problems.push(
        "exactly one of `containerApp` (target containerApps) and `cluster` (target aks) must be given",
      );
    }
    if (!Number.isFinite(args.monthlyBudget) || args.monthlyBudget <= 0) {
      problems.push(
        `\`monthlyBudget\` must be a positive amount; received ${JSON.stringify(args.monthlyBudget)}`,
      );
    }
    const start = args.budgetStartDate ?? firstOfMonth();
    if (!/^\d{4}-(0[1-9]|1[0-2])-01$/.test(start)) {
      problems.push(
        `\`budgetStartDate\` must be the first day of a month (YYYY-MM-01); received ${JSON.stringify(start)}`,
      );
    }
    for (const channel of new Set(Object.values(args.routing).flat())) {
      if (!ALERT_CHANNELS.includes(channel)) {
        problems.push(
          `\`routing\` names the unknown channel ${JSON.stringify(channel)}; allowed: ${ALERT_CHANNELS.join(", ")}`,
        );
      }
    }
    const chatTargets = (Object.keys(CHAT_TARGETS) as ChatTarget[]).filter(
      (target) => (target === "slack" ? args.slackWebhookUrl : args.teamsWebhookUrl) !== undefined,
    );
    const receivers: Record<AlertChannel, boolean> = {
      email: (args.emails ?? []).length > 0,
      chat: chatTargets.length > 0,
      page: (args.pagerEmails ?? []).length > 0 || args.pagerWebhookUrl !== undefined,
    };
    // A class whose channels have no receiver falls back to email; with no email either, nobody
    // would hear of an alert or a budget overrun.
    const routes = Object.fromEntries(
      Object.entries(args.routing).map(([alertClass, channels]) => {
        const reachable = channels.filter((channel) => receivers[channel]);
        return [alertClass, reachable.length > 0 ? reachable : receivers.email ? ["email"] : []];
      }),
    ) as Record<AlertClass, AlertChannel[]>;
    const unreachable = (Object.keys(routes) as AlertClass[]).filter((c) => routes[c].length === 0);
    if (unreachable.length > 0) {
      problems.push(
        `no receiver for ${unreachable.join(" and ")} alerts: the ${args.environment} routing sends them to ${unreachable
          .map((c) => args.routing[c].join(" + "))
          .join(" and ")}; set \`alerts.emails\` (the fallback) or the channels' receivers`,
      );
    }
    if (problems.length > 0) {
      throw new Error(`Monitoring ${name}:\n${problems.join("\n")}`);
    }

    const parent = { parent: this };
    const base = args.baseName;
    const common = { resourceGroupName: args.resourceGroupName, tags: args.tags };

    // Slack and Teams do not read the common alert schema: the chat adapter reshapes it.
    const adapter =
      chatTargets.length === 0
        ? undefined
        : new logic.Workflow(
            `${name}-chat-adapter`,
            {
              ...common,
              workflowName: `logic-${base}-chat-alerts`,
              location: args.location,
              state: "Enabled",
              definition: chatAdapterDefinition(chatTargets, args.environment),
              parameters: Object.fromEntries(
                chatTargets.map((target) => [
                  CHAT_TARGETS[target],
                  {
                    type: "SecureString",
                    value: pulumi.secret(
                      (target === "slack"
                        ? args.slackWebhookUrl
                        : args.teamsWebhookUrl) as pulumi.Input<string>,
                    ),
                  },
                ]),
              ),
            },
            parent,
          );
    // The trigger's callback URL carries a SAS signature: a secret.
    const callbackUrl =
      adapter &&
      pulumi.secret(
        logic
          .listWorkflowTriggerCallbackUrlOutput(
            {
              resourceGroupName: args.resourceGroupName,
              workflowName: adapter.name,
              triggerName: ADAPTER_TRIGGER,
            },
            parent,
          )
          .apply((result) => result.value ?? ""),
      );

    // Action groups are global resources; every receiver gets the common alert schema
    // (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-common-schema).
    const email = (address: string, index: number) => ({
      name: `email-${index + 1}`,
      emailAddress: address,
      useCommonAlertSchema: true,
    });
    const groups: Partial<Record<AlertChannel, monitor.ActionGroup>> = {};
    const groupArgs: Record<AlertChannel, () => Partial<monitor.ActionGroupArgs>> = {
      email: () => ({ emailReceivers: (args.emails ?? []).map(email) }),
      chat: () => ({
        logicAppReceivers: [
          {
            name: "chat-adapter",
            resourceId: (adapter as logic.Workflow).id,
            callbackUrl: callbackUrl as pulumi.Output<string>,
            useCommonAlertSchema: true,
          },
        ],
      }),
      page: () => ({
        emailReceivers: (args.pagerEmails ?? []).map(email),
        webhookReceivers:
          args.pagerWebhookUrl === undefined
            ? []
            : [
                {
                  name: "pager",
                  serviceUri: pulumi.secret(args.pagerWebhookUrl),
                  useCommonAlertSchema: true,
                },
              ],
      }),
    };
    const used = new Set(Object.values(routes).flat());
    for (const channel of ALERT_CHANNELS.filter((c) => used.has(c))) {
      groups[channel] = new monitor.ActionGroup(
        `${name}-ag-${channel}`,
        {
          ...common,
          actionGroupName: `ag-${base}-${channel}`,
          groupShortName: `${SHORT_ENVIRONMENT[args.environment]}-${channel}`,
          location: "global",
          enabled: true,
          ...groupArgs[channel](),
        },
        parent,
      );
    }
    const groupsFor = (alertClass: AlertClass) =>
      routes[alertClass].map((channel) => (groups[channel] as monitor.ActionGroup).id);

    // Every rule says what it is (policies find the SLO rules by these tags).
    const ruleTags = (kind: AlertKind, key: string) => ({
      ...args.tags,
      [ALERT_KIND_TAG]: kind,
      [ALERT_KEY_TAG]: key,
    });
    const ruleNames: string[] = [];
    for (const { alert, kind } of logAlerts) {
      const ruleName = `alert-${base}-${alert.key}`;
      ruleNames.push(ruleName);
      new monitor.ScheduledQueryRule(
        `${name}-${alert.key}`,
        {
          ...common,
          tags: ruleTags(kind, alert.key),
          ruleName,
          location: args.location,
          kind: "LogAlert",
          displayName: alert.displayName,
          description: `${alert.description} Source: ${alert.source}.`,
          severity: alert.severity,
          enabled: true,
          // Exactly one scope: the REST API takes one resource id per log search alert.
          scopes: [args.workspaceId],
          evaluationFrequency: alert.evaluationFrequency,
          windowSize: alert.windowSize,
          criteria: {
            allOf: [
              {
                query: alert.query,
                timeAggregation: alert.timeAggregation,
                metricMeasureColumn: alert.metricMeasureColumn,
                // A string of the API (`GreaterThan`): see LOG_OPERATORS in lib/monitoring/rules.ts.
                operator: alert.operator,
                threshold: alert.threshold,
                dimensions: (alert.dimensions ?? []).map((dimension) => ({
                  name: dimension,
                  operator: "Include",
                  values: ["*"],
                })),
                failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
              },
            ],
          },
          autoMitigate: alert.autoMitigate,
          muteActionsDuration: alert.muteActionsDuration,
          // The tables (AppRequests, ContainerAppSystemLogs_CL) exist only once data arrived, and
          // Azure validates a query against the workspace's schema when the rule is created.
          skipQueryValidation: true,
          actions: { actionGroups: groupsFor(alert.alertClass) },
        },
        // A log search alert's scope cannot change in place
        // (https://learn.microsoft.com/rest/api/monitor/scheduled-query-rules/update: scopes are
        // not updatable), and its name is fixed, so the old rule goes first.
        { parent: this, replaceOnChanges: ["scopes"], deleteBeforeReplace: true },
      );
    }

    for (const { alert, scope, suffix } of metricAlerts) {
      // Metric alert names cannot be changed: the key is part of the contract.
      const ruleName = `alert-${base}-${alert.key}${suffix}`;
      ruleNames.push(ruleName);
      new monitor.MetricAlert(
        `${name}-${alert.key}${suffix}`,
        {
          ...common,
          tags: ruleTags("baseline", alert.key),
          ruleName,
          location: "global",
          description: `${alert.displayName}. ${alert.description} Source: ${alert.source}.`,
          severity: alert.severity,
          enabled: true,
          scopes: [scope],
          evaluationFrequency: alert.evaluationFrequency,
          windowSize: alert.windowSize,
          autoMitigate: alert.autoMitigate ?? true,
          criteria: {
            odataType: "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
            allOf: [
              {
                criterionType: "StaticThresholdCriterion",
                name: alert.metricName,
                metricNamespace: alert.metricNamespace,
                metricName: alert.metricName,
                operator: alert.operator,
                threshold: alert.threshold,
                timeAggregation: alert.timeAggregation,
                dimensions: alert.dimensions?.map((dimension) => ({
                  name: dimension.name,
                  operator: "Include",
                  values: [...dimension.values],
                })),
              },
            ],
          },
          actions: groupsFor(alert.alertClass).map((actionGroupId) => ({ actionGroupId })),
        },
        parent,
      );
    }

    const deleted = KEY_VAULT_DELETE_ALERT;
    const deletedName = `alert-${base}-${deleted.key}`;
    ruleNames.push(deletedName);
    new monitor.ActivityLogAlert(
      `${name}-${deleted.key}`,
      {
        ...common,
        tags: ruleTags("baseline", deleted.key),
        activityLogAlertName: deletedName,
        location: "global",
        description: `${deleted.description} Source: ${deleted.source}.`,
        enabled: true,
        scopes: [args.resourceGroupId],
        condition: {
          allOf: [
            { field: "category", equals: deleted.category },
            { field: "operationName", equals: deleted.operationName },
            { field: "status", equals: deleted.status },
          ],
        },
        actions: {
          actionGroups: groupsFor(deleted.alertClass).map((actionGroupId) => ({ actionGroupId })),
        },
      },
      parent,
    );

    const workbookName = workbookId(`${base}-dashboard`);
    const workbook = new applicationinsights.Workbook(
      `${name}-dashboard`,
      {
        ...common,
        resourceName: workbookName,
        location: args.location,
        kind: "shared",
        category: "workbook",
        displayName: `${base} SLOs and releases`,
        sourceId: pulumi.output(args.workspaceId).apply((id) => id.toLowerCase()),
        serializedData: pulumi
          .all([args.workspaceId, args.subscriptionId])
          .apply(([workspaceId, subscriptionId]) =>
            JSON.stringify(
              workbookContent({
                workspaceId,
                subscriptionId,
                target,
                containerAppName: app?.name ?? cluster?.appName ?? "",
                clusterName: cluster?.name,
                promoteMaxP95Ms: args.gates.promoteMaxP95Ms,
                promoteMaxErrorRatePercent: args.gates.promoteMaxErrorRatePercent,
                probePaths: [...new Set([...DEFAULT_PROBE_PATHS, args.healthPath, args.readyPath])],
              }),
            ),
          ),
      },
      parent,
    );

    const budgetName = `budget-${base}`;
    const budgetGroups = groupsFor("ticket");
    new consumption.Budget(
      `${name}-budget`,
      {
        budgetName,
        scope: args.resourceGroupId,
        amount: args.monthlyBudget,
        category: "Cost",
        timeGrain: "Monthly",
        timePeriod: { startDate: `${start}T00:00:00Z` },
        notifications: Object.fromEntries(
          BUDGET_NOTIFICATIONS.map((n) => [
            n.key,
            {
              enabled: true,
              operator: "GreaterThanOrEqualTo",
              threshold: n.threshold,
              thresholdType: n.thresholdType,
              contactEmails: [...(args.emails ?? [])],
              contactGroups: budgetGroups,
            },
          ]),
        ),
      },
      // The start date is fixed when the budget is created; a later month must not move it.
      { parent: this, ignoreChanges: ["timePeriod"] },
    );

    this.actionGroupIds = Object.fromEntries(
      Object.entries(groups).map(([channel, group]) => [channel, group.id]),
    );
    this.alertRuleNames = ruleNames;
    this.workbookId = workbook.id;
    this.budgetName = budgetName;
    this.registerOutputs({
      actionGroupIds: this.actionGroupIds,
      alertRuleNames: this.alertRuleNames,
      workbookId: this.workbookId,
      budgetName: this.budgetName,
    });
  }
}
