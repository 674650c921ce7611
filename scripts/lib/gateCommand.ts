/**
 * What `plan` and `policy` share: locating the pack and its per-environment config, starting the
 * pack (or reusing one), running the gate over a stack and printing the report with the right
 * exit status.
 */
import * as fs from "fs";
import * as path from "path";
import { PolicyPackServer, ROOT_DIR, StackContext, packEnvironment } from "./analyzer";
import { EXIT_PASSED, EXIT_VIOLATED, Io, UsageError } from "./cli";
import type { CostEstimate } from "../../policy/lib/cost/estimate";
import { GateResource, runGate } from "./gate";
import { preparePack } from "./packBuild";
import { parsePolicyPackConfig, PolicyConfig } from "./policyConfig";
import { Report, renderText, summarize } from "./report";

export const PACK_DIR = path.join(ROOT_DIR, "policy");

/** Supplies a running pack; the default starts one for this command and stops it afterwards. */
export type ServerSource = (context: StackContext) => Promise<PolicyPackServer>;

/** Starts the committed pack the way the CLI would for this stack. */
export const startPack: ServerSource = (context) =>
  PolicyPackServer.start({ packDir: preparePack(PACK_DIR), env: packEnvironment(context) });

/** Reads `--policy-config`, or the committed `policy/config/<environment>.json`. */
export function loadPolicyConfig(
  environment: string,
  explicit: string | undefined,
  environmentKey: string,
): { file: string; config: Record<string, PolicyConfig> } {
  const file = explicit ?? path.join(PACK_DIR, "config", `${environment}.json`);
  if (!fs.existsSync(file)) {
    throw new UsageError(
      explicit
        ? `policy config ${explicit} does not exist`
        : `${environmentKey} is "${environment}", which has no policy config (expected ${path.relative(ROOT_DIR, file)})`,
    );
  }
  return { file, config: parsePolicyPackConfig(fs.readFileSync(file, "utf8"), file) };
}

/** What one stack's gate found, ready to print. */
export interface GateOutcome {
  report: Report;
  /** `Policy pack <name>@<version> with <config>: N violations`. */
  footer: string;
}

/** Runs the gate over one stack's resources. */
export async function gateStack(args: {
  server: PolicyPackServer;
  context: StackContext;
  policyConfig: Record<string, PolicyConfig>;
  policyFile: string;
  resources: GateResource[];
  listed: Report["resources"];
  outputs: Record<string, unknown>;
  warnings: string[];
  /** The estimated monthly cost, reported by `plan`. */
  cost?: CostEstimate;
}): Promise<GateOutcome> {
  const result = await runGate(args.server, {
    context: args.context,
    policyConfig: args.policyConfig,
    resources: args.resources,
  });
  return {
    report: {
      stack: args.context.stack,
      resources: args.listed,
      outputs: args.outputs,
      violations: result.violations,
      warnings: args.warnings,
      ...(args.cost === undefined ? {} : { cost: args.cost }),
    },
    footer: `Policy pack ${result.info.name}@${result.info.version} with ${path.relative(ROOT_DIR, args.policyFile)}: ${result.violations.length} violations`,
  };
}

/** The exit status of a report: 1 for a mandatory violation (or, with `strict`, any warning). */
export function gateExitCode(report: Report, strict: boolean): number {
  return summarize(report, strict).verdict === "PASSED" ? EXIT_PASSED : EXIT_VIOLATED;
}

/** Prints one stack's report (`--json`: the document only) and returns the exit status. */
export function printOutcome(
  outcome: GateOutcome,
  options: { json: boolean; strict: boolean; header: string; io: Io },
): number {
  if (options.json) {
    options.io.stdout(`${JSON.stringify(outcome.report, null, 2)}\n`);
  } else {
    options.io.stdout(
      renderText(outcome.report, options.header, [outcome.footer], { strict: options.strict }),
    );
  }
  return gateExitCode(outcome.report, options.strict);
}
