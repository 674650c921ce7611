import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

interface Config {
  secretOutputs: string[];
}

/**
 * Azure returns the instrumentation key in plain text, and the provider does not mark it secret:
 * only `additionalSecretOutputs` keeps it encrypted in state. The engine sends a resource's
 * `additionalSecretOutputs` to the analyzer with its options (preview, update and
 * `pulumi policy analyze` alike), so that option is what this policy reads.
 */
export const appInsightsSecretOutputs: ResourceValidationPolicy = {
  name: "chatbot-appinsights-secret-outputs",
  description:
    "Application Insights components must list their key-bearing outputs in additionalSecretOutputs.",
  configSchema: {
    properties: {
      secretOutputs: {
        type: "array",
        items: { type: "string" },
        description: "Outputs that carry the instrumentation key.",
        default: ["connectionString", "instrumentationKey"],
      },
    },
  },
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(
    applicationinsights.Component,
    (_component, args, reportViolation) => {
      const { secretOutputs } = args.getConfig<Config>();
      const declared = args.opts.additionalSecretOutputs ?? [];
      const missing = secretOutputs.filter((output) => !declared.includes(output));
      if (missing.length > 0) {
        reportViolation(`additionalSecretOutputs lacks ${missing.join(", ")}.`);
      }
    },
  ),
};
