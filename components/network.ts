import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";

/** Private DNS zone of Key Vault private endpoints. */
export const KEY_VAULT_PRIVATE_DNS_ZONE = "privatelink.vaultcore.azure.net";

export interface PrivateNetworkArgs {
  /** Resource group that holds the network. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Azure region. */
  readonly location: pulumi.Input<string>;
  /** Virtual network name. */
  readonly virtualNetworkName: string;
  /** Address space of the virtual network, e.g. `10.40.0.0/16`. */
  readonly addressSpace: string;
  /** Container Apps environment subnet (a /23). */
  readonly containerAppsSubnet: string;
  /** PostgreSQL delegated subnet. */
  readonly postgresSubnet: string;
  /**
   * Delegate the app subnet to `Microsoft.App/environments`; `false` on AKS, whose nodes use it.
   * @default true
   */
  readonly delegateAppSubnet?: boolean;
  /** Private endpoint subnet. */
  readonly privateEndpointsSubnet: string;
  /** Name of the PostgreSQL private DNS zone; must end in `.postgres.database.azure.com`. */
  readonly postgresDnsZoneName: string;
  /** Tags for every taggable child. */
  readonly tags: Record<string, string>;
}

/** Subnet names inside the virtual network. */
export const SUBNET_NAMES = {
  containerApps: "snet-container-apps",
  postgres: "snet-postgres",
  privateEndpoints: "snet-private-endpoints",
} as const;

/**
 * The private network of an environment, which keeps its data off the internet (every environment):
 * one virtual network with a subnet delegated to Container Apps, one delegated to PostgreSQL
 * Flexible Server, one for private endpoints (prod's Key Vault), and the private DNS zones of
 * PostgreSQL and Key Vault linked to it.
 */
export class PrivateNetwork extends pulumi.ComponentResource {
  public readonly virtualNetworkId: pulumi.Output<string>;
  public readonly containerAppsSubnetId: pulumi.Output<string>;
  public readonly postgresSubnetId: pulumi.Output<string>;
  public readonly privateEndpointsSubnetId: pulumi.Output<string>;
  public readonly postgresDnsZoneId: pulumi.Output<string>;
  public readonly keyVaultDnsZoneId: pulumi.Output<string>;
  /** The DNS zone links: PostgreSQL must not be created before its zone resolves in the VNet. */
  public readonly dnsLinks: pulumi.Resource[];

  constructor(name: string, args: PrivateNetworkArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("chatbot:network:PrivateNetwork", name, {}, opts);
    if (!args.postgresDnsZoneName.endsWith(".postgres.database.azure.com")) {
      throw new Error(
        `\`postgresDnsZoneName\` must end in ".postgres.database.azure.com"; received ${JSON.stringify(args.postgresDnsZoneName)}`,
      );
    }

    const vnet = new network.VirtualNetwork(
      `${name}-vnet`,
      {
        virtualNetworkName: args.virtualNetworkName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        addressSpace: { addressPrefixes: [args.addressSpace] },
        subnets: [
          {
            name: SUBNET_NAMES.containerApps,
            addressPrefix: args.containerAppsSubnet,
            // On AKS the nodes live here: a subnet delegated to Container Apps takes no nodes.
            delegations:
              args.delegateAppSubnet === false
                ? []
                : [{ name: "container-apps", serviceName: "Microsoft.App/environments" }],
          },
          {
            name: SUBNET_NAMES.postgres,
            addressPrefix: args.postgresSubnet,
            delegations: [
              { name: "postgres", serviceName: "Microsoft.DBforPostgreSQL/flexibleServers" },
            ],
          },
          {
            name: SUBNET_NAMES.privateEndpoints,
            addressPrefix: args.privateEndpointsSubnet,
            privateEndpointNetworkPolicies: "Disabled",
          },
        ],
        tags: args.tags,
      },
      { parent: this },
    );
    this.virtualNetworkId = vnet.id;
    this.containerAppsSubnetId = pulumi.interpolate`${vnet.id}/subnets/${SUBNET_NAMES.containerApps}`;
    this.postgresSubnetId = pulumi.interpolate`${vnet.id}/subnets/${SUBNET_NAMES.postgres}`;
    this.privateEndpointsSubnetId = pulumi.interpolate`${vnet.id}/subnets/${SUBNET_NAMES.privateEndpoints}`;

    const zones = { postgres: args.postgresDnsZoneName, keyvault: KEY_VAULT_PRIVATE_DNS_ZONE };
    const ids: Record<string, pulumi.Output<string>> = {};
    this.dnsLinks = [];
    for (const [key, zoneName] of Object.entries(zones)) {
      const zone = new privatedns.PrivateZone(
        `${name}-${key}-dns`,
        {
          privateZoneName: zoneName,
          resourceGroupName: args.resourceGroupName,
          location: "global",
          tags: args.tags,
        },
        { parent: this },
      );
      const link = new privatedns.VirtualNetworkLink(
        `${name}-${key}-dns-link`,
        {
          virtualNetworkLinkName: `${key}-link`,
          privateZoneName: zone.name,
          resourceGroupName: args.resourceGroupName,
          location: "global",
          registrationEnabled: false,
          virtualNetwork: { id: vnet.id },
          tags: args.tags,
        },
        { parent: this },
      );
      ids[key] = zone.id;
      this.dnsLinks.push(link);
    }
    this.postgresDnsZoneId = ids.postgres;
    this.keyVaultDnsZoneId = ids.keyvault;

    this.registerOutputs({
      virtualNetworkId: this.virtualNetworkId,
      containerAppsSubnetId: this.containerAppsSubnetId,
      postgresSubnetId: this.postgresSubnetId,
      privateEndpointsSubnetId: this.privateEndpointsSubnetId,
      postgresDnsZoneId: this.postgresDnsZoneId,
      keyVaultDnsZoneId: this.keyVaultDnsZoneId,
    });
  }
}
