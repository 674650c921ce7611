import * as app from "@pulumi/azure-native/app";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/** Blue/green needs several active revisions at once. */
export const containerAppMultipleRevisions: ResourceValidationPolicy = {
  name: "chatbot-containerapp-multiple-revisions",
  description:
    "Container Apps must run in Multiple revision mode so blue/green traffic splitting works.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(
    app.ContainerApp,
    (containerApp, _args, reportViolation) => {
      const mode = containerApp.configuration?.activeRevisionsMode;
      if (mode !== "Multiple") {
        reportViolation(`activeRevisionsMode is ${mode === undefined ? "not set" : `"${mode}"`}.`);
      }
    },
  ),
};
