import * as keyvault from "@pulumi/azure-native/keyvault";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/** The vault is reachable only through private endpoints. */
export const keyVaultPrivateNetwork: ResourceValidationPolicy = {
  name: "chatbot-keyvault-private-network",
  description: "Key Vaults must deny public network access (publicNetworkAccess Disabled).",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(keyvault.Vault, (vault, _args, reportViolation) => {
    const access = vault.properties?.publicNetworkAccess;
    if (access?.toLowerCase() !== "disabled") {
      reportViolation(
        `properties.publicNetworkAccess is ${access === undefined ? "not set" : `"${access}"`}.`,
      );
    }
  }),
};
