import * as keyvault from "@pulumi/azure-native/keyvault";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/** Deleted secrets can be recovered, and nobody can purge them early. */
export const keyVaultPurgeProtection: ResourceValidationPolicy = {
  name: "chatbot-keyvault-purge-protection",
  description: "Key Vaults must keep soft delete on and enable purge protection.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(keyvault.Vault, (vault, _args, reportViolation) => {
    const properties = vault.properties;
    if (properties?.enableSoftDelete === false) {
      reportViolation("properties.enableSoftDelete is false.");
    }
    if (properties?.enablePurgeProtection !== true) {
      reportViolation(
        `properties.enablePurgeProtection is ${String(properties?.enablePurgeProtection)}.`,
      );
    }
  }),
};
