import { StackValidationPolicy } from "@pulumi/policy";

interface Config {
  statefulTypes: string[];
}

/** Data-holding resources cannot be deleted by a mistaken `pulumi up` or `destroy`. */
export const stackProtectStateful: StackValidationPolicy = {
  name: "chatbot-stack-protect-stateful",
  description:
    "Stateful resources (PostgreSQL servers and Key Vaults) must be registered with protect.",
  configSchema: {
    properties: {
      statefulTypes: {
        type: "array",
        items: { type: "string" },
        description: "Resource types that hold data and must be protected.",
        default: ["azure-native:dbforpostgresql:Server", "azure-native:keyvault:Vault"],
      },
    },
  },
  enforcementLevel: "mandatory",
  // Several types at once, so this filters by type itself instead of validateStackResourcesOfType.
  validateStack: (args, reportViolation) => {
    const { statefulTypes } = args.getConfig<Config>();
    const stateful = args.resources.filter((resource) => statefulTypes.includes(resource.type));
    if (stateful.length === 0) {
      args.notApplicable("The stack has no stateful resources");
    }
    for (const resource of stateful) {
      if (!resource.opts.protect) {
        reportViolation(`${resource.type} "${resource.name}" is not protected.`, resource.urn);
      }
    }
  },
};
