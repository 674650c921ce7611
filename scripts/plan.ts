/**
 * `npm run plan -- [--stack <name> | --config-file <Pulumi.x.yaml> | --all] [--policy-config
 *  <file>] [--strict] [--json]`
 *
 * The policy gate without cloud credentials: runs the program under Pulumi's mock runtime with a
 * stack's real config (as a preview), lists what it would create, and runs the policy pack
 * through the Analyzer protocol with the environment's policy config. Without `--stack` or
 * `--config-file`, every stack of the repository is planned in one process: one pack start, one
 * program load, one simulation and one gate per stack, then a summary table. Every warning (the
 * program's `pulumi.log.warn`, the policies' advisory violations) is printed and counted;
 * `--strict` fails on them. Exit 0: no mandatory violation; 1: a mandatory policy is violated (or
 * a warning with `--strict`); 2: usage or configuration error (the message names the key).
 */
import * as fs from "fs";
import * as path from "path";
import { PolicyPackServer, ROOT_DIR, StackContext } from "./lib/analyzer";
import {
  EXIT_CONFIG_ERROR,
  EXIT_PASSED,
  EXIT_VIOLATED,
  Io,
  processIo,
  UsageError,
} from "./lib/cli";
import {
  gateExitCode,
  GateOutcome,
  gateStack,
  loadPolicyConfig,
  printOutcome,
  ServerSource,
  startPack,
} from "./lib/gateCommand";
import { plannedResource, renderSummaryTable, renderText, Summary, summarize } from "./lib/report";
import { fromSimulation } from "../simulator/gateResources";
import type { SimulationResult, StackConfig } from "../simulator/simulate";
import { estimateMonthlyCost } from "../policy/lib/cost/estimate";
import { redact, secret } from "./lib/wire";
import { parseStackName, repositoryStacks } from "./cli/stacks";
import { isUserError } from "./lib/userErrors";
import { runCli, CliOverrides } from "./cli/program";

/** The project name (Pulumi.yaml); lib/config is loaded only after the pack has been started. */
const PROJECT = "chatbot-platform";
const ENVIRONMENT_KEY = `${PROJECT}:environment`;

/** The options commander collected (`scripts/cli/program.ts`). */
export interface PlanOptions {
  stack?: string;
  all?: boolean;
  configFile?: string;
  policyConfig?: string;
  strict?: boolean;
  json?: boolean;
  /** Plan as if the stack file set `chatbot-platform:target` to this. */
  target?: string;
}

/** One stack to plan. */
export interface Target {
  stack: string;
  /** Its stack file, `Pulumi.<stack>.yaml`. */
  configFile: string;
  /** `--policy-config`: instead of `policy/config/<environment>.json`. */
  policyConfig?: string;
}

/** The stacks the options name; throws UsageError or StackNameError. */
function targets(options: PlanOptions): Target[] {
  if (options.configFile !== undefined) {
    const configFile = path.resolve(options.configFile);
    if (!fs.existsSync(configFile)) {
      throw new UsageError(`stack config file ${options.configFile} does not exist`);
    }
    const stack = /^Pulumi\.([A-Za-z0-9][A-Za-z0-9_.-]*)\.yaml$/.exec(
      path.basename(configFile),
    )?.[1];
    if (stack === undefined) {
      throw new UsageError(
        `--config-file must name a file Pulumi.<stack>.yaml (the stack is named by it), got ${options.configFile}`,
      );
    }
    return [{ stack, configFile, policyConfig: options.policyConfig }];
  }
  const stacks =
    options.stack === undefined ? repositoryStacks() : [parseStackName(options.stack).name];
  if (options.policyConfig !== undefined && stacks.length > 1) {
    throw new UsageError(
      "--policy-config applies to one stack: add --stack <name> or --config-file <path>",
    );
  }
  return stacks.map((stack) => ({
    stack,
    configFile: path.join(ROOT_DIR, `Pulumi.${stack}.yaml`),
    policyConfig: options.policyConfig,
  }));
}

function stackContext(stack: string): StackContext {
  return {
    stack,
    project: PROJECT,
    organization: process.env.PULUMI_ORGANIZATION ?? "",
    dryRun: true,
    config: {},
    secretKeys: [],
    tags: { "pulumi:project": PROJECT, "pulumi:runtime": "nodejs" },
  };
}

/**
 * Previews by stack and stack config (the stack file with the project's defaults, and the
 * target). Under the offline mocks the program's preview depends on nothing else (every invoke
 * gets a fixed answer; the program is loaded once per process), so a process that plans the same
 * stack file again, as the tests do when they run the command line in-process, evaluates it
 * once. Each plan gets its own copy of the result; a failed preview is not kept.
 */
const previews = new Map<string, Promise<SimulationResult>>();

async function preview(
  stack: string,
  config: StackConfig,
  simulate: typeof import("../simulator/simulate").simulateStack,
): Promise<SimulationResult> {
  const key = JSON.stringify([stack, config.config, [...config.secretKeys].sort()]);
  let evaluation = previews.get(key);
  if (evaluation === undefined) {
    evaluation = simulate({ stack, config, preview: true });
    previews.set(key, evaluation);
    evaluation.catch(() => previews.delete(key));
  }
  return structuredClone(await evaluation);
}

/**
 * Gate outcomes by pack process and everything the gate sends it (stack context, policy config,
 * resources) and reports (the preview's listing, outputs, warnings and cost): the pack's policies
 * are functions of what they are sent, so a process that plans the same stack file again on the
 * same pack asks the pack once. Each plan gets its own copy; a failed gate is not kept.
 */
const outcomes = new WeakMap<PolicyPackServer, Map<string, Promise<GateOutcome>>>();

function gateOnce(args: Parameters<typeof gateStack>[0]): Promise<GateOutcome> {
  const { server, ...inputs } = args;
  let byInputs = outcomes.get(server);
  if (byInputs === undefined) {
    byInputs = new Map();
    outcomes.set(server, byInputs);
  }
  const key = JSON.stringify(inputs);
  let outcome = byInputs.get(key);
  if (outcome === undefined) {
    outcome = gateStack(args);
    byInputs.set(key, outcome);
    outcome.catch(() => byInputs.delete(key));
  }
  return outcome.then((done) => structuredClone(done));
}

/** A stack file as messages name it: relative to the repository when it is in it. */
function shownFile(file: string): string {
  const relative = path.relative(ROOT_DIR, file);
  return relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

/**
 * The rejection of a stack file without `chatbot-platform:environment`: the program's own
 * (lib/config, the schema requires the key; with every other problem of the file), located in the
 * file. The plan cannot go on without it: the environment picks the policy config.
 */
async function environmentMissing(target: Target, stackConfig: StackConfig): Promise<Error> {
  const { parseConfig } = await import("../lib/config");
  const strip = (key: string) =>
    key.startsWith(`${PROJECT}:`) ? key.slice(PROJECT.length + 1) : key;
  const raw = Object.fromEntries(
    Object.entries(stackConfig.config).map(([key, value]) => [strip(key), value]),
  );
  try {
    parseConfig(raw, target.stack, {
      source: {
        file: shownFile(target.configFile),
        text: fs.readFileSync(target.configFile, "utf8"),
      },
      secretKeys: stackConfig.secretKeys.map(strip),
      projectDir: ROOT_DIR,
    });
  } catch (error) {
    return error as Error;
  }
  // Unreachable while the schema requires the key; kept so that the plan never guesses one.
  return new UsageError(`${shownFile(target.configFile)}: ${ENVIRONMENT_KEY} is not set`);
}

/** One planned stack: its gate outcome, or the configuration error that stopped it. */
type Planned =
  { target: Target; header: string; outcome: GateOutcome } | { target: Target; error: Error };

/**
 * Simulates each stack in turn and gates it on the running pack; a stack's gate (mostly the
 * pack's work, in its own process) overlaps the next stack's simulation. The gates run one at a
 * time: each configures the pack for its stack.
 */
async function planAll(
  list: Target[],
  options: PlanOptions,
  server: Promise<PolicyPackServer>,
): Promise<Planned[]> {
  const { loadStackConfig, simulateStack } = await import("../simulator/simulate");
  let gates: Promise<unknown> = Promise.resolve();
  const planned: Promise<Planned>[] = [];
  for (const target of list) {
    const { stack, configFile } = target;
    const context = stackContext(stack);
    let simulation;
    let stackConfig;
    let policy;
    let environment;
    try {
      stackConfig = loadStackConfig(configFile, path.join(ROOT_DIR, "Pulumi.yaml"));
      if (options.target !== undefined) {
        stackConfig.config[`${PROJECT}:target`] = options.target;
      }
      environment = stackConfig.config[ENVIRONMENT_KEY];
      if (environment === undefined) {
        throw await environmentMissing(target, stackConfig);
      }
      policy = loadPolicyConfig(environment, target.policyConfig, ENVIRONMENT_KEY);
      context.config = stackConfig.config;
      context.secretKeys = stackConfig.secretKeys;
      simulation = await preview(stack, stackConfig, simulateStack);
    } catch (error) {
      if (!isUserError(error)) {
        await Promise.allSettled(planned);
        throw error;
      }
      planned.push(Promise.resolve({ target, error }));
      continue;
    }
    const result = simulation;
    const outputs = Object.fromEntries(
      Object.entries(result.outputs).map(([key, value]) => [
        key,
        redact(result.secretOutputs.includes(key) ? secret(value) : value),
      ]),
    );
    const gate = { server, context, policy, resources: fromSimulation(result, stackConfig.config) };
    // The same estimate the cost-ceiling policy makes, from what the program registered.
    const cost = estimateMonthlyCost(
      result.resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, props: r.inputs })),
      environment,
    );
    const done = gates.then(async () =>
      gateOnce({
        server: await gate.server,
        context: gate.context,
        policyConfig: gate.policy.config,
        policyFile: gate.policy.file,
        resources: gate.resources,
        listed: result.resources.map((r) => plannedResource({ ...r, inputs: r.serializedInputs })),
        outputs,
        warnings: result.warnings,
        cost,
      }),
    );
    gates = done.catch(() => undefined);
    planned.push(
      done.then(
        (outcome): Planned => ({
          target,
          outcome,
          header: `Plan for stack ${stack} (${path.relative(ROOT_DIR, configFile)}; preview under mocks, no cloud access): ${result.resources.length} resources`,
        }),
        // The gate refuses a policy config whose policy or setting the pack does not know.
        (error: unknown): Planned => {
          if (isUserError(error)) return { target, error };
          throw error;
        },
      ),
    );
  }
  return Promise.all(planned);
}

/** Prints several stacks: each one's violations and warnings, then the summary table. */
function printAll(planned: Planned[], options: PlanOptions, io: Io): number {
  const strict = options.strict === true;
  const summary: Summary[] = planned.map((item) =>
    "error" in item
      ? {
          stack: item.target.stack,
          resources: 0,
          mandatory: 0,
          advisory: 0,
          warnings: 0,
          verdict: "ERROR",
          error: item.error.message,
        }
      : summarize(item.outcome.report, strict),
  );
  for (const item of planned) {
    if ("error" in item) {
      // With --json, stdout carries the document only (its summary row has the error too).
      if (options.json) io.stderr(`error: stack ${item.target.stack}: ${item.error.message}\n`);
    } else if (!options.json) {
      io.stdout(
        `${renderText(item.outcome.report, item.header, [item.outcome.footer], { strict, listResources: false })}\n`,
      );
    }
  }
  if (options.json) {
    const stacks = planned.flatMap((item) => ("error" in item ? [] : [item.outcome.report]));
    io.stdout(`${JSON.stringify({ stacks, summary }, null, 2)}\n`);
  } else {
    io.stdout(renderSummaryTable(summary));
  }
  if (summary.some((row) => row.verdict === "ERROR")) {
    return EXIT_CONFIG_ERROR;
  }
  const violated = planned.some(
    (item) => "outcome" in item && gateExitCode(item.outcome.report, strict) === EXIT_VIOLATED,
  );
  return violated ? EXIT_VIOLATED : EXIT_PASSED;
}

/** Runs `plan` with the options commander collected; returns the exit status. */
export async function runPlan(
  options: PlanOptions,
  io: Io = processIo,
  serverSource: ServerSource = startPack,
): Promise<number> {
  let list: Target[];
  try {
    list = targets(options);
  } catch (error) {
    if (isUserError(error)) {
      io.stderr(`error: ${error.message}\n`);
      return EXIT_CONFIG_ERROR;
    }
    throw error;
  }
  return planStacks(list, options, io, serverSource);
}

/**
 * Plans the given stacks (one, as its own report, or several, with the summary table; `--all`
 * means several); returns the exit status. A stack whose stack file or policy config the user
 * must fix (`isUserError`) is an error of that stack only: exit 2 with its message, or with
 * several stacks, `ERROR` in the summary while the others are planned.
 */
export async function planStacks(
  list: Target[],
  options: PlanOptions,
  io: Io = processIo,
  serverSource: ServerSource = startPack,
): Promise<number> {
  const single = list.length === 1 && options.all !== true;
  // Start the pack first: it boots in its own process while the program loads and runs here. Its
  // environment carries no PULUMI_CONFIG (the CLI would put decrypted secrets there) and, for
  // several stacks, no stack name: each gate sends its stack's config through ConfigureStack.
  const starting = serverSource(stackContext(single ? list[0].stack : ""));
  starting.catch(() => undefined);
  try {
    const planned = await planAll(list, options, starting);
    if (!single) {
      return printAll(planned, options, io);
    }
    const [item] = planned;
    if ("error" in item) {
      io.stderr(`error: ${item.error.message}\n`);
      return EXIT_CONFIG_ERROR;
    }
    return printOutcome(item.outcome, {
      json: options.json === true,
      strict: options.strict === true,
      header: item.header,
      io,
    });
  } finally {
    const server = await starting.catch(() => undefined);
    if (server !== undefined && serverSource === startPack) {
      await server.stop();
    }
  }
}

/** `plan` with a command line (without `plan`), through the CLI: what `npm run plan -- ...` runs. */
export function plan(
  argv: readonly string[],
  io: Io = processIo,
  serverSource?: ServerSource,
): Promise<number> {
  const overrides: CliOverrides = serverSource === undefined ? {} : { serverSource };
  return runCli(["plan", ...argv], io, overrides);
}
