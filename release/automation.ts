/**
 * `ReleaseWorkspace` over a Pulumi Automation API stack (`LocalWorkspace` over this repository,
 * so config changes land in `Pulumi.<stack>.yaml`). Thin: each method is one Automation call.
 */
import type { Stack } from "@pulumi/pulumi/automation";
import { RELEASE_LOCK_TAG, ReleaseWorkspace, StackLockedError } from "./ports";
import { aksDeployTargets } from "./targets";
import {
  ENVIRONMENT_CONFIG_KEY,
  GATES_CONFIG_KEY,
  WEBHOOKS_CONFIG_KEY,
  chatWebhookOf,
  RELEASE_CONFIG_KEY,
  ReleaseConfigError,
  ReleaseState,
} from "./state";

/** The stack tag a verified deploy leaves: `<slot>:<version>`. */
export const VERIFIED_TAG = "chatbot:verified";

/** The Automation API calls the release command makes. */
export type AutomationStack = Pick<
  Stack,
  | "getAllConfig"
  | "setAllConfigJson"
  | "up"
  | "outputs"
  | "history"
  | "listTags"
  | "setTag"
  | "removeTag"
  | "exportStack"
>;

/** The resource types a deploy updates: the Container App and the image it may build. */
export const DEPLOY_TARGET_TYPES: readonly string[] = [
  "azure-native:app:ContainerApp",
  "docker:index/image:Image",
];

/** Where `up` prints and which policy pack it runs. */
export interface AutomationOptions {
  /** The stack name as given (`prod` or `org/prod`). */
  readonly stackName: string;
  /** The policy pack directory, e.g. `policy`. */
  readonly policyPack: string;
  /** The pack's config for this stack, e.g. `policy/config/prod.json`. */
  readonly policyPackConfig: string;
  /** Receives the engine's output lines. */
  readonly onOutput: (line: string) => void;
}

/**
 * The `--target` URNs of a deploy, from the stack's state and the release block written for it:
 * on AKS the deployed slot's objects and the HTTPRoute (`targets.ts`), else the Container App and
 * a built image. Throws when the state has neither (the stack was never created).
 */
export function deployTargetUrns(
  resources: ReadonlyArray<{ readonly urn: string; readonly type: string }>,
  release: unknown,
): string[] {
  const block = (release ?? {}) as { latest?: string; live?: string };
  const aks = aksDeployTargets(
    resources,
    (block.latest ?? block.live) === "green" ? "green" : "blue",
  );
  if (aks !== undefined) {
    return aks;
  }
  if (!resources.some((resource) => resource.type === DEPLOY_TARGET_TYPES[0])) {
    throw new Error("the stack's state has no Container App: run pulumi up for the stack first");
  }
  return resources
    .filter((resource) => DEPLOY_TARGET_TYPES.includes(resource.type))
    .map((resource) => resource.urn);
}

export class AutomationReleaseWorkspace implements ReleaseWorkspace {
  readonly stackName: string;

  constructor(
    private readonly stack: AutomationStack,
    private readonly options: AutomationOptions,
  ) {
    this.stackName = options.stackName;
  }

  async readRelease(): Promise<unknown> {
    return this.readJson(RELEASE_CONFIG_KEY);
  }

  async readGates(): Promise<unknown> {
    return this.readJson(GATES_CONFIG_KEY);
  }

  async readEnvironment(): Promise<string | undefined> {
    return (await this.stack.getAllConfig())[ENVIRONMENT_CONFIG_KEY]?.value;
  }

  async readChatWebhook(): Promise<string | undefined> {
    // `getAllConfig` runs `pulumi config --show-secrets --json`: the secret is decrypted here only.
    return chatWebhookOf(await this.readJson(WEBHOOKS_CONFIG_KEY));
  }

  private async readJson(key: string): Promise<unknown> {
    const entry = (await this.stack.getAllConfig())[key];
    if (entry === undefined) {
      return undefined;
    }
    try {
      return JSON.parse(entry.value);
    } catch {
      throw new ReleaseConfigError(`\`${key}\` must be a structured object, got ${entry.value}`);
    }
  }

  async writeRelease(release: ReleaseState): Promise<void> {
    // The format of `pulumi config --json`: `objectValue` keeps the block structured (numbers
    // stay numbers, a numeric commit hash stays a string), unlike `config set --path`.
    await this.stack.setAllConfigJson(
      JSON.stringify({
        [RELEASE_CONFIG_KEY]: {
          value: JSON.stringify(release),
          objectValue: release,
          secret: false,
        },
      }),
    );
  }

  /**
   * `pulumi up`; with `app`, `--target` the Container App and a built image (URNs read from the
   * stack's state), so a deploy changes nothing else.
   */
  async up(message: string, target: "app" | "stack"): Promise<void> {
    const targets = target === "app" ? await this.deployTargets() : undefined;
    try {
      await this.stack.up({
        message,
        ...(targets === undefined ? {} : { target: targets, targetDependents: false }),
        policyPacks: [this.options.policyPack],
        policyPackConfigs: [this.options.policyPackConfig],
        onOutput: this.options.onOutput,
      });
    } catch (err) {
      if ((err as Error).name === "ConcurrentUpdateError") {
        throw new StackLockedError((err as Error).message);
      }
      throw err;
    }
  }

  private async deployTargets(): Promise<string[]> {
    const state = (await this.stack.exportStack()).deployment as {
      resources?: ReadonlyArray<{ urn: string; type: string }>;
    };
    return deployTargetUrns(state.resources ?? [], (await this.readRelease()) ?? {});
  }

  async outputs(): Promise<Readonly<Record<string, string>>> {
    const raw = await this.stack.outputs();
    const flat: Record<string, string> = {};
    for (const [key, output] of Object.entries(raw)) {
      flat[key] = typeof output.value === "string" ? output.value : JSON.stringify(output.value);
    }
    return flat;
  }

  async updateInProgress(): Promise<boolean> {
    const [last] = await this.stack.history(1);
    return last !== undefined && last.result === "in-progress";
  }

  async readVerified(): Promise<string | undefined> {
    return (await this.stack.listTags())[VERIFIED_TAG];
  }

  async writeVerified(marker: string | undefined): Promise<void> {
    await this.writeTag(VERIFIED_TAG, marker);
  }

  async readLock(): Promise<string | undefined> {
    return (await this.stack.listTags())[RELEASE_LOCK_TAG];
  }

  async writeLock(holder: string | undefined): Promise<void> {
    await this.writeTag(RELEASE_LOCK_TAG, holder);
  }

  private async writeTag(name: string, value: string | undefined): Promise<void> {
    if (value !== undefined) {
      await this.stack.setTag(name, value);
    } else if ((await this.stack.listTags())[name] !== undefined) {
      await this.stack.removeTag(name);
    }
  }
}
