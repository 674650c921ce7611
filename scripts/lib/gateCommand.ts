/**
 * What `plan` and `policy` share: locating the pack and its per-environment config, starting the
 * pack (or reusing one), running the gate and printing the report with the right exit status.
 */
import * as fs from "fs";
import * as path from "path";
import { PolicyPackServer, ROOT_DIR, StackContext, packEnvironment } from "./analyzer";
import { EXIT_PASSED, EXIT_VIOLATED, Io } from "./cli";
import { GateResource, isMandatory, runGate, Violation } from "./gate";
import { preparePack } from "./packBuild";
import { parsePolicyPackConfig, PolicyConfig } from "./policyConfig";
import { Report, renderText } from "./report";
import { UsageError } from "./cli";

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

/** Runs the gate and prints the report; returns the exit status. */
export async function gateAndReport(args: {
  server: PolicyPackServer;
  context: StackContext;
  policyConfig: Record<string, PolicyConfig>;
  policyFile: string;
  resources: GateResource[];
  listed: Report["resources"];
  outputs: Record<string, unknown>;
  json: boolean;
  header: string;
  io: Io;
}): Promise<number> {
  const result = await runGate(args.server, {
    context: args.context,
    policyConfig: args.policyConfig,
    resources: args.resources,
  });
  const report: Report = {
    stack: args.context.stack,
    resources: args.listed,
    outputs: args.outputs,
    violations: result.violations,
  };
  if (args.json) {
    args.io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    args.io.stdout(
      renderText(report, args.header, [
        `Policy pack ${result.info.name}@${result.info.version} with ${path.relative(ROOT_DIR, args.policyFile)}: ${result.violations.length} violations`,
      ]),
    );
  }
  return result.violations.some((v: Violation) => isMandatory(v)) ? EXIT_VIOLATED : EXIT_PASSED;
}
