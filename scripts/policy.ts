/**
 * `npm run policy -- --stack <name> --file <state.json> [--json] [--policy-config <file>]`
 *
 * The same gate over an exported stack (`pulumi stack export`), for auditing what is deployed:
 * Analyze on each resource's inputs, AnalyzeStack on its outputs, like `pulumi policy analyze`
 * does over a stack's backend state. `--stack` picks the environment's policy config
 * (policy/config/<stack>.json). Exit 0: no mandatory violation; 1: a mandatory policy is violated;
 * 2: configuration error.
 */
import * as fs from "fs";
import * as path from "path";
import { PolicyPackServer, ROOT_DIR, StackContext } from "./lib/analyzer";
import {
  EXIT_CONFIG_ERROR,
  EXIT_PASSED,
  Io,
  parseArgs,
  processIo,
  runAsMain,
  UsageError,
  wantsHelp,
} from "./lib/cli";
import { gateAndReport, loadPolicyConfig, ServerSource, startPack } from "./lib/gateCommand";
import { PolicyConfigError } from "./lib/policyConfig";
import { plannedResource } from "./lib/report";
import { parseStackExport, StackExportError } from "./lib/stackExport";
import { redact } from "./lib/wire";

export const POLICY_USAGE = [
  "usage: npm run policy -- --stack <dev|staging|prod> --file <state.json> [--policy-config <file>] [--json]",
  "Audits an exported stack state (pulumi stack export --file state.json) with the policy pack.",
  "Exit codes: 0 passed, 1 a mandatory policy is violated, 2 a usage or configuration error.",
  "examples:",
  "  pulumi stack export --stack prod --file prod.json && npm run policy -- --stack prod --file prod.json",
].join("\n");

/** Runs the command; returns the exit status. */
export async function policy(
  argv: string[],
  io: Io = processIo,
  serverSource: ServerSource = startPack,
): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout(`${POLICY_USAGE}\n`);
    return EXIT_PASSED;
  }
  let server: PolicyPackServer | undefined;
  try {
    const args = parseArgs(argv, ["stack", "file", "policy-config"], ["json"]);
    if (typeof args.stack !== "string" || typeof args.file !== "string") {
      throw new UsageError("--stack <name> and --file <state.json> are required");
    }
    const file = path.resolve(args.file);
    if (!fs.existsSync(file)) {
      throw new UsageError(`state file ${args.file} does not exist`);
    }
    const policyConfig = loadPolicyConfig(
      args.stack,
      typeof args["policy-config"] === "string" ? args["policy-config"] : undefined,
      "--stack",
    );
    const state = parseStackExport(fs.readFileSync(file, "utf8"), args.file);
    const context: StackContext = {
      stack: state.stack || args.stack,
      project: state.project,
      organization: process.env.PULUMI_ORGANIZATION ?? "",
      dryRun: false,
      config: {},
      secretKeys: [],
      tags: {},
    };
    server = await serverSource(context);
    const root = state.resources.find((r) => r.type === "pulumi:pulumi:Stack");
    return await gateAndReport({
      server,
      context,
      policyConfig: policyConfig.config,
      policyFile: policyConfig.file,
      resources: state.resources,
      listed: state.resources.map(plannedResource),
      outputs: redact(root?.outputs ?? {}) as Record<string, unknown>,
      json: args.json === true,
      header: `Policy audit of ${path.relative(ROOT_DIR, file)} (stack ${context.stack}): ${state.resources.length} resources`,
      io,
    });
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof PolicyConfigError ||
      error instanceof StackExportError
    ) {
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

runAsMain(module, policy);
