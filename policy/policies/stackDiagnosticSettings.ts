import * as monitor from "@pulumi/azure-native/monitor";
import { StackValidationPolicy } from "@pulumi/policy";
import { refersTo } from "../lib/stack";

interface Config {
  statefulTypes: string[];
}

/**
 * Every resource that holds data or credentials leaves its resource logs in the stack's Log
 * Analytics workspace: an enabled log category (or category group) sent to a workspace by a
 * diagnostic setting whose `resourceUri` is the resource
 * (https://learn.microsoft.com/azure/azure-monitor/essentials/diagnostic-settings).
 */
export const stackDiagnosticSettings: StackValidationPolicy = {
  name: "chatbot-stack-diagnostic-settings",
  description:
    "Stateful resources must have a diagnostic setting that sends their logs to a Log Analytics workspace.",
  configSchema: {
    properties: {
      statefulTypes: {
        type: "array",
        items: { type: "string" },
        description:
          "Resource types that hold data. Key Vaults are checked by chatbot-stack-keyvault-audit-logs (AuditEvent); the Log Analytics workspace is the destination of the others.",
        default: ["azure-native:dbforpostgresql:Server", "azure-native:containerregistry:Registry"],
      },
    },
  },
  enforcementLevel: "mandatory",
  // Resources and settings are matched with each other, so this filters by type itself.
  validateStack: (args, reportViolation) => {
    const { statefulTypes } = args.getConfig<Config>();
    const stateful = args.resources.filter((r) => statefulTypes.includes(r.type));
    if (stateful.length === 0) {
      args.notApplicable("The stack has no stateful resources");
    }
    const settings = args.resources.filter((r) => r.isType(monitor.DiagnosticSetting));
    for (const resource of stateful) {
      const logged = settings.some((candidate) => {
        const setting = candidate.asType(monitor.DiagnosticSetting);
        // Only the presence of the workspace id is read: it may be unknown during preview.
        const toWorkspace = setting !== undefined && "workspaceId" in setting;
        const anyLog = (setting?.logs ?? []).some(
          (log) => log.enabled && (log.category !== undefined || log.categoryGroup !== undefined),
        );
        return (
          toWorkspace &&
          anyLog &&
          refersTo(candidate, "resourceUri", resource, () => [candidate.props.resourceUri])
        );
      });
      if (!logged) {
        reportViolation(
          `${resource.type} "${resource.name}" has no diagnostic setting that sends logs to a workspace.`,
          resource.urn,
        );
      }
    }
  },
};
