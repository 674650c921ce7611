import * as app from "@pulumi/azure-native/app";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

interface Config {
  requiredProbes: string[];
}

/** Every app container declares the probes the platform relies on for safe revision swaps. */
export const containerAppHealthProbes: ResourceValidationPolicy = {
  name: "chatbot-containerapp-health-probes",
  description: "Container App containers must declare liveness and readiness probes.",
  configSchema: {
    properties: {
      requiredProbes: {
        type: "array",
        items: { type: "string", enum: ["Liveness", "Readiness", "Startup"] },
        description: "Probe types every container must declare.",
        default: ["Liveness", "Readiness"],
      },
    },
  },
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(
    app.ContainerApp,
    (containerApp, args, reportViolation) => {
      const { requiredProbes } = args.getConfig<Config>();
      (containerApp.template?.containers ?? []).forEach((container, index) => {
        const declared = (container.probes ?? []).map((probe) => probe.type);
        const missing = requiredProbes.filter((type) => !declared.includes(type));
        if (missing.length > 0) {
          reportViolation(
            `Container "${container.name ?? `#${index}`}" has no ${missing.join(", ")} probe.`,
          );
        }
      });
    },
  ),
};
