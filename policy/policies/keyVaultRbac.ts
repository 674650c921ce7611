import * as keyvault from "@pulumi/azure-native/keyvault";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/** Access is granted with Azure RBAC roles, not vault access policies. */
export const keyVaultRbac: ResourceValidationPolicy = {
  name: "chatbot-keyvault-rbac",
  description: "Key Vaults must use RBAC authorization (enableRbacAuthorization true).",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(keyvault.Vault, (vault, _args, reportViolation) => {
    if (vault.properties?.enableRbacAuthorization !== true) {
      reportViolation(
        `properties.enableRbacAuthorization is ${String(vault.properties?.enableRbacAuthorization)}.`,
      );
    }
  }),
};
