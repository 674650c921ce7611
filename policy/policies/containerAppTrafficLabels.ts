import * as app from "@pulumi/azure-native/app";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/** Traffic goes only to named, labelled revisions, so blue and green each have a stable URL. */
export const containerAppTrafficLabels: ResourceValidationPolicy = {
  name: "chatbot-containerapp-traffic-labels",
  description: "Container App traffic entries must each name a revision and carry a label.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(
    app.ContainerApp,
    (containerApp, _args, reportViolation) => {
      (containerApp.configuration?.ingress?.traffic ?? []).forEach((entry, index) => {
        const target = entry.revisionName || (entry.latestRevision === true ? "latest" : "");
        if (!target || !entry.label) {
          reportViolation(
            `Traffic entry ${index} (${target || "no revision"}, weight ${entry.weight ?? 0}) has ${
              entry.label ? "no revision" : "no label"
            }.`,
          );
        }
      });
    },
  ),
};
