/**
 * `npm run plan -- --stack <dev|staging|prod> | --config-file <Pulumi.x.yaml> [--json]
 *  [--policy-config <file>]`
 *
 * The policy gate without cloud credentials: runs the program under Pulumi's mock runtime with the
 * stack's real config (as a preview), lists what it would create, and runs the policy pack through
 * the Analyzer protocol with the environment's policy config. Exit 0: no mandatory violation;
 * 1: a mandatory policy is violated; 2: configuration error (the message names the key).
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
import { plannedResource } from "./lib/report";
import { fromSimulation } from "./lib/simulation";
import { PolicyConfigError } from "./lib/policyConfig";
import { redact, secret } from "./lib/wire";

/** The project name (Pulumi.yaml); lib/config is loaded only after the pack has been started. */
const PROJECT = "chatbot-platform";
const ENVIRONMENT_KEY = `${PROJECT}:environment`;

/** Runs the command; returns the exit status. */
export const PLAN_USAGE = [
  "usage: npm run plan -- (--stack <dev|staging|prod> | --config-file <Pulumi.<stack>.yaml>) [--policy-config <file>] [--json]",
  "Runs the program under Pulumi's mock runtime (no cloud access) and gates the result with the",
  "policy pack and the stack's policy config. Exit codes: 0 passed, 1 a mandatory policy is",
  "violated, 2 a usage or configuration error.",
  "examples:",
  "  npm run plan -- --stack dev",
  "  npm run -s plan -- --stack prod --json",
].join("\n");

export async function plan(
  argv: string[],
  io: Io = processIo,
  serverSource: ServerSource = startPack,
): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout(`${PLAN_USAGE}\n`);
    return EXIT_PASSED;
  }
  let server: PolicyPackServer | undefined;
  try {
    const args = parseArgs(argv, ["stack", "config-file", "policy-config"], ["json"]);
    const configFile =
      typeof args["config-file"] === "string"
        ? path.resolve(args["config-file"])
        : typeof args.stack === "string"
          ? path.join(ROOT_DIR, `Pulumi.${args.stack}.yaml`)
          : undefined;
    if (configFile === undefined) {
      throw new UsageError("--stack <name> or --config-file <path> is required");
    }
    if (!fs.existsSync(configFile)) {
      throw new UsageError(`stack config file ${configFile} does not exist`);
    }
    const stack =
      typeof args.stack === "string"
        ? args.stack
        : (/^Pulumi\.(.+)\.yaml$/.exec(path.basename(configFile))?.[1] ?? "stack");
    const context: StackContext = {
      stack,
      project: PROJECT,
      organization: process.env.PULUMI_ORGANIZATION ?? "",
      dryRun: true,
      config: {},
      secretKeys: [],
      tags: { "pulumi:project": PROJECT, "pulumi:runtime": "nodejs" },
    };
    // Start the pack first: it boots in its own process while the program loads and runs here.
    // Its environment carries no PULUMI_CONFIG (the CLI would put decrypted secrets there); the
    // pack receives the stack config through ConfigureStack.
    const starting = serverSource(context);
    starting.catch(() => undefined);
    let simulation;
    let stackConfig;
    let policy;
    try {
      const { loadStackConfig, simulateStack } = await import("../lib/simulate");
      stackConfig = loadStackConfig(configFile, path.join(ROOT_DIR, "Pulumi.yaml"));
      const environment = stackConfig.config[ENVIRONMENT_KEY] ?? stack;
      policy = loadPolicyConfig(
        environment,
        typeof args["policy-config"] === "string" ? args["policy-config"] : undefined,
        ENVIRONMENT_KEY,
      );
      context.config = stackConfig.config;
      context.secretKeys = stackConfig.secretKeys;
      simulation = await simulateStack({ stack, config: stackConfig, preview: true });
    } finally {
      server = await starting;
    }
    const outputs = Object.fromEntries(
      Object.entries(simulation.outputs).map(([key, value]) => [
        key,
        redact(simulation.secretOutputs.includes(key) ? secret(value) : value),
      ]),
    );
    return await gateAndReport({
      server,
      context,
      policyConfig: policy.config,
      policyFile: policy.file,
      resources: fromSimulation(simulation, stackConfig.config),
      listed: simulation.resources.map((r) =>
        plannedResource({ ...r, inputs: r.serializedInputs }),
      ),
      outputs,
      json: args.json === true,
      header: `Plan for stack ${stack} (${path.relative(ROOT_DIR, configFile)}; preview under mocks, no cloud access): ${simulation.resources.length} resources`,
      io,
    });
  } catch (error) {
    if (
      (error instanceof Error && error.name === "ConfigError") ||
      error instanceof UsageError ||
      error instanceof PolicyConfigError
    ) {
      // ConfigError (lib/config) names the stack config key in its message.
      io.stderr(`error: ${(error as Error).message}\n`);
      return EXIT_CONFIG_ERROR;
    }
    throw error;
  } finally {
    if (server !== undefined && serverSource === startPack) {
      await server.stop();
    }
  }
}

runAsMain(module, plan);
