/**
 * The gate's report: one JSON document for `--json`, or a readable text report; for several
 * stacks, a summary table. Warnings are the program's (`pulumi.log.warn`); advisory violations
 * are the policies' warnings. Both are printed and counted, and `--strict` fails on them.
 */
import { at, type CostEstimate } from "../../policy/lib/cost/estimate";
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
  /** What the program logged with `pulumi.log.warn` (none for an exported state). */
  warnings: string[];
  /** The estimated monthly cost (`npm run plan` only; policy/lib/cost). */
  cost?: CostEstimate;
}

/** What a stack's gate decided. */
export type Verdict = "PASSED" | "FAILED" | "ERROR";

/** One row of the summary table (and of `--json`'s `summary`). */
export interface Summary {
  stack: string;
  resources: number;
  mandatory: number;
  advisory: number;
  warnings: number;
  verdict: Verdict;
  /** The estimated monthly cost in USD (`npm run plan` only). */
  monthlyCostUsd?: number;
  /** Why the stack could not be planned (a configuration error), for verdict ERROR. */
  error?: string;
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

/** The name part of a URN, for compact parents. */
function shortUrn(urn: string): string {
  const parts = urn.split("::");
  return parts.length >= 4 ? `${parts[2].split("$").pop()}::${parts[3]}` : urn;
}

/** The counts and the verdict of a report; with `strict`, warnings and advisory violations fail. */
export function summarize(report: Report, strict: boolean): Summary {
  const mandatory = report.violations.filter(isMandatory).length;
  const advisory = report.violations.length - mandatory;
  const warnings = report.warnings.length;
  const failed = mandatory > 0 || (strict && advisory + warnings > 0);
  return {
    stack: report.stack,
    resources: report.resources.length,
    mandatory,
    advisory,
    warnings,
    verdict: failed ? "FAILED" : "PASSED",
    ...(report.cost === undefined ? {} : { monthlyCostUsd: report.cost.monthlyUsd }),
  };
}

/** US dollars with thousands separators and cents: `$1,971.99`. */
export function dollars(usd: number): string {
  return `$${usd.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/**
 * The cost section of the text report: the total with the price table's date and the usage
 * assumptions; with `detailed`, every priced resource with how its number was computed, the
 * resources at no charge, what could not be priced, and the assumptions.
 */
export function renderCost(cost: CostEstimate, detailed: boolean): string[] {
  const lines = [
    `Estimated monthly cost: ${dollars(cost.monthlyUsd)} (${cost.priceRegion} list prices of ${cost.priceTableDate}, usage assumptions of ${cost.environment})`,
  ];
  const unpriced = cost.items.filter((item) => !item.priced);
  if (!detailed) {
    if (unpriced.length > 0) {
      lines.push(`  not priced: ${unpriced.map((item) => item.name).join(", ")}`);
    }
    return lines;
  }
  const charged = cost.items.filter((item) => item.monthlyUsd > 0);
  const width = Math.max(0, ...charged.map((item) => dollars(item.monthlyUsd).length));
  for (const item of charged) {
    lines.push(`  ${dollars(item.monthlyUsd).padStart(width)}  ${item.type}  ${item.name}`);
    lines.push(`      ${item.basis}`);
  }
  const free = cost.items.filter((item) => item.priced && item.monthlyUsd === 0);
  if (free.length > 0) {
    lines.push(
      `  ${free.length} resources at no charge (${free.map((item) => item.name).join(", ")})`,
    );
  }
  for (const item of unpriced) {
    lines.push(`  not priced: ${item.type}  ${item.name}: ${item.basis}`);
  }
  lines.push("  Assumptions:", ...cost.assumptions.map((line) => `    - ${line}`), "");
  return lines;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** The report's last line. */
export function verdictLine(summary: Summary): string {
  const { mandatory, advisory, warnings } = summary;
  if (mandatory > 0) {
    return `FAILED: ${mandatory} mandatory and ${advisory} advisory policy violations, ${plural(warnings, "warning")}.`;
  }
  if (summary.verdict === "FAILED") {
    return `FAILED (--strict): ${advisory} advisory policy violations and ${plural(warnings, "warning")}.`;
  }
  return `PASSED: no mandatory policy violations (${advisory} advisory, ${plural(warnings, "warning")}).`;
}

/** Prints a message's first line after `label` and the rest indented below it. */
function block(label: string, message: string): string[] {
  const [first, ...rest] = message.split("\n");
  return [`  ${label}`, `      ${first}`, ...rest.map((line) => `      ${line}`)];
}

/**
 * Renders the text report: the header, the planned resources (unless `listResources` is false),
 * the footer, every violation (mandatory first), every warning, and the verdict.
 */
export function renderText(
  report: Report,
  header: string,
  footer: string[] = [],
  options: { strict?: boolean; listResources?: boolean } = {},
): string {
  const lines = [header];
  if (options.listResources !== false) {
    lines.push("");
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
    lines.push("");
  }
  if (report.cost !== undefined) {
    lines.push(...renderCost(report.cost, options.listResources !== false));
  }
  lines.push(...footer);
  const mandatory = report.violations.filter(isMandatory);
  const others = report.violations.filter((v) => !isMandatory(v));
  for (const violation of [...mandatory, ...others]) {
    lines.push(
      ...block(
        `[${violation.enforcementLevel}] ${violation.policy}  ${shortUrn(violation.urn)}`,
        violation.message,
      ),
    );
  }
  for (const warning of report.warnings) {
    lines.push(...block("[warning] program", warning));
  }
  lines.push("", verdictLine(summarize(report, options.strict === true)));
  return `${lines.join("\n")}\n`;
}

/** The summary table of several stacks, columns aligned. */
export function renderSummaryTable(rows: Summary[]): string {
  // The cost column appears when the rows carry an estimate (`npm run plan`).
  const withCost = rows.some((row) => row.monthlyCostUsd !== undefined);
  const cost = (row: Summary): string[] =>
    withCost ? [row.monthlyCostUsd === undefined ? "-" : dollars(row.monthlyCostUsd)] : [];
  const table = [
    [
      "STACK",
      "RESOURCES",
      "MANDATORY",
      "ADVISORY",
      "WARNINGS",
      ...(withCost ? ["COST/MONTH"] : []),
      "VERDICT",
    ],
    ...rows.map((row) =>
      row.verdict === "ERROR"
        ? [row.stack, "-", "-", "-", "-", ...(withCost ? ["-"] : []), "ERROR"]
        : [
            row.stack,
            String(row.resources),
            String(row.mandatory),
            String(row.advisory),
            String(row.warnings),
            ...cost(row),
            row.verdict,
          ],
    ),
  ];
  const widths = table[0].map((_, column) => Math.max(...table.map((row) => row[column].length)));
  // Why each ERROR stack could not be planned, under the table (continuation lines indented).
  const errors = rows.flatMap((row) =>
    row.verdict === "ERROR" && row.error !== undefined
      ? [`${row.stack}: ${row.error.split("\n").join("\n  ")}`]
      : [],
  );
  return `${table
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n")}\n${errors.length > 0 ? `\n${errors.join("\n")}\n` : ""}`;
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
