import * as app from "@pulumi/azure-native/app";
import { StackValidationPolicy } from "@pulumi/policy";

/** Container Apps environments ship their logs to the stack's Log Analytics workspace. */
export const stackLogAnalytics: StackValidationPolicy = {
  name: "chatbot-stack-log-analytics",
  description: "Container Apps environments must send their logs to a Log Analytics workspace.",
  enforcementLevel: "mandatory",
  // validateStackResourcesOfType would hide each environment's URN, which the report needs.
  validateStack: (args, reportViolation) => {
    const environments = args.resources.filter((resource) =>
      resource.isType(app.ManagedEnvironment),
    );
    if (environments.length === 0) {
      args.notApplicable("The stack has no Container Apps environment");
    }
    for (const environment of environments) {
      const logs = environment.asType(app.ManagedEnvironment)?.appLogsConfiguration;
      // Only the presence of the workspace id is read: it is an output of the workspace and
      // may still be unknown during preview.
      const workspace = logs?.logAnalyticsConfiguration;
      const hasWorkspace = workspace !== undefined && "customerId" in workspace;
      if (logs?.destination !== "log-analytics" || !hasWorkspace) {
        reportViolation(
          `Environment "${environment.name}" sends logs to ${logs?.destination ?? "nowhere"}${
            hasWorkspace ? "" : " without a workspace id"
          }.`,
          environment.urn,
        );
      }
    }
  },
};
