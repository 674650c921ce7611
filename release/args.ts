/**
 * Command-line parsing for `npm run release -- <command> --stack <name> [options]`. Pure: returns
 * the command or throws `ReleaseConfigError` (exit code 2) naming the argument.
 */
import { DEFAULT_SMOKE_PATHS, ReleaseCommand } from "./orchestrator";
import { ReleaseConfigError, Slot } from "./state";

/** The stacks of the project. */
export const STACKS: readonly string[] = ["dev", "staging", "prod"];

export const USAGE = [
  "usage: npm run release -- <command> --stack <dev|staging|prod> [options]",
  "  status",
  "  deploy   --version <V> --image <I> [--slot blue|green] [--smoke-paths /health,/ready]",
  "  promote  [--steps 10,50,100] [--pause 2m] [--smoke-paths /health,/ready]",
  "  rollback",
].join("\n");

/** Observation time between promotion steps: the error-rate window of the rollback triggers. */
export const DEFAULT_PAUSE = "2m";

/** A parsed command line. */
export interface ParsedArgs {
  readonly stack: string;
  readonly command: ReleaseCommand;
}

const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  status: ["stack"],
  deploy: ["stack", "version", "image", "slot", "smoke-paths"],
  promote: ["stack", "steps", "pause", "smoke-paths"],
  rollback: ["stack"],
};

/** `90s`, `2m`, `0` -> milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)(s|m)?$/.exec(text);
  if (match === null) {
    throw new ReleaseConfigError(`\`--pause\` must look like 90s or 2m, got ${text}`);
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
  if (name === undefined || !(name in ALLOWED)) {
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
          steps: options.steps === undefined ? [100] : parseSteps(options.steps),
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
