/**
 * The drill's Pulumi stack: a stack file held in memory and a `pulumi up` that evaluates the real
 * program under Pulumi's mock runtime (`simulator/simulate.ts`) and applies its Container App to the
 * model of Azure the way the azure-native provider does: one PUT of the whole resource through the
 * ARM API. The program's own invoke of the deployed app (the release guard) is answered by the
 * model too, so a refused `up` changes nothing, as on real Azure.
 */
import { ContainerAppsAPIClient } from "@azure/arm-appcontainers";
import type { ContainerApp } from "@azure/arm-appcontainers";
import { PROJECT } from "../lib/config";
import { invokeError, simulateStack, SimulationResult, StackConfig } from "../simulator/simulate";
import { ReleaseWorkspace } from "../release/ports";
import {
  ENVIRONMENT_CONFIG_KEY,
  GATES_CONFIG_KEY,
  WEBHOOKS_CONFIG_KEY,
  chatWebhookOf,
  RELEASE_CONFIG_KEY,
  ReleaseState,
} from "../release/state";

/** Runs one `up` at a time: the Pulumi mock runtime is process-global. */
class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work, work);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
export const upMutex = new Mutex();

/** A copy of a stack config. */
export function copyConfig(config: StackConfig): StackConfig {
  return { config: { ...config.config }, secretKeys: [...config.secretKeys] };
}

/** Sets `path` (`app.settings.LOG_LEVEL`, `release.canaryPercent`) in a stack config. */
export function setConfigPath(config: StackConfig, path: string, value: unknown): void {
  const [key, ...rest] = path.split(".");
  const full = `${PROJECT}:${key}`;
  if (rest.length === 0) {
    config.config[full] = typeof value === "string" ? value : JSON.stringify(value);
    return;
  }
  const current = config.config[full];
  const root = (current === undefined ? {} : JSON.parse(current)) as Record<string, unknown>;
  let node = root;
  for (const part of rest.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  const last = rest[rest.length - 1];
  if (value === null) {
    delete node[last];
  } else {
    node[last] = value;
  }
  config.config[full] = JSON.stringify(root);
}

/** The request body the provider sends for the Container App's registered inputs. */
export function containerAppBody(inputs: Record<string, unknown>): ContainerApp {
  const identity = inputs.identity as
    { type: string; userAssignedIdentities?: string[] } | undefined;
  return {
    location: String(inputs.location),
    tags: inputs.tags as Record<string, string>,
    environmentId: inputs.environmentId as string,
    workloadProfileName: inputs.workloadProfileName as string,
    ...(identity === undefined
      ? {}
      : {
          identity: {
            type: identity.type,
            userAssignedIdentities: Object.fromEntries(
              (identity.userAssignedIdentities ?? []).map((id) => [id, {}]),
            ),
          },
        }),
    configuration: inputs.configuration as ContainerApp["configuration"],
    template: inputs.template as ContainerApp["template"],
  };
}

/** Thrown by `up` when the program refuses (before any change). */
export class UpRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UpRefused";
  }
}

/** One stack of the drill. */
export class DrillWorkspace implements ReleaseWorkspace {
  private outputMap: Record<string, string> = {};
  private readonly tags: Record<string, string> = {};
  /** Every `up` this workspace ran: what it said and whether it applied. */
  readonly ups: string[] = [];

  constructor(
    readonly stackName: string,
    public config: StackConfig,
    private readonly arm: ContainerAppsAPIClient,
  ) {}

  async readRelease(): Promise<unknown> {
    const value = this.config.config[RELEASE_CONFIG_KEY];
    return value === undefined ? undefined : JSON.parse(value);
  }

  async writeRelease(release: ReleaseState): Promise<void> {
    this.config.config[RELEASE_CONFIG_KEY] = JSON.stringify(release);
  }

  async readGates(): Promise<unknown> {
    const value = this.config.config[GATES_CONFIG_KEY];
    return value === undefined ? undefined : JSON.parse(value);
  }

  async readEnvironment(): Promise<string | undefined> {
    return this.config.config[ENVIRONMENT_CONFIG_KEY];
  }

  async readChatWebhook(): Promise<string | undefined> {
    const value = this.config.config[WEBHOOKS_CONFIG_KEY];
    return chatWebhookOf(value === undefined ? undefined : JSON.parse(value));
  }

  async up(message: string): Promise<void> {
    await this.apply(this.config, message);
  }

  /**
   * `pulumi up` of `config` (this stack's file, or another copy of it: a stale branch, main after
   * a failed push). Throws `UpRefused` when the program refuses, the ARM error when Azure does.
   */
  async apply(config: StackConfig, message: string): Promise<void> {
    await upMutex.run(async () => {
      let result: SimulationResult;
      try {
        result = await simulateStack({
          stack: this.stackName,
          config,
          call: (args) =>
            args.token === "azure-native:app:getContainerApp"
              ? this.readApp(args.inputs)
              : undefined,
        });
      } catch (err) {
        this.ups.push(`${message}: refused`);
        throw new UpRefused((err as Error).message);
      }
      const app = result.resources.find(
        (resource) => resource.type === "azure-native:app:ContainerApp",
      );
      if (app === undefined) {
        throw new Error("the program registered no Container App");
      }
      await this.arm.containerApps.createOrUpdate(
        String(app.inputs.resourceGroupName),
        String(app.inputs.containerAppName),
        containerAppBody(app.inputs),
      );
      this.ups.push(`${message}: applied`);
      this.outputMap = Object.fromEntries(
        Object.entries(result.outputs).map(([key, value]) => [
          key,
          typeof value === "string" ? value : JSON.stringify(value),
        ]),
      );
    });
  }

  /** The program's `getContainerApp` invoke, answered from the model through ARM. */
  private async readApp(inputs: Record<string, unknown>): Promise<Record<string, unknown>> {
    try {
      const app = await this.arm.containerApps.get(
        String(inputs.resourceGroupName),
        String(inputs.containerAppName),
      );
      return JSON.parse(JSON.stringify(app)) as Record<string, unknown>;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) {
        throw invokeError(`ResourceNotFound: ${(err as Error).message}`);
      }
      throw err;
    }
  }

  async outputs(): Promise<Readonly<Record<string, string>>> {
    return this.outputMap;
  }

  async updateInProgress(): Promise<boolean> {
    return false;
  }

  async readVerified(): Promise<string | undefined> {
    return this.tags.verified;
  }

  async writeVerified(marker: string | undefined): Promise<void> {
    this.setTag("verified", marker);
  }

  async readLock(): Promise<string | undefined> {
    return this.tags.lock;
  }

  async writeLock(holder: string | undefined): Promise<void> {
    this.setTag("lock", holder);
  }

  private setTag(name: string, value: string | undefined): void {
    if (value === undefined) {
      delete this.tags[name];
    } else {
      this.tags[name] = value;
    }
  }
}
