/**
 * Shared by the release engine's tests: a world with the local model of Azure (drill/model) served
 * over HTTPS and reached through the engine's real adapters, an in-memory stack, a reporter that
 * keeps what the engine printed, and the names of the Container App the tests release.
 */
import { ContainerAppsAPIClient } from "@azure/arm-appcontainers";
import type { ContainerApp, TrafficWeight as ArmTrafficWeight } from "@azure/arm-appcontainers";
import {
  AzureModel,
  ManualClock,
  ModelOptions,
  ModelServer,
  modelClientOptions,
  startModelServer,
} from "../../drill/model";
import { GENERATION_TAG } from "../../lib/guard";
import {
  ArmClientOptions,
  ArmContainerApps,
  AzureCredential,
  LogsTelemetry,
} from "../../release/azure";
import {
  AppRef,
  DEFAULT_TIMINGS,
  HttpChecker,
  ReleaseDeps,
  ReleaseWorkspace,
  Reporter,
} from "../../release/ports";
import { ReleaseState } from "../../release/state";
import { modelHttpChecker } from "../../drill/runner";

/** A pipeline policy of the Azure SDK clients. */
export type PipelinePolicy = NonNullable<ArmClientOptions["additionalPolicies"]>[number]["policy"];

export const RG = "rg-chatbot-prod";
export const APP = "chatbot-api-prod";
export const REF: AppRef = { resourceGroup: RG, appName: APP };
export const SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
export const WORKSPACE_ID = "5f1b6c1e-0000-4000-8000-00000000c0de";
/** The model's default environment domain. */
export const DOMAIN = "kindhill-4f7a2c91.eastus2.azurecontainerapps.io";
/** Virtual time at which every world starts (the model's default). */
export const START = Date.parse("2026-11-29T10:00:00Z");

export const IMAGE_1 = `chatbotregistry.azurecr.io/chatbot-api@sha256:${"1".repeat(64)}`;
export const IMAGE_2 = `chatbotregistry.azurecr.io/chatbot-api@sha256:${"2".repeat(64)}`;
export const IMAGE_3 = `chatbotregistry.azurecr.io/chatbot-api@sha256:${"3".repeat(64)}`;

/** Suffixes as the program makes them: `<version slug>-<template fingerprint>g<generation>`. */
export const BLUE_SUFFIX = "v1-4-2-aaaaaag1";
export const GREEN_SUFFIX = "v1-5-0-bbbbbbg2";
export const BLUE_REVISION = `${APP}--${BLUE_SUFFIX}`;
export const GREEN_REVISION = `${APP}--${GREEN_SUFFIX}`;

/** A token credential for the model: it checks that a bearer token is sent, not which. */
export const credential: AzureCredential = {
  getToken: async () => ({ token: "test-token", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

/** One request on the wire, as a pipeline policy saw it. */
export interface WireRequest {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
}

/** The model of Azure, its server, and the engine's adapters pointed at it. */
export interface World {
  readonly clock: ManualClock;
  readonly model: AzureModel;
  readonly server: ModelServer;
  /** The SDK client the tests arrange state with (not the engine's). */
  readonly arm: ContainerAppsAPIClient;
  readonly azure: ArmContainerApps;
  readonly telemetry: LogsTelemetry;
  /** GETs answered by the model's workload (label and production URLs). */
  readonly http: HttpChecker;
  /** Every request the engine's adapters sent, with its JSON body. */
  readonly wire: WireRequest[];
}

const servers: ModelServer[] = [];

/** A policy that records each request the adapters send. */
function recorder(wire: WireRequest[]): PipelinePolicy {
  return {
    name: "test-wire-recorder",
    sendRequest: (request, next) => {
      const url = new URL(request.url);
      wire.push({
        method: request.method,
        path: url.pathname,
        body: typeof request.body === "string" ? JSON.parse(request.body) : undefined,
      });
      return next(request);
    },
  };
}

/**
 * Starts a model (no generated user traffic unless asked) and its server. `logsPolicies` are added
 * to the Logs client's pipeline. Close every world with `closeWorlds` in `afterEach`.
 */
export async function startWorld(
  options: Partial<Omit<ModelOptions, "clock">> = {},
  logsPolicies: PipelinePolicy[] = [],
): Promise<World> {
  const clock = new ManualClock(START);
  const model = new AzureModel({ clock, userRequestsPerMinute: 0, ...options });
  const server = await startModelServer(model);
  servers.push(server);
  const wire: WireRequest[] = [];
  const arm = modelClientOptions(server);
  const logs = modelClientOptions(server, "logs");
  return {
    clock,
    model,
    server,
    arm: new ContainerAppsAPIClient(credential, SUBSCRIPTION, arm),
    azure: new ArmContainerApps(credential, SUBSCRIPTION, {
      ...arm,
      additionalPolicies: [
        ...arm.additionalPolicies,
        { position: "perCall", policy: recorder(wire) },
      ],
    }),
    telemetry: new LogsTelemetry(credential, {
      ...logs,
      additionalPolicies: [
        ...logs.additionalPolicies,
        { position: "perCall", policy: recorder(wire) },
        ...logsPolicies.map((policy) => ({ position: "perRetry" as const, policy })),
      ],
    }),
    http: modelHttpChecker(model),
    wire,
  };
}

/** Closes every server `startWorld` started. */
export async function closeWorlds(): Promise<void> {
  await Promise.all(servers.splice(0).map((server) => server.close()));
}

/**
 * The requests the model received from `from` on, as `METHOD <path under the app> status`:
 * `GET app 200`, `PATCH app 409`, `POST revisions/<name>/activate 200` (status 0: answer lost).
 */
export function armLog(world: World, from = 0): string[] {
  const prefix = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.App/containerApps/${APP}`;
  return world.model.faults.log.slice(from).map((entry) => {
    const rest = entry.path.startsWith(prefix) ? entry.path.slice(prefix.length) : entry.path;
    return `${entry.method} ${rest === "" ? "app" : rest.replace(/^\//, "")} ${entry.status}`;
  });
}

/** What a test app looks like. */
export interface AppSpec {
  readonly suffix: string;
  readonly image?: string;
  readonly traffic?: ArmTrafficWeight[];
  readonly tags?: Record<string, string>;
  readonly minReplicas?: number;
  /** A Key Vault secret read with the app's identity (role assignments matter: rule 9). */
  readonly keyVaultSecret?: boolean;
}

const IDENTITY = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-chatbot-api-prod`;

/** A minimal Multiple-mode Container App body, as the program's `pulumi up` would PUT it. */
export function appBody(spec: AppSpec): ContainerApp {
  return {
    location: "eastus2",
    tags: spec.tags ?? { environment: "prod" },
    environmentId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.App/managedEnvironments/cae-chatbot-prod`,
    configuration: {
      activeRevisionsMode: "Multiple",
      ingress: { external: true, targetPort: 8000, traffic: spec.traffic },
      ...(spec.keyVaultSecret
        ? {
            secrets: [
              {
                name: "openai-api-key",
                keyVaultUrl: "https://kv-chatbot-prod.vault.azure.net/secrets/openai-api-key",
                identity: IDENTITY,
              },
            ],
          }
        : {}),
    },
    template: {
      revisionSuffix: spec.suffix,
      containers: [{ name: "api", image: spec.image ?? IMAGE_1 }],
      scale: { minReplicas: spec.minReplicas ?? 2, maxReplicas: 10 },
    },
  };
}

/** PUTs the app (a `pulumi up` of the Container App). */
export async function putApp(world: World, spec: AppSpec): Promise<void> {
  await world.arm.containerApps.createOrUpdate(RG, APP, appBody(spec));
}

/**
 * Blue 1.4.2 live at 100% and green 1.5.0 idle at 0%, both labelled, the app tagged with
 * generation 2, and both revisions running (virtual time moved past provisioning).
 */
export async function blueLiveGreenIdle(world: World, greenImage = IMAGE_2): Promise<void> {
  await putApp(world, {
    suffix: BLUE_SUFFIX,
    traffic: [{ revisionName: BLUE_REVISION, weight: 100, label: "blue" }],
    tags: { environment: "prod", [GENERATION_TAG]: "1" },
  });
  await putApp(world, {
    suffix: GREEN_SUFFIX,
    image: greenImage,
    traffic: [
      { revisionName: BLUE_REVISION, weight: 100, label: "blue" },
      { revisionName: GREEN_REVISION, weight: 0, label: "green" },
    ],
    tags: { environment: "prod", [GENERATION_TAG]: "2" },
  });
  world.clock.advance(60_000);
}

/** The release block that matches `blueLiveGreenIdle`. */
export const BLUE_LIVE_GREEN_IDLE: ReleaseState = {
  live: "blue",
  latest: "green",
  canaryPercent: 0,
  generation: 2,
  blue: { version: "1.4.2", image: IMAGE_1, revision: BLUE_SUFFIX },
  green: { version: "1.5.0", image: IMAGE_2, revision: GREEN_SUFFIX },
};

/** The outputs a created stack exports. */
export const STACK_OUTPUTS: Readonly<Record<string, string>> = {
  containerAppName: APP,
  resourceGroupName: RG,
  logAnalyticsWorkspaceId: WORKSPACE_ID,
  subscriptionId: SUBSCRIPTION,
};

/** The stack outputs without `key` (a stack created before that output existed). */
export function outputsWithout(key: string): Record<string, string> {
  return Object.fromEntries(Object.entries(STACK_OUTPUTS).filter(([name]) => name !== key));
}

/** Keeps what the engine printed: `out` for info lines, `err` for error lines. */
export class Recorder implements Reporter {
  readonly out: string[] = [];
  readonly err: string[] = [];
  readonly info = (line: string): void => {
    this.out.push(line);
  };
  readonly error = (line: string): void => {
    this.err.push(line);
  };
}

/** The stack file and stack tags in memory; every write is recorded in `calls`. */
export class MemoryWorkspace implements ReleaseWorkspace {
  /** `writeRelease <json>`, `writeVerified <marker|(cleared)>`, `writeLock <holder|(released)>`, `up <target> <message>`. */
  readonly calls: string[] = [];
  release: unknown;
  gates: unknown;
  /** `chatbot-platform:environment`; unset by default (the design's gates: prod's watch). */
  environment: string | undefined;
  /** `alertWebhooks.slack`; unset by default. */
  chatWebhook: string | undefined;
  outputMap: Record<string, string>;
  inProgress = false;
  verified: string | undefined;
  lock: string | undefined;
  /** Called after each `writeRelease` (a test's hook between engine steps). */
  onWriteRelease: (release: ReleaseState) => void = () => undefined;
  /** What `up` does; by default it fails the test. */
  onUp: (message: string, target: "app" | "stack") => Promise<void> = async (message) => {
    throw new Error(`unexpected pulumi up: ${message}`);
  };

  constructor(
    readonly stackName: string,
    init: {
      release?: unknown;
      gates?: unknown;
      environment?: string;
      chatWebhook?: string;
      outputs?: Record<string, string>;
      verified?: string;
      lock?: string;
    } = {},
  ) {
    this.release = init.release === undefined ? undefined : structuredClone(init.release);
    this.gates = init.gates;
    this.environment = init.environment;
    this.chatWebhook = init.chatWebhook;
    this.outputMap = { ...(init.outputs ?? {}) };
    this.verified = init.verified;
    this.lock = init.lock;
  }

  async readRelease(): Promise<unknown> {
    return this.release === undefined ? undefined : structuredClone(this.release);
  }

  async writeRelease(release: ReleaseState): Promise<void> {
    this.calls.push(`writeRelease ${JSON.stringify(release)}`);
    this.release = structuredClone(release);
    this.onWriteRelease(release);
  }

  async readGates(): Promise<unknown> {
    return this.gates;
  }

  async readEnvironment(): Promise<string | undefined> {
    return this.environment;
  }

  async readChatWebhook(): Promise<string | undefined> {
    return this.chatWebhook;
  }

  async up(message: string, target: "app" | "stack"): Promise<void> {
    this.calls.push(`up ${target} ${message}`);
    await this.onUp(message, target);
  }

  async outputs(): Promise<Readonly<Record<string, string>>> {
    return { ...this.outputMap };
  }

  async updateInProgress(): Promise<boolean> {
    return this.inProgress;
  }

  async readVerified(): Promise<string | undefined> {
    return this.verified;
  }

  async writeVerified(marker: string | undefined): Promise<void> {
    this.calls.push(`writeVerified ${marker ?? "(cleared)"}`);
    this.verified = marker;
  }

  async readLock(): Promise<string | undefined> {
    return this.lock;
  }

  async writeLock(holder: string | undefined): Promise<void> {
    this.calls.push(`writeLock ${holder ?? "(released)"}`);
    this.lock = holder;
  }
}

/** The engine's dependencies over a world; `report` keeps what it printed. */
export function engineDeps(
  world: World,
  workspace: ReleaseWorkspace = new MemoryWorkspace("prod"),
  overrides: Partial<ReleaseDeps> = {},
): { deps: ReleaseDeps; report: Recorder } {
  const report = new Recorder();
  return {
    report,
    deps: {
      workspace,
      azure: world.azure,
      telemetry: world.telemetry,
      http: world.http,
      clock: world.clock,
      report,
      timings: DEFAULT_TIMINGS,
      owner: "tester@host pid 42",
      ...overrides,
    },
  };
}

/** A port a test does not expect the engine to use: every call fails the test. */
function unused<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get: (_target, method) => () => {
      throw new Error(`unexpected call of ${name}.${String(method)}`);
    },
  });
}

/**
 * Dependencies for engine steps that need no Azure (verification): a manual clock, the HTTP
 * checker made for it, and ports that fail the test when used.
 */
export function bareDeps(
  http: (clock: ManualClock) => HttpChecker,
  overrides: Partial<ReleaseDeps> = {},
): { deps: ReleaseDeps; report: Recorder; clock: ManualClock } {
  const report = new Recorder();
  const clock = new ManualClock(START);
  return {
    report,
    clock,
    deps: {
      workspace: unused<ReleaseWorkspace>("workspace"),
      azure: unused<ReleaseDeps["azure"]>("azure"),
      telemetry: unused<ReleaseDeps["telemetry"]>("telemetry"),
      http: http(clock),
      clock,
      report,
      timings: DEFAULT_TIMINGS,
      owner: "tester@host pid 42",
      ...overrides,
    },
  };
}
