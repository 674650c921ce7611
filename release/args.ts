/**
 * Command-line parsing for `npm run release -- <command> --stack <name> [options]`. Pure: returns
 * the command or throws `ReleaseConfigError` (exit code 2) naming the argument.
 */
import { ReleaseCommand } from "./orchestrator";
import { DEFAULT_SMOKE_PATHS } from "./ports";
import { ReleaseConfigError, Slot } from "./state";

/** The stacks of the project. */
export const STACKS: readonly string[] = ["dev", "staging", "prod"];

export const USAGE = [
  "usage: npm run release -- <command> --stack <dev|staging|prod> [options]",
  "  status",
  "  deploy   --version <V> --image <I> [--slot blue|green] [--smoke-paths /health,/ready]",
  "  promote  [--steps 10,50,100] [--pause 5m] [--smoke-paths /health,/ready]",
  "           (default: gated canary steps 10,50,100, each observed 5m; --steps 100 switches at once)",
  "  rollback",
  "  deploy, promote and rollback also take [--wait-for-lock 30m]: wait for another release of",
  "  the stack to finish instead of refusing",
  "",
  "exit codes: 0 done; 1 check failed (traffic back where it was); 2 usage; 3 refused, nothing",
  "changed; 4 error or interruption (traffic back where it was); 5 putting traffic back failed",
  "(the message names the command that finishes it)",
  "",
  "examples:",
  "  npm run release -- status --stack staging",
  "  npm run release -- deploy --stack staging --version 1.5.0 --image <registry>/chatbot-api:1.5.0",
  "  npm run release -- promote --stack staging --steps 10,50,100 --pause 5m",
  "  npm run release -- rollback --stack staging",
].join("\n");

/** `--help` or `-h` anywhere: print the usage and exit 0. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes("--help") || argv.includes("-h");
}

/** Observation time of a canary step: long enough for the ingestion lag (3 min) plus the error-rate window (2 min). */
export const DEFAULT_PAUSE = "5m";

/** Canary steps when `--steps` is not given: gated steps before 100%. `--steps 100` skips them. */
export const DEFAULT_STEPS: readonly number[] = [10, 50, 100];

/** A parsed command line. */
export interface ParsedArgs {
  readonly stack: string;
  readonly command: ReleaseCommand;
  /** How long to wait for another release's lock before refusing (`--wait-for-lock`). @default 0 */
  readonly waitForLockMs: number;
}

const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  status: ["stack"],
  deploy: ["stack", "version", "image", "slot", "smoke-paths", "wait-for-lock"],
  promote: ["stack", "steps", "pause", "smoke-paths", "wait-for-lock"],
  rollback: ["stack", "wait-for-lock"],
};

/** `90s`, `2m`, `0` -> milliseconds. */
export function parseDuration(text: string, flag = "--pause"): number {
  const match = /^(\d+)(s|m)?$/.exec(text);
  if (match === null) {
    throw new ReleaseConfigError(`\`${flag}\` must look like 90s or 2m, got ${text}`);
  }
  return Number(match[1]) * (match[2] === "m" ? 60_000 : 1000);
}

/** `10,50,100` -> [10, 50, 100]: ascending, intermediate steps 1..50, the last 100. */
export function parseSteps(text: string): number[] {
  const steps = text.split(",").map((part) => (/^\d+$/.test(part) ? Number(part) : NaN));
  const ascending = steps.every((step, i) => i === 0 || step > steps[i - 1]);
  const bounded = steps.slice(0, -1).every((step) => step >= 1 && step <= 50);
  if (steps.some(Number.isNaN) || !ascending || !bounded || steps[steps.length - 1] !== 100) {
    throw new ReleaseConfigError(
      `\`--steps\` must be ascending percentages, each but the last from 1 to 50 (the canary range), the last 100; got ${text}`,
    );
  }
  return steps;
}

function parseSmokePaths(text: string | undefined): readonly string[] {
  if (text === undefined) {
    return DEFAULT_SMOKE_PATHS;
  }
  const paths = text.split(",");
  if (paths.some((path) => !/^\/\S*$/.test(path))) {
    throw new ReleaseConfigError(
      `\`--smoke-paths\` must be a comma-separated list of paths starting with /, got ${text}`,
    );
  }
  return paths;
}

/** Parses `argv` (without `node` and the script). */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const [name, ...rest] = argv;
  if (name === undefined || !Object.hasOwn(ALLOWED, name)) {
    throw new ReleaseConfigError(
      `unknown command ${name === undefined ? "(none)" : name}; expected status, deploy, promote or rollback`,
    );
  }
  const options: Record<string, string> = {};
  for (let i = 0; i < rest.length; i += 2) {
    const flag = rest[i];
    const value = rest[i + 1];
    const key = flag.startsWith("--") ? flag.slice(2) : "";
    if (!ALLOWED[name].includes(key)) {
      throw new ReleaseConfigError(`unknown option ${flag} for ${name}`);
    }
    if (value === undefined || value.startsWith("--")) {
      throw new ReleaseConfigError(`option ${flag} needs a value`);
    }
    options[key] = value;
  }
  const stack = options.stack;
  if (stack === undefined || !STACKS.includes(stack.slice(stack.lastIndexOf("/") + 1))) {
    throw new ReleaseConfigError(
      `\`--stack\` must be one of ${STACKS.join(", ")} (optionally <org>/<stack>), got ${stack ?? "(none)"}`,
    );
  }
  const waitForLockMs =
    options["wait-for-lock"] === undefined
      ? 0
      : parseDuration(options["wait-for-lock"], "--wait-for-lock");
  return { ...parseCommand(name, stack, options), waitForLockMs };
}

function parseCommand(
  name: string,
  stack: string,
  options: Record<string, string>,
): Omit<ParsedArgs, "waitForLockMs"> {
  switch (name) {
    case "deploy": {
      const { version, image, slot } = options;
      if (version === undefined || !/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(version)) {
        throw new ReleaseConfigError(
          `\`--version\` must start with a letter or digit and use letters, digits, '.', '_', '+' and '-', got ${version ?? "(none)"}`,
        );
      }
      if (
        image === undefined ||
        /\s/.test(image) ||
        !/[:@]/.test(image.slice(image.lastIndexOf("/") + 1)) ||
        /:latest$/.test(image)
      ) {
        throw new ReleaseConfigError(
          `\`--image\` must be <registry>/<repository>:<tag> or <registry>/<repository>@sha256:<digest> and not :latest, got ${image ?? "(none)"}`,
        );
      }
      if (slot !== undefined && slot !== "blue" && slot !== "green") {
        throw new ReleaseConfigError(`\`--slot\` must be blue or green, got ${slot}`);
      }
      return {
        stack,
        command: {
          kind: "deploy",
          version,
          image,
          ...(slot === undefined ? {} : { slot: slot as Slot }),
          smokePaths: parseSmokePaths(options["smoke-paths"]),
        },
      };
    }
    case "promote":
      return {
        stack,
        command: {
          kind: "promote",
          steps: options.steps === undefined ? DEFAULT_STEPS : parseSteps(options.steps),
          pauseMs: parseDuration(options.pause ?? DEFAULT_PAUSE),
          smokePaths: parseSmokePaths(options["smoke-paths"]),
        },
      };
    case "status":
      return { stack, command: { kind: "status" } };
    default:
      return { stack, command: { kind: "rollback" } };
  }
}
