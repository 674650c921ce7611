import * as app from "@pulumi/azure-native/app";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/** A user-assigned identity exists before the app, so Key Vault and ACR access work on first deploy. */
export const containerAppUserAssignedIdentity: ResourceValidationPolicy = {
  name: "chatbot-containerapp-user-assigned-identity",
  description: "Container Apps must use at least one user-assigned managed identity.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(
    app.ContainerApp,
    (containerApp, _args, reportViolation) => {
      const identity = containerApp.identity;
      const type = identity?.type ?? "None";
      const count = identity?.userAssignedIdentities?.length ?? 0;
      if (!type.includes("UserAssigned") || count === 0) {
        reportViolation(`identity.type is "${type}" with ${count} user-assigned identities.`);
      }
    },
  ),
};
