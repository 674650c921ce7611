import * as app from "@pulumi/azure-native/app";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/** The traffic table is explicit and complete: its weights add up to 100. */
export const containerAppTrafficTotal: ResourceValidationPolicy = {
  name: "chatbot-containerapp-traffic-total",
  description: "Container App ingress traffic weights must be listed and sum to exactly 100.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(
    app.ContainerApp,
    (containerApp, _args, reportViolation) => {
      const ingress = containerApp.configuration?.ingress;
      if (ingress === undefined) {
        return;
      }
      const traffic = ingress.traffic ?? [];
      const total = traffic.reduce((sum, entry) => sum + (entry.weight ?? 0), 0);
      if (traffic.length === 0) {
        reportViolation("configuration.ingress.traffic is empty.");
      } else if (total !== 100) {
        reportViolation(`The weights sum to ${total}.`);
      }
    },
  ),
};
