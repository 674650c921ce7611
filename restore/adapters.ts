/**
 * The restore drill's adapters. Thin: each method is one Automation API call or one ARM request.
 * - the platform stack's outputs and the throwaway restore stacks through the Pulumi Automation
 *   API (`LocalWorkspace` over the repository and over `restore/`);
 * - the source server through ARM (`GET .../flexibleServers/<name>?api-version=2025-08-01`, the
 *   API version of the provider's `dbforpostgresql.Server`) with `fetch` and a token of the same
 *   `DefaultAzureCredential` the release command uses, so no PostgreSQL management SDK is added;
 * - the check job through `@azure/arm-appcontainers` (start, then read the execution).
 */
import { ContainerAppsAPIClient } from "@azure/arm-appcontainers";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import type { AzureCredential } from "../release/azure";
import { RESTORE_CONFIG_KEY, RESTORE_PROJECT, RestoreSettings } from "./config";
import {
  ExecutionInfo,
  JobsPort,
  PostgresPort,
  RestoreStackOutputs,
  RestoreStackPort,
  ServerInfo,
  SourceStackPort,
} from "./ports";

/** The API version of `azure-native:dbforpostgresql:Server` in @pulumi/azure-native 3.28. */
export const POSTGRES_API_VERSION = "2025-08-01";
const ARM = "https://management.azure.com";
const ARM_SCOPE = "https://management.azure.com/.default";
/** The restored server's type token: its outputs event marks the end of the restore. */
export const SERVER_TYPE = "azure-native:dbforpostgresql:Server";

/** The Automation API calls made on the platform stack (read only). */
export type SourceStack = Pick<Stack, "outputs">;

/** Stack outputs flattened to strings. */
export async function flatOutputs(stack: Pick<Stack, "outputs">): Promise<Record<string, string>> {
  const flat: Record<string, string> = {};
  for (const [key, output] of Object.entries(await stack.outputs())) {
    flat[key] = typeof output.value === "string" ? output.value : JSON.stringify(output.value);
  }
  return flat;
}

export class AutomationSourceStack implements SourceStackPort {
  constructor(private readonly stack: SourceStack) {}

  outputs(): Promise<Record<string, string>> {
    return flatOutputs(this.stack);
  }
}

/** The Automation API calls made on a restore stack. */
export type RestoreStack = Pick<Stack, "name" | "setConfig" | "up" | "destroy" | "outputs"> & {
  readonly workspace: { removeStack(stackName: string): Promise<void> };
};

export class AutomationRestoreStack implements RestoreStackPort {
  readonly stackName: string;

  constructor(
    private readonly stack: RestoreStack,
    private readonly onOutput: (line: string) => void,
  ) {
    this.stackName = stack.name;
  }

  async up(
    settings: RestoreSettings,
    onServerReady: () => void,
    signal?: AbortSignal,
  ): Promise<RestoreStackOutputs> {
    await this.stack.setConfig(`${RESTORE_PROJECT}:${RESTORE_CONFIG_KEY}`, {
      value: JSON.stringify(settings),
    });
    const result = await this.stack.up({
      message: `restore drill of ${settings.sourceStack} to ${settings.pointInTimeUtc}`,
      onOutput: this.onOutput,
      onEvent: (event: EngineEvent) => {
        const done = event.resOutputsEvent?.metadata;
        if (done?.type === SERVER_TYPE && done.op === "create") {
          onServerReady();
        }
      },
      ...(signal === undefined ? {} : { signal }),
    });
    const value = (key: string) => String(result.outputs[key]?.value ?? "");
    return {
      serverId: value("serverId"),
      serverName: value("serverName"),
      host: value("host"),
      state: value("state"),
      jobName: value("jobName"),
    };
  }

  async destroy(): Promise<void> {
    await this.stack.destroy({ onOutput: this.onOutput });
  }

  async remove(): Promise<void> {
    await this.stack.workspace.removeStack(this.stackName);
  }
}

/** The parts of ARM's Flexible Server resource the drill reads. */
interface ArmServer {
  id?: string;
  name?: string;
  location?: string;
  tags?: Record<string, string>;
  properties?: {
    state?: string;
    version?: string;
    administratorLogin?: string;
    backup?: { backupRetentionDays?: number; earliestRestoreDate?: string };
    network?: { delegatedSubnetResourceId?: string; privateDnsZoneArmResourceId?: string };
  };
}

/** Maps ARM's answer. */
export function serverInfo(server: ArmServer): ServerInfo {
  const properties = server.properties ?? {};
  const earliest =
    properties.backup?.earliestRestoreDate === undefined
      ? undefined
      : Date.parse(properties.backup.earliestRestoreDate);
  return {
    id: server.id ?? "",
    name: server.name ?? "",
    location: (server.location ?? "").replace(/\s+/g, "").toLowerCase(),
    state: properties.state ?? "Unknown",
    version: properties.version ?? "",
    administratorLogin: properties.administratorLogin ?? "",
    ...(earliest === undefined || Number.isNaN(earliest) ? {} : { earliestRestoreMs: earliest }),
    backupRetentionDays: properties.backup?.backupRetentionDays ?? 7,
    ...(properties.network?.delegatedSubnetResourceId
      ? { delegatedSubnetId: properties.network.delegatedSubnetResourceId }
      : {}),
    ...(properties.network?.privateDnsZoneArmResourceId
      ? { privateDnsZoneId: properties.network.privateDnsZoneArmResourceId }
      : {}),
    tags: server.tags ?? {},
  };
}

export class ArmPostgres implements PostgresPort {
  constructor(
    private readonly credential: AzureCredential,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  async getServer(id: string): Promise<ServerInfo | undefined> {
    const token = await this.credential.getToken(ARM_SCOPE);
    const response = await this.fetchFn(`${ARM}${id}?api-version=${POSTGRES_API_VERSION}`, {
      headers: { authorization: `Bearer ${token?.token ?? ""}` },
      signal: AbortSignal.timeout(30_000),
    });
    if (response.status === 404) {
      return undefined;
    }
    if (!response.ok) {
      throw new Error(`GET ${id} answered ${response.status}: ${await response.text()}`);
    }
    return serverInfo((await response.json()) as ArmServer);
  }
}

export class ArmJobs implements JobsPort {
  private readonly client: ContainerAppsAPIClient;

  constructor(credential: AzureCredential, subscriptionId: string) {
    this.client = new ContainerAppsAPIClient(credential, subscriptionId);
  }

  async start(resourceGroup: string, jobName: string): Promise<string> {
    const execution = await this.client.jobs.start(resourceGroup, jobName);
    return execution.name ?? "";
  }

  async execution(
    resourceGroup: string,
    jobName: string,
    executionName: string,
  ): Promise<ExecutionInfo> {
    const execution = await this.client.jobExecution(resourceGroup, jobName, executionName);
    return {
      status: execution.status ?? "Unknown",
      ...(execution.reason ? { reason: execution.reason } : {}),
    };
  }
}
