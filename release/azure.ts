/**
 * The Azure adapters of the release engine, on the Azure SDK for JavaScript: Container Apps through
 * `@azure/arm-appcontainers` (ARM) and the gates' request telemetry through
 * `@azure/monitor-query-logs` (the Log Analytics workspace's `AppRequests`), both authenticated by
 * `@azure/identity`'s `DefaultAzureCredential` (OIDC in CI, `az login` locally, managed identity
 * in Pulumi Deployments). Thin: each method is one SDK call and a mapping.
 */
import { ContainerAppsAPIClient } from "@azure/arm-appcontainers";
import type { ContainerApp, Revision } from "@azure/arm-appcontainers";
import { LogsQueryClient } from "@azure/monitor-query-logs";
import {
  GENERATION_TAG,
  TRAFFIC_TAG,
  deployedGeneration,
  parseTrafficTag,
  recordedTraffic,
  trafficOfWeights,
  trafficTagValue,
} from "../lib/guard";
import { Slot } from "../lib/release";
import { gateQuery } from "./gates";
import {
  AppInfo,
  AppRef,
  ContainerAppPort,
  RequestStats,
  RevisionInfo,
  StatsQuery,
  TelemetryPort,
  TrafficWeight,
} from "./ports";

/** The credential type the SDK clients take. */
export type AzureCredential = ConstructorParameters<typeof ContainerAppsAPIClient>[0];
/** Client options (endpoint, pipeline policies) as the SDK clients take them. */
export type ArmClientOptions = NonNullable<ConstructorParameters<typeof ContainerAppsAPIClient>[2]>;
export type LogsClientOptions = NonNullable<ConstructorParameters<typeof LogsQueryClient>[1]>;

function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number }).statusCode === 404;
}

function revisionInfo(revision: Revision): RevisionInfo {
  return {
    name: revision.name ?? "",
    active: revision.active ?? false,
    provisioningState: revision.provisioningState ?? "Unknown",
    runningState: revision.runningState ?? "Unknown",
    replicas: revision.replicas ?? 0,
    trafficWeight: revision.trafficWeight ?? 0,
    ...(revision.provisioningError ? { provisioningError: revision.provisioningError } : {}),
    ...(revision.createdTime ? { createdTime: new Date(revision.createdTime).getTime() } : {}),
  };
}

function appInfo(app: ContainerApp): AppInfo {
  const generation = deployedGeneration(app.tags);
  const released = recordedTraffic(app.tags);
  return {
    ...(app.latestRevisionName ? { latestRevisionName: app.latestRevisionName } : {}),
    ...(app.configuration?.ingress?.fqdn ? { fqdn: app.configuration.ingress.fqdn } : {}),
    traffic: (app.configuration?.ingress?.traffic ?? []).map((entry) => ({
      revisionName:
        entry.revisionName ?? (entry.latestRevision ? (app.latestRevisionName ?? "") : ""),
      weight: entry.weight ?? 0,
      ...(entry.label ? { label: entry.label } : {}),
    })),
    ...(generation === undefined ? {} : { generation }),
    ...(released === undefined ? {} : { released }),
  };
}

/** Container Apps over ARM. */
export class ArmContainerApps implements ContainerAppPort {
  private readonly client: ContainerAppsAPIClient;

  constructor(credential: AzureCredential, subscriptionId: string, options: ArmClientOptions = {}) {
    this.client = new ContainerAppsAPIClient(credential, subscriptionId, options);
  }

  async getApp(ref: AppRef): Promise<AppInfo | undefined> {
    try {
      return appInfo(await this.client.containerApps.get(ref.resourceGroup, ref.appName));
    } catch (err) {
      if (isNotFound(err)) {
        return undefined;
      }
      throw err;
    }
  }

  async listRevisions(ref: AppRef): Promise<RevisionInfo[]> {
    const revisions: RevisionInfo[] = [];
    for await (const revision of this.client.containerAppsRevisions.listRevisions(
      ref.resourceGroup,
      ref.appName,
    )) {
      revisions.push(revisionInfo(revision));
    }
    return revisions;
  }

  async getRevision(ref: AppRef, revisionName: string): Promise<RevisionInfo | undefined> {
    try {
      return revisionInfo(
        await this.client.containerAppsRevisions.getRevision(
          ref.resourceGroup,
          ref.appName,
          revisionName,
        ),
      );
    } catch (err) {
      if (isNotFound(err)) {
        return undefined;
      }
      throw err;
    }
  }

  /**
   * PATCH (JSON merge patch) of `configuration.ingress.traffic`, the generation tag and the
   * traffic tag (the live slot and canary share of the new weights). ARM
   * replaces `tags` as a whole on PATCH, so the current tags are read first and kept.
   */
  async setTraffic(
    ref: AppRef,
    traffic: readonly TrafficWeight[],
    generation: number,
    live?: Slot,
  ): Promise<void> {
    const current = await this.client.containerApps.get(ref.resourceGroup, ref.appName);
    await this.client.containerApps.update(ref.resourceGroup, ref.appName, {
      location: current.location,
      // The traffic this generation is released with, for the program's guard (`lib/guard.ts`).
      tags: {
        ...(current.tags ?? {}),
        [GENERATION_TAG]: String(generation),
        [TRAFFIC_TAG]: trafficTagValue(
          trafficOfWeights(
            Object.fromEntries(traffic.map((entry) => [entry.label ?? "", entry.weight])),
            live ?? parseTrafficTag(current.tags?.[TRAFFIC_TAG])?.live,
          ),
          generation,
        ),
      },
      configuration: {
        ingress: {
          traffic: traffic.map((entry) => ({
            revisionName: entry.revisionName,
            weight: entry.weight,
            ...(entry.label === undefined ? {} : { label: entry.label }),
          })),
        },
      },
    });
  }

  async activate(ref: AppRef, revisionName: string): Promise<void> {
    await this.client.containerAppsRevisions.activateRevision(
      ref.resourceGroup,
      ref.appName,
      revisionName,
    );
  }

  async deactivate(ref: AppRef, revisionName: string): Promise<void> {
    await this.client.containerAppsRevisions.deactivateRevision(
      ref.resourceGroup,
      ref.appName,
      revisionName,
    );
  }

  async restart(ref: AppRef, revisionName: string): Promise<void> {
    await this.client.containerAppsRevisions.restartRevision(
      ref.resourceGroup,
      ref.appName,
      revisionName,
    );
  }
}

/** The gate query on the workspace through the Logs query API. */
export class LogsTelemetry implements TelemetryPort {
  private readonly client: LogsQueryClient;

  constructor(credential: AzureCredential, options: LogsClientOptions = {}) {
    this.client = new LogsQueryClient(credential, options);
  }

  async requestStats(query: StatsQuery): Promise<RequestStats> {
    const result = await this.client.queryWorkspace(query.workspaceId, gateQuery(query), {
      startTime: new Date(query.fromMs),
      endTime: new Date(query.toMs),
    });
    if (result.status !== "Success") {
      // Partial data must never pass a gate.
      throw new Error(`the Logs query returned partial results: ${result.partialError.message}`);
    }
    const table = result.tables[0];
    const row = table?.rows[0] ?? [];
    const column = (name: string): number | undefined => {
      const value = row[table?.columnDescriptors.findIndex((c) => c.name === name) ?? -1];
      return typeof value === "number" ? value : undefined;
    };
    return {
      requests: column("requests") ?? 0,
      failed: column("failed") ?? 0,
      p95Ms: column("p95"),
    };
  }
}
