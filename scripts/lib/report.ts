/**
 * The gate's report: one JSON document for `--json`, or a readable text report.
 */
import { isMandatory, Violation } from "./gate";
import { redact } from "./wire";

/** One planned resource as the report lists it. */
export interface PlannedResource {
  urn: string;
  type: string;
  name: string;
  parent: string;
  /** Inputs with secrets as `[secret]` and unknowns as `[unknown]`. */
  inputs: Record<string, unknown>;
}

/** The `--json` document. */
export interface Report {
  stack: string;
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
  violations: Violation[];
}

/** Input paths worth showing per type in the text report (the JSON has every input). */
const KEY_INPUTS: Record<string, string[]> = {
  "azure-native:app:ContainerApp": [
    "configuration.activeRevisionsMode",
    "configuration.ingress.allowInsecure",
    "configuration.ingress.traffic",
    "template.containers.0.image",
    "template.scale.minReplicas",
  ],
  "azure-native:keyvault:Vault": [
    "properties.enableRbacAuthorization",
    "properties.enablePurgeProtection",
    "properties.publicNetworkAccess",
  ],
  "azure-native:keyvault:Secret": ["secretName", "properties.value"],
  "azure-native:dbforpostgresql:Server": [
    "version",
    "sku.name",
    "highAvailability.mode",
    "backup.backupRetentionDays",
    "backup.geoRedundantBackup",
    "network.publicNetworkAccess",
    "administratorLoginPassword",
  ],
  "azure-native:containerregistry:Registry": ["sku.name", "adminUserEnabled"],
  "azure-native:app:ManagedEnvironment": ["appLogsConfiguration.destination"],
};

function at(value: unknown, dotted: string): unknown {
  return dotted
    .split(".")
    .reduce<unknown>(
      (current, key) =>
        typeof current === "object" && current !== null
          ? (current as Record<string, unknown>)[key]
          : undefined,
      value,
    );
}

/** The name part of a URN, for compact parents. */
function shortUrn(urn: string): string {
  const parts = urn.split("::");
  return parts.length >= 4 ? `${parts[2].split("$").pop()}::${parts[3]}` : urn;
}

/** Renders the text report. */
export function renderText(report: Report, header: string, footer: string[] = []): string {
  const lines = [header, ""];
  for (const resource of report.resources) {
    lines.push(`  + ${resource.type}  ${resource.name}`);
    if (resource.parent) {
      lines.push(`      parent: ${shortUrn(resource.parent)}`);
    }
    for (const key of KEY_INPUTS[resource.type] ?? []) {
      const value = at(resource.inputs, key);
      if (value !== undefined) {
        lines.push(`      ${key}: ${JSON.stringify(value)}`);
      }
    }
  }
  lines.push("", ...footer);
  const mandatory = report.violations.filter(isMandatory);
  const others = report.violations.filter((v) => !isMandatory(v));
  for (const violation of [...mandatory, ...others]) {
    const [first, ...rest] = violation.message.split("\n");
    lines.push(`  [${violation.enforcementLevel}] ${violation.policy}  ${shortUrn(violation.urn)}`);
    lines.push(`      ${first}`, ...rest.map((line) => `      ${line}`));
  }
  lines.push(
    "",
    mandatory.length > 0
      ? `FAILED: ${mandatory.length} mandatory and ${others.length} other policy violations.`
      : `PASSED: no mandatory policy violations (${others.length} advisory).`,
  );
  return `${lines.join("\n")}\n`;
}

/** Redacts a resource's wire inputs for display. */
export function plannedResource(resource: {
  urn: string;
  type: string;
  name: string;
  parent: string;
  inputs: Record<string, unknown>;
}): PlannedResource {
  return {
    urn: resource.urn,
    type: resource.type,
    name: resource.name,
    parent: resource.parent,
    inputs: redact(resource.inputs) as Record<string, unknown>,
  };
}
