import * as pulumi from "@pulumi/pulumi";
import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";

/** `/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.DBforPostgreSQL/flexibleServers/<name>`. */
export const FLEXIBLE_SERVER_ID =
  /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[-\w.()]+\/providers\/Microsoft\.DBforPostgreSQL\/flexibleServers\/([a-z0-9][a-z0-9-]{1,61}[a-z0-9])$/i;

/** A subnet's ARM id. */
const SUBNET_ID =
  /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[-\w.()]+\/providers\/Microsoft\.Network\/virtualNetworks\/[-\w.]+\/subnets\/[-\w.]+$/i;

/** A private DNS zone's ARM id; a Flexible Server's zone name ends in `.postgres.database.azure.com`. */
const POSTGRES_DNS_ZONE_ID =
  /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[-\w.()]+\/providers\/Microsoft\.Network\/privateDnsZones\/[-\w.]+\.postgres\.database\.azure\.com$/i;

/** Server names: 3-63 lowercase letters, digits and '-', not starting or ending with '-'. */
export const SERVER_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/** An ISO 8601 UTC time as ARM takes `pointInTimeUTC`: `2026-11-29T09:45:00Z` (milliseconds optional). */
export const UTC_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

export interface RestoredPostgresArgs {
  /** Resource group of the new server (the source's, where the deploying identity has rights). */
  readonly resourceGroupName: string;
  /** Azure region: the source server's. A point-in-time restore stays in the source's region. */
  readonly location: string;
  /** Name of the new server; never the source's. */
  readonly serverName: string;
  /** ARM id of the server whose backups are restored. It is read, never changed. */
  readonly sourceServerId: string;
  /** The restore point, ISO 8601 UTC (`2026-11-29T09:45:00Z`). */
  readonly pointInTimeUtc: string;
  /**
   * Private access of the new server: a subnet delegated to
   * `Microsoft.DBforPostgreSQL/flexibleServers` and the private DNS zone it registers in. A server
   * with private access can only be restored into a virtual network, never to public access.
   */
  readonly privateAccess: { readonly subnetId: string; readonly dnsZoneId: string };
  /** Tags of the new server. */
  readonly tags: Record<string, string>;
  /**
   * How long Pulumi waits for the restore (ARM's long-running create).
   * @default "3h" - Azure: "from a few minutes up to a few hours"
   */
  readonly createTimeout?: string;
}

/**
 * A new PostgreSQL Flexible Server restored from another server's backups to a point in time
 * (`createMode: PointInTimeRestore`). Azure creates it with the source's tier, compute, storage,
 * version, backup retention and administrator login, as a single server without high
 * availability; nothing here sends those, so nothing can disagree with the source. The source is
 * only named by id: no resource of this component reads or writes it.
 *
 * Rules (https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-backup-restore,
 * "Point-in-time recovery" and "Restore and networking"): a restore always creates a new server
 * and never overwrites the source; it is in the source's region; the restore point lies within the
 * source's backup retention; a server with private access is restored into a virtual network
 * (the same one or another), never to public access.
 */
export class RestoredPostgres extends pulumi.ComponentResource {
  public readonly serverId: pulumi.Output<string>;
  public readonly serverName: pulumi.Output<string>;
  /** Fully qualified host name of the restored server. */
  public readonly host: pulumi.Output<string>;
  /** `Ready` once Azure finished the restore. */
  public readonly state: pulumi.Output<string>;

  constructor(
    name: string,
    args: RestoredPostgresArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super("chatbot:database:RestoredPostgres", name, {}, opts);
    const source = FLEXIBLE_SERVER_ID.exec(args.sourceServerId);
    if (source === null) {
      throw new Error(
        `\`sourceServerId\` must be a Flexible Server id (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.DBforPostgreSQL/flexibleServers/<name>); received ${JSON.stringify(args.sourceServerId)}`,
      );
    }
    if (!SERVER_NAME.test(args.serverName)) {
      throw new Error(
        `\`serverName\` must be 3-63 lowercase letters, digits and '-', starting and ending with a letter or digit; received ${JSON.stringify(args.serverName)}`,
      );
    }
    if (args.serverName === source[1].toLowerCase()) {
      throw new Error(
        `\`serverName\` must differ from the source server's name: a restore creates a new server; received ${JSON.stringify(args.serverName)}`,
      );
    }
    if (!UTC_TIME.test(args.pointInTimeUtc) || Number.isNaN(Date.parse(args.pointInTimeUtc))) {
      throw new Error(
        `\`pointInTimeUtc\` must be an ISO 8601 UTC time such as 2026-11-29T09:45:00Z; received ${JSON.stringify(args.pointInTimeUtc)}`,
      );
    }
    if (!SUBNET_ID.test(args.privateAccess.subnetId)) {
      throw new Error(
        `\`privateAccess.subnetId\` must be a subnet id (.../virtualNetworks/<vnet>/subnets/<subnet>): a server with private access is restored into a virtual network; received ${JSON.stringify(args.privateAccess.subnetId)}`,
      );
    }
    if (!POSTGRES_DNS_ZONE_ID.test(args.privateAccess.dnsZoneId)) {
      throw new Error(
        `\`privateAccess.dnsZoneId\` must be a private DNS zone id whose name ends in .postgres.database.azure.com; received ${JSON.stringify(args.privateAccess.dnsZoneId)}`,
      );
    }

    const server = new dbforpostgresql.Server(
      `${name}-server`,
      {
        serverName: args.serverName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        createMode: "PointInTimeRestore",
        sourceServerResourceId: args.sourceServerId,
        pointInTimeUTC: args.pointInTimeUtc,
        network: {
          delegatedSubnetResourceId: args.privateAccess.subnetId,
          privateDnsZoneArmResourceId: args.privateAccess.dnsZoneId,
        },
        tags: args.tags,
      },
      { parent: this, customTimeouts: { create: args.createTimeout ?? "3h" } },
    );

    this.serverId = server.id;
    this.serverName = server.name;
    this.host = server.fullyQualifiedDomainName;
    this.state = server.state;
    this.registerOutputs({ serverId: this.serverId, host: this.host, state: this.state });
  }
}
