/**
 * The monthly cost estimate of a stack: a pure function from the resources the program registers
 * (type, name and properties, as the mock runtime or the policy engine sees them) to a price per
 * resource, from the price table (./prices.ts) and the usage assumptions (./assumptions.ts). No
 * Pulumi imports: the policy pack and `npm run plan` both call it.
 *
 * What is deliberately not modelled, and named in the estimate's assumptions: the monthly free
 * grants (they are per subscription or billing account, shared by every stack), idle-rate billing
 * of Container Apps replicas (replicas are billed at the active rate all month: an upper bound),
 * nodes the AKS cluster autoscaler adds above each pool's minCount, data transfer, reservations
 * and savings plans.
 */
import { usageFor, UsageAssumptions, UsageEnvironment } from "./assumptions";
import {
  AKS_TIER_PRICES,
  POSTGRES_SKU_PRICES,
  PREMIUM_SSD_TIERS,
  PRICE_REGION,
  PRICE_TABLE_DATE,
  PRICES,
  PriceId,
  REGISTRY_SKU_PRICES,
  VM_SIZE_PRICES,
  VmSize,
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
  "azure-native:managedidentity:FederatedIdentityCredential": "no charge",
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

/** The value at a dotted path of an object (`undefined` where the path breaks). */
export function at(value: unknown, path: string): unknown {
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
  const allOf = arrayAt(props, "criteria.allOf");
  const criteria = Math.max(1, allOf.length);
  const scopes = Math.max(1, arrayAt(props, "scopes").length);
  // A criterion with dimension filters monitors one time series per combination of the values it
  // includes (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-metric-multiple-time-series-single-rule);
  // `*` includes every value, a number the program cannot know.
  const dimensions = allOf.map((criterion) => arrayAt(criterion, "dimensions"));
  const wildcard = dimensions.flat().find((d) => arrayAt(d, "values").includes("*"));
  if (wildcard !== undefined) {
    return unpriced(
      `dimension ${String(at(wildcard, "name"))} includes every value (*): the number of time series is not known`,
    );
  }
  const combinations = dimensions.map((list) =>
    list.reduce<number>((n, d) => n * Math.max(1, arrayAt(d, "values").length), 1),
  );
  const perScope = Math.max(
    criteria,
    combinations.reduce((n, c) => n + c, 0),
  );
  const series = perScope * scopes;
  const split = dimensions.some((list) => list.length > 0);
  return {
    monthlyUsd: CENTS(series * PRICES.metricAlertTimeSeries.usd),
    basis: split
      ? `${series} time series (${criteria} criteria, ${perScope} dimension value combinations x ${scopes} scopes)`
      : `${series} time series (${criteria} criteria x ${scopes} scopes, no dimension splits)`,
    prices: ["metricAlertTimeSeries"],
    priced: true,
  };
}

/**
 * AKS places an ephemeral OS disk on the temp disk of a v5 size (no cache disk) when it is not
 * told otherwise and the temp disk holds at least 128 GiB; otherwise the OS disk is a managed
 * Premium SSD whose default size follows the vCPUs (1-7: 128 GiB, 8-15: 256, 16-63: 512, 64+:
 * 1024). https://learn.microsoft.com/azure/aks/concepts-storage#default-os-disk-sizing
 */
const EPHEMERAL_DEFAULT_MIN_TEMP_GIB = 128;

/** The default managed OS disk size of a node with `vcpus` (see above). */
export function defaultManagedOsDiskGib(vcpus: number): number {
  if (vcpus < 8) {
    return 128;
  }
  if (vcpus < 16) {
    return 256;
  }
  return vcpus < 64 ? 512 : 1024;
}

/** A node's OS disk: ephemeral (no charge) or a managed Premium SSD tier. */
export function nodeOsDisk(
  pool: unknown,
  size: VmSize,
):
  | { ephemeral: true }
  | { ephemeral: false; gib: number; tier?: (typeof PREMIUM_SSD_TIERS)[number] } {
  const type = stringAt(pool, "osDiskType");
  const requested = numberAt(pool, "osDiskSizeGB");
  // osDiskSizeGB 0 (or unset) means the default size.
  const sizeGib = requested !== undefined && requested > 0 ? requested : undefined;
  const fits =
    sizeGib === undefined
      ? size.tempDiskGib >= EPHEMERAL_DEFAULT_MIN_TEMP_GIB
      : sizeGib <= size.tempDiskGib;
  if (type === "Ephemeral" || (type === undefined && fits)) {
    return { ephemeral: true };
  }
  const gib = sizeGib ?? defaultManagedOsDiskGib(size.vcpus);
  return { ephemeral: false, gib, tier: PREMIUM_SSD_TIERS.find((tier) => gib <= tier.maxGib) };
}

/** One AKS node pool (an agent pool profile of the cluster, or an AgentPool resource). */
function nodePool(
  pool: unknown,
  fallbackName: string,
  usage: UsageAssumptions,
): { monthlyUsd: number; basis: string; prices: PriceId[] } | string {
  const name = stringAt(pool, "name") ?? stringAt(pool, "agentPoolName") ?? fallbackName;
  const vmSize = stringAt(pool, "vmSize");
  const size = vmSize === undefined ? undefined : VM_SIZE_PRICES[vmSize];
  if (vmSize === undefined || size === undefined) {
    return `node pool ${name}: VM size ${vmSize ?? "(unset)"} is not in the price table`;
  }
  if (stringAt(pool, "osType") === "Windows") {
    return `node pool ${name}: Windows nodes (with their licence) are not in the price table`;
  }
  if (stringAt(pool, "scaleSetPriority") === "Spot") {
    return `node pool ${name}: Spot prices are not in the price table`;
  }
  // The autoscaler never goes below minCount: the steady state when nothing needs more nodes.
  const autoscaled = at(pool, "enableAutoScaling") === true;
  const minCount = autoscaled ? numberAt(pool, "minCount") : undefined;
  const nodes = minCount ?? numberAt(pool, "count") ?? 1;
  const compute = nodes * usage.hoursPerMonth * PRICES[size.price].usd;
  const counted = minCount !== undefined ? "the autoscaler's minCount" : "count";
  const disk = nodeOsDisk(pool, size);
  if (disk.ephemeral) {
    return {
      monthlyUsd: compute,
      basis: `${name}: ${nodes} x ${vmSize} x ${usage.hoursPerMonth} h = ${usd(compute)} (${counted}), ephemeral OS disk: no charge`,
      prices: [size.price],
    };
  }
  if (disk.tier === undefined) {
    return `node pool ${name}: a ${disk.gib} GiB managed OS disk is not in the price table`;
  }
  const diskCost = nodes * PRICES[disk.tier.price].usd;
  return {
    monthlyUsd: compute + diskCost,
    basis: `${name}: ${nodes} x ${vmSize} x ${usage.hoursPerMonth} h = ${usd(compute)} (${counted}), ${nodes} x ${disk.gib} GiB managed OS disk (${disk.tier.tier}) = ${usd(diskCost)}`,
    prices: [size.price, disk.tier.price],
  };
}

function agentPool(resource: CostResource, usage: UsageAssumptions): Priced {
  const pool = nodePool(resource.props, resource.name, usage);
  if (typeof pool === "string") {
    return unpriced(pool);
  }
  return {
    monthlyUsd: CENTS(pool.monthlyUsd),
    basis: pool.basis,
    prices: pool.prices,
    priced: true,
  };
}

/**
 * An AKS cluster: its management tier, its node pools, and what AKS creates for it outside the
 * program (not Pulumi resources): with outbound type `loadBalancer` (the default) a Standard load
 * balancer in the node resource group with an outbound rule and managed outbound public IPs (1
 * by default). https://learn.microsoft.com/azure/aks/load-balancer-standard
 */
function managedCluster(props: Record<string, unknown>, usage: UsageAssumptions): Priced {
  const hours = usage.hoursPerMonth;
  const tier = stringAt(props, "sku.tier") ?? "Free";
  if (!Object.hasOwn(AKS_TIER_PRICES, tier)) {
    return unpriced(`AKS tier ${tier} is not in the price table`);
  }
  const tierPrice = AKS_TIER_PRICES[tier];
  const management = tierPrice === null ? 0 : hours * PRICES[tierPrice].usd;
  const pools = arrayAt(props, "agentPoolProfiles").map((pool, index) =>
    nodePool(pool, `#${index}`, usage),
  );
  const errors = pools.filter((pool): pool is string => typeof pool === "string");
  if (errors.length > 0) {
    return unpriced(errors.join("; "));
  }
  const outboundType = stringAt(props, "networkProfile.outboundType") ?? "loadBalancer";
  const lbSku = (stringAt(props, "networkProfile.loadBalancerSku") ?? "standard").toLowerCase();
  if (outboundType !== "loadBalancer" || lbSku !== "standard") {
    return unpriced(
      `outbound type ${outboundType} with a ${lbSku} load balancer is not in the price table`,
    );
  }
  const ownIps =
    at(props, "networkProfile.loadBalancerProfile.outboundIPs") !== undefined ||
    at(props, "networkProfile.loadBalancerProfile.outboundIPPrefixes") !== undefined;
  const managedIps = ownIps
    ? 0
    : (numberAt(props, "networkProfile.loadBalancerProfile.managedOutboundIPs.count") ?? 1);
  const balancer = hours * PRICES.loadBalancerStandardRules.usd;
  const gb = (usage.averageRequestsPerSecond * hours * 3600 * usage.loadBalancerKbPerRequest) / 1e6;
  const data = gb * PRICES.loadBalancerDataProcessed.usd;
  const ips = managedIps * hours * PRICES.publicIpStandard.usd;
  const nodes = pools as Exclude<(typeof pools)[number], string>[];
  const total =
    management + nodes.reduce((sum, pool) => sum + pool.monthlyUsd, 0) + balancer + data + ips;
  const prices = new Set<PriceId>([
    ...(tierPrice === null ? [] : [tierPrice]),
    ...nodes.flatMap((pool) => pool.prices),
    "loadBalancerStandardRules",
    "loadBalancerDataProcessed",
    ...(managedIps > 0 ? ["publicIpStandard" as const] : []),
  ]);
  return {
    monthlyUsd: CENTS(total),
    basis: [
      tierPrice === null
        ? `${tier} tier: no charge`
        : `${tier} tier ${hours} h = ${usd(management)}`,
      ...nodes.map((pool) => pool.basis),
      `AKS-managed Standard load balancer (not a Pulumi resource) ${hours} h = ${usd(balancer)}, ${Math.round(gb).toLocaleString("en-US")} GB processed = ${usd(data)}`,
      ownIps
        ? "outbound public IPs: the stack's own"
        : `${managedIps} managed outbound public IP${managedIps === 1 ? "" : "s"} x ${hours} h = ${usd(ips)}`,
    ].join("; "),
    prices: [...prices],
    priced: true,
  };
}

const KUBERNETES_NO_CHARGE =
  "no charge (a Kubernetes object: its pods run on the cluster's nodes, billed on the cluster)";

/** The annotation that gives a LoadBalancer Service a private frontend (no public IP). */
const INTERNAL_LB_ANNOTATION = "service.beta.kubernetes.io/azure-load-balancer-internal";
/**
 * True when the annotations ask for an internal frontend
 * (https://learn.microsoft.com/azure/aks/internal-lb). A Gateway's `spec.infrastructure.annotations`
 * go to the Service its implementation generates
 * (https://istio.io/latest/docs/tasks/traffic-management/ingress/gateway-api/#automated-deployment).
 * Annotation keys hold dots: read them from the object, not through `at`.
 */
function internalFrontend(annotations: unknown): boolean {
  return (
    typeof annotations === "object" &&
    annotations !== null &&
    (annotations as Record<string, unknown>)[INTERNAL_LB_ANNOTATION] === "true"
  );
}
const INTERNAL_FRONTEND =
  "no charge (an internal load balancer frontend: its rules and data are billed on the cluster's load balancer)";

/**
 * Gateway classes whose implementation exposes each Gateway through a Service of type
 * LoadBalancer on the cluster's load balancer (one public IP per Gateway): AKS application
 * routing's Istio (https://learn.microsoft.com/azure/aks/app-routing-gateway-api) and Istio.
 */
const LOAD_BALANCER_GATEWAY_CLASSES = new Set(["approuting-istio", "istio"]);

function publicIp(what: string, hours: number): Priced {
  const cost = hours * PRICES.publicIpStandard.usd;
  return {
    monthlyUsd: CENTS(cost),
    basis: `1 Standard public IP for ${what} (created by AKS, not a Pulumi resource) x ${hours} h = ${usd(cost)}; its rules and data are billed on the cluster's load balancer`,
    prices: ["publicIpStandard"],
    priced: true,
  };
}

function gatewayResource(props: Record<string, unknown>, usage: UsageAssumptions): Priced {
  const gatewayClass = stringAt(props, "spec.gatewayClassName");
  if (gatewayClass === undefined || !LOAD_BALANCER_GATEWAY_CLASSES.has(gatewayClass)) {
    return unpriced(
      `what gateway class ${gatewayClass ?? "(unset)"} provisions is not in the price table`,
    );
  }
  if (internalFrontend(at(props, "spec.infrastructure.annotations"))) {
    return free(INTERNAL_FRONTEND);
  }
  return publicIp("its LoadBalancer Service", usage.hoursPerMonth);
}

function kubernetesService(props: Record<string, unknown>, usage: UsageAssumptions): Priced {
  if (stringAt(props, "spec.type") !== "LoadBalancer") {
    return free(KUBERNETES_NO_CHARGE);
  }
  if (internalFrontend(at(props, "metadata.annotations"))) {
    return free(INTERNAL_FRONTEND);
  }
  return publicIp("this LoadBalancer Service", usage.hoursPerMonth);
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
    case "azure-native:containerservice:ManagedCluster":
      return managedCluster(props, usage);
    case "azure-native:containerservice:AgentPool":
      return agentPool(resource, usage);
    case "kubernetes:gateway.networking.k8s.io/v1:Gateway":
      return gatewayResource(props, usage);
    case "kubernetes:core/v1:Service":
      return kubernetesService(props, usage);
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
  if (type.startsWith("kubernetes:")) {
    return free(KUBERNETES_NO_CHARGE);
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
  options: { fallback: boolean; region?: string; aks?: boolean },
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
  if (options.aks === true) {
    const gb = (requestsPerMonth * 1e6 * usage.loadBalancerKbPerRequest) / 1e6;
    lines.splice(
      -1,
      0,
      "AKS: each node pool runs its autoscaler's minCount nodes all month (the steady-state floor; nodes added under load or while both slots scale up during a release are not counted); a node's OS disk is ephemeral (no charge) where AKS places one by default (the VM's temp disk holds at least 128 GiB), else a managed Premium SSD of the default size for its vCPUs.",
      `AKS creates, outside the program (not Pulumi resources): a Standard load balancer with up to 5 rules (its outbound rule and the gateway's listeners: the flat hourly price), 1 managed outbound public IP, and 1 public IP per Gateway or LoadBalancer Service; ${usage.loadBalancerKbPerRequest} KB per request pass through it (requests, responses and the app's outbound calls: ${Math.round(gb).toLocaleString("en-US")} GB per month).`,
      "Kubernetes objects cost nothing by themselves: their pods run on the cluster's nodes, billed on the cluster.",
    );
  }
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
      aks: resources.some((r) => r.type === "azure-native:containerservice:ManagedCluster"),
    }),
  };
}
