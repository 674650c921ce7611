/**
 * The monthly cost estimate of a stack: a pure function from the resources the program registers
 * (type, name and properties, as the mock runtime or the policy engine sees them) to a price per
 * resource, from the price table (./prices.ts) and the usage assumptions (./assumptions.ts). No
 * Pulumi imports: the policy pack and `npm run plan` both call it.
 *
 * What is deliberately not modelled, and named in the estimate's assumptions: the monthly free
 * grants (they are per subscription or billing account, shared by every stack), idle-rate billing
 * of Container Apps replicas (replicas are billed at the active rate all month: an upper bound),
 * data transfer, reservations and savings plans.
 */
import { usageFor, UsageAssumptions, UsageEnvironment } from "./assumptions";
import {
  POSTGRES_SKU_PRICES,
  PRICE_REGION,
  PRICE_TABLE_DATE,
  PRICES,
  PriceId,
  REGISTRY_SKU_PRICES,
} from "./prices";

/** A resource as the estimator reads it. */
export interface CostResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** Inputs (the plan) or outputs (the policy engine); only plain values are read. */
  readonly props: Record<string, unknown>;
}

/** One resource's monthly cost. */
export interface CostItem {
  urn: string;
  type: string;
  name: string;
  /** USD per month, rounded to cents; 0 for a resource at no charge or one not priced. */
  monthlyUsd: number;
  /** How the number was computed, or why the resource costs nothing or is not priced. */
  basis: string;
  /** The price table entries applied. */
  prices: PriceId[];
  /** False when the resource may cost money but the table or its properties cannot price it. */
  priced: boolean;
}

/** A stack's estimate. */
export interface CostEstimate {
  /** The environment whose usage assumptions were applied. */
  environment: UsageEnvironment;
  /** The stack's region (the resource group's location), if known. */
  region?: string;
  priceRegion: string;
  priceTableDate: string;
  /** USD per month, the sum of the items. */
  monthlyUsd: number;
  /** Every Azure resource of the stack, most expensive first. */
  items: CostItem[];
  /** The assumptions behind the numbers, one sentence each. */
  assumptions: string[];
}

/** Resource types Azure does not bill for (or bills through another resource, as named). */
const NO_CHARGE: Readonly<Record<string, string>> = {
  "azure-native:resources:ResourceGroup": "no charge",
  "azure-native:managedidentity:UserAssignedIdentity": "no charge",
  "azure-native:authorization:RoleAssignment": "no charge",
  "azure-native:network:VirtualNetwork": "no charge (traffic within the VNet is free)",
  "azure-native:network:Subnet": "no charge",
  "azure-native:network:PrivateDnsZoneGroup": "no charge",
  "azure-native:privatedns:VirtualNetworkLink": "no charge",
  "azure-native:privatedns:PrivateRecordSet": "no charge (queries are billed on the zone)",
  "azure-native:dbforpostgresql:Database": "no charge (billed on the server)",
  "azure-native:dbforpostgresql:Configuration": "no charge",
  "azure-native:dbforpostgresql:FirewallRule": "no charge",
  "azure-native:keyvault:Secret": "no charge (operations are billed on the vault)",
  "azure-native:monitor:DiagnosticSetting":
    "no charge (its logs are billed as ingestion on the workspace)",
  "azure-native:monitor:ActivityLogAlert": "no charge (activity log alerts are free)",
  "azure-native:consumption:Budget": "no charge",
  "azure-native:applicationinsights:Workbook": "no charge",
  "azure-native:portal:Dashboard": "no charge",
};

const CENTS = (usd: number): number => Math.round(usd * 100) / 100;

function at(value: unknown, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>(
      (current, key) =>
        typeof current === "object" && current !== null
          ? (current as Record<string, unknown>)[key]
          : undefined,
      value,
    );
}

function numberAt(value: unknown, path: string): number | undefined {
  const found = at(value, path);
  return typeof found === "number" && Number.isFinite(found) ? found : undefined;
}

function stringAt(value: unknown, path: string): string | undefined {
  const found = at(value, path);
  return typeof found === "string" ? found : undefined;
}

function arrayAt(value: unknown, path: string): unknown[] {
  const found = at(value, path);
  return Array.isArray(found) ? found : [];
}

function usd(n: number): string {
  return `$${n.toFixed(2)}`;
}

/** Memory as Container Apps writes it (`1Gi`, `0.5Gi`, `1.5Gi`) in GiB. */
export function parseGibibytes(memory: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)Gi$/.exec(memory.trim());
  return match ? Number(match[1]) : undefined;
}

/** An ISO 8601 duration of minutes or hours (`PT5M`, `PT1H`) in minutes. */
export function parseMinutes(duration: string): number | undefined {
  const match = /^PT(?:(\d+)H)?(?:(\d+)M)?$/.exec(duration);
  if (!match || (match[1] === undefined && match[2] === undefined)) {
    return undefined;
  }
  return Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
}

/** The log alert price for an evaluation frequency in minutes. */
export function logAlertPrice(minutes: number): PriceId {
  if (minutes < 5) {
    return "logAlert1Minute";
  }
  if (minutes < 10) {
    return "logAlert5Minutes";
  }
  return minutes < 15 ? "logAlert10Minutes" : "logAlert15Minutes";
}

type Priced = Pick<CostItem, "monthlyUsd" | "basis" | "prices" | "priced">;

function unpriced(basis: string): Priced {
  return { monthlyUsd: 0, basis, prices: [], priced: false };
}

function free(basis: string): Priced {
  return { monthlyUsd: 0, basis, prices: [], priced: true };
}

function containerApp(props: Record<string, unknown>, usage: UsageAssumptions): Priced {
  const containers = arrayAt(props, "template.containers");
  let cpu = 0;
  let memory = 0;
  for (const [index, container] of containers.entries()) {
    const cores = numberAt(container, "resources.cpu");
    const memoryText = stringAt(container, "resources.memory");
    const gib = memoryText === undefined ? undefined : parseGibibytes(memoryText);
    if (cores === undefined || gib === undefined) {
      const label = stringAt(container, "name") ?? `#${index}`;
      return unpriced(`container ${label} has no resources.cpu and resources.memory (e.g. "1Gi")`);
    }
    cpu += cores;
    memory += gib;
  }
  if (containers.length === 0) {
    return unpriced("the template has no containers");
  }
  const minReplicas = numberAt(props, "template.scale.minReplicas") ?? 0;
  // In Multiple revision mode every revision in the traffic block (blue and green) stays active
  // and keeps its own minReplicas, whatever its weight
  // (https://learn.microsoft.com/azure/container-apps/revisions).
  const traffic = arrayAt(props, "configuration.ingress.traffic");
  const revisions = Math.max(
    1,
    new Set(traffic.map((entry, index) => stringAt(entry, "revisionName") ?? `latest-${index}`))
      .size,
  );
  const replicaSeconds =
    minReplicas > 0
      ? revisions * minReplicas * usage.hoursPerMonth * 3600
      : usage.scaledToZeroActiveHours * 3600;
  const compute =
    replicaSeconds *
    (cpu * PRICES.containerAppsVcpuActive.usd + memory * PRICES.containerAppsMemoryActive.usd);
  const millions = (usage.averageRequestsPerSecond * usage.hoursPerMonth * 3600) / 1e6;
  const requests = millions * PRICES.containerAppsRequests.usd;
  const replicas =
    minReplicas > 0
      ? `${revisions} revision(s) x ${minReplicas} replicas always on`
      : `1 replica for ${usage.scaledToZeroActiveHours} h (scales to zero)`;
  return {
    monthlyUsd: CENTS(compute + requests),
    basis: `${replicas} x ${cpu} vCPU / ${memory} GiB at the active rate = ${usd(compute)}; ${millions.toFixed(1)} M requests = ${usd(requests)}`,
    prices: ["containerAppsVcpuActive", "containerAppsMemoryActive", "containerAppsRequests"],
    priced: true,
  };
}

function managedEnvironment(props: Record<string, unknown>): Priced {
  const dedicated = arrayAt(props, "workloadProfiles")
    .map((profile) => stringAt(profile, "workloadProfileType"))
    .filter((type) => type !== undefined && type !== "Consumption");
  if (dedicated.length > 0) {
    return unpriced(
      `dedicated workload profiles (${dedicated.join(", ")}) are not in the price table`,
    );
  }
  return free("no charge (Consumption profile: apps are billed per use)");
}

function postgresServer(props: Record<string, unknown>, usage: UsageAssumptions): Priced {
  const sku = stringAt(props, "sku.name");
  const skuPrice = sku === undefined ? undefined : POSTGRES_SKU_PRICES[sku];
  if (skuPrice === undefined) {
    return unpriced(`PostgreSQL SKU ${sku ?? "(unset)"} is not in the price table`);
  }
  const mode = stringAt(props, "highAvailability.mode");
  const copies = mode === "ZoneRedundant" || mode === "SameZone" ? 2 : 1;
  const storageGb = numberAt(props, "storage.storageSizeGB") ?? 32;
  const geo = stringAt(props, "backup.geoRedundantBackup") === "Enabled";
  const hours = usage.hoursPerMonth;
  const compute = copies * hours * PRICES[skuPrice].usd;
  const storage = copies * storageGb * PRICES.postgresStorage.usd;
  const backup = geo ? storageGb * PRICES.postgresGeoBackup.usd : 0;
  const prices: PriceId[] = [
    skuPrice,
    "postgresStorage",
    ...(geo ? ["postgresGeoBackup" as const] : []),
  ];
  const ha = copies === 2 ? ` (${mode} HA: primary and standby)` : "";
  return {
    monthlyUsd: CENTS(compute + storage + backup),
    basis:
      `${copies} x ${sku} x ${hours} h = ${usd(compute)}${ha}; ${copies} x ${storageGb} GB storage = ${usd(storage)}` +
      (geo ? `; geo-redundant backup of ${storageGb} GB = ${usd(backup)}` : ""),
    prices,
    priced: true,
  };
}

function workspace(props: Record<string, unknown>, usage: UsageAssumptions): Priced {
  const days = usage.hoursPerMonth / 24;
  const ingestedGb = usage.logIngestionGbPerDay * days;
  const ingestion = ingestedGb * PRICES.logAnalyticsIngestion.usd;
  const retentionDays = numberAt(props, "retentionInDays") ?? 30;
  const extraDays = Math.max(0, retentionDays - 31);
  const retention = usage.logIngestionGbPerDay * extraDays * PRICES.logAnalyticsRetention.usd;
  return {
    monthlyUsd: CENTS(ingestion + retention),
    basis:
      `${usage.logIngestionGbPerDay} GB/day x ${days.toFixed(2)} days ingested = ${usd(ingestion)}` +
      (extraDays > 0
        ? `; ${retentionDays}-day retention keeps ${usage.logIngestionGbPerDay * extraDays} GB beyond 31 days = ${usd(retention)}`
        : ""),
    prices: ["logAnalyticsIngestion", ...(extraDays > 0 ? ["logAnalyticsRetention" as const] : [])],
    priced: true,
  };
}

function registry(props: Record<string, unknown>, usage: UsageAssumptions): Priced {
  const sku = stringAt(props, "sku.name");
  const entry = sku === undefined ? undefined : REGISTRY_SKU_PRICES[sku];
  if (entry === undefined) {
    return unpriced(`registry SKU ${sku ?? "(unset)"} is not in the price table`);
  }
  const days = usage.hoursPerMonth / 24;
  const unit = days * PRICES[entry.price].usd;
  const extraGb = Math.max(0, usage.registryStorageGb - entry.includedGb);
  const storage = extraGb * days * PRICES.registryStorage.usd;
  return {
    monthlyUsd: CENTS(unit + storage),
    basis:
      `${sku} ${days.toFixed(2)} days = ${usd(unit)}; ${usage.registryStorageGb} GB of images` +
      (extraGb > 0
        ? `, ${extraGb} GB beyond the ${entry.includedGb} GB included = ${usd(storage)}`
        : ` within the ${entry.includedGb} GB included`),
    prices: [entry.price, ...(extraGb > 0 ? ["registryStorage" as const] : [])],
    priced: true,
  };
}

function scheduledQueryRule(props: Record<string, unknown>): Priced {
  if (at(props, "enabled") === false) {
    return free("no charge (disabled)");
  }
  const frequency = stringAt(props, "evaluationFrequency");
  const minutes = frequency === undefined ? undefined : parseMinutes(frequency);
  if (minutes === undefined) {
    return unpriced(`evaluationFrequency ${frequency ?? "(unset)"} is not PT<n>M or PT<n>H`);
  }
  const price = logAlertPrice(minutes);
  return {
    monthlyUsd: PRICES[price].usd,
    basis: `1 log search alert rule evaluated every ${frequency}`,
    prices: [price],
    priced: true,
  };
}

function metricAlert(props: Record<string, unknown>): Priced {
  if (at(props, "enabled") === false) {
    return free("no charge (disabled)");
  }
  const criteria = Math.max(1, arrayAt(props, "criteria.allOf").length);
  const scopes = Math.max(1, arrayAt(props, "scopes").length);
  const series = criteria * scopes;
  return {
    monthlyUsd: CENTS(series * PRICES.metricAlertTimeSeries.usd),
    basis: `${series} time series (${criteria} criteria x ${scopes} scopes, no dimension splits)`,
    prices: ["metricAlertTimeSeries"],
    priced: true,
  };
}

/** Prices one resource; undefined for a resource that is not an Azure resource (components, providers). */
function priceOf(resource: CostResource, usage: UsageAssumptions): Priced | undefined {
  const { type, props } = resource;
  if (NO_CHARGE[type] !== undefined) {
    return free(NO_CHARGE[type]);
  }
  switch (type) {
    case "azure-native:app:ContainerApp":
      return containerApp(props, usage);
    case "azure-native:app:ManagedEnvironment":
      return managedEnvironment(props);
    case "azure-native:dbforpostgresql:Server":
      return postgresServer(props, usage);
    case "azure-native:operationalinsights:Workspace":
      return workspace(props, usage);
    case "azure-native:applicationinsights:Component":
      return free(
        "no charge (workspace-based: its telemetry is billed as ingestion on the workspace)",
      );
    case "azure-native:containerregistry:Registry":
      return registry(props, usage);
    case "azure-native:keyvault:Vault": {
      const cost = (usage.keyVaultOperationsPerMonth / 10_000) * PRICES.keyVaultOperations.usd;
      return {
        monthlyUsd: CENTS(cost),
        basis: `${usage.keyVaultOperationsPerMonth.toLocaleString("en-US")} operations`,
        prices: ["keyVaultOperations"],
        priced: true,
      };
    }
    case "azure-native:network:PrivateEndpoint": {
      const hours = usage.hoursPerMonth * PRICES.privateEndpointHours.usd;
      const data = usage.privateEndpointGbPerMonth * PRICES.privateEndpointData.usd;
      return {
        monthlyUsd: CENTS(hours + data),
        basis: `${usage.hoursPerMonth} h = ${usd(hours)}; ${usage.privateEndpointGbPerMonth} GB processed = ${usd(data)}`,
        prices: ["privateEndpointHours", "privateEndpointData"],
        priced: true,
      };
    }
    case "azure-native:privatedns:PrivateZone": {
      const queries = usage.dnsQueriesMillionsPerZone * PRICES.privateDnsQueries.usd;
      return {
        monthlyUsd: CENTS(PRICES.privateDnsZone.usd + queries),
        basis: `1 zone = ${usd(PRICES.privateDnsZone.usd)}; ${usage.dnsQueriesMillionsPerZone} M queries = ${usd(queries)}`,
        prices: ["privateDnsZone", "privateDnsQueries"],
        priced: true,
      };
    }
    case "azure-native:monitor:ScheduledQueryRule":
      return scheduledQueryRule(props);
    case "azure-native:monitor:MetricAlert":
      return metricAlert(props);
    case "azure-native:monitor:ActionGroup":
      return free(
        "no charge (notifications within the monthly free allotment: 1,000 emails, 100,000 webhooks)",
      );
    case "azure-native:logic:Workflow": {
      const actions = usage.logicAppRunsPerMonth * usage.logicAppActionsPerRun;
      return {
        monthlyUsd: CENTS(actions * PRICES.logicAppActions.usd),
        basis: `${usage.logicAppRunsPerMonth} runs x ${usage.logicAppActionsPerRun} actions`,
        prices: ["logicAppActions"],
        priced: true,
      };
    }
  }
  if (type.startsWith("azure-native:")) {
    return unpriced("not in the price table");
  }
  // Components (`chatbot:...`), providers and the stack are not billed; other providers' custom
  // resources (docker images, ...) are not Azure charges either.
  return undefined;
}

/** The `environment` tag of the stack: on its resource group, else on any resource. */
export function environmentOf(resources: readonly CostResource[]): string | undefined {
  const tagged = (resource: CostResource): string | undefined =>
    stringAt(resource.props, "tags.environment");
  const group = resources.find((r) => r.type === "azure-native:resources:ResourceGroup");
  return (group && tagged(group)) ?? resources.map(tagged).find((tag) => tag !== undefined);
}

function regionOf(resources: readonly CostResource[]): string | undefined {
  const group = resources.find((r) => r.type === "azure-native:resources:ResourceGroup");
  return group ? stringAt(group.props, "location") : undefined;
}

/** The assumptions behind an estimate, as sentences. */
export function describeAssumptions(
  environment: UsageEnvironment,
  usage: UsageAssumptions,
  options: { fallback: boolean; region?: string },
): string[] {
  const requestsPerMonth = (usage.averageRequestsPerSecond * usage.hoursPerMonth * 3600) / 1e6;
  const lines = [
    `Usage assumptions of ${environment}${options.fallback ? " (the stack has no known environment tag: the largest usage is assumed)" : ""}; list prices for ${PRICE_REGION}, pay-as-you-go, USD, read ${PRICE_TABLE_DATE}.`,
    `${usage.hoursPerMonth} hours per month.`,
    `Container Apps: each revision in the traffic block keeps minReplicas running all month at the active rate (idle periods bill less); replicas added by autoscaling are not counted; an app that scales to zero runs 1 replica for ${usage.scaledToZeroActiveHours} h.`,
    `${usage.averageRequestsPerSecond} requests per second on average (${requestsPerMonth.toFixed(1)} million per month).`,
    `${usage.logIngestionGbPerDay} GB per day ingested into each Log Analytics workspace (container logs, Application Insights, diagnostic settings).`,
    `${usage.keyVaultOperationsPerMonth.toLocaleString("en-US")} Key Vault operations and ${usage.registryStorageGb} GB of registry images per month.`,
    `${usage.privateEndpointGbPerMonth} GB through each private endpoint and ${usage.dnsQueriesMillionsPerZone} million queries per private DNS zone per month.`,
    "PostgreSQL: high availability bills a standby of the same SKU and storage; backups within the provisioned size are free, a geo-redundant copy of that size is billed.",
    "Not included: free monthly grants (per subscription, shared by every stack), data transfer, reservations and savings plans, taxes.",
  ];
  if (options.region !== undefined && options.region !== PRICE_REGION) {
    lines.push(
      `The stack runs in ${options.region}; ${PRICE_REGION} prices were applied (other regions differ).`,
    );
  }
  return lines;
}

/**
 * The monthly estimate of a stack's resources. `environment` picks the usage assumptions; by
 * default it is the stack's `environment` tag.
 */
export function estimateMonthlyCost(
  resources: readonly CostResource[],
  environment: string | undefined = environmentOf(resources),
): CostEstimate {
  const chosen = usageFor(environment);
  const items: CostItem[] = [];
  for (const resource of resources) {
    const priced = priceOf(resource, chosen.usage);
    if (priced !== undefined) {
      items.push({ urn: resource.urn, type: resource.type, name: resource.name, ...priced });
    }
  }
  items.sort((a, b) => b.monthlyUsd - a.monthlyUsd);
  const region = regionOf(resources);
  return {
    environment: chosen.environment,
    region,
    priceRegion: PRICE_REGION,
    priceTableDate: PRICE_TABLE_DATE,
    monthlyUsd: CENTS(items.reduce((sum, item) => sum + item.monthlyUsd, 0)),
    items,
    assumptions: describeAssumptions(chosen.environment, chosen.usage, {
      fallback: chosen.fallback,
      region,
    }),
  };
}
