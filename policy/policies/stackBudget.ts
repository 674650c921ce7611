import * as consumption from "@pulumi/azure-native/consumption";
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";

/** A recipient list is set (non-empty, or unknown during preview). */
function hasRecipients(list: unknown): boolean {
  return list !== undefined && list !== null && (!Array.isArray(list) || list.length > 0);
}

/** Does the budget have an enabled notification that reaches someone? */
function notifies(budget: PolicyResource): boolean {
  const notifications = budget.asType(consumption.Budget)?.notifications ?? {};
  return Object.values(notifications).some(
    (n) =>
      n.enabled &&
      (hasRecipients(n.contactEmails) ||
        hasRecipients(n.contactGroups) ||
        hasRecipients(n.contactRoles)),
  );
}

/**
 * Someone is told before the bill surprises them: a Cost Management budget
 * (`azure-native:consumption:Budget`) with an enabled notification to an address, an action group
 * or a role (https://learn.microsoft.com/azure/cost-management-billing/costs/tutorial-acm-create-budgets).
 */
export const stackBudget: StackValidationPolicy = {
  name: "chatbot-stack-budget",
  description:
    "The stack must have a consumption budget with an enabled notification to an email address, action group or role.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const budgets = args.resources.filter((r) => r.isType(consumption.Budget));
    if (budgets.length === 0) {
      reportViolation("The stack has no consumption budget.");
      return;
    }
    if (!budgets.some(notifies)) {
      for (const budget of budgets) {
        reportViolation(`Budget "${budget.name}" notifies nobody.`, budget.urn);
      }
    }
  },
};
