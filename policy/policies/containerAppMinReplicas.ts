import * as app from "@pulumi/azure-native/app";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

interface Config {
  minReplicas: number;
}

/** Enough replicas stay warm to survive a replica or zone loss. */
export const containerAppMinReplicas: ResourceValidationPolicy = {
  name: "chatbot-containerapp-min-replicas",
  description: "Container Apps must keep at least the configured minimum number of replicas.",
  configSchema: {
    properties: {
      minReplicas: {
        type: "integer",
        minimum: 0,
        description: "Lowest allowed template.scale.minReplicas.",
        default: 1,
      },
    },
  },
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(
    app.ContainerApp,
    (containerApp, args, reportViolation) => {
      const { minReplicas } = args.getConfig<Config>();
      const actual = containerApp.template?.scale?.minReplicas ?? 0;
      if (actual < minReplicas) {
        reportViolation(
          `template.scale.minReplicas is ${actual}; at least ${minReplicas} required.`,
        );
      }
    },
  ),
};
