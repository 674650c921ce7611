/**
 * The price table the cost estimate uses: Azure pay-as-you-go list prices in USD for the meters
 * the program provisions, as data. It lives in the policy pack (no imports, no Pulumi) so the
 * pack's cost-ceiling policy and `npm run plan` read the same numbers.
 *
 * How the numbers were collected: the Azure Retail Prices API
 * (https://learn.microsoft.com/rest/api/cost-management/retail-prices/azure-retail-prices,
 * `https://prices.azure.com/api/retail/prices`) could not be reached from where this table was
 * written, so each price comes from the page named in `source`, read on PRICE_TABLE_DATE.
 * `verified: true` means the number is stated on that Microsoft page; `verified: false` means it
 * is the published list price as we know it but we could not confirm it on a Microsoft page that
 * day (the source then says where the number was seen). Refresh the table from the Retail Prices
 * API (filter `armRegionName eq 'eastus2' and priceType eq 'Consumption'`) before relying on it.
 */

/** The day every price below was read from its source. */
export const PRICE_TABLE_DATE = "2026-11-29";

/** The region the prices are for. Other regions differ (usually by a few percent). */
export const PRICE_REGION = "eastus2";

/** One meter's price. */
export interface Price {
  /** The Azure service, as the Retail Prices API names it (`serviceName`). */
  readonly service: string;
  /** The meter or SKU, as the Retail Prices API names it (`meterName` / `skuName`). */
  readonly meter: string;
  readonly region: string;
  /** USD per `unit`. */
  readonly usd: number;
  readonly unit: string;
  /** The page the number comes from. */
  readonly source: string;
  /** True when the number is stated on the Microsoft page in `source`. */
  readonly verified: boolean;
  /** What the price covers or how it is applied. */
  readonly note?: string;
}

const ACA_BILLING = "https://learn.microsoft.com/azure/container-apps/billing";
const ACA_IDLE_BLOG =
  "https://techcommunity.microsoft.com/blog/appsonazureblog/understanding-idle-usage-in-azure-container-apps/4419197";
const ACA_PRICING = "https://azure.microsoft.com/pricing/details/container-apps/";
const PG_PRICING = "https://azure.microsoft.com/pricing/details/postgresql/flexible-server/";
const MONITOR_PRICING = "https://azure.microsoft.com/pricing/details/monitor/";
const ACR_SKUS = "https://learn.microsoft.com/azure/container-registry/container-registry-skus";
const ACR_PRICING = "https://azure.microsoft.com/pricing/details/container-registry/";
const KV_QA =
  "https://learn.microsoft.com/answers/questions/5608202/how-to-correctly-estimate-azure-key-vault-cost";
const PRIVATE_LINK_PRICING = "https://azure.microsoft.com/pricing/details/private-link/";
const DNS_PRICING = "https://azure.microsoft.com/pricing/details/dns/";
const LOGIC_PRICING = "https://azure.microsoft.com/pricing/details/logic-apps/";
const AKS_PRICING = "https://azure.microsoft.com/pricing/details/kubernetes-service/";
const AKS_UPTIME_SLA_BLOG =
  "https://techcommunity.microsoft.com/t5/apps-on-azure-blog/aks-introduces-uptime-sla/ba-p/1350832";
const VM_LINUX_PRICING = "https://azure.microsoft.com/pricing/details/virtual-machines/linux/";
const MANAGED_DISKS_PRICING = "https://azure.microsoft.com/pricing/details/managed-disks/";
const LOAD_BALANCER_PRICING = "https://azure.microsoft.com/pricing/details/load-balancer/";
const IP_PRICING = "https://azure.microsoft.com/pricing/details/ip-addresses/";

function price(
  service: string,
  meter: string,
  usd: number,
  unit: string,
  source: string,
  verified: boolean,
  note?: string,
): Price {
  return { service, meter, region: PRICE_REGION, usd, unit, source, verified, note };
}

/** Every price the estimator applies, by a stable id. */
export const PRICES = {
  containerAppsVcpuActive: price(
    "Azure Container Apps",
    "Standard vCPU Active Usage",
    0.000024,
    "1 vCPU-second",
    ACA_IDLE_BLOG,
    true,
    "Consumption plan; the blog quotes the Central US pay-as-you-go rate. First 180,000 vCPU-s per subscription and month are free (" +
      ACA_BILLING +
      ").",
  ),
  containerAppsMemoryActive: price(
    "Azure Container Apps",
    "Standard Memory Active Usage",
    0.000003,
    "1 GiB-second",
    ACA_IDLE_BLOG,
    true,
    "Consumption plan (the blog writes 'per MB', the meter is per GiB-second). First 360,000 GiB-s per subscription and month are free.",
  ),
  containerAppsRequests: price(
    "Azure Container Apps",
    "Standard Requests",
    0.4,
    "1 million requests",
    ACA_PRICING,
    false,
    "First 2 million requests per subscription and month are free (" + ACA_BILLING + ").",
  ),
  postgresB1ms: price(
    "Azure Database for PostgreSQL",
    "Flexible Server Burstable B1ms",
    0.017,
    "1 hour",
    PG_PRICING,
    false,
  ),
  postgresB2s: price(
    "Azure Database for PostgreSQL",
    "Flexible Server Burstable B2s",
    0.068,
    "1 hour",
    PG_PRICING,
    false,
  ),
  postgresD2dsV5: price(
    "Azure Database for PostgreSQL",
    "Flexible Server General Purpose Ddsv5 2 vCore",
    0.178,
    "1 hour",
    PG_PRICING,
    false,
  ),
  postgresD4dsV5: price(
    "Azure Database for PostgreSQL",
    "Flexible Server General Purpose Ddsv5 4 vCore",
    0.356,
    "1 hour",
    PG_PRICING,
    false,
  ),
  postgresD8dsV5: price(
    "Azure Database for PostgreSQL",
    "Flexible Server General Purpose Ddsv5 8 vCore",
    0.712,
    "1 hour",
    PG_PRICING,
    false,
  ),
  postgresStorage: price(
    "Azure Database for PostgreSQL",
    "Flexible Server Storage (Premium SSD)",
    0.115,
    "1 GB-month",
    PG_PRICING,
    false,
    "Provisioned storage; a high-availability standby has its own copy.",
  ),
  postgresGeoBackup: price(
    "Azure Database for PostgreSQL",
    "Flexible Server Backup Storage (geo-redundant)",
    0.2,
    "1 GB-month",
    PG_PRICING,
    false,
    "Backup storage up to the provisioned size is free with locally redundant backups; the estimate bills the geo-redundant copy of that much.",
  ),
  logAnalyticsIngestion: price(
    "Log Analytics",
    "Analytics Logs Data Ingestion (pay-as-you-go)",
    2.3,
    "1 GB",
    MONITOR_PRICING,
    false,
    "Application Insights (workspace-based) and diagnostic-setting data are billed here. First 5 GB per billing account and month are free.",
  ),
  logAnalyticsRetention: price(
    "Log Analytics",
    "Analytics Logs Data Retention",
    0.1,
    "1 GB-month",
    MONITOR_PRICING,
    false,
    "For data kept beyond the 31 days included with ingestion.",
  ),
  logAlert1Minute: price(
    "Azure Monitor",
    "Log search alert rule, 1-minute frequency",
    3,
    "1 rule-month",
    MONITOR_PRICING,
    false,
  ),
  logAlert5Minutes: price(
    "Azure Monitor",
    "Log search alert rule, 5-minute frequency",
    1.5,
    "1 rule-month",
    MONITOR_PRICING,
    false,
  ),
  logAlert10Minutes: price(
    "Azure Monitor",
    "Log search alert rule, 10-minute frequency",
    1,
    "1 rule-month",
    MONITOR_PRICING,
    false,
  ),
  logAlert15Minutes: price(
    "Azure Monitor",
    "Log search alert rule, 15-minute frequency or less often",
    0.5,
    "1 rule-month",
    MONITOR_PRICING,
    false,
  ),
  metricAlertTimeSeries: price(
    "Azure Monitor",
    "Metric alert rule, per time series monitored",
    0.1,
    "1 time series-month",
    MONITOR_PRICING,
    false,
    "First 10 time series per subscription and month are free. Activity log alerts are free.",
  ),
  registryBasic: price(
    "Container Registry",
    "Basic Registry Unit",
    0.167,
    "1 day",
    ACR_SKUS,
    true,
    "Includes 10 GB of storage.",
  ),
  registryStandard: price(
    "Container Registry",
    "Standard Registry Unit",
    0.667,
    "1 day",
    ACR_PRICING,
    false,
    "Includes 100 GB of storage.",
  ),
  registryPremium: price(
    "Container Registry",
    "Premium Registry Unit",
    1.667,
    "1 day",
    ACR_PRICING,
    false,
    "Includes 500 GB of storage.",
  ),
  registryStorage: price(
    "Container Registry",
    "Data Stored",
    0.003,
    "1 GB-day",
    ACR_SKUS,
    true,
    "Storage beyond what the SKU includes.",
  ),
  keyVaultOperations: price(
    "Key Vault",
    "Standard Operations",
    0.03,
    "10,000 operations",
    KV_QA,
    true,
    "Secret and software-key operations on a Standard vault (Microsoft Q&A answer; the pricing page is https://azure.microsoft.com/pricing/details/key-vault/).",
  ),
  privateEndpointHours: price(
    "Virtual Network",
    "Private Endpoint",
    0.01,
    "1 hour",
    PRIVATE_LINK_PRICING,
    false,
  ),
  privateEndpointData: price(
    "Virtual Network",
    "Private Endpoint Data Processed (ingress and egress)",
    0.01,
    "1 GB",
    PRIVATE_LINK_PRICING,
    false,
  ),
  privateDnsZone: price(
    "Azure DNS",
    "Private Zone (first 25)",
    0.5,
    "1 zone-month",
    DNS_PRICING,
    false,
  ),
  privateDnsQueries: price(
    "Azure DNS",
    "Private Queries (first billion)",
    0.4,
    "1 million queries",
    DNS_PRICING,
    false,
  ),
  logicAppActions: price(
    "Logic Apps",
    "Consumption Standard Connector Actions",
    0.000125,
    "1 execution",
    LOGIC_PRICING,
    false,
    "Every action of a Consumption workflow run, priced at the standard-connector rate (built-in actions cost less).",
  ),
  aksStandardTier: price(
    "Azure Kubernetes Service",
    "Standard Uptime SLA",
    0.1,
    "1 cluster-hour",
    AKS_UPTIME_SLA_BLOG,
    true,
    "Cluster management of the Standard tier (the 2020 'Uptime SLA' add-on, renamed the Standard tier in 2023; Microsoft's announcement states $0.10 per cluster-hour; the pricing page is " +
      AKS_PRICING +
      "). The Free tier's cluster management costs nothing.",
  ),
  aksPremiumTier: price(
    "Azure Kubernetes Service",
    "Premium Long Term Support",
    0.6,
    "1 cluster-hour",
    AKS_PRICING,
    false,
    "Cluster management of the Premium tier (Standard plus long-term support).",
  ),
  vmD2dsV5: price(
    "Virtual Machines Ddsv5 Series",
    "D2ds v5",
    0.113,
    "1 hour",
    VM_LINUX_PRICING,
    false,
    "Linux pay-as-you-go (Azure Linux and Ubuntu carry no OS licence); 2 vCPU, 8 GiB, 75 GiB temp disk.",
  ),
  vmD4dsV5: price(
    "Virtual Machines Ddsv5 Series",
    "D4ds v5",
    0.226,
    "1 hour",
    VM_LINUX_PRICING,
    false,
    "Linux pay-as-you-go; 4 vCPU, 16 GiB, 150 GiB temp disk.",
  ),
  vmD8dsV5: price(
    "Virtual Machines Ddsv5 Series",
    "D8ds v5",
    0.452,
    "1 hour",
    VM_LINUX_PRICING,
    false,
    "Linux pay-as-you-go; 8 vCPU, 32 GiB, 300 GiB temp disk.",
  ),
  premiumSsdP10: price(
    "Storage",
    "Premium SSD Managed Disks P10 LRS",
    19.71,
    "1 disk-month",
    MANAGED_DISKS_PRICING,
    false,
    "128 GiB; a node's managed OS disk (an ephemeral OS disk costs nothing).",
  ),
  premiumSsdP15: price(
    "Storage",
    "Premium SSD Managed Disks P15 LRS",
    38.01,
    "1 disk-month",
    MANAGED_DISKS_PRICING,
    false,
    "256 GiB.",
  ),
  premiumSsdP20: price(
    "Storage",
    "Premium SSD Managed Disks P20 LRS",
    73.22,
    "1 disk-month",
    MANAGED_DISKS_PRICING,
    false,
    "512 GiB.",
  ),
  premiumSsdP30: price(
    "Storage",
    "Premium SSD Managed Disks P30 LRS",
    135.17,
    "1 disk-month",
    MANAGED_DISKS_PRICING,
    false,
    "1,024 GiB.",
  ),
  loadBalancerStandardRules: price(
    "Load Balancer",
    "Standard Included LB Rules and Outbound Rules (first 5)",
    0.025,
    "1 hour",
    LOAD_BALANCER_PRICING,
    false,
    "Flat price of a Standard load balancer with up to 5 load-balancing and outbound rules; each further rule is $0.01 per hour (not modelled).",
  ),
  loadBalancerDataProcessed: price(
    "Load Balancer",
    "Standard Data Processed",
    0.005,
    "1 GB",
    LOAD_BALANCER_PRICING,
    false,
    "Inbound and outbound bytes through the load balancer, whatever the direction.",
  ),
  publicIpStandard: price(
    "Virtual Network",
    "Standard IPv4 Static Public IP",
    0.005,
    "1 hour",
    IP_PRICING,
    false,
  ),
} as const satisfies Record<string, Price>;

export type PriceId = keyof typeof PRICES;

/** PostgreSQL Flexible Server compute prices by `sku.name`. */
export const POSTGRES_SKU_PRICES: Readonly<Record<string, PriceId>> = {
  Standard_B1ms: "postgresB1ms",
  Standard_B2s: "postgresB2s",
  Standard_D2ds_v5: "postgresD2dsV5",
  Standard_D4ds_v5: "postgresD4dsV5",
  Standard_D8ds_v5: "postgresD8dsV5",
};

/** Container Registry daily unit price and included storage (GB) by `sku.name`. */
export const REGISTRY_SKU_PRICES: Readonly<Record<string, { price: PriceId; includedGb: number }>> =
  {
    Basic: { price: "registryBasic", includedGb: 10 },
    Standard: { price: "registryStandard", includedGb: 100 },
    Premium: { price: "registryPremium", includedGb: 500 },
  };

/** A VM size the estimate prices as an AKS node: its hourly price, vCPUs and temp disk. */
export interface VmSize {
  readonly price: PriceId;
  readonly vcpus: number;
  /** Temp (resource) disk in GiB: where AKS places an ephemeral OS disk on v5 sizes (no cache disk). */
  readonly tempDiskGib: number;
}

/**
 * Node VM sizes by `vmSize` (vCPUs and temp storage from
 * https://learn.microsoft.com/azure/virtual-machines/ddv5-ddsv5-series).
 */
export const VM_SIZE_PRICES: Readonly<Record<string, VmSize>> = {
  Standard_D2ds_v5: { price: "vmD2dsV5", vcpus: 2, tempDiskGib: 75 },
  Standard_D4ds_v5: { price: "vmD4dsV5", vcpus: 4, tempDiskGib: 150 },
  Standard_D8ds_v5: { price: "vmD8dsV5", vcpus: 8, tempDiskGib: 300 },
};

/** Premium SSD tiers for a managed OS disk: the smallest tier that holds the size. */
export const PREMIUM_SSD_TIERS: readonly {
  readonly tier: string;
  readonly maxGib: number;
  readonly price: PriceId;
}[] = [
  { tier: "P10", maxGib: 128, price: "premiumSsdP10" },
  { tier: "P15", maxGib: 256, price: "premiumSsdP15" },
  { tier: "P20", maxGib: 512, price: "premiumSsdP20" },
  { tier: "P30", maxGib: 1024, price: "premiumSsdP30" },
];

/** AKS cluster management by `sku.tier` (`Free` costs nothing). */
export const AKS_TIER_PRICES: Readonly<Record<string, PriceId | null>> = {
  Free: null,
  Standard: "aksStandardTier",
  Premium: "aksPremiumTier",
};
