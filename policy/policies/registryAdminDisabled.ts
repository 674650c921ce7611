import * as containerregistry from "@pulumi/azure-native/containerregistry";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/** Images are pulled with managed identities, never with the shared admin account. */
export const registryAdminDisabled: ResourceValidationPolicy = {
  name: "chatbot-registry-admin-disabled",
  description: "Container registries must keep the admin user disabled.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(
    containerregistry.Registry,
    (registry, _args, reportViolation) => {
      if (registry.adminUserEnabled === true) {
        reportViolation("adminUserEnabled is true.");
      }
    },
  ),
};
