import * as app from "@pulumi/azure-native/app";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { allContainers, containerLabel } from "../lib/containers";

interface Config {
  secretNamePattern: string;
  allowedNames: string[];
}

/** Environment variables whose names look secret must come from `secretRef`, never `value`. */
export const containerAppNoPlaintextSecrets: ResourceValidationPolicy = {
  name: "chatbot-containerapp-no-plaintext-secrets",
  description:
    "Container App environment variables with secret-looking names must use secretRef, not a plain-text value.",
  configSchema: {
    properties: {
      secretNamePattern: {
        type: "string",
        description: "Case-insensitive regular expression for names that hold secrets.",
        default: "KEY|SECRET|PASSWORD|PASSWD|TOKEN|CONNECTION|CREDENTIAL|^DATABASE_URL$",
      },
      allowedNames: {
        type: "array",
        items: { type: "string" },
        description: "Exact names that match the pattern but are not secrets.",
        default: [],
      },
    },
  },
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(
    app.ContainerApp,
    (containerApp, args, reportViolation) => {
      const { secretNamePattern, allowedNames } = args.getConfig<Config>();
      const secretName = new RegExp(secretNamePattern, "i");
      allContainers(containerApp).forEach((container, index) => {
        for (const variable of container.env ?? []) {
          const name = variable.name ?? "";
          if (
            secretName.test(name) &&
            !allowedNames.includes(name) &&
            // Presence, not the value: a plain value computed from another resource (say a
            // connection string output) is unknown during preview and must still be refused.
            "value" in variable
          ) {
            reportViolation(
              `Container "${containerLabel(container, index)}" sets ${name} as a plain-text value.`,
            );
          }
        }
      });
    },
  ),
};
