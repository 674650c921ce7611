/**
 * `npm run policy -- --stack <name> --file <state.json> [--policy-config <file>] [--strict]
 *  [--json]`
 *
 * The same gate over an exported stack (`pulumi stack export`), for auditing what is deployed:
 * Analyze on each resource's inputs, AnalyzeStack on its outputs, like `pulumi policy analyze`
 * does over a stack's backend state. `--stack` picks the environment's policy config
 * (policy/config/<stack>.json), so the export must be of that stack: its root URN
 * (`urn:pulumi:<stack>::...`) and its `environment` tags must name it. Exit 0: no mandatory
 * violation; 1: a mandatory policy is violated (or an advisory one with `--strict`); 2: usage or
 * configuration error, or an export of another stack.
 */
import * as fs from "fs";
import * as path from "path";
import { PolicyPackServer, ROOT_DIR, StackContext } from "./lib/analyzer";
import { EXIT_CONFIG_ERROR, Io, processIo, UsageError } from "./lib/cli";
import {
  gateStack,
  loadPolicyConfig,
  printOutcome,
  ServerSource,
  startPack,
} from "./lib/gateCommand";
import { GateResource } from "./lib/gate";
import { plannedResource } from "./lib/report";
import { parseStackExport } from "./lib/stackExport";
import { isUserError } from "./lib/userErrors";
import { redact } from "./lib/wire";
import { parseStackName } from "./cli/stacks";
import { CliOverrides, runCli } from "./cli/program";

/** The options commander collected (`scripts/cli/program.ts`). */
export interface PolicyOptions {
  stack?: string;
  file?: string;
  policyConfig?: string;
  strict?: boolean;
  json?: boolean;
}

/** The first `environment` tag in the export, and the resource that carries it. */
function environmentTag(resources: GateResource[]): { value: string; urn: string } | undefined {
  for (const resource of resources) {
    const tags = resource.inputs.tags;
    if (typeof tags === "object" && tags !== null) {
      const value = (tags as Record<string, unknown>).environment;
      if (typeof value === "string") {
        return { value, urn: resource.urn };
      }
    }
  }
  return undefined;
}

/**
 * Refuses an export of another stack than `--stack` names: its policy config would judge it by
 * the wrong environment's rules. Throws UsageError naming both.
 */
export function checkExportStack(
  stack: string,
  file: string,
  exported: { stack: string; resources: GateResource[] },
  policyFile: string,
): void {
  const root = exported.resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn;
  const config = path.relative(ROOT_DIR, policyFile);
  if (exported.stack !== "" && exported.stack !== stack) {
    throw new UsageError(
      `${file} is an export of stack ${exported.stack} (${root ?? exported.resources[0].urn}), not of --stack ${stack}: it would be judged by ${config}; run with --stack ${exported.stack}`,
    );
  }
  const tag = environmentTag(exported.resources);
  if (tag !== undefined && tag.value !== stack) {
    throw new UsageError(
      `${file} is an export of environment ${tag.value} (tag environment on ${tag.urn}), not of --stack ${stack}: it would be judged by ${config}; run with --stack ${tag.value}`,
    );
  }
}

/** Runs `policy` with the options commander collected; returns the exit status. */
export async function runPolicy(
  options: PolicyOptions,
  io: Io = processIo,
  serverSource: ServerSource = startPack,
): Promise<number> {
  let server: PolicyPackServer | undefined;
  try {
    if (options.stack === undefined || options.file === undefined) {
      throw new UsageError("--stack <name> and --file <state.json> are required");
    }
    const stack = parseStackName(options.stack).name;
    const file = path.resolve(options.file);
    if (!fs.existsSync(file)) {
      throw new UsageError(`state file ${options.file} does not exist`);
    }
    const policyConfig = loadPolicyConfig(stack, options.policyConfig, "--stack");
    const state = parseStackExport(fs.readFileSync(file, "utf8"), options.file);
    checkExportStack(stack, options.file, state, policyConfig.file);
    const context: StackContext = {
      stack: state.stack || stack,
      project: state.project,
      organization: process.env.PULUMI_ORGANIZATION ?? "",
      dryRun: false,
      config: {},
      secretKeys: [],
      tags: {},
    };
    server = await serverSource(context);
    const root = state.resources.find((r) => r.type === "pulumi:pulumi:Stack");
    const outcome = await gateStack({
      server,
      context,
      policyConfig: policyConfig.config,
      policyFile: policyConfig.file,
      resources: state.resources,
      listed: state.resources.map(plannedResource),
      outputs: redact(root?.outputs ?? {}) as Record<string, unknown>,
      warnings: [],
    });
    return printOutcome(outcome, {
      json: options.json === true,
      strict: options.strict === true,
      header: `Policy audit of ${path.relative(ROOT_DIR, file)} (stack ${context.stack}): ${state.resources.length} resources`,
      io,
    });
  } catch (error) {
    if (isUserError(error)) {
      io.stderr(`error: ${error.message}\n`);
      return EXIT_CONFIG_ERROR;
    }
    throw error;
  } finally {
    if (server !== undefined && serverSource === startPack) {
      await server.stop();
    }
  }
}

/** `policy` with a command line (without `policy`), through the CLI: `npm run policy -- ...`. */
export function policy(
  argv: readonly string[],
  io: Io = processIo,
  serverSource?: ServerSource,
): Promise<number> {
  const overrides: CliOverrides = serverSource === undefined ? {} : { serverSource };
  return runCli(["policy", ...argv], io, overrides);
}
