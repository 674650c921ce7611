import { ResourceValidationPolicy } from "@pulumi/policy";

interface Config {
  requiredTags: string[];
  taggableTypes: string[];
}

/** Every resource that accepts tags carries the ownership and cost tags. */
export const tagsRequired: ResourceValidationPolicy = {
  name: "chatbot-tags-required",
  description: "Taggable resources must carry the environment, service and owner tags.",
  configSchema: {
    properties: {
      requiredTags: {
        type: "array",
        items: { type: "string" },
        description: "Tag keys that must be present with a non-empty value.",
        default: ["environment", "service", "owner"],
      },
      taggableTypes: {
        type: "array",
        items: { type: "string" },
        description: "Resource types that accept tags and are checked.",
        default: [
          "azure-native:resources:ResourceGroup",
          "azure-native:operationalinsights:Workspace",
          "azure-native:applicationinsights:Component",
          "azure-native:app:ManagedEnvironment",
          "azure-native:app:ContainerApp",
          "azure-native:managedidentity:UserAssignedIdentity",
          "azure-native:containerregistry:Registry",
          "azure-native:keyvault:Vault",
          "azure-native:keyvault:Secret",
          "azure-native:dbforpostgresql:Server",
          "azure-native:network:VirtualNetwork",
          "azure-native:network:PrivateEndpoint",
          "azure-native:privatedns:PrivateZone",
          "azure-native:privatedns:VirtualNetworkLink",
        ],
      },
    },
  },
  enforcementLevel: "mandatory",
  // Applies to a list of types from config, so it cannot be bound to one class with
  // validateResourceOfType; it declares itself not applicable to every other type.
  validateResource: (args, reportViolation) => {
    const { requiredTags, taggableTypes } = args.getConfig<Config>();
    if (!taggableTypes.includes(args.type)) {
      args.notApplicable(`Policy only applies to the configured taggable types`);
    }
    const tags: Record<string, unknown> = args.props.tags ?? {};
    const missing = requiredTags.filter((key) => typeof tags[key] !== "string" || tags[key] === "");
    if (missing.length > 0) {
      reportViolation(`Missing tags: ${missing.join(", ")}.`);
    }
  },
};
