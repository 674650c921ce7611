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
 * Someone hears about an SLO breach: an enabled log search alert rule (the SLO, burn-rate and
 * rollback-trigger alerts are `ScheduledQueryRule`s over Application Insights requests) whose
 * actions name an action group that has at least one receiver.
 */
export const stackSloAlerting: StackValidationPolicy = {
  name: "chatbot-stack-slo-alerting",
  description:
    "The stack must have an enabled SLO alert (a log search alert rule) that notifies an action group with at least one receiver.",
  enforcementLevel: "mandatory",
  // Rules and action groups are matched with each other, so this filters by type itself.
  validateStack: (args, reportViolation) => {
    const groups = args.resources.filter((r) => r.isType(monitor.ActionGroup));
    const reachable = groups.filter((group) => receivers(group) > 0);
    const rules = args.resources.filter(
      (r) => r.isType(monitor.ScheduledQueryRule) && r.props.enabled !== false,
    );
    if (reachable.length === 0) {
      reportViolation(
        groups.length === 0
          ? "The stack has no action group."
          : `No enabled action group has a receiver (${groups.map((g) => g.name).join(", ")}).`,
      );
      return;
    }
    const notifying = rules.filter((rule) => {
      const ids = (): unknown[] => {
        const groupIds = rule.asType(monitor.ScheduledQueryRule)?.actions?.actionGroups;
        return Array.isArray(groupIds) ? groupIds : [];
      };
      return reachable.some((group) => refersTo(rule, "actions", group, ids));
    });
    if (notifying.length === 0) {
      reportViolation(
        rules.length === 0
          ? "The stack has no enabled log search alert rule (ScheduledQueryRule)."
          : `No enabled log search alert rule notifies an action group with a receiver (${reachable.map((g) => g.name).join(", ")}).`,
      );
    }
  },
};
