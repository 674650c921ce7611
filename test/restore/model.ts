/**
 * A model of what the restore drill talks to, enforcing Azure's and Pulumi's documented behaviour
 * rather than answering "ok":
 * - Flexible Servers (https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-backup-restore):
 *   a point-in-time restore creates a new server (an existing name is refused), in the source's
 *   region, from a restore point between the earliest restore point (retention, first backup) and
 *   now; a source with private access is restored only into a subnet delegated to
 *   Microsoft.DBforPostgreSQL/flexibleServers; the restore takes time (virtual); the restored
 *   server holds the databases the source had at the restore point; a restore that fails during
 *   provisioning leaves a server in state Failed that the stack never recorded.
 * - Container Apps jobs: a manual job's execution runs for a while, then succeeds only when psql
 *   connects to a Ready server and its database exists.
 * - Pulumi: `destroy` deletes what the stack recorded; `stack rm` refuses a stack that still has
 *   resources.
 */
import { ManualClock } from "../../drill/model/clock";
import { RestoreSettings } from "../../restore/config";
import {
  ExecutionInfo,
  JobsPort,
  PostgresPort,
  RestoreDeps,
  RestoreStackOutputs,
  RestoreStackPort,
  ServerInfo,
  SourceStackPort,
} from "../../restore/ports";
import { Recorder } from "../release/helpers";

export const SUB = "11111111-1111-1111-1111-111111111111";
export const RG = "rg-chatbot-staging";
const NET = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network`;
export const SUBNET = `${NET}/virtualNetworks/vnet-chatbot-staging/subnets/snet-postgres`;
export const DNS_ZONE = `${NET}/privateDnsZones/chatbot-staging.private.postgres.database.azure.com`;
export const SERVER_PREFIX = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.DBforPostgreSQL/flexibleServers/`;
export const SOURCE_NAME = "psql-chatbot-staging-ab12cd";
export const SOURCE_ID = `${SERVER_PREFIX}${SOURCE_NAME}`;
export const ENVIRONMENT_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.App/managedEnvironments/cae-chatbot-staging`;
export const IDENTITY_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-chatbot-api-staging`;
export const VAULT_URI = "https://kv-chatbot-staging-ab12cd.vault.azure.net/";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** A database of a model server, with the time it was created. */
interface Database {
  readonly name: string;
  readonly createdMs: number;
}

interface ModelServer {
  info: ServerInfo;
  databases: Database[];
  /** The restore stack that recorded it, if any. */
  stack?: string;
}

/** Faults the model injects. */
export interface Faults {
  /** The restore's provisioning fails after this long (the server stays, Failed, unrecorded). */
  provisioningFailsAfterMs?: number;
  /** `pulumi destroy` fails this many times. */
  destroyFails?: number;
  /** `pulumi stack rm` fails this many times (even for an empty stack). */
  removeFails?: number;
  /** The check job's container exits 1 (e.g. a query that raises). */
  checkQueryFails?: boolean;
  /** The source stack's outputs cannot be read. */
  outputsFail?: string;
}

export class RestoreModel {
  readonly clock = new ManualClock();
  readonly report = new Recorder();
  readonly servers = new Map<string, ModelServer>();
  readonly jobs = new Map<string, { stack: string; settings: RestoreSettings }>();
  readonly stacks = new Map<string, { resources: string[]; config?: RestoreSettings }>();
  readonly faults: Faults = {};
  readonly delegatedSubnets = new Set([SUBNET]);
  /** How long Azure takes to restore (virtual). */
  restoreDurationMs = 14 * MINUTE + 5000;
  /** How long the check's execution runs. */
  checkDurationMs = 40_000;
  /** Calls in order, for assertions ("up", "destroy", "remove", "start", ...). */
  readonly calls: string[] = [];
  outputs: Record<string, string> = {
    subscriptionId: SUB,
    resourceGroupName: RG,
    postgresServerId: SOURCE_ID,
    postgresDatabaseName: "chatbot",
    containerEnvironmentId: ENVIRONMENT_ID,
    appIdentityId: IDENTITY_ID,
    keyVaultUri: VAULT_URI,
    target: "containerApps",
  };
  private executions = new Map<string, { job: string; startedMs: number }>();

  constructor() {
    const now = this.clock.now();
    this.servers.set(SOURCE_ID.toLowerCase(), {
      info: {
        id: SOURCE_ID,
        name: SOURCE_NAME,
        location: "eastus2",
        state: "Ready",
        version: "16",
        administratorLogin: "chatbotadmin",
        earliestRestoreMs: now - 14 * DAY,
        backupRetentionDays: 14,
        delegatedSubnetId: SUBNET,
        privateDnsZoneId: DNS_ZONE,
        tags: { environment: "staging", service: "chatbot-api", owner: "platform-team" },
      },
      databases: [{ name: "chatbot", createdMs: now - 30 * DAY }],
    });
  }

  source(): ModelServer {
    return this.servers.get(SOURCE_ID.toLowerCase())!;
  }

  readonly sourcePort: SourceStackPort = {
    outputs: async () => {
      this.calls.push("outputs");
      if (this.faults.outputsFail !== undefined) {
        throw new Error(this.faults.outputsFail);
      }
      return { ...this.outputs };
    },
  };

  readonly postgres: PostgresPort = {
    getServer: async (id) => this.servers.get(id.toLowerCase())?.info,
  };

  /** ARM's PUT of a server with createMode PointInTimeRestore, as Azure validates it. */
  private restore(settings: RestoreSettings, stack: string): ModelServer {
    const source = this.servers.get(settings.sourceServerId.toLowerCase());
    if (source === undefined) {
      throw new Error(`ResourceNotFound: source server ${settings.sourceServerId} was not found`);
    }
    const id = `${SERVER_PREFIX}${settings.serverName}`;
    if (this.servers.has(id.toLowerCase())) {
      throw new Error(`ServerNameAlreadyExists: ${settings.serverName}`);
    }
    if (settings.location !== source.info.location) {
      throw new Error(
        `InvalidLocation: a point-in-time restore stays in the source's region ${source.info.location}`,
      );
    }
    const point = Date.parse(settings.pointInTimeUtc);
    const now = this.clock.now();
    const earliest = Math.max(
      now - source.info.backupRetentionDays * DAY,
      source.info.earliestRestoreMs ?? 0,
    );
    if (point < earliest || point > now) {
      throw new Error(
        `InvalidRestorePointInTime: the restore point must be between the earliest restore point and now`,
      );
    }
    if (
      source.info.delegatedSubnetId !== undefined &&
      !this.delegatedSubnets.has(settings.subnetId)
    ) {
      throw new Error(
        `SubnetNotDelegated: a server with private access is restored into a subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers`,
      );
    }
    const server: ModelServer = {
      info: {
        ...source.info,
        id,
        name: settings.serverName,
        state: "Provisioning",
        delegatedSubnetId: settings.subnetId,
        privateDnsZoneId: settings.dnsZoneId,
        tags: settings.tags,
      },
      databases: source.databases.filter((db) => db.createdMs <= point),
      stack,
    };
    this.servers.set(id.toLowerCase(), server);
    return server;
  }

  /** The restore stack factory of `RestoreDeps`. */
  readonly restoreStack = async (stackName: string): Promise<RestoreStackPort> => {
    this.calls.push(`open ${stackName}`);
    this.stacks.set(stackName, this.stacks.get(stackName) ?? { resources: [] });
    const model = this as RestoreModel;
    const state = this.stacks.get(stackName)!;
    return {
      stackName,
      async up(settings, onServerReady, signal): Promise<RestoreStackOutputs> {
        model.calls.push("up");
        state.config = settings;
        const server = model.restore(settings, stackName);
        const fails = model.faults.provisioningFailsAfterMs;
        if (fails !== undefined) {
          await model.clock.sleep(fails, signal);
          server.info = { ...server.info, state: "Failed" };
          delete server.stack; // never recorded: the create did not finish
          throw new Error(
            `error: 1 error occurred:\n* creating server: Code="InternalServerError" Message="An unexpected error occurred while processing the restore"`,
          );
        }
        await model.clock.sleep(model.restoreDurationMs, signal);
        server.info = { ...server.info, state: "Ready" };
        state.resources.push(server.info.id);
        onServerReady();
        model.clock.advance(20_000); // the check job's creation
        model.jobs.set(settings.jobName, { stack: stackName, settings });
        state.resources.push(`job:${settings.jobName}`);
        return {
          serverId: server.info.id,
          serverName: server.info.name,
          host: `${server.info.name}.postgres.database.azure.com`,
          state: server.info.state,
          jobName: settings.jobName,
        };
      },
      async destroy(): Promise<void> {
        model.calls.push("destroy");
        if ((model.faults.destroyFails ?? 0) > 0) {
          model.faults.destroyFails! -= 1;
          throw new Error(
            'error: deleting server: Code="ServerBusy" Message="Server is busy with another operation"',
          );
        }
        for (const resource of state.resources) {
          if (resource.startsWith("job:")) {
            model.jobs.delete(resource.slice(4));
          } else {
            model.servers.delete(resource.toLowerCase());
          }
        }
        state.resources = [];
      },
      async remove(): Promise<void> {
        model.calls.push("remove");
        if ((model.faults.removeFails ?? 0) > 0) {
          model.faults.removeFails! -= 1;
          throw new Error("error: could not remove the stack: the backend answered 503");
        }
        if (state.resources.length > 0) {
          throw new Error(
            `error: stack '${stackName}' still has resources; removing it would make them unmanaged`,
          );
        }
        model.stacks.delete(stackName);
      },
    };
  };

  readonly jobsPort: JobsPort = {
    start: async (group, jobName) => {
      this.calls.push(`start ${jobName}`);
      if (!this.jobs.has(jobName) || group !== RG) {
        throw new Error(`ResourceNotFound: job ${jobName} in ${group}`);
      }
      const name = `${jobName}-x7k2p`;
      this.executions.set(name, { job: jobName, startedMs: this.clock.now() });
      return name;
    },
    execution: async (_group, jobName, executionName): Promise<ExecutionInfo> => {
      const execution = this.executions.get(executionName);
      const job = this.jobs.get(jobName);
      if (execution === undefined || job === undefined) {
        throw new Error(`ResourceNotFound: execution ${executionName}`);
      }
      if (this.clock.now() - execution.startedMs < this.checkDurationMs) {
        return { status: "Running" };
      }
      const server = [...this.servers.values()].find(
        (s) => s.info.name === job.settings.serverName,
      );
      if (server?.info.state !== "Ready") {
        return { status: "Failed", reason: "psql: could not connect to server" };
      }
      if (!server.databases.some((db) => db.name === job.settings.databaseName)) {
        return {
          status: "Failed",
          reason: `psql: FATAL: database "${job.settings.databaseName}" does not exist`,
        };
      }
      if (this.faults.checkQueryFails === true) {
        return { status: "Failed", reason: "Container 'psql' exited with code 1" };
      }
      return { status: "Succeeded" };
    },
  };

  deps(overrides: Partial<RestoreDeps> = {}): RestoreDeps {
    return {
      source: this.sourcePort,
      postgres: this.postgres,
      restoreStack: this.restoreStack,
      jobs: this.jobsPort,
      clock: this.clock,
      report: this.report,
      timings: { checkTimeoutMs: 900_000, checkPollMs: 15_000 },
      ...overrides,
    };
  }

  /** Servers other than the source that exist in Azure. */
  leftovers(): string[] {
    return [...this.servers.values()]
      .filter((s) => s.info.id !== SOURCE_ID)
      .map((s) => `${s.info.name} ${s.info.state}`);
  }
}
