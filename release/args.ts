/**
 * The release command line, `npm run release -- <command> --stack <name> [options]`: the
 * commander definitions of `status`, `deploy`, `promote`, `rollback` and `unlock` (help with examples on
 * each), and the validation of their values, which throws `ReleaseConfigError` (exit code 2)
 * naming the option. `--stack` follows the rule every command shares (`scripts/cli/stacks.ts`).
 *
 * `./state` (and with it @pulumi/pulumi) is loaded only to report an error, so that defining the
 * commands costs nothing on the way to another command.
 */
import { Command, CommanderError } from "commander";
import { DEFAULT_GATES } from "../lib/gates";
import { revisionSuffix } from "../lib/naming";
import { parseStackName, StackNameError } from "../scripts/cli/stacks";
import { optionValue } from "../scripts/cli/values";
import type { ReleaseCommand } from "./orchestrator";
import { DEFAULT_SMOKE_PATHS } from "./ports";
import type { ReleaseConfigError, Slot } from "./state";

/** A usage error: a `ReleaseConfigError`, exit code 2. */
function usageError(message: string): ReleaseConfigError {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const state = require("./state") as typeof import("./state");
  return new state.ReleaseConfigError(message);
}

/**
 * Observation time of a canary step: the p95 trigger's window (`rollbackP95WindowMinutes`, 5 min),
 * so every rollback trigger judges a full window of the step. (The ingestion lag is not part of
 * it: a step is judged only once its window has been ingested, `release/promote.ts`.)
 */
export const DEFAULT_PAUSE = "5m";

/**
 * The shortest `--pause`, in minutes: the error-rate trigger's window
 * (`rollbackErrorRateWindowMinutes`, the shortest trailing window a gate judges). A step is observed
 * for the pause and then until its window has been ingested, so the ingestion lag is waited for
 * anyway; but a step shorter than this window would be judged on less data than the design's
 * "error rate above 5% for 2 minutes" looks at.
 */
export const MIN_PAUSE_MINUTES = DEFAULT_GATES.rollbackErrorRateWindowMinutes;

/** Canary steps when `--steps` is not given: gated steps before 100%. `--steps 100` skips them. */
export const DEFAULT_STEPS: readonly number[] = [10, 50, 100];

/** The release commands, in the order the help lists them. */
export const RELEASE_COMMANDS = ["status", "deploy", "promote", "rollback", "unlock"] as const;

/** A parsed command line. */
export interface ParsedArgs {
  /** As given: `prod`, or `<org>/prod` for Pulumi Cloud. */
  readonly stack: string;
  readonly command: ReleaseCommand;
  /** How long to wait for another release's lock before refusing (`--wait-for-lock`). @default 0 */
  readonly waitForLockMs: number;
  /** `--refresh-from <remote>/<branch>`: what the checkout is fast-forwarded to once the lock is held. */
  readonly refreshFrom?: { readonly remote: string; readonly branch: string };
  /** `--keep-lock <file>`: the release lock outlives the command; its holder is written to the file. */
  readonly keepLockFile?: string;
}

/** The raw option values commander collected. */
interface RawOptions {
  stack?: string;
  version?: string;
  image?: string;
  slot?: string;
  smokePaths?: string;
  steps?: string;
  pause?: string;
  /** False with `--no-watch`. */
  watch?: boolean;
  waitForLock?: string;
  refreshFrom?: string;
  keepLock?: string;
  holder?: string;
}

/**
 * The program's image rule (`imageProblem`, lib/config): lowercase, a tag other than `latest` or a
 * `sha256` digest. Loaded when a deploy is parsed (it brings zod).
 */
function programImageProblem(image: string): string | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const schema = require("../lib/config/schema") as typeof import("../lib/config/schema");
  return schema.imageProblem(image);
}

/** `90s`, `2m`, `0s` -> milliseconds. The unit is required: is `5` five seconds or five minutes? */
export function parseDuration(text: string, flag = "--pause"): number {
  if (/^\d+$/.test(text)) {
    throw usageError(`\`${flag}\` needs a unit, s or m (${text}s or ${text}m), got ${text}`);
  }
  const match = /^(\d+)(s|m)$/.exec(text);
  if (match === null) {
    throw usageError(`\`${flag}\` must look like 90s or 2m, got ${text}`);
  }
  return Number(match[1]) * (match[2] === "m" ? 60_000 : 1000);
}

/** `--pause`: a duration of at least `MIN_PAUSE_MINUTES`. */
export function parsePause(text: string): number {
  const ms = parseDuration(text);
  if (ms < MIN_PAUSE_MINUTES * 60_000) {
    throw usageError(
      `\`--pause\` must be at least ${MIN_PAUSE_MINUTES}m, got ${text}: the error-rate rollback trigger judges the last ${MIN_PAUSE_MINUTES} min of the candidate's requests (rollbackErrorRateWindowMinutes), and a shorter step would be judged on less data than that (the ${DEFAULT_GATES.ingestionLagMinutes} min ingestion lag is waited for after the pause anyway)`,
    );
  }
  return ms;
}

/** `10,50,100` -> [10, 50, 100]: ascending, intermediate steps 1..50, the last 100. */
export function parseSteps(text: string): number[] {
  const steps = text.split(",").map((part) => (/^\d+$/.test(part) ? Number(part) : NaN));
  const ascending = steps.every((step, i) => i === 0 || step > steps[i - 1]);
  const bounded = steps.slice(0, -1).every((step) => step >= 1 && step <= 50);
  if (steps.some(Number.isNaN) || !ascending || !bounded || steps[steps.length - 1] !== 100) {
    throw usageError(
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
    throw usageError(
      `\`--smoke-paths\` must be a comma-separated list of paths starting with /, got ${text}`,
    );
  }
  return paths;
}

function parseStack(stack: string | undefined): string {
  try {
    return parseStackName(stack).qualified;
  } catch (err) {
    throw err instanceof StackNameError ? usageError(err.message) : err;
  }
}

/** `origin/main` -> the remote and the branch (which may contain `/`). */
export function parseRefreshFrom(text: string): { remote: string; branch: string } {
  const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)\/([A-Za-z0-9._][A-Za-z0-9._/-]*)$/.exec(text);
  if (match === null || match[2].endsWith("/") || match[2].includes("..")) {
    throw usageError(`\`--refresh-from\` must be <remote>/<branch>, e.g. origin/main, got ${text}`);
  }
  return { remote: match[1], branch: match[2] };
}

/** Validates what commander collected for `name`; throws `ReleaseConfigError`. */
function toParsedArgs(name: string, options: RawOptions): ParsedArgs {
  const stack = parseStack(options.stack);
  const waitForLockMs =
    options.waitForLock === undefined ? 0 : parseDuration(options.waitForLock, "--wait-for-lock");
  const command = parseCommand(name, options);
  return {
    stack,
    command,
    waitForLockMs,
    ...(options.refreshFrom === undefined
      ? {}
      : { refreshFrom: parseRefreshFrom(options.refreshFrom) }),
    ...(options.keepLock === undefined ? {} : { keepLockFile: options.keepLock }),
  };
}

function parseCommand(name: string, options: RawOptions): ReleaseCommand {
  switch (name) {
    case "deploy": {
      const { version, image, slot } = options;
      // The program's rules (lib/naming.ts, lib/config/schema.ts), so that a value the program
      // would refuse is refused here, before the lock, the stack file or `pulumi up`.
      if (version === undefined || revisionSuffix(version) === undefined) {
        throw usageError(
          `\`--version\` must start with a letter or digit and use letters, digits, '.', '_', '+' and '-' (it names the revision), got ${version ?? "(none)"}`,
        );
      }
      // An empty reference gets the rule's "expected an image reference such as ...".
      const imageProblem = programImageProblem(image ?? "");
      if (image === undefined || imageProblem !== undefined) {
        throw usageError(`\`--image\`: ${imageProblem}; got ${image ?? "(none)"}`);
      }
      if (slot !== undefined && slot !== "blue" && slot !== "green") {
        throw usageError(`\`--slot\` must be blue or green, got ${slot}`);
      }
      return {
        kind: "deploy",
        version,
        image,
        ...(slot === undefined ? {} : { slot: slot as Slot }),
        smokePaths: parseSmokePaths(options.smokePaths),
      };
    }
    case "promote":
      return {
        kind: "promote",
        steps: options.steps === undefined ? DEFAULT_STEPS : parseSteps(options.steps),
        pauseMs: parsePause(options.pause ?? DEFAULT_PAUSE),
        smokePaths: parseSmokePaths(options.smokePaths),
        ...(options.watch === false ? { watch: false } : {}),
      };
    case "status":
      return { kind: "status" };
    case "unlock":
      if (options.holder === undefined || options.holder.trim() === "") {
        throw usageError(
          "`--holder` is required: the holder the command with --keep-lock wrote to its file and printed (e.g. 'promote by https://github.com/<owner>/<repo>/actions/runs/<id>/attempts/<n>')",
        );
      }
      return { kind: "unlock", holder: options.holder };
    default:
      return { kind: "rollback" };
  }
}

const USAGE_EXIT =
  "  2  usage error, a malformed release block, the Pulumi CLI is missing or Azure is not signed in";

/**
 * The exit codes each command can return (README, the table after **Locks.**), for its help; the
 * `release` help lists them all.
 */
const EXIT_CODES: Readonly<Record<"release" | ReleaseCommand["kind"], readonly string[]>> = {
  release: [
    "  0  done",
    "  1  a check or gate failed; traffic is back where it was",
    USAGE_EXIT,
    "  3  refused before any change (live slot, nothing verified, stale stack file, locked)",
    "  4  an error, timeout or interruption; traffic is back where it was (interrupted during the post-promotion watch: the promotion stands)",
    "  5  putting traffic back failed: the message names the command that finishes it",
  ],
  status: [
    "  0  done (a stale or missing release block is a warning)",
    USAGE_EXIT,
    "  3  refused: the stack cannot be opened, exports no subscription or has no app yet",
    "  4  an error, timeout or interruption while reading the stack or Azure",
  ],
  deploy: [
    "  0  done: the version is verified in the idle slot at 0% (on a first release, live)",
    "  1  a check failed: the revision is not ready or not verified; live traffic did not move",
    USAGE_EXIT,
    "  3  refused before any change (the slot is live, stale stack file, Azure's traffic differs from the file, locked)",
    "  4  an error, timeout or interruption; live traffic did not move",
    "  5  the stack file could not record what Azure now serves: the message names the command that records it",
  ],
  promote: [
    "  0  done",
    "  1  a check or gate failed; traffic is back where it was",
    USAGE_EXIT,
    "  3  refused before any change (nothing verified, stale stack file, Azure's traffic differs from the file, locked)",
    "  4  an error, timeout or interruption; traffic is back where it was (interrupted during the post-promotion watch: the promotion stands)",
    "  5  putting traffic back failed, or the stack file could not record a traffic change: the message names the command that finishes it",
  ],
  rollback: [
    "  0  done",
    USAGE_EXIT,
    "  3  refused before any change (nothing to roll back to, the target revision cannot be made ready, stale stack file, locked)",
    "  4  an error, timeout or interruption; traffic is where it was",
    "  5  the stack file could not record the traffic change: the message names the command that records it",
  ],
  unlock: [
    "  0  the lock was removed, or the stack had none",
    "  2  usage error (a missing --holder, a bad --stack), or the Pulumi CLI is missing",
    "  3  refused: another holder has the lock (left as it is), or the stack cannot be opened",
    "  4  the lock could not be read or removed",
  ],
};

function examples(command: keyof typeof EXIT_CODES, lines: string[]): string {
  return [
    "",
    "Exit codes:",
    ...EXIT_CODES[command],
    "",
    "Examples:",
    ...lines.map((line) => `  ${line}`),
  ].join("\n");
}

const STACK_HELP = "the stack: dev, staging, prod (a Pulumi.<stack>.yaml), or <org>/<stack>";
const WAIT_HELP =
  "wait this long (90s, 30m) for another release of the stack to finish instead of refusing";
const SMOKE_HELP = "paths checked on the slot's URL, comma-separated (default: /health,/ready)";
const KEEP_LOCK_HELP =
  "keep the release lock when the command ends, and write its holder to <file> just before the lock is taken; remove it with unlock --holder once the stack file is committed (the release workflow: after its push)";
const REFRESH_HELP =
  "once the release lock is held, fast-forward this checkout to <remote>/<branch> (git fetch, git merge --ff-only FETCH_HEAD) before reading the stack file, so a release that waited for another works from the stack file that one committed (the release workflow: origin/main); a deploy refuses, leaving the checkout, when the branch's package manifests differ from the checkout's";

/**
 * Defines the release commands on `release` (made with `.command()`, so it inherits the
 * program's output and error handling). `run` receives each valid command line; a bad value is
 * reported through commander (`error: <message>`, exit 2).
 */
export function defineReleaseCommands(
  release: Command,
  run: (parsed: ParsedArgs) => void | Promise<void>,
): Command {
  const action =
    (name: string) =>
    (options: RawOptions, command: Command): void | Promise<void> => {
      let parsed: ParsedArgs;
      try {
        parsed = toParsedArgs(name, options);
      } catch (err) {
        if ((err as Error).name === "ReleaseConfigError") {
          command.error(`error: ${(err as Error).message}`, {
            exitCode: 2,
            code: "release.usage",
          });
        }
        throw err;
      }
      return run(parsed);
    };

  release
    .command("status")
    .description("print the stack file's slots next to what Azure serves, and the next command")
    .option("--stack <name>", STACK_HELP, optionValue)
    .addHelpText("after", examples("status", ["npm run release -- status --stack staging"]))
    .action(action("status"));

  release
    .command("deploy")
    .description(
      "put a version into the idle slot at 0% traffic (a targeted pulumi up), wait until its revision is ready, and verify it on its label URL",
    )
    .option("--stack <name>", STACK_HELP, optionValue)
    .option(
      "--version <version>",
      "the app version (letters, digits, '.', '_', '+', '-')",
      optionValue,
    )
    .option(
      "--image <image>",
      "<registry>/<repository>:<tag> or @sha256:<digest> (prod: digests only)",
      optionValue,
    )
    .option("--slot <slot>", "blue or green (default: the idle slot)", optionValue)
    .option("--smoke-paths <paths>", SMOKE_HELP, optionValue)
    .option("--wait-for-lock <duration>", WAIT_HELP, optionValue)
    .option("--refresh-from <remote/branch>", REFRESH_HELP, optionValue)
    .option("--keep-lock <file>", KEEP_LOCK_HELP, optionValue)
    .addHelpText(
      "after",
      examples("deploy", [
        "npm run release -- deploy --stack staging --version 1.5.0 --image <registry>/chatbot-api:1.5.0",
        "npm run release -- deploy --stack prod --version 1.5.0 --image <registry>/chatbot-api@sha256:<64 hex>",
      ]),
    )
    .action(action("deploy"));

  release
    .command("promote")
    .description(
      "shift traffic to the verified idle slot in gated canary steps, rolling back on a failed gate",
    )
    .option("--stack <name>", STACK_HELP, optionValue)
    .option(
      "--steps <list>",
      "ascending percentages ending at 100 (default: 10,50,100; 100 switches at once)",
      optionValue,
    )
    .option(
      "--pause <duration>",
      `observation time of each step below 100, with its unit (90s, 5m): at least ${MIN_PAUSE_MINUTES}m, the error-rate trigger's window; the step then waits for its telemetry to be ingested (default: ${DEFAULT_PAUSE})`,
      optionValue,
    )
    .option(
      "--no-watch",
      "skip the post-promotion watch (emergencies only: nothing then watches the new live slot)",
    )
    .option("--smoke-paths <paths>", SMOKE_HELP, optionValue)
    .option("--wait-for-lock <duration>", WAIT_HELP, optionValue)
    .option("--refresh-from <remote/branch>", REFRESH_HELP, optionValue)
    .option("--keep-lock <file>", KEEP_LOCK_HELP, optionValue)
    .addHelpText(
      "after",
      examples("promote", [
        "npm run release -- promote --stack staging",
        "npm run release -- promote --stack prod --steps 10,50,100 --pause 5m",
        "npm run release -- promote --stack dev --steps 100",
        "npm run release -- promote --stack prod --steps 100 --no-watch",
      ]),
    )
    .action(action("promote"));

  release
    .command("rollback")
    .description("put back the slot that served before the latest release, with one traffic write")
    .option("--stack <name>", STACK_HELP, optionValue)
    .option("--wait-for-lock <duration>", WAIT_HELP, optionValue)
    .option("--refresh-from <remote/branch>", REFRESH_HELP, optionValue)
    .option("--keep-lock <file>", KEEP_LOCK_HELP, optionValue)
    .addHelpText("after", examples("rollback", ["npm run release -- rollback --stack prod"]))
    .action(action("rollback"));

  release
    .command("unlock")
    .description(
      "remove the release lock a command with --keep-lock left, only while the given holder holds it",
    )
    .option("--stack <name>", STACK_HELP, optionValue)
    .option(
      "--holder <holder>",
      "the lock's holder, as that command wrote it to its --keep-lock file and printed it",
      optionValue,
    )
    .addHelpText(
      "after",
      examples("unlock", [
        'npm run release -- unlock --stack prod --holder "$(cat "$RUNNER_TEMP/release-lock-holder")"',
        "npm run release -- unlock --stack prod --holder 'promote by alice@laptop pid 4242'",
      ]),
    )
    .action(action("unlock"));

  return release.addHelpText(
    "after",
    examples("release", [
      "npm run release -- status --stack staging",
      "npm run release -- deploy --help",
      "npm run release -- deploy --stack staging --version 1.5.0 --image <registry>/chatbot-api:1.5.0",
      "npm run release -- promote --stack staging",
      "npm run release -- rollback --stack staging",
      "npm run release -- unlock --help",
    ]),
  );
}

/**
 * Parses a release command line (without `release`), e.g. for the drill's release steps. Throws
 * `ReleaseConfigError` with commander's message (an unknown command or option, a missing value)
 * or the value's.
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  let parsed: ParsedArgs | undefined;
  const release = new Command("release")
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined })
    .showSuggestionAfterError(true);
  defineReleaseCommands(release, (result) => {
    parsed = result;
  });
  try {
    release.parse([...argv], { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      throw usageError(
        err.code.startsWith("commander.help")
          ? `expected a command: ${RELEASE_COMMANDS.join(", ")}`
          : err.message.replace(/^error: /, ""),
      );
    }
    throw err;
  }
  if (parsed === undefined) {
    throw usageError(`expected one of ${RELEASE_COMMANDS.join(", ")}`);
  }
  return parsed;
}
