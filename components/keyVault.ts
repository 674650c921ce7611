import * as pulumi from "@pulumi/pulumi";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as monitor from "@pulumi/azure-native/monitor";
import * as network from "@pulumi/azure-native/network";
import { AUDIT_DIAGNOSTIC_SETTING_NAME } from "../lib/naming";

/** Key Vault's audit category group: `AuditEvent`, every data-plane and management operation. */
export const KEY_VAULT_AUDIT_CATEGORY_GROUP = "audit";

/** One secret the program writes into the vault. */
export interface VaultSecret {
  /** Secret name: letters, digits and '-', 1-127 characters. */
  readonly name: string;
  /** Secret value; must not be empty. */
  readonly value: pulumi.Input<string>;
}

export interface KeyVaultArgs {
  /** Resource group of the vault. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Azure region. */
  readonly location: pulumi.Input<string>;
  /** Globally unique vault name: 3-24 letters, digits and '-'. */
  readonly vaultName: pulumi.Input<string>;
  /** Entra tenant of the vault. */
  readonly tenantId: pulumi.Input<string>;
  /** Purge protection: once on it cannot be turned off. */
  readonly purgeProtection: boolean;
  /** Days deleted secrets and the vault stay recoverable (7-90). */
  readonly softDeleteRetentionDays: number;
  /**
   * Deny public network access; the app reaches the vault through `privateEndpoint`.
   * @default false
   */
  readonly denyPublicNetwork?: boolean;
  /**
   * Private endpoint in this subnet, registered in this private DNS zone
   * (`privatelink.vaultcore.azure.net`). Required when `denyPublicNetwork` is true.
   * @default - no private endpoint
   */
  readonly privateEndpoint?: { subnetId: pulumi.Input<string>; dnsZoneId: pulumi.Input<string> };
  /**
   * Log Analytics workspace (resource id) that receives the vault's audit log (`AuditEvent`, in the
   * resource-specific table `AZKVAuditLogs`).
   */
  readonly logAnalyticsWorkspaceId: pulumi.Input<string>;
  /**
   * Secrets to write. Written through Azure Resource Manager, so it works with public access denied.
   * @default []
   */
  readonly secrets?: VaultSecret[];
  /**
   * `protect` the vault (staging and prod): Pulumi refuses to delete it.
   * @default false
   */
  readonly protect?: boolean;
  /** Tags for every taggable child. */
  readonly tags: Record<string, string>;
}

const SECRET_NAME = /^[A-Za-z0-9-]{1,127}$/;

/**
 * The Key Vault for every secret of the platform: RBAC authorization (no access policies), soft
 * delete, purge protection where asked, public network denied where asked (with a private
 * endpoint), its audit log sent to Log Analytics, and the secrets the program owns.
 */
export class KeyVault extends pulumi.ComponentResource {
  public readonly vaultId: pulumi.Output<string>;
  public readonly vaultName: pulumi.Output<string>;
  /** Vault URI, ending in '/': `https://<name>.vault.azure.net/`. */
  public readonly vaultUri: pulumi.Output<string>;
  /** The secrets written; a consumer that references them waits for these. */
  public readonly secretResources: pulumi.Resource[];
  /**
   * The private endpoint and its DNS zone group (empty without `privateEndpoint`): with public
   * access denied, a consumer inside the VNet can reach the vault only once these exist.
   */
  public readonly privateAccessResources: pulumi.Resource[];

  constructor(name: string, args: KeyVaultArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("chatbot:keyvault:KeyVault", name, {}, opts);
    const days = args.softDeleteRetentionDays;
    if (!Number.isInteger(days) || days < 7 || days > 90) {
      throw new Error(
        `\`softDeleteRetentionDays\` must be an integer from 7 to 90; received ${JSON.stringify(days)}`,
      );
    }
    if (args.denyPublicNetwork && args.privateEndpoint === undefined) {
      throw new Error(
        "`denyPublicNetwork` requires `privateEndpoint`: nothing could reach the vault",
      );
    }
    const secrets = args.secrets ?? [];
    const names = new Set<string>();
    for (const secret of secrets) {
      if (!SECRET_NAME.test(secret.name) || names.has(secret.name)) {
        throw new Error(
          `\`secrets\` names must be unique, 1-127 letters, digits and '-'; received ${JSON.stringify(secret.name)}`,
        );
      }
      names.add(secret.name);
    }

    const vault = new keyvault.Vault(
      `${name}-kv`,
      {
        vaultName: args.vaultName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        properties: {
          tenantId: args.tenantId,
          sku: { family: "A", name: "standard" },
          enableRbacAuthorization: true,
          enableSoftDelete: true,
          softDeleteRetentionInDays: days,
          // Azure rejects an explicit `false`: purge protection is only ever switched on.
          enablePurgeProtection: args.purgeProtection ? true : undefined,
          publicNetworkAccess: args.denyPublicNetwork ? "Disabled" : "Enabled",
          networkAcls: args.denyPublicNetwork
            ? { defaultAction: "Deny", bypass: "AzureServices" }
            : { defaultAction: "Allow", bypass: "AzureServices" },
        },
        tags: args.tags,
      },
      { parent: this, protect: args.protect ?? false },
    );

    this.privateAccessResources = [];
    if (args.privateEndpoint !== undefined) {
      const endpoint = new network.PrivateEndpoint(
        `${name}-pe`,
        {
          privateEndpointName: pulumi.interpolate`pe-${vault.name}`,
          resourceGroupName: args.resourceGroupName,
          location: args.location,
          subnet: { id: args.privateEndpoint.subnetId },
          privateLinkServiceConnections: [
            { name: "keyvault", privateLinkServiceId: vault.id, groupIds: ["vault"] },
          ],
          tags: args.tags,
        },
        { parent: this },
      );
      const zoneGroup = new network.PrivateDnsZoneGroup(
        `${name}-pe-dns`,
        {
          privateDnsZoneGroupName: "default",
          privateEndpointName: endpoint.name,
          resourceGroupName: args.resourceGroupName,
          privateDnsZoneConfigs: [
            { name: "vaultcore", privateDnsZoneId: args.privateEndpoint.dnsZoneId },
          ],
        },
        { parent: this },
      );
      this.privateAccessResources.push(endpoint, zoneGroup);
    }

    // Audit logging is on before the first secret is written, so every write is in the log.
    const diagnostics = new monitor.DiagnosticSetting(
      `${name}-diagnostics`,
      {
        name: AUDIT_DIAGNOSTIC_SETTING_NAME,
        resourceUri: vault.id,
        workspaceId: args.logAnalyticsWorkspaceId,
        logAnalyticsDestinationType: "Dedicated",
        logs: [{ categoryGroup: KEY_VAULT_AUDIT_CATEGORY_GROUP, enabled: true }],
      },
      { parent: this },
    );

    this.secretResources = secrets.map(
      (secret) =>
        new keyvault.Secret(
          `${name}-${secret.name}`,
          {
            secretName: secret.name,
            vaultName: vault.name,
            resourceGroupName: args.resourceGroupName,
            properties: { value: pulumi.secret(secret.value) },
            tags: args.tags,
          },
          { parent: this, dependsOn: [diagnostics] },
        ),
    );

    this.vaultId = vault.id;
    this.vaultName = vault.name;
    this.vaultUri = vault.properties.apply((properties) => properties.vaultUri ?? "");
    this.registerOutputs({
      vaultId: this.vaultId,
      vaultName: this.vaultName,
      vaultUri: this.vaultUri,
    });
  }
}
