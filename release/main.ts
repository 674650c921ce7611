/**
 * Entry point of `npm run release -- <status|deploy|promote|rollback> --stack <name> [...]`:
 * parses the command line, opens the stack with the Automation API and runs the orchestration.
 */
import * as os from "node:os";
import * as path from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { parseArgs, USAGE } from "./args";
import { AutomationReleaseWorkspace, AutomationStack } from "./automation";
import { AppInsightsErrorBudget, AzRevisionReadiness } from "./azure";
import { FetchHttpChecker } from "./http";
import { runRelease } from "./orchestrator";
import { DEFAULT_POLICY, EXIT, ReleaseDeps, Reporter } from "./ports";
import { ReleaseConfigError } from "./state";

/** The repository root: the program's `Pulumi.yaml` and `Pulumi.<stack>.yaml` files. */
export const REPO_ROOT = path.resolve(__dirname, "..");

/** Opens a stack of the program in `workDir`. */
export type OpenStack = (stackName: string, workDir: string) => Promise<AutomationStack>;

const selectStack: OpenStack = (stackName, workDir) =>
  LocalWorkspace.selectStack({ stackName, workDir });

/** Who runs the command, for the release lock: the workflow run in GitHub Actions, else user@host. */
export function releaseOwner(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GITHUB_RUN_ID !== undefined && env.GITHUB_REPOSITORY !== undefined) {
    return `${env.GITHUB_SERVER_URL ?? "https://github.com"}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
  }
  return `${os.userInfo().username}@${os.hostname()} pid ${process.pid}`;
}

const consoleReporter: Reporter = {
  info: (line) => console.log(line),
  error: (line) => console.error(line),
};

/** What `main` wires by default; tests replace the parts that reach Pulumi, Azure or HTTP. */
export type MainOverrides = Partial<Omit<ReleaseDeps, "workspace">> & { openStack?: OpenStack };

/** Runs the command line and returns the exit code. */
export async function main(
  argv: readonly string[],
  overrides: MainOverrides = {},
): Promise<number> {
  const report = overrides.report ?? consoleReporter;
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (err) {
    if (err instanceof ReleaseConfigError) {
      report.error(`error: ${err.message}`);
      report.error(USAGE);
      return EXIT.usage;
    }
    throw err;
  }
  const short = parsed.stack.slice(parsed.stack.lastIndexOf("/") + 1);
  try {
    const stack = await (overrides.openStack ?? selectStack)(parsed.stack, REPO_ROOT);
    const workspace = new AutomationReleaseWorkspace(stack, {
      stackName: parsed.stack,
      policyPack: path.join(REPO_ROOT, "policy"),
      policyPackConfig: path.join(REPO_ROOT, "policy", "config", `${short}.json`),
      onOutput: (line) => process.stdout.write(line),
    });
    return await runRelease(parsed.command, {
      workspace,
      http: overrides.http ?? new FetchHttpChecker(),
      readiness: overrides.readiness ?? new AzRevisionReadiness(),
      budget: overrides.budget ?? new AppInsightsErrorBudget(),
      clock: overrides.clock ?? { sleep: (ms) => new Promise((done) => setTimeout(done, ms)) },
      report,
      policy: overrides.policy ?? DEFAULT_POLICY,
      owner: overrides.owner ?? releaseOwner(),
    });
  } catch (err) {
    report.error(`error: ${(err as Error).message}`);
    return EXIT.checkFailed;
  }
}

/* c8 ignore next 3 */
if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
