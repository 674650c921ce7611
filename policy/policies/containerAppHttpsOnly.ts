import * as app from "@pulumi/azure-native/app";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/** Ingress must refuse plain HTTP: `allowInsecure` may not be true. */
export const containerAppHttpsOnly: ResourceValidationPolicy = {
  name: "chatbot-containerapp-https-only",
  description: "Container App ingress must accept HTTPS only (allowInsecure must not be true).",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(
    app.ContainerApp,
    (containerApp, _args, reportViolation) => {
      const ingress = containerApp.configuration?.ingress;
      if (ingress?.allowInsecure === true) {
        reportViolation("configuration.ingress.allowInsecure is true.");
      }
    },
  ),
};
