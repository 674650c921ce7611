import * as keyvault from "@pulumi/azure-native/keyvault";
import * as monitor from "@pulumi/azure-native/monitor";
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";

interface Config {
  auditCategories: string[];
  auditCategoryGroups: string[];
}

/** Does `setting` configure `vault`? By its `resourceUri` dependency, or by the vault's ARM id. */
function targets(setting: PolicyResource, vault: PolicyResource): boolean {
  if ((setting.propertyDependencies.resourceUri ?? []).some((r) => r.urn === vault.urn)) {
    return true;
  }
  const uri: unknown = setting.props.resourceUri;
  const name: unknown = vault.props.name ?? vault.props.vaultName;
  return (
    typeof uri === "string" &&
    typeof name === "string" &&
    uri.toLowerCase().endsWith(`/providers/microsoft.keyvault/vaults/${name.toLowerCase()}`)
  );
}

/** Every read and write of a secret leaves a record in the stack's Log Analytics workspace. */
export const stackKeyVaultAuditLogs: StackValidationPolicy = {
  name: "chatbot-stack-keyvault-audit-logs",
  description:
    "Key Vaults must have a diagnostic setting that sends AuditEvent logs to a Log Analytics workspace.",
  configSchema: {
    properties: {
      auditCategories: {
        type: "array",
        items: { type: "string" },
        description: "Log categories that carry the vault's audit events.",
        default: ["AuditEvent"],
      },
      auditCategoryGroups: {
        type: "array",
        items: { type: "string" },
        description: "Log category groups that include AuditEvent.",
        default: ["audit", "allLogs"],
      },
    },
  },
  enforcementLevel: "mandatory",
  // Vaults and settings are matched with each other, so this filters by type itself.
  validateStack: (args, reportViolation) => {
    const { auditCategories, auditCategoryGroups } = args.getConfig<Config>();
    const vaults = args.resources.filter((resource) => resource.isType(keyvault.Vault));
    if (vaults.length === 0) {
      args.notApplicable("The stack has no Key Vault");
    }
    const settings = args.resources.filter((resource) =>
      resource.isType(monitor.DiagnosticSetting),
    );
    for (const vault of vaults) {
      const audited = settings.some((resource) => {
        const setting = resource.asType(monitor.DiagnosticSetting);
        // Only the presence of the workspace id is read: it may be unknown during preview.
        const toWorkspace = setting !== undefined && "workspaceId" in setting;
        const auditLog = (setting?.logs ?? []).some(
          (log) =>
            log.enabled &&
            ((log.category !== undefined && auditCategories.includes(log.category)) ||
              (log.categoryGroup !== undefined && auditCategoryGroups.includes(log.categoryGroup))),
        );
        return toWorkspace && auditLog && targets(resource, vault);
      });
      if (!audited) {
        reportViolation(
          `Key Vault "${vault.name}" has no diagnostic setting that sends AuditEvent to a workspace.`,
          vault.urn,
        );
      }
    }
  },
};
