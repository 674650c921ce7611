/**
 * The drill's target `aks`: the cluster model (`model/kube.ts`) behind its HTTPS server, and the
 * engine's real AKS adapter (`release/aks.ts`) over the real Kubernetes client (`release/kube.ts`)
 * talking to it, with the gates' telemetry read through the real Logs client from the same
 * server. Each stack runs the real program with `chatbot-platform:target: aks` (set in the
 * in-memory stack file only; the committed files stay `containerApps`), and the adapter is built
 * from the stack's outputs as the release command builds it (`aksClusterOptions`): the namespace
 * and the gateway's URL the program exports, which is also the host the cluster model's gateway
 * answers on. The scenario's model settings map onto the cluster model (pods become ready after
 * `provisioningMs`; AcrPull takes effect after `roleAssignmentsAfterMs`).
 */
import * as path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { LogsQueryClient } from "@azure/monitor-query-logs";
import * as YAML from "yaml";
import { parseRelease, PROJECT } from "../lib/config";
import { ANNOTATIONS, httpRoute, NAMESPACE, ROUTE_NAME } from "../lib/kubernetes";
import { AksCluster, AksTelemetry, SLOT_HEADER } from "../release/aks";
import { AzureCredential, LogsTelemetry } from "../release/azure";
import { HttpsKubeApi, KubeApi } from "../release/kube";
import {
  AppRef,
  ContainerAppPort,
  HttpChecker,
  StatsQuery,
  TelemetryPort,
  TrafficWeight,
} from "../release/ports";
import { aksClusterOptions } from "../release/targets";
import type { Slot } from "../lib/release";
import { loadStackConfig, MOCK_GATEWAY_ADDRESS } from "../simulator/simulate";
import { AksDrillWorkspace } from "./aksWorkspace";
import { ManualClock, modelClientOptions } from "./model";
import { KubeModel } from "./model/kube";
import { startKubeModelServer } from "./model/kubeServer";
import { ModelServer } from "./model/server";
import { Scenario } from "./scenario";

/** The stack config key of the hosting target. */
export const TARGET_CONFIG_KEY = `${PROJECT}:target`;

/** What a scenario runs against on target `aks`. */
export interface AksTarget {
  readonly kube: KubeModel;
  readonly server: ModelServer;
  readonly azure: ContainerAppPort;
  readonly telemetry: TelemetryPort;
  readonly http: HttpChecker;
  readonly stacks: Map<string, AksDrillWorkspace>;
}

/** GETs on the gateway, answered by the cluster model (headers included). */
export function kubeHttpChecker(kube: KubeModel): HttpChecker {
  return {
    get: async (url, headers) => {
      const answer = kube.httpGet(url, headers ?? {});
      return {
        ok: answer.status >= 200 && answer.status < 300,
        status: answer.status,
        ...(answer.error === undefined ? {} : { error: answer.error }),
      };
    },
  };
}

/**
 * The engine's AKS port of the stacks: for each call, `AksCluster` with the options the stack's
 * outputs give (the stack whose `resourceGroupName` is the ref's, else the first), as
 * `release/targets.ts` builds it for `npm run release`.
 */
export class StackAksCluster implements ContainerAppPort {
  constructor(
    private readonly api: KubeApi,
    private readonly stacks: ReadonlyMap<string, AksDrillWorkspace>,
  ) {}

  /** The adapter for a stack's outputs. */
  async cluster(ref?: AppRef): Promise<AksCluster> {
    const workspaces = [...this.stacks.values()];
    let outputs = await workspaces[0].outputs();
    for (const workspace of workspaces) {
      const out = await workspace.outputs();
      if (ref !== undefined && out.resourceGroupName === ref.resourceGroup) {
        outputs = out;
        break;
      }
    }
    return new AksCluster(this.api, aksClusterOptions(outputs));
  }

  async getApp(ref: AppRef) {
    return (await this.cluster(ref)).getApp(ref);
  }

  async listRevisions(ref: AppRef) {
    return (await this.cluster(ref)).listRevisions(ref);
  }

  async getRevision(ref: AppRef, revisionName: string) {
    return (await this.cluster(ref)).getRevision(ref, revisionName);
  }

  async setTraffic(
    ref: AppRef,
    traffic: readonly TrafficWeight[],
    generation: number,
    live?: Slot,
  ) {
    return (await this.cluster(ref)).setTraffic(ref, traffic, generation, live);
  }

  async activate(ref: AppRef, revisionName: string) {
    return (await this.cluster(ref)).activate(ref, revisionName);
  }

  async deactivate(ref: AppRef, revisionName: string) {
    return (await this.cluster(ref)).deactivate(ref, revisionName);
  }

  async restart(ref: AppRef, revisionName: string) {
    return (await this.cluster(ref)).restart(ref, revisionName);
  }
}

/**
 * A kubeconfig for the cluster model's API server: its address and CA, a static token (what the
 * program's guard gets from `listManagedClusterUserCredentials`; no kubelogin offline).
 */
export function modelKubeconfig(server: ModelServer): string {
  return YAML.stringify({
    apiVersion: "v1",
    kind: "Config",
    "current-context": "drill",
    clusters: [
      {
        name: "drill",
        cluster: {
          server: server.url,
          "certificate-authority-data": Buffer.from(server.ca).toString("base64"),
        },
      },
    ],
    users: [{ name: "drill", user: { token: "drill-token" } }],
    contexts: [{ name: "drill", context: { cluster: "drill", user: "drill" } }],
  });
}

/**
 * What a `pulumi up` of the recorded release block would change on the cluster's HTTPRoute: its
 * rules and the release annotations the program renders from the block (`lib/kubernetes.ts`
 * `httpRoute`) against what the engine left in the cluster. Empty when the stack file reproduces
 * the deployed route exactly (the contract of a release: the block is the record), or when it is
 * behind the route's generation (the program's guard refuses any up of it).
 */
export function routeDrift(kube: KubeModel, block: unknown): string[] {
  const deployed = kube.get("httproutes", NAMESPACE, ROUTE_NAME) as
    { metadata?: { annotations?: Record<string, string> }; spec?: unknown } | undefined;
  if (deployed === undefined || block === undefined) {
    return [];
  }
  const rendered = httpRoute(parseRelease(block));
  const deployedGeneration = Number(deployed.metadata?.annotations?.[ANNOTATIONS.generation]);
  if (deployedGeneration > Number(rendered.metadata.annotations[ANNOTATIONS.generation])) {
    // A stack file behind the cluster: the program's guard refuses any up of it.
    return [];
  }
  const problems: string[] = [];
  for (const key of [ANNOTATIONS.generation, ANNOTATIONS.liveSlot, ANNOTATIONS.canaryPercent]) {
    const have = deployed.metadata?.annotations?.[key];
    const want = rendered.metadata.annotations[key];
    if (have !== want) {
      problems.push(
        `HTTPRoute annotation ${key} is ${have ?? "missing"}, the stack file renders ${want}`,
      );
    }
  }
  const rules: unknown = JSON.parse(JSON.stringify(rendered.spec.rules));
  if (!isDeepStrictEqual(obj(deployed.spec).rules, rules)) {
    problems.push(
      `HTTPRoute rules ${JSON.stringify(obj(deployed.spec).rules)}, the stack file renders ${JSON.stringify(rules)}`,
    );
  }
  return problems;
}

const obj = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};

/** Starts the cluster model for a scenario; `root` holds the committed stack files. */
export async function startAksTarget(
  scenario: Scenario,
  clock: ManualClock,
  credential: AzureCredential,
  root: string,
): Promise<AksTarget> {
  const settings = scenario.model ?? {};
  const kube = new KubeModel({
    clock,
    // The gateway's address the program exports (`gatewayUrl`, from the Gateway's status).
    gatewayHost: MOCK_GATEWAY_ADDRESS,
    ...(settings.userRequestsPerMinute === undefined
      ? {}
      : { userRequestsPerMinute: settings.userRequestsPerMinute }),
    ...(settings.provisioningMs === undefined ? {} : { podReadyMs: settings.provisioningMs }),
    ...(settings.ingestionLagMs === undefined ? {} : { ingestionLagMs: settings.ingestionLagMs }),
  });
  if (settings.roleAssignmentsAfterMs !== undefined) {
    kube.setRoleAssignmentsEffectiveAt(clock.now() + settings.roleAssignmentsAfterMs);
  }
  for (const [image, behaviour] of Object.entries(scenario.images ?? {})) {
    kube.setImageBehaviour(image, behaviour);
  }
  const server = await startKubeModelServer(kube);
  const api = new HttpsKubeApi(
    {
      server: server.url,
      ca: server.ca,
      auth: { kind: "token", token: async () => "drill-token" },
    },
    { sleep: async (ms) => clock.advance(ms) },
  );
  const logs = new LogsTelemetry(credential, {
    ...modelClientOptions(server, "logs"),
    retryOptions: { maxRetries: 2, retryDelayInMs: 1, maxRetryDelayInMs: 5 },
  } as ConstructorParameters<typeof LogsQueryClient>[1]);
  const stacks = new Map<string, AksDrillWorkspace>();
  for (const name of scenario.stacks ?? ["staging"]) {
    const config = loadStackConfig(path.join(root, `Pulumi.${name}.yaml`));
    config.config[TARGET_CONFIG_KEY] = "aks";
    stacks.set(name, new AksDrillWorkspace(name, config, kube, modelKubeconfig(server)));
  }
  const azure = new StackAksCluster(api, stacks);
  const telemetry: TelemetryPort = {
    requestStats: async (query: StatsQuery) =>
      new AksTelemetry(logs, await azure.cluster()).requestStats(query),
  };
  return { kube, server, azure, telemetry, http: kubeHttpChecker(kube), stacks };
}

export { SLOT_HEADER };
