/**
 * Alert rules as data, and the rules Azure Monitor holds them to. Pure: no Pulumi resources.
 * `components/monitoring.ts` turns each definition into a resource after `alertProblems` found
 * nothing wrong with it.
 */
import { AlertClass } from "../environments";

/**
 * The operators of a log search alert's criteria. The REST API takes these strings
 * (https://learn.microsoft.com/rest/api/monitor/scheduled-query-rules/create-or-update#conditionoperator).
 * Never use `monitor.ConditionOperator` of @pulumi/azure-native for them: that enum belongs to
 * another resource and holds `gt`, `lt`, ... (test/program/monitoring.test.ts pins both).
 * `Equals` is left out: the service accepts `Equal`, not the `Equals` the API spec lists
 * (https://github.com/Azure/bicep-types-az/issues/2643).
 */
export const LOG_OPERATORS = [
  "GreaterThan",
  "GreaterThanOrEqual",
  "LessThan",
  "LessThanOrEqual",
] as const;
export type LogOperator = (typeof LOG_OPERATORS)[number];
/** Metric alert operators (`Microsoft.Insights/metricAlerts` 2018-03-01, `Operator`). */
export const METRIC_OPERATORS = [
  "GreaterThan",
  "GreaterThanOrEqual",
  "LessThan",
  "LessThanOrEqual",
] as const;
export type MetricOperator = (typeof METRIC_OPERATORS)[number];
/** Aggregations both alert kinds accept (`TimeAggregation` / `AggregationTypeEnum`). */
export const AGGREGATIONS = ["Average", "Count", "Minimum", "Maximum", "Total"] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/**
 * Log search alerts: how often they run and the window they read (ISO 8601). A window of `PT1M`
 * only with a one-minute frequency, `P1D`/`P2D` only without; the window must not be shorter
 * than the frequency. muteActionsDuration takes its own list, must not be shorter than the
 * frequency, and excludes autoMitigate.
 * Sources: https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-create-log-alert-rule
 * and the provider that validates them (hashicorp/terraform-provider-azurerm,
 * website/docs/r/monitor_scheduled_query_rules_alert_v2.html.markdown).
 */
export const LOG_FREQUENCIES = [
  "PT1M",
  "PT5M",
  "PT10M",
  "PT15M",
  "PT30M",
  "PT45M",
  "PT1H",
  "PT2H",
  "PT3H",
  "PT4H",
  "PT5H",
  "PT6H",
  "P1D",
] as const;
export const LOG_WINDOWS_ONE_MINUTE = LOG_FREQUENCIES.filter((d) => d !== "P1D");
export const LOG_WINDOWS = [...LOG_FREQUENCIES.filter((d) => d !== "PT1M"), "P2D"] as const;
export const MUTE_DURATIONS = [...LOG_WINDOWS] as const;
/**
 * Metric alerts: frequencies and windows
 * (https://learn.microsoft.com/azure/templates/microsoft.insights/metricalerts, 2018-03-01).
 */
export const METRIC_FREQUENCIES = ["PT1M", "PT5M", "PT15M", "PT30M", "PT1H"] as const;
export const METRIC_WINDOWS = [
  "PT1M",
  "PT5M",
  "PT15M",
  "PT30M",
  "PT1H",
  "PT6H",
  "PT12H",
  "P1D",
] as const;

/** Minutes of an ISO 8601 duration of the forms above (`PT5M`, `PT1H`, `P1D`). */
export function minutesOf(duration: string): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(duration);
  if (match === null || duration === "P" || duration.endsWith("T")) {
    throw new Error(`not an ISO 8601 duration of days, hours and minutes: ${duration}`);
  }
  const [, days, hours, minutes] = match.map((part) => Number(part ?? 0));
  return days * 1440 + hours * 60 + minutes;
}

/** The shortest log alert window (with this frequency) that covers `minutes`. */
export function logWindowCovering(minutes: number, frequency: string): string {
  const windows = frequency === "PT1M" ? LOG_WINDOWS_ONE_MINUTE : LOG_WINDOWS;
  const window = windows.find((w) => minutesOf(w) >= Math.max(minutes, minutesOf(frequency)));
  if (window === undefined) {
    throw new Error(`no log alert window covers ${minutes} minutes (longest: P2D)`);
  }
  return window;
}

/** What every alert definition says about itself. */
interface AlertBase {
  /** Stable key: part of the Azure rule name (metric alert names cannot be changed). */
  readonly key: string;
  readonly displayName: string;
  readonly description: string;
  /** 0 (critical) to 4 (verbose). */
  readonly severity: 0 | 1 | 2 | 3 | 4;
  /** Who is told: the environment's routing of this class picks the action groups. */
  readonly alertClass: AlertClass;
  /** Where the rule and its numbers come from (a design document, an AMBA file). */
  readonly source: string;
}

/** A log search alert over one Log Analytics workspace (`monitor.ScheduledQueryRule`). */
export interface LogAlert extends AlertBase {
  readonly query: string;
  /** The numeric column the threshold applies to (not with `Count`). */
  readonly metricMeasureColumn?: string;
  readonly timeAggregation: Aggregation;
  readonly operator: LogOperator;
  readonly threshold: number;
  readonly evaluationFrequency: string;
  readonly windowSize: string;
  /** Columns that split the alert (one alert per value). @default - none */
  readonly dimensions?: readonly string[];
  /** Resolve the alert when the condition clears (pages). Excludes `muteActionsDuration`. */
  readonly autoMitigate: boolean;
  /** Suppress repeat notifications this long after firing (tickets). @default - none */
  readonly muteActionsDuration?: string;
}

/** A metric alert on one resource (`monitor.MetricAlert`). */
export interface MetricAlert extends AlertBase {
  readonly metricNamespace: string;
  readonly metricName: string;
  readonly timeAggregation: Aggregation;
  readonly operator: MetricOperator;
  readonly threshold: number;
  readonly evaluationFrequency: string;
  readonly windowSize: string;
  /** @default true */
  readonly autoMitigate?: boolean;
  /**
   * Dimension filters: only the series whose dimension has one of the values
   * (https://learn.microsoft.com/azure/templates/microsoft.insights/metricalerts, `MetricDimension`,
   * operator `Include`). @default - none (the metric aggregated over all its series)
   */
  readonly dimensions?: readonly { readonly name: string; readonly values: readonly string[] }[];
}

/** An activity log alert on an administrative operation (`monitor.ActivityLogAlert`). */
export interface ActivityAlert extends AlertBase {
  readonly category: "Administrative";
  readonly operationName: string;
  readonly status: "Succeeded";
}

const oneOf = (value: string, allowed: readonly string[]) => allowed.includes(value);

/**
 * Tags the Monitoring component sets on every alert rule, so that policies and people can tell
 * the kinds apart: `chatbot-alert-kind` is `slo`, `trigger` or `baseline`, `chatbot-alert` the
 * rule's key (`slo-p95-latency`). Azure tag names cannot contain `/`
 * (https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources#limitations).
 */
export const ALERT_KIND_TAG = "chatbot-alert-kind";
export const ALERT_KEY_TAG = "chatbot-alert";
export type AlertKind = "slo" | "trigger" | "baseline";

/** Why a log alert would be refused by Azure (one line each); empty when it would not. */
export function logAlertProblems(alert: LogAlert): string[] {
  const problems: string[] = [];
  const at = `log alert \`${alert.key}\``;
  if (!oneOf(alert.evaluationFrequency, LOG_FREQUENCIES))
    problems.push(
      `${at}: evaluationFrequency ${alert.evaluationFrequency} is not one of ${LOG_FREQUENCIES.join(", ")}`,
    );
  else {
    const windows = alert.evaluationFrequency === "PT1M" ? LOG_WINDOWS_ONE_MINUTE : LOG_WINDOWS;
    if (!oneOf(alert.windowSize, windows))
      problems.push(
        `${at}: windowSize ${alert.windowSize} is not allowed with evaluationFrequency ${alert.evaluationFrequency} (allowed: ${windows.join(", ")})`,
      );
    else if (minutesOf(alert.windowSize) < minutesOf(alert.evaluationFrequency))
      problems.push(
        `${at}: windowSize ${alert.windowSize} is shorter than evaluationFrequency ${alert.evaluationFrequency}`,
      );
  }
  if (alert.muteActionsDuration !== undefined) {
    if (!oneOf(alert.muteActionsDuration, MUTE_DURATIONS))
      problems.push(
        `${at}: muteActionsDuration ${alert.muteActionsDuration} is not one of ${MUTE_DURATIONS.join(", ")}`,
      );
    else if (
      oneOf(alert.evaluationFrequency, LOG_FREQUENCIES) &&
      minutesOf(alert.muteActionsDuration) < minutesOf(alert.evaluationFrequency)
    )
      problems.push(
        `${at}: muteActionsDuration ${alert.muteActionsDuration} is shorter than evaluationFrequency ${alert.evaluationFrequency}`,
      );
    if (alert.autoMitigate)
      problems.push(`${at}: muteActionsDuration and autoMitigate exclude each other`);
  }
  if (!oneOf(alert.operator, LOG_OPERATORS))
    problems.push(`${at}: operator ${alert.operator} is not one of ${LOG_OPERATORS.join(", ")}`);
  if ((alert.timeAggregation === "Count") !== (alert.metricMeasureColumn === undefined))
    problems.push(
      `${at}: metricMeasureColumn is required with ${alert.timeAggregation} and not allowed with Count`,
    );
  return problems;
}

/** Why a metric alert would be refused by Azure; empty when it would not. */
export function metricAlertProblems(alert: MetricAlert): string[] {
  const problems: string[] = [];
  const at = `metric alert \`${alert.key}\``;
  if (!oneOf(alert.evaluationFrequency, METRIC_FREQUENCIES))
    problems.push(
      `${at}: evaluationFrequency ${alert.evaluationFrequency} is not one of ${METRIC_FREQUENCIES.join(", ")}`,
    );
  if (!oneOf(alert.windowSize, METRIC_WINDOWS))
    problems.push(
      `${at}: windowSize ${alert.windowSize} is not one of ${METRIC_WINDOWS.join(", ")}`,
    );
  else if (
    oneOf(alert.evaluationFrequency, METRIC_FREQUENCIES) &&
    minutesOf(alert.windowSize) < minutesOf(alert.evaluationFrequency)
  )
    problems.push(
      `${at}: windowSize ${alert.windowSize} is shorter than evaluationFrequency ${alert.evaluationFrequency}`,
    );
  if (!oneOf(alert.operator, METRIC_OPERATORS))
    problems.push(`${at}: operator ${alert.operator} is not one of ${METRIC_OPERATORS.join(", ")}`);
  if (!Number.isFinite(alert.threshold))
    problems.push(`${at}: threshold ${alert.threshold} is not a number`);
  for (const dimension of alert.dimensions ?? [])
    if (dimension.values.length === 0)
      problems.push(`${at}: dimension ${dimension.name} has no value to include`);
  return problems;
}
