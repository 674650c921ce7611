import * as pulumi from "@pulumi/pulumi";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import * as random from "@pulumi/random";

export interface PostgresArgs {
  /** Resource group of the server. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Azure region. */
  readonly location: pulumi.Input<string>;
  /** Globally unique server name: 3-63 lowercase letters, digits and '-'. */
  readonly serverName: pulumi.Input<string>;
  /** SKU, e.g. `Standard_B1ms` or `Standard_D4ds_v5`. */
  readonly skuName: string;
  /** Tier matching the SKU. */
  readonly tier: "Burstable" | "GeneralPurpose" | "MemoryOptimized";
  /** PostgreSQL major version. */
  readonly version: string;
  /** Storage in GB. */
  readonly storageSizeGB: number;
  /** Backup retention (7-35 days). */
  readonly backupRetentionDays: number;
  /** Geo-redundant backup (only chosen at creation). */
  readonly geoRedundantBackup: boolean;
  /** High availability mode; not available on Burstable. */
  readonly highAvailability: "Disabled" | "SameZone" | "ZoneRedundant";
  /** The app's database. */
  readonly databaseName: string;
  /** Administrator login (changing it replaces the server). */
  readonly administratorLogin: string;
  /**
   * Private access: the delegated subnet and the private DNS zone. Public access is then disabled.
   * Public vs private cannot be switched after creation.
   * @default - public access limited to Azure services
   */
  readonly privateAccess?: { subnetId: pulumi.Input<string>; dnsZoneId: pulumi.Input<string> };
  /**
   * `protect` the server (staging and prod).
   * @default false
   */
  readonly protect?: boolean;
  /**
   * Resources the server must wait for (the private DNS zone's VNet link).
   * @default []
   */
  readonly dependsOn?: pulumi.Resource[];
  /** Tags for the server. */
  readonly tags: Record<string, string>;
}

/**
 * PostgreSQL Flexible Server with the app's database. The administrator password is generated
 * here and never leaves Pulumi state except as a secret; the connection string is for Key Vault.
 * Changes to the server's children are chained (Azure answers ServerBusy to parallel ones).
 */
export class Postgres extends pulumi.ComponentResource {
  public readonly serverId: pulumi.Output<string>;
  /** Fully qualified host name. */
  public readonly host: pulumi.Output<string>;
  /** The generated administrator password (secret). */
  public readonly administratorPassword: pulumi.Output<string>;
  /** `postgresql://...` connection string for the app (secret). */
  public readonly connectionString: pulumi.Output<string>;

  constructor(name: string, args: PostgresArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("chatbot:database:Postgres", name, {}, opts);
    if (args.tier === "Burstable" && args.highAvailability !== "Disabled") {
      throw new Error(
        `\`highAvailability\` must be "Disabled" on the Burstable tier; received ${JSON.stringify(args.highAvailability)}`,
      );
    }
    if (
      !Number.isInteger(args.backupRetentionDays) ||
      args.backupRetentionDays < 7 ||
      args.backupRetentionDays > 35
    ) {
      throw new Error(
        `\`backupRetentionDays\` must be an integer from 7 to 35; received ${JSON.stringify(args.backupRetentionDays)}`,
      );
    }

    const password = new random.RandomPassword(
      `${name}-admin-password`,
      {
        length: 32,
        special: true,
        overrideSpecial: "-_.~",
        minLower: 2,
        minUpper: 2,
        minNumeric: 2,
      },
      { parent: this },
    );

    const server = new dbforpostgresql.Server(
      `${name}-server`,
      {
        serverName: args.serverName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        version: args.version,
        administratorLogin: args.administratorLogin,
        administratorLoginPassword: pulumi.secret(password.result),
        sku: { name: args.skuName, tier: args.tier },
        storage: { storageSizeGB: args.storageSizeGB, autoGrow: "Enabled" },
        backup: {
          backupRetentionDays: args.backupRetentionDays,
          geoRedundantBackup: args.geoRedundantBackup ? "Enabled" : "Disabled",
        },
        highAvailability: { mode: args.highAvailability },
        network:
          args.privateAccess === undefined
            ? { publicNetworkAccess: "Enabled" }
            : {
                publicNetworkAccess: "Disabled",
                delegatedSubnetResourceId: args.privateAccess.subnetId,
                privateDnsZoneArmResourceId: args.privateAccess.dnsZoneId,
              },
        authConfig: { passwordAuth: "Enabled", activeDirectoryAuth: "Disabled" },
        tags: args.tags,
      },
      { parent: this, protect: args.protect ?? false, dependsOn: args.dependsOn ?? [] },
    );

    // One change at a time on the server: each child waits for the previous one.
    let previous: pulumi.Resource = server;
    const database = new dbforpostgresql.Database(
      `${name}-db`,
      {
        databaseName: args.databaseName,
        serverName: server.name,
        resourceGroupName: args.resourceGroupName,
        charset: "UTF8",
        collation: "en_US.utf8",
      },
      { parent: this, dependsOn: [previous] },
    );
    previous = database;
    if (args.privateAccess === undefined) {
      new dbforpostgresql.FirewallRule(
        `${name}-allow-azure`,
        {
          firewallRuleName: "AllowAllAzureServicesAndResourcesWithinAzureIps",
          serverName: server.name,
          resourceGroupName: args.resourceGroupName,
          startIpAddress: "0.0.0.0",
          endIpAddress: "0.0.0.0",
        },
        { parent: this, dependsOn: [previous] },
      );
    }

    this.serverId = server.id;
    this.host = server.fullyQualifiedDomainName;
    this.administratorPassword = pulumi.secret(password.result);
    this.connectionString = pulumi.secret(
      pulumi
        .all([server.fullyQualifiedDomainName, password.result])
        .apply(
          ([host, secret]) =>
            `postgresql://${encodeURIComponent(args.administratorLogin)}:${encodeURIComponent(secret)}@${host}:5432/${args.databaseName}?sslmode=require`,
        ),
    );
    this.registerOutputs({ serverId: this.serverId, host: this.host });
  }
}
