/**
 * Region facts as data: where the services this platform needs exist, and where availability
 * zones do. Each list names the page it comes from and the date of the version read; refresh a
 * list from its source (the lists are checked by `lib/config`, never by Azure itself).
 */

/** One region list and where it comes from. */
export interface RegionFacts {
  /** The documentation page (and the source file it is published from). */
  readonly source: string;
  /** The page's `ms.date` (or the date the list was taken). */
  readonly date: string;
  /** Programmatic region names (`az account list-locations --query [].name`). */
  readonly regions: readonly string[];
}

/**
 * Regions with availability zones: learn.microsoft.com "Azure regions list" (availability zone
 * support column; regions marked "coming soon" left out).
 */
export const AVAILABILITY_ZONE_REGIONS: RegionFacts = {
  // Published from MicrosoftDocs/azure-docs articles/reliability/regions-list.md.
  source: "https://learn.microsoft.com/azure/reliability/regions-list",
  date: "2025-03-21",
  regions: [
    "australiaeast",
    "brazilsouth",
    "canadacentral",
    "centralindia",
    "centralus",
    "eastasia",
    "eastus",
    "eastus2",
    "francecentral",
    "germanywestcentral",
    "israelcentral",
    "italynorth",
    "japaneast",
    "japanwest",
    "koreacentral",
    "mexicocentral",
    "newzealandnorth",
    "northeurope",
    "norwayeast",
    "polandcentral",
    "qatarcentral",
    "southafricanorth",
    "southcentralus",
    "southeastasia",
    "spaincentral",
    "swedencentral",
    "switzerlandnorth",
    "uaenorth",
    "uksouth",
    "westeurope",
    "westus2",
    "westus3",
  ],
};

/**
 * Regions where a Container Apps environment can be created. Microsoft publishes no static table
 * (the Container Apps FAQ, learn.microsoft.com/azure/container-apps/faq, 2025-06-25, points to
 * `az provider show --namespace Microsoft.App --query "resourceTypes[?resourceType=='managedEnvironments'].locations"`):
 * this list is the generally available public regions of the regions list above (access-restricted
 * and coming-soon regions left out). Refresh it with that command.
 */
export const CONTAINER_APPS_REGIONS: RegionFacts = {
  source: "https://learn.microsoft.com/azure/reliability/regions-list",
  date: "2025-03-21",
  regions: [
    ...AVAILABILITY_ZONE_REGIONS.regions,
    "australiacentral",
    "australiasoutheast",
    "canadaeast",
    "northcentralus",
    "southindia",
    "ukwest",
    "westcentralus",
    "westindia",
    "westus",
  ].sort(),
};

/**
 * Regions with Azure Database for PostgreSQL flexible server (public cloud; China and US Gov left
 * out): learn.microsoft.com "Azure Database for PostgreSQL flexible server" overview, "Azure
 * regions" table.
 */
export const POSTGRES_FLEXIBLE_REGIONS: RegionFacts = {
  // Published from MicrosoftDocs/azure-docs articles/postgresql/flexible-server/includes/regions-table.md.
  source: "https://learn.microsoft.com/azure/postgresql/flexible-server/overview#azure-regions",
  date: "2024-06-28",
  regions: [
    "australiacentral",
    "australiacentral2",
    "australiaeast",
    "australiasoutheast",
    "brazilsouth",
    "brazilsoutheast",
    "canadacentral",
    "canadaeast",
    "centralindia",
    "centralus",
    "eastasia",
    "eastus",
    "eastus2",
    "francecentral",
    "francesouth",
    "germanynorth",
    "germanywestcentral",
    "israelcentral",
    "italynorth",
    "japaneast",
    "japanwest",
    "jioindiacentral",
    "jioindiawest",
    "koreacentral",
    "koreasouth",
    "northcentralus",
    "northeurope",
    "norwayeast",
    "norwaywest",
    "polandcentral",
    "qatarcentral",
    "southafricanorth",
    "southafricawest",
    "southcentralus",
    "southeastasia",
    "southindia",
    "swedencentral",
    "switzerlandnorth",
    "switzerlandwest",
    "uaecentral",
    "uaenorth",
    "uksouth",
    "ukwest",
    "westcentralus",
    "westeurope",
    "westus",
    "westus2",
    "westus3",
  ],
};

/** Does `region` have availability zones (zone-redundant Container Apps and PostgreSQL HA)? */
export function hasAvailabilityZones(region: string): boolean {
  return AVAILABILITY_ZONE_REGIONS.regions.includes(region);
}

/** Every region name any list knows: what a `location` is checked against for a near miss. */
export const KNOWN_REGIONS: readonly string[] = [
  ...new Set([...CONTAINER_APPS_REGIONS.regions, ...POSTGRES_FLEXIBLE_REGIONS.regions]),
].sort();
