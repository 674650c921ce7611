import * as monitor from "@pulumi/azure-native/monitor";
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { refersTo } from "../lib/stack";

/** Receiver lists of an action group (`azure-native:monitor:ActionGroup`). */
const RECEIVER_KINDS = [
  "emailReceivers",
  "smsReceivers",
  "webhookReceivers",
  "voiceReceivers",
  "azureAppPushReceivers",
  "logicAppReceivers",
  "azureFunctionReceivers",
  "automationRunbookReceivers",
  "armRoleReceivers",
  "eventHubReceivers",
  "itsmReceivers",
  "incidentReceivers",
] as const;

/** An enabled action group's receiver count (a list that is unknown during preview counts as one). */
function receivers(group: PolicyResource): number {
  if (group.props.enabled === false) {
    return 0;
  }
  return RECEIVER_KINDS.reduce((count, kind) => {
    const list: unknown = group.props[kind];
    if (list === undefined || list === null) {
      return count;
    }
    return count + (Array.isArray(list) ? list.length : 1);
  }, 0);
}

/**
 * The tags the Monitoring component (components/monitoring.ts, lib/monitoring/rules.ts) sets on
 * every alert rule: the kind (`slo`, `trigger`, `baseline`) and the rule's key. The pack does not
 * import the program; test/policy/operations.test.ts checks that both say the same.
 */
export const ALERT_KIND_TAG = "chatbot-alert-kind";
export const ALERT_KEY_TAG = "chatbot-alert";
/** The SLO rules a stack must have: the latency and the error-rate objectives. */
export const REQUIRED_SLO_ALERTS = ["slo-p95-latency", "slo-error-rate"] as const;

/** The rule's tag `name`, if it is a string. */
function tag(rule: PolicyResource, name: string): string | undefined {
  const tags: unknown = rule.props.tags;
  const value: unknown =
    typeof tags === "object" && tags !== null ? (tags as Record<string, unknown>)[name] : undefined;
  return typeof value === "string" ? value : undefined;
}

/**
 * Someone hears about an SLO breach: for each of the p95-latency and error-rate objectives, an
 * enabled log search alert rule that is an SLO rule (tagged `chatbot-alert-kind: slo` and
 * `chatbot-alert: <key>` by the Monitoring component) and whose actions name an action group
 * that has at least one receiver. Any other log search alert (the daily-cap rule, a trigger)
 * does not count.
 */
export const stackSloAlerting: StackValidationPolicy = {
  name: "chatbot-stack-slo-alerting",
  description:
    "The stack must have enabled SLO alert rules for p95 latency and error rate (log search alert rules tagged chatbot-alert-kind: slo) that notify an action group with at least one receiver.",
  enforcementLevel: "mandatory",
  // Rules and action groups are matched with each other, so this filters by type itself.
  validateStack: (args, reportViolation) => {
    const groups = args.resources.filter((r) => r.isType(monitor.ActionGroup));
    const reachable = groups.filter((group) => receivers(group) > 0);
    if (reachable.length === 0) {
      reportViolation(
        groups.length === 0
          ? "The stack has no action group."
          : `No enabled action group has a receiver (${groups.map((g) => g.name).join(", ")}).`,
      );
      return;
    }
    const sloRules = args.resources.filter(
      (r) =>
        r.isType(monitor.ScheduledQueryRule) &&
        r.props.enabled !== false &&
        tag(r, ALERT_KIND_TAG) === "slo",
    );
    const notifies = (rule: PolicyResource) => {
      const ids = (): unknown[] => {
        const groupIds = rule.asType(monitor.ScheduledQueryRule)?.actions?.actionGroups;
        return Array.isArray(groupIds) ? groupIds : [];
      };
      return reachable.some((group) => refersTo(rule, "actions", group, ids));
    };
    for (const key of REQUIRED_SLO_ALERTS) {
      const rules = sloRules.filter((rule) => tag(rule, ALERT_KEY_TAG) === key);
      if (rules.length === 0) {
        reportViolation(
          `The stack has no enabled SLO alert rule ${key} (a ScheduledQueryRule tagged ${ALERT_KIND_TAG}: slo, ${ALERT_KEY_TAG}: ${key}).`,
        );
      } else if (!rules.some(notifies)) {
        reportViolation(
          `The SLO alert rule ${key} (${rules.map((r) => r.name).join(", ")}) notifies no action group with a receiver (${reachable.map((g) => g.name).join(", ")}).`,
        );
      }
    }
  },
};
