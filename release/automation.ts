/**
 * `ReleaseWorkspace` over a Pulumi Automation API stack (`LocalWorkspace` over this repository,
 * so config changes land in `Pulumi.<stack>.yaml`). Thin: each method is one Automation call.
 */
import type { Stack } from "@pulumi/pulumi/automation";
import { RELEASE_LOCK_TAG, ReleaseWorkspace, StackLockedError } from "./ports";
import { RELEASE_CONFIG_KEY, ReleaseConfigError, ReleaseState } from "./state";

/** The stack tag a verified deploy leaves: `<slot>:<version>`. */
export const VERIFIED_TAG = "chatbot:verified";

/** The Automation API calls the release command makes. */
export type AutomationStack = Pick<
  Stack,
  | "getAllConfig"
  | "setAllConfigJson"
  | "removeConfig"
  | "up"
  | "outputs"
  | "history"
  | "listTags"
  | "setTag"
  | "removeTag"
>;

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

export class AutomationReleaseWorkspace implements ReleaseWorkspace {
  readonly stackName: string;

  constructor(
    private readonly stack: AutomationStack,
    private readonly options: AutomationOptions,
  ) {
    this.stackName = options.stackName;
  }

  async readRelease(): Promise<unknown> {
    const entry = (await this.stack.getAllConfig())[RELEASE_CONFIG_KEY];
    if (entry === undefined) {
      return undefined;
    }
    try {
      return JSON.parse(entry.value);
    } catch {
      throw new ReleaseConfigError(
        `\`${RELEASE_CONFIG_KEY}\` must be a structured object, got ${entry.value}`,
      );
    }
  }

  async writeRelease(release: ReleaseState | undefined): Promise<void> {
    if (release === undefined) {
      await this.stack.removeConfig(RELEASE_CONFIG_KEY);
      return;
    }
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

  async up(message: string): Promise<void> {
    try {
      await this.stack.up({
        message,
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
