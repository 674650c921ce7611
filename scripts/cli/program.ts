/**
 * The command line of the project, one program for every entry point: `npm run plan|policy|bench|
 * release|drill -- ...` and the package bin `chatbot-platform <command> ...` (both start
 * `cli/chatbot-platform.mjs`). Built on commander: `--help` on every command and subcommand
 * (exit 0, with examples), unknown options exit 2 with a suggestion, `--version` prints the
 * package version, and `--stack` follows one rule everywhere (`./stacks.ts`).
 *
 * The commands' modules are loaded only when their command runs, so `--help` stays fast. The drill
 * runs from its TypeScript sources (ts-node, transpile-only): its runner finds the stack files
 * next to its own source.
 */
import * as fs from "fs";
import * as path from "path";
import { Command, CommanderError, Option } from "commander";
import { EXIT_CONFIG_ERROR, Io, processIo } from "../lib/cli";
import { ROOT_DIR } from "../lib/root";
import { stackOptionValue } from "./stacks";
import { optionValue } from "./values";
import type { ServerSource } from "../lib/gateCommand";
import type { MainOverrides } from "../../release/main";
import type { RestoreOverrides } from "../../restore/main";

/** The package's bin name. */
export const CLI_NAME = "chatbot-platform";

/** Exit status of a usage error in every command (an unknown option, a bad value, a bad stack). */
export const EXIT_USAGE = EXIT_CONFIG_ERROR;

/** The package version (package.json). */
export const VERSION: string = JSON.parse(
  fs.readFileSync(path.join(ROOT_DIR, "package.json"), "utf8"),
).version;

/** What tests (and the drill) replace. */
export interface CliOverrides {
  /** Supplies the policy pack to `plan` and `policy` (tests share one). */
  readonly serverSource?: ServerSource;
  /** `release`'s wiring (reporter, workspace, Azure ports, engine dependencies). */
  readonly release?: MainOverrides;
  /** `restore-drill`'s wiring (reporter, stacks, Azure ports, clock). */
  readonly restore?: RestoreOverrides;
}

/** The `Exit codes:` and `Examples:` help sections. */
export function helpSections(exitCodes: string[], examples: string[]): string {
  return [
    "",
    "Exit codes:",
    ...exitCodes.map((line) => `  ${line}`),
    "",
    "Examples:",
    ...examples.map((line) => `  ${line}`),
  ].join("\n");
}

const GATE_EXIT_CODES = [
  "0  passed: no mandatory policy violation (with --strict: no warning either)",
  "1  a mandatory policy is violated (with --strict: also any warning or advisory violation)",
  "2  usage or configuration error (the message names the option or the key)",
];

function helpWidth(io: Io, stream: NodeJS.WriteStream): number {
  return io === processIo && stream.isTTY ? stream.columns : 100;
}

/** Collects a repeatable option's values. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), optionValue(value)];
}

/**
 * Loads a module from its TypeScript sources (registering ts-node, transpile-only, when this
 * process runs from the JavaScript build).
 */
function requireSource<T>(relative: string): T {
  // Deprecated but the way to ask whether a `.ts` loader (ts-node, in tests) is registered.
  const extensions = require.extensions as Record<string, unknown>;
  if (extensions[".ts"] === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require("ts-node") as typeof import("ts-node")).register({
      transpileOnly: true,
      project: path.join(ROOT_DIR, "tsconfig.json"),
    });
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(ROOT_DIR, relative)) as T;
}

/** Builds the program; `exit` receives the status of the command that ran. */
export function buildProgram(
  io: Io,
  overrides: CliOverrides,
  exit: (code: number) => void,
): Command {
  const program = new Command(CLI_NAME)
    .description(
      "Offline policy gates, the blue/green release command and the release drill of the chatbot platform.",
    )
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      // The terminal's width on a terminal; 100 columns (the code's width) anywhere else.
      getOutHelpWidth: () => helpWidth(io, process.stdout),
      getErrHelpWidth: () => helpWidth(io, process.stderr),
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .showSuggestionAfterError(true)
    .showHelpAfterError("(add --help for usage and examples)")
    // Program options only before the command: `release deploy --version 1.5.0` is the app's.
    .enablePositionalOptions()
    .version(VERSION, "--version", "print the version of chatbot-platform")
    .addHelpText(
      "after",
      helpSections(
        ["0  done; each command's --help lists its own", "2  usage error"],
        [
          "npm run plan -- --help",
          "npm run -s plan -- --stack prod --json",
          `npx ${CLI_NAME} plan --all`,
          `npx ${CLI_NAME} release deploy --help`,
        ],
      ),
    );
  // Subcommands made by `.command()` inherit exitOverride, the output and the suggestions.
  const withVersion = (command: Command): Command =>
    command.version(VERSION, "--version", "print the version of chatbot-platform");

  withVersion(program.command("plan"))
    .summary("gate the program with the policy pack, offline (every stack by default)")
    .description(
      "Runs the program under Pulumi's mock runtime with each stack file's real config (a preview, no cloud access), lists what it would create, runs the policy pack with the policy config of the stack's chatbot-platform:environment, and prints every violation and every warning. Without --stack or --config-file it plans every stack of the repository (each Pulumi.<name>.yaml) in one run and ends with a summary table.",
    )
    .option("--stack <name>", "plan one stack: Pulumi.<name>.yaml (or <org>/<name>)", optionValue)
    .addOption(
      new Option(
        "--all",
        "plan every stack (the default without --stack or --config-file)",
      ).conflicts(["stack", "configFile"]),
    )
    .addOption(
      new Option("--config-file <path>", "plan a stack file given by path (Pulumi.<name>.yaml)")
        .conflicts("stack")
        .argParser(optionValue),
    )
    .option(
      "--policy-config <file>",
      "use this policy config instead of policy/config/<environment>.json (one stack only)",
      optionValue,
    )
    .option("--strict", "fail (exit 1) on any warning or advisory violation too")
    .addOption(
      new Option(
        "--target <target>",
        "plan as if the stack file set chatbot-platform:target (aks gates the Kubernetes objects)",
      ).choices(["containerApps", "aks"]),
    )
    .option("--json", "print only JSON on stdout (errors go to stderr)")
    .addHelpText(
      "after",
      helpSections(GATE_EXIT_CODES, [
        "npm run plan",
        "npm run plan -- --stack prod",
        "npm run -s plan -- --stack dev --json",
        "npm run plan -- --all --strict",
        "npm run plan -- --config-file path/to/Pulumi.mystack.yaml --policy-config policy/config/staging.json",
      ]),
    )
    .action(async (options) => {
      const { runPlan } = await import("../plan");
      exit(await runPlan(options, io, overrides.serverSource));
    });

  withVersion(program.command("policy"))
    .summary("gate an exported stack state with the policy pack, offline")
    .description(
      "Audits a `pulumi stack export` file with the policy pack and the stack's policy config (policy/config/<stack>.json), like `pulumi policy analyze` over a file. The export must be of the stack named by --stack.",
    )
    .option(
      "--stack <name>",
      "the stack the export is of (picks policy/config/<name>.json)",
      optionValue,
    )
    .option("--file <state.json>", "the `pulumi stack export` file", optionValue)
    .option(
      "--policy-config <file>",
      "use this policy config instead of policy/config/<stack>.json",
      optionValue,
    )
    .option("--strict", "fail (exit 1) on any advisory violation too")
    .option("--json", "print only JSON on stdout (errors go to stderr)")
    .addHelpText(
      "after",
      helpSections(
        [
          ...GATE_EXIT_CODES.slice(0, 2),
          "2  usage or configuration error, or the export is of another stack",
        ],
        [
          "pulumi stack export --stack prod --file prod.json",
          "npm run policy -- --stack prod --file prod.json",
          "npm run -s policy -- --stack prod --file prod.json --json",
        ],
      ),
    )
    .action(async (options) => {
      const { runPolicy } = await import("../policy");
      exit(await runPolicy(options, io, overrides.serverSource));
    });

  withVersion(program.command("bench"))
    .summary("time the plan and its parts (medians of several runs)")
    .description(
      "Times, as separate processes, the plans (prod alone, every stack in one run) and their parts under Pulumi's default TypeScript handling and under the project's settings, showing each run's progress on stderr, and prints the medians.",
    )
    .option("--runs <n>", "timed runs per measurement, after one warm-up run", optionValue, "5")
    .option(
      "--only <text>",
      "time only the measurements whose label contains this text",
      optionValue,
    )
    .option("--write-readme", "record the medians in the README between the bench markers")
    .option("--json", "print only JSON on stdout (progress still goes to stderr)")
    .addHelpText(
      "after",
      helpSections(
        ["0  done", "2  usage error", "4  a measured command failed (its stderr is printed)"],
        [
          "npm run bench",
          "npm run bench -- --runs 3 --only 'plan of every stack'",
          "npm run bench -- --write-readme",
        ],
      ),
    )
    .action(async (options) => {
      const { runBench } = await import("../bench");
      exit(await runBench(options, io));
    });

  const release = program
    .command("release")
    .summary("deploy, verify, promote and roll back a stack's blue/green release")
    .description(
      "Opens the stack with the Automation API (needs the Pulumi CLI and pulumi login) and talks to Azure with the Azure SDK (needs az login, or OIDC in CI).",
    )
    .enablePositionalOptions();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const args = require("../../release/args") as typeof import("../../release/args");
  args.defineReleaseCommands(release, async (parsed) => {
    const { runReleaseCommand } = await import("../../release/main");
    exit(await runReleaseCommand(parsed, overrides.release ?? {}));
  });

  withVersion(program.command("drill"))
    .summary("rehearse releases offline against a model of Azure")
    .description(
      "Runs the built-in release scenarios (or scenario files) against a local model of Azure with the real program and the real release engine, and prints one line per scenario.",
    )
    .option("--json", "print the results as JSON on stdout (nothing else)")
    .option(
      "--scenario <file>",
      "run a scenario file (YAML or JSON) instead of the built-in ones; repeatable",
      collect,
    )
    .option("--only <id>", "run only the built-in scenario with this id; repeatable", collect)
    .option(
      "--target <target>",
      "containerApps (default) or aks: aks runs the built-in scenarios that have an AKS variant (ids suffixed @aks) on a model of the cluster",
    )
    .addHelpText(
      "after",
      helpSections(
        [
          "0  every scenario ended as expected",
          "1  one or more did not",
          "2  usage error or a bad scenario file",
        ],
        [
          "npm run drill",
          "npm run -s drill -- --json",
          "npm run drill -- --only exception-mid-canary",
          "npm run drill -- --target aks",
          "npm run drill -- --scenario my-release.yaml",
        ],
      ),
    )
    .action(async (options) => {
      const { runDrill } = requireSource<typeof import("../../drill/main")>("drill/main.ts");
      exit(
        await runDrill(
          options,
          (text) => io.stdout(text),
          (text) => io.stderr(text),
        ),
      );
    });

  withVersion(program.command("restore-drill"))
    .summary("restore a stack's PostgreSQL server to a point in time, check it, destroy it")
    .description(
      "Restores the stack's PostgreSQL Flexible Server (read from its outputs) to a point in time into a throwaway stack of the restore program (restore/, its own Pulumi project), reports how long the restore took, runs a SQL check with psql from a Container Apps job in the stack's VNet, and destroys and removes the throwaway stack, also after a failure. Needs the Pulumi CLI and pulumi login, and az login (or OIDC in CI).",
    )
    .option("--stack <name>", "the platform stack whose server is restored", optionValue)
    .option(
      "--restore-time <utc>",
      "the restore point, ISO 8601 UTC such as 2026-11-29T09:45:00Z (default: 15 minutes ago)",
      optionValue,
    )
    .option(
      "--check-image <image>",
      "image with psql for the check (default: docker.io/library/postgres:<server version>-alpine)",
      optionValue,
    )
    .option("--check-query <sql>", "the check's SQL (default: recovery finished, tables readable)")
    .option(
      "--keep",
      "keep the restored server and its stack (a real restore): print how to remove them instead",
    )
    .addHelpText(
      "after",
      helpSections(
        [
          "0  restored, checked and destroyed",
          "1  the check query failed; the restored server was destroyed",
          "2  usage error, the Pulumi CLI is missing, or Azure is not signed in",
          "3  refused before any resource: source not found or not like prod, restore time outside the window",
          "4  the restore failed, timed out or was interrupted; what it created was destroyed",
          "5  cleanup failed: the message names the exact commands that finish it",
        ],
        [
          "npm run restore-drill -- --stack staging",
          "npm run restore-drill -- --stack staging --restore-time 2026-11-29T09:45:00Z",
          "npm run restore-drill -- --stack prod --restore-time 2026-11-29T09:45:00Z --keep",
        ],
      ),
    )
    .action(async (options, command: Command) => {
      const { parseStackName, StackNameError } = await import("./stacks");
      const { UTC_TIME } = await import("../../components/restoredPostgres");
      let stack: string;
      try {
        stack = parseStackName(options.stack).qualified;
      } catch (err) {
        if (err instanceof StackNameError) {
          command.error(`error: ${err.message}`, { exitCode: EXIT_USAGE, code: "restore.usage" });
        }
        throw err;
      }
      const restoreTime: string | undefined = options.restoreTime;
      if (
        restoreTime !== undefined &&
        (!UTC_TIME.test(restoreTime) || isNaN(Date.parse(restoreTime)))
      ) {
        command.error(
          `error: \`--restore-time\` must be an ISO 8601 UTC time such as 2026-11-29T09:45:00Z, got ${restoreTime}`,
          { exitCode: EXIT_USAGE, code: "restore.usage" },
        );
      }
      if (options.checkQuery !== undefined && options.checkQuery.trim() === "") {
        command.error("error: `--check-query` must be SQL, got an empty string", {
          exitCode: EXIT_USAGE,
          code: "restore.usage",
        });
      }
      const { runRestoreDrillCommand } = await import("../../restore/main");
      exit(
        await runRestoreDrillCommand(
          {
            stack,
            restoreTime,
            checkImage: options.checkImage,
            checkQuery: options.checkQuery,
            keep: options.keep === true,
          },
          overrides.restore ?? {},
        ),
      );
    });
  // The one `--stack` rule (./stacks.ts) in every command and subcommand, release's included: a
  // second `--stack` is a usage error, not a silent replacement of the first.
  const withSubcommands = (command: Command): Command[] => [
    command,
    ...command.commands.flatMap(withSubcommands),
  ];
  for (const command of withSubcommands(program)) {
    command.options.find((option) => option.long === "--stack")?.argParser(stackOptionValue);
  }
  return program;
}

/**
 * Runs a command line (without `node` and the script) and returns its exit status. Help and
 * `--version` exit 0; a usage error commander finds (unknown command or option, a missing value)
 * exits 2 after its message and suggestion on stderr. Unexpected errors are thrown.
 */
export async function runCli(
  argv: readonly string[],
  io: Io = processIo,
  overrides: CliOverrides = {},
): Promise<number> {
  let code = 0;
  const program = buildProgram(io, overrides, (status) => (code = status));
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    throw error;
  }
}
