/**
 * The service level objectives and the automatic rollback triggers as log search alerts over the
 * app's requests (the workspace's `AppRequests` table of workspace-based Application Insights).
 *
 * One source for every number: the SLO latency and error-rate limits are the release's promotion
 * criteria, the trigger thresholds and windows are its rollback triggers, both from the stack's
 * gates (`lib/gates.ts` defaults merged with `chatbot-platform:releaseGates`, exactly what the
 * release command evaluates), and users' requests are selected by `lib/telemetry.ts`, the filter
 * the release gates use. Design targets: p95 < 500 ms, error rate < 1%, availability
 * 99.9%; roll back when the error rate is > 5% for 2 minutes, p95 > 2 s for 5 minutes, or more
 * than 3 consecutive health checks fail.
 *
 * Availability burn rates (Google SRE workbook, "Alerting on SLOs", multiwindow multi-burn-rate
 * alerts, https://sre.google/workbook/alerting-on-slos/): the error budget of a 99.9% objective is
 * 0.1% of requests; burning it 14.4 times as fast as allowed for 1 hour spends 2% of a 30-day
 * budget. An alert fires only when both its long and its short window burn too fast (the short
 * window makes it reset quickly once the burn stops):
 * - fast burn: 14.4x over 1 h and over 5 min -> page;
 * - slow burn: 6x over 6 h and over 30 min (5% of the budget in 6 h) -> ticket.
 * Both windows of a pair end `ingestionLagMinutes` ago, as the rollback triggers and the release
 * read: the last minutes' requests are not all in the workspace yet (a 5-minute window ending now
 * would hold about 2 minutes of data with the default 3-minute lag).
 * The workbook also pages on the 6x pair and tickets on 1x over 3 days; a log search alert reads
 * at most 2 days (P2D), so the slow pair is the ticket here and the dashboard shows the 30-day
 * budget left.
 */
import { GateThresholds } from "../gates";
import { Target } from "../environments";
import {
  DEFAULT_PROBE_PATHS,
  probeNames,
  requestGrouping,
  userRequestsFilter,
  WEIGHTED_FAILED,
  WEIGHTED_P95,
  WEIGHTED_REQUESTS,
} from "../telemetry";
import { LogAlert, logWindowCovering } from "./rules";

/** Availability objective (percent of users' requests that succeed). */
export const AVAILABILITY_SLO_PERCENT = 99.9;
/** The period the error budget is counted over (the dashboard's "budget left"). */
export const ERROR_BUDGET_DAYS = 30;

/** One multiwindow burn-rate alert. */
export interface BurnRateWindow {
  readonly key: string;
  /** Times the sustainable rate (1 = spends exactly the budget in the period). */
  readonly burnRate: number;
  readonly longMinutes: number;
  readonly shortMinutes: number;
  readonly evaluationFrequency: string;
  readonly alertClass: "page" | "ticket";
}

export const BURN_RATE_WINDOWS: readonly BurnRateWindow[] = [
  {
    key: "slo-burn-fast",
    burnRate: 14.4,
    longMinutes: 60,
    shortMinutes: 5,
    evaluationFrequency: "PT5M",
    alertClass: "page",
  },
  {
    key: "slo-burn-slow",
    burnRate: 6,
    longMinutes: 360,
    shortMinutes: 30,
    evaluationFrequency: "PT15M",
    alertClass: "ticket",
  },
];

/** The SLO alerts read 15 minutes, every 5 minutes. */
export const SLO_WINDOW = { evaluationFrequency: "PT5M", windowSize: "PT15M", minutes: 15 };
/** Repeat notifications of a ticket at most hourly. */
export const TICKET_MUTE = "PT1H";
/** Rollback triggers are evaluated every minute, as the release re-checks during a step. */
export const TRIGGER_FREQUENCY = "PT1M";

/** What the alerts need to know besides the gates. */
export interface SloInputs {
  readonly gates: GateThresholds;
  /** The app's health and readiness paths (probes: not users' requests). */
  readonly healthPath: string;
  readonly readyPath: string;
  /** Where the app runs: how requests are grouped per revision (`lib/telemetry.ts`). */
  readonly target: Target;
}

/** The SLO rules the stack policy `chatbot-stack-slo-alerting` requires (by their key tag). */
export const REQUIRED_SLO_ALERTS = ["slo-p95-latency", "slo-error-rate"] as const;

/** Users' requests of the app, as the release gates select them. */
function users(inputs: SloInputs): string {
  const paths = [...new Set([...DEFAULT_PROBE_PATHS, inputs.healthPath, inputs.readyPath])];
  return ["AppRequests", userRequestsFilter(probeNames(paths))].join("\n");
}

/** A window that ends `lagMinutes` ago and lasts `minutes` (rows arrive late). */
function between(minutes: number, lagMinutes: number): string {
  return lagMinutes === 0
    ? `| where TimeGenerated > ago(${minutes}m)`
    : `| where TimeGenerated between (ago(${minutes + lagMinutes}m) .. ago(${lagMinutes}m))`;
}

const fmt = (n: number) => String(Number(n.toFixed(6)));

/** The SLO alerts: p95 latency, error rate and the two availability burn rates. */
export function sloAlerts(inputs: SloInputs): LogAlert[] {
  const { gates } = inputs;
  const budget = 100 - AVAILABILITY_SLO_PERCENT;
  const p95: LogAlert = {
    key: "slo-p95-latency",
    displayName: `SLO: p95 latency above ${gates.promoteMaxP95Ms} ms`,
    description: `p95 of users' requests over ${SLO_WINDOW.minutes} min is at or above the ${gates.promoteMaxP95Ms} ms objective (${gates.minRequests}+ requests).`,
    severity: 2,
    alertClass: "ticket",
    source: "platform design SLO p95 < 500 ms = lib/gates.ts promoteMaxP95Ms",
    query: [
      users(inputs),
      between(SLO_WINDOW.minutes, 0),
      `| summarize requests = ${WEIGHTED_REQUESTS}, p95 = ${WEIGHTED_P95}`,
      `| where requests >= ${gates.minRequests}`,
    ].join("\n"),
    metricMeasureColumn: "p95",
    timeAggregation: "Maximum",
    operator: "GreaterThanOrEqual",
    threshold: gates.promoteMaxP95Ms,
    evaluationFrequency: SLO_WINDOW.evaluationFrequency,
    windowSize: SLO_WINDOW.windowSize,
    autoMitigate: false,
    muteActionsDuration: TICKET_MUTE,
  };
  const errors: LogAlert = {
    key: "slo-error-rate",
    displayName: `SLO: error rate at or above ${gates.promoteMaxErrorRatePercent}%`,
    description: `Failed users' requests over ${SLO_WINDOW.minutes} min are at or above the ${gates.promoteMaxErrorRatePercent}% objective (${gates.minRequests}+ requests).`,
    severity: 2,
    alertClass: "ticket",
    source: "platform design SLO error rate < 1% = lib/gates.ts promoteMaxErrorRatePercent",
    query: [
      users(inputs),
      between(SLO_WINDOW.minutes, 0),
      `| summarize requests = ${WEIGHTED_REQUESTS}, failed = ${WEIGHTED_FAILED}`,
      `| where requests >= ${gates.minRequests}`,
      "| extend errorRatePercent = 100.0 * failed / requests",
    ].join("\n"),
    metricMeasureColumn: "errorRatePercent",
    timeAggregation: "Maximum",
    operator: "GreaterThanOrEqual",
    threshold: gates.promoteMaxErrorRatePercent,
    evaluationFrequency: SLO_WINDOW.evaluationFrequency,
    windowSize: SLO_WINDOW.windowSize,
    autoMitigate: false,
    muteActionsDuration: TICKET_MUTE,
  };
  const lag = gates.ingestionLagMinutes;
  const burns = BURN_RATE_WINDOWS.map((w): LogAlert => {
    const page = w.alertClass === "page";
    // Rows end `lag` ago (the long window's filter), so the short window starts short + lag ago.
    const shortStart = `TimeGenerated > ago(${w.shortMinutes + lag}m)`;
    return {
      key: w.key,
      displayName: `SLO: availability error budget burning ${w.burnRate}x (${w.longMinutes / 60} h and ${w.shortMinutes} min)`,
      description: `Users' requests fail ${w.burnRate} times faster than the ${AVAILABILITY_SLO_PERCENT}% availability objective allows, over ${w.longMinutes} min and over ${w.shortMinutes} min, both ending ${lag} min ago (ingestion lag).`,
      severity: page ? 1 : 3,
      alertClass: w.alertClass,
      source: "platform design availability 99.9%; Google SRE workbook multiwindow burn rates",
      query: [
        users(inputs),
        between(w.longMinutes, lag),
        `| summarize requests = ${WEIGHTED_REQUESTS}, failed = ${WEIGHTED_FAILED},`,
        `    shortRequests = sumif(ItemCount, ${shortStart}),`,
        `    shortFailed = sumif(ItemCount, Success == false and ${shortStart})`,
        `| where requests >= ${gates.minRequests} and shortRequests > 0`,
        `| extend longBurn = (100.0 * failed / requests) / ${fmt(budget)}, shortBurn = (100.0 * shortFailed / shortRequests) / ${fmt(budget)}`,
        "| extend burnRate = min_of(longBurn, shortBurn)",
      ].join("\n"),
      metricMeasureColumn: "burnRate",
      timeAggregation: "Maximum",
      operator: "GreaterThan",
      threshold: w.burnRate,
      evaluationFrequency: w.evaluationFrequency,
      windowSize: logWindowCovering(w.longMinutes + lag, w.evaluationFrequency),
      autoMitigate: page,
      muteActionsDuration: page ? undefined : TICKET_MUTE,
    };
  });
  return [p95, errors, ...burns];
}

/**
 * The rollback triggers, per revision on Container Apps and per slot on AKS (one alert per
 * revision or slot that trips, see `requestGrouping`): the release's thresholds and windows, read
 * `ingestionLagMinutes` late as the release reads them, over windows with at least `minRequests`
 * users' requests (fewer never trigger, as in `triggerReason`).
 */
export function triggerAlerts(inputs: SloInputs): LogAlert[] {
  const { gates } = inputs;
  const lag = gates.ingestionLagMinutes;
  const grouping = requestGrouping(inputs.target);
  const perRevision = grouping.extend;
  const by = grouping.column;
  const whose = by === "Slot" ? "A slot's" : "A revision's";
  const common = {
    severity: 1 as const,
    alertClass: "page" as const,
    timeAggregation: "Maximum" as const,
    operator: "GreaterThan" as const,
    evaluationFrequency: TRIGGER_FREQUENCY,
    dimensions: [by],
    autoMitigate: true,
  };
  const errorWindow = gates.rollbackErrorRateWindowMinutes;
  const p95Window = gates.rollbackP95WindowMinutes;
  const healthChecks = gates.maxConsecutiveHealthFailures + 1;
  const healthWindow = Math.max(5, Math.ceil((healthChecks * gates.checkIntervalSeconds) / 60));
  return [
    {
      ...common,
      key: "trigger-error-rate",
      displayName: `Rollback trigger: error rate above ${gates.rollbackErrorRatePercent}% for ${errorWindow} min`,
      description: `${whose} users' requests failed above ${gates.rollbackErrorRatePercent}% over ${errorWindow} min (${gates.minRequests}+ requests): the release rolls back on this; roll back by hand outside a release.`,
      source: "platform design rollback trigger = lib/gates.ts rollbackErrorRate*",
      query: [
        users(inputs),
        between(errorWindow, lag),
        perRevision,
        `| summarize requests = ${WEIGHTED_REQUESTS}, failed = ${WEIGHTED_FAILED} by ${by}`,
        `| where requests >= ${gates.minRequests}`,
        "| extend errorRatePercent = 100.0 * failed / requests",
      ].join("\n"),
      metricMeasureColumn: "errorRatePercent",
      threshold: gates.rollbackErrorRatePercent,
      windowSize: logWindowCovering(errorWindow + lag, TRIGGER_FREQUENCY),
    },
    {
      ...common,
      key: "trigger-p95-latency",
      displayName: `Rollback trigger: p95 latency above ${gates.rollbackP95Ms} ms for ${p95Window} min`,
      description: `${whose} p95 latency was above ${gates.rollbackP95Ms} ms over ${p95Window} min (${gates.minRequests}+ requests): the release rolls back on this; roll back by hand outside a release.`,
      source: "platform design rollback trigger = lib/gates.ts rollbackP95*",
      query: [
        users(inputs),
        between(p95Window, lag),
        perRevision,
        `| summarize requests = ${WEIGHTED_REQUESTS}, p95 = ${WEIGHTED_P95} by ${by}`,
        `| where requests >= ${gates.minRequests}`,
      ].join("\n"),
      metricMeasureColumn: "p95",
      threshold: gates.rollbackP95Ms,
      windowSize: logWindowCovering(p95Window + lag, TRIGGER_FREQUENCY),
    },
    {
      ...common,
      key: "trigger-health-checks",
      displayName: `Rollback trigger: more than ${gates.maxConsecutiveHealthFailures} health checks in a row failed`,
      description: `The last ${healthChecks} health checks a ${by === "Slot" ? "pod" : "replica"} answered (${inputs.healthPath}) all failed. A ${by === "Slot" ? "pod" : "replica"} that does not answer at all records no request: the ${by === "Slot" ? "ready-pod and failed-pod" : "restart and replica"} alerts catch that.`,
      source: "platform design rollback trigger = lib/gates.ts maxConsecutiveHealthFailures",
      query: [
        "AppRequests",
        between(healthWindow, lag),
        `| where Name == "GET ${inputs.healthPath}"`,
        perRevision,
        `| partition hint.strategy=native by AppRoleInstance (top ${healthChecks} by TimeGenerated desc)`,
        `| summarize checks = count(), failedInARow = countif(Success == false) by ${by}, AppRoleInstance`,
        "| extend consecutiveFailures = iff(checks == failedInARow, failedInARow, 0)",
        `| summarize consecutiveFailures = max(consecutiveFailures) by ${by}`,
      ].join("\n"),
      metricMeasureColumn: "consecutiveFailures",
      threshold: gates.maxConsecutiveHealthFailures,
      windowSize: logWindowCovering(healthWindow + lag, TRIGGER_FREQUENCY),
    },
  ];
}
