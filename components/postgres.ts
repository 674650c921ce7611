import * as pulumi from "@pulumi/pulumi";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import * as monitor from "@pulumi/azure-native/monitor";
import * as random from "@pulumi/random";
import { AUDIT_DIAGNOSTIC_SETTING_NAME } from "../lib/naming";

/**
 * PostgreSQL log categories sent to Log Analytics: the server log (connections, authentication
 * failures, errors, statements as `log_statement` says). Sessions and Query Store are performance
 * telemetry, not audit, and Query Store is off unless `pg_qs.query_capture_mode` is set.
 */
export const POSTGRES_AUDIT_LOG_CATEGORIES = ["PostgreSQLLogs"] as const;

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
   * Private access (VNet integration): the subnet delegated to
   * `Microsoft.DBforPostgreSQL/flexibleServers` and the private DNS zone the server registers in.
   * The server has no public endpoint and no firewall rule; only the VNet reaches it. Azure fixes
   * this at creation: moving a public server into a subnet replaces it.
   */
  readonly privateAccess: { subnetId: pulumi.Input<string>; dnsZoneId: pulumi.Input<string> };
  /** Log Analytics workspace (resource id) that receives the server's logs. */
  readonly logAnalyticsWorkspaceId: pulumi.Input<string>;
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
 * PostgreSQL Flexible Server with the app's database, reachable only inside its VNet (private
 * access), its server logs sent to Log Analytics. The administrator password is generated here and
 * never leaves Pulumi state except as a secret; the connection string is for Key Vault. Changes to
 * the server's children are chained (Azure answers ServerBusy to parallel ones).
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
        network: {
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
    const database = new dbforpostgresql.Database(
      `${name}-db`,
      {
        databaseName: args.databaseName,
        serverName: server.name,
        resourceGroupName: args.resourceGroupName,
        charset: "UTF8",
        collation: "en_US.utf8",
      },
      { parent: this, dependsOn: [server] },
    );

    // Chained too: a diagnostic setting is written through Microsoft.Insights, but nothing
    // documents that it never meets a server busy with another change.
    new monitor.DiagnosticSetting(
      `${name}-diagnostics`,
      {
        name: AUDIT_DIAGNOSTIC_SETTING_NAME,
        resourceUri: server.id,
        workspaceId: args.logAnalyticsWorkspaceId,
        // PostgreSQL's categories land in AzureDiagnostics only (no resource-specific tables).
        logs: POSTGRES_AUDIT_LOG_CATEGORIES.map((category) => ({ category, enabled: true })),
      },
      { parent: this, dependsOn: [database] },
    );

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
