/**
 * The drill's Pulumi stack: a stack file held in memory and a `pulumi up` that evaluates the real
 * program under Pulumi's mock runtime (`simulator/simulate.ts`) and applies its Container App to the
 * model of Azure the way the azure-native provider does: one PUT of the whole resource through the
 * ARM API. The program's own invoke of the deployed app (the release guard) is answered by the
 * model too, so a refused `up` changes nothing, as on real Azure.
 *
 * Evaluations are shared: the program's answer depends only on the stack, its stack file and what
 * its release guard reads of the deployed app (every other invoke gets the offline mocks' fixed
 * answer), so an `up` whose stack file and guard reads match an earlier evaluation's reuses it.
 * The deployed app is still read through ARM on every `up`, as the program reads it.
 */
import { ContainerAppsAPIClient } from "@azure/arm-appcontainers";
import type { ContainerApp } from "@azure/arm-appcontainers";
import { PROJECT } from "../lib/config";
import type { MockCallArgs } from "@pulumi/pulumi/runtime";
import { DeployedApp } from "../lib/guard";
import { invokeError, simulateStack, StackConfig } from "../simulator/simulate";
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
    if (value === null) {
      // `release: null` leaves the key out of the stack file, as `null` does at any depth.
      delete config.config[full];
      config.secretKeys = config.secretKeys.filter((secretKey) => secretKey !== full);
    } else {
      config.config[full] = typeof value === "string" ? value : JSON.stringify(value);
    }
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

const GET_CONTAINER_APP = "azure-native:app:getContainerApp";

/** ARM's answer to the program's `getContainerApp`: the app, or the error the invoke fails with. */
type AppAnswer = { readonly app: Record<string, unknown> } | { readonly error: Error };

/**
 * What the release guard reads of an answer (`DeployedApp`, lib/guard.ts: the tags and each
 * traffic entry's label and revision), or `undefined` for an answer that is not shared: an error
 * other than "not found" (an injected fault), which evaluates afresh every time.
 */
function guardReads(answer: AppAnswer): string | undefined {
  if ("error" in answer) {
    return (answer.error as { notFound?: boolean }).notFound === true ? "not found" : undefined;
  }
  const app = answer.app as DeployedApp;
  return JSON.stringify({
    tags: app.tags ?? null,
    traffic: (app.configuration?.ingress?.traffic ?? []).map((entry) => [
      entry.label ?? null,
      entry.revisionName ?? null,
    ]),
  });
}

/** One evaluation of the program: what its guard read, and what it registered. */
interface Evaluation {
  /** Each `getContainerApp` the program made: its inputs and what the guard read of the answer. */
  readonly reads: readonly { readonly inputs: string; readonly facts: string }[];
  /** The registered Container App's inputs, or `undefined`. */
  readonly app: Record<string, unknown> | undefined;
  readonly outputs: Record<string, unknown>;
}

/** Evaluations by stack and stack file (stacks and snapshots of every workspace share them). */
const evaluations = new Map<string, Evaluation[]>();

/**
 * What both drill workspaces (Container Apps here, AKS in `aksWorkspace.ts`) keep the same way: the
 * stack file in memory, the outputs of the last `up`, and the stack tags (verified marker, lock).
 */
export abstract class DrillStack implements ReleaseWorkspace {
  protected outputMap: Record<string, string> = {};
  private readonly tags: Record<string, string> = {};

  constructor(
    readonly stackName: string,
    public config: StackConfig,
  ) {}

  abstract up(message: string): Promise<void>;

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

/** One stack of the drill. */
export class DrillWorkspace extends DrillStack {
  /** Every `up` this workspace ran: what it said and whether it applied. */
  readonly ups: string[] = [];

  constructor(
    stackName: string,
    config: StackConfig,
    private readonly arm: ContainerAppsAPIClient,
  ) {
    super(stackName, config);
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
      let evaluation: Evaluation;
      try {
        evaluation = await this.evaluate(config);
      } catch (err) {
        this.ups.push(`${message}: refused`);
        throw new UpRefused((err as Error).message);
      }
      const app = evaluation.app;
      if (app === undefined) {
        throw new Error("the program registered no Container App");
      }
      await this.arm.containerApps.createOrUpdate(
        String(app.resourceGroupName),
        String(app.containerAppName),
        containerAppBody(structuredClone(app)),
      );
      this.ups.push(`${message}: applied`);
      this.outputMap = Object.fromEntries(
        Object.entries(evaluation.outputs).map(([key, value]) => [
          key,
          typeof value === "string" ? value : JSON.stringify(value),
        ]),
      );
    });
  }

  /**
   * The program's evaluation for `config`: an earlier one whose guard read the same of the app
   * as ARM answers now, else a new one. Each distinct `getContainerApp` is sent to ARM once per
   * `up`, as the program sends it. Rejects with the program's error (it refused).
   */
  private async evaluate(config: StackConfig): Promise<Evaluation> {
    const key = JSON.stringify([this.stackName, config.config, [...config.secretKeys].sort()]);
    const answers = new Map<string, Promise<AppAnswer>>();
    const answer = (inputs: Record<string, unknown>) => {
      const id = JSON.stringify(inputs);
      let read = answers.get(id);
      if (read === undefined) {
        read = this.readApp(inputs).then(
          (app) => ({ app }),
          (error: Error) => ({ error }),
        );
        answers.set(id, read);
      }
      return read;
    };
    const known = evaluations.get(key) ?? [];
    for (const candidate of known) {
      let same = true;
      for (const read of candidate.reads) {
        if (guardReads(await answer(JSON.parse(read.inputs))) !== read.facts) {
          same = false;
          break;
        }
      }
      if (same) {
        return candidate;
      }
    }
    const reads: { inputs: string; facts: string }[] = [];
    let shared = true;
    const call = async (args: MockCallArgs): Promise<Record<string, unknown>> => {
      const result = await answer(args.inputs);
      const facts = guardReads(result);
      if (facts === undefined) {
        shared = false;
      } else {
        reads.push({ inputs: JSON.stringify(args.inputs), facts });
      }
      if ("error" in result) {
        throw result.error;
      }
      return JSON.parse(JSON.stringify(result.app)) as Record<string, unknown>;
    };
    const result = await simulateStack({
      stack: this.stackName,
      config,
      call: (args) => (args.token === GET_CONTAINER_APP ? call(args) : undefined),
    });
    const evaluation: Evaluation = {
      reads,
      app: result.resources.find((resource) => resource.type === "azure-native:app:ContainerApp")
        ?.inputs,
      outputs: result.outputs,
    };
    if (shared) {
      evaluations.set(key, [...known, evaluation]);
    }
    return evaluation;
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
        throw Object.assign(invokeError(`ResourceNotFound: ${(err as Error).message}`), {
          notFound: true,
        });
      }
      throw err;
    }
  }
}
