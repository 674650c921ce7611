import * as app from "@pulumi/azure-native/app";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/** Every app secret is a Key Vault reference read with a managed identity, never an inline value. */
export const containerAppKeyVaultSecrets: ResourceValidationPolicy = {
  name: "chatbot-containerapp-keyvault-secrets",
  description:
    "Container App secrets must be Key Vault references (keyVaultUrl and identity) rather than inline values.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(
    app.ContainerApp,
    (containerApp, _args, reportViolation) => {
      for (const secret of containerApp.configuration?.secrets ?? []) {
        // Presence decides, not the values: during preview the vault URL and the identity id are
        // usually unknown (outputs of the vault and the identity), and reading an unknown value
        // would turn this mandatory check into an advisory "can't run during preview".
        if ("value" in secret || !("keyVaultUrl" in secret) || !("identity" in secret)) {
          reportViolation(`Secret "${secret.name}" is not a Key Vault reference.`);
        }
      }
    },
  ),
};
