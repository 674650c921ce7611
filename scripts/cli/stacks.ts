/**
 * The one rule for `--stack` in every command (plan, policy, release): a stack of this repository,
 * i.e. a name with a committed `Pulumi.<name>.yaml`, optionally qualified as `<org>/<name>` or
 * `<org>/<project>/<name>` (how Pulumi Cloud names it) where `<project>` is this project
 * (`Pulumi.yaml`), given once. Each command reports a bad name with the same message, exit 2.
 */
import * as fs from "fs";
import * as path from "path";
import { InvalidArgumentError } from "commander";
import { ROOT_DIR } from "../lib/root";
import { optionValue } from "./values";

/** A Pulumi stack, organization or project name part. */
const NAME_PART = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const STACK_FILE = /^Pulumi\.([A-Za-z0-9][A-Za-z0-9_.-]*)\.yaml$/;

/** A bad `--stack`; every command prints `error: <message>` and exits 2. */
export class StackNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackNameError";
  }
}

/** The stacks of the repository: every `Pulumi.<name>.yaml` in `root`, sorted by name. */
export function repositoryStacks(root: string = ROOT_DIR): string[] {
  return fs
    .readdirSync(root)
    .map((file) => STACK_FILE.exec(file)?.[1])
    .filter((name): name is string => name !== undefined)
    .sort();
}

/** A validated `--stack`: as given (for Pulumi), and the stack's own name (for its files). */
export interface StackName {
  /** `prod`, `acme/prod` or `acme/chatbot-platform/prod`, as given. */
  readonly qualified: string;
  /** `prod`: the name of `Pulumi.<name>.yaml` and `policy/config/<name>.json`. */
  readonly name: string;
}

/** The message for a bad `--stack`, the same in every command. */
export function stackNameMessage(received: string | undefined, root: string = ROOT_DIR): string {
  return `\`--stack\` must be one of ${repositoryStacks(root).join(", ")} (a Pulumi.<stack>.yaml in this repository; optionally <org>/<stack>), got ${received ?? "(none)"}`;
}

/** The project's name, `name:` in `<root>/Pulumi.yaml` (undefined without one). */
export function projectName(root: string = ROOT_DIR): string | undefined {
  const file = path.join(root, "Pulumi.yaml");
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  return /^name:[ \t]*["']?([A-Za-z0-9_.-]+)["']?[ \t]*$/m.exec(text)?.[1];
}

/**
 * Validates `--stack`; throws StackNameError with `stackNameMessage`, or, for
 * `<org>/<project>/<stack>` of another project, a message naming both projects.
 */
export function parseStackName(value: string | undefined, root: string = ROOT_DIR): StackName {
  const parts = value?.split("/") ?? [];
  const name = parts[parts.length - 1];
  if (
    value === undefined ||
    parts.length > 3 ||
    !parts.every((part) => NAME_PART.test(part)) ||
    !repositoryStacks(root).includes(name)
  ) {
    throw new StackNameError(stackNameMessage(value, root));
  }
  const project = projectName(root);
  if (parts.length === 3 && project !== undefined && parts[1] !== project) {
    throw new StackNameError(
      `\`--stack\` ${value} names a stack of the project ${parts[1]}, but this repository's project is ${project} (Pulumi.yaml): give ${name}, ${parts[0]}/${name} or ${parts[0]}/${project}/${name}`,
    );
  }
  return { qualified: value, name };
}

/**
 * Commander's parser for every command's `--stack`: each command works on one stack, so a second
 * `--stack` is a usage error (exit 2) instead of silently replacing the first.
 */
export function stackOptionValue(value: string, previous: string | undefined): string {
  if (previous !== undefined) {
    throw new InvalidArgumentError(
      `\`--stack\` is given twice (${previous}, then ${value}): a command works on one stack; give --stack once (plan: leave it out to plan every stack).`,
    );
  }
  return optionValue(value);
}
