/**
 * Entry point of `npm run release -- <status|deploy|promote|rollback> --stack <name> [...]`:
 * parses the command line, opens the stack with the Automation API, connects to Azure with the
 * SDK and runs the engine. SIGINT and SIGTERM (a cancelled CI job) abort the engine, which puts
 * traffic back before it exits.
 */
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { DefaultAzureCredential } from "@azure/identity";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { parseArgs, USAGE, wantsHelp } from "./args";
import { AutomationReleaseWorkspace, AutomationStack } from "./automation";
import { ArmContainerApps, LogsTelemetry } from "./azure";
import { FetchHttpChecker } from "./http";
import { runRelease } from "./orchestrator";
import {
  Clock,
  ContainerAppPort,
  DEFAULT_TIMINGS,
  EXIT,
  ReleaseDeps,
  ReleaseWorkspace,
  Reporter,
  TelemetryPort,
} from "./ports";
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

/** Real time; a sleep ends early (rejecting) when the signal aborts. */
export const realClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    try {
      await delay(ms, undefined, signal === undefined ? {} : { signal });
    } catch (err) {
      // `timers/promises` rejects with an AbortError; the Clock contract is the signal's reason.
      throw signal?.aborted === true ? signal.reason : err;
    }
  },
};

/** The Azure ports for a subscription. */
export interface AzurePorts {
  readonly azure: ContainerAppPort;
  readonly telemetry: TelemetryPort;
}

function sdkPorts(subscriptionId: string): AzurePorts {
  const credential = new DefaultAzureCredential();
  return {
    azure: new ArmContainerApps(credential, subscriptionId),
    telemetry: new LogsTelemetry(credential),
  };
}

/** What `main` wires by default; tests and the drill replace the parts that reach out. */
export interface MainOverrides {
  readonly report?: Reporter;
  readonly openWorkspace?: (stackName: string) => Promise<ReleaseWorkspace>;
  readonly azurePorts?: (subscriptionId: string) => AzurePorts;
  readonly deps?: Partial<Omit<ReleaseDeps, "workspace" | "azure" | "telemetry">>;
}

function automationWorkspace(stackName: string, onOutput: (line: string) => void) {
  const short = stackName.slice(stackName.lastIndexOf("/") + 1);
  return async (): Promise<ReleaseWorkspace> =>
    new AutomationReleaseWorkspace(await selectStack(stackName, REPO_ROOT), {
      stackName,
      policyPack: path.join(REPO_ROOT, "policy"),
      policyPackConfig: path.join(REPO_ROOT, "policy", "config", `${short}.json`),
      onOutput,
    });
}

/** Runs the command line and returns the exit code. */
export async function main(
  argv: readonly string[],
  overrides: MainOverrides = {},
): Promise<number> {
  const report = overrides.report ?? consoleReporter;
  if (wantsHelp(argv)) {
    report.info(USAGE);
    return EXIT.ok;
  }
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
  let workspace: ReleaseWorkspace;
  let subscriptionId: string;
  try {
    workspace = await (
      overrides.openWorkspace ??
      ((name: string) => automationWorkspace(name, (line) => process.stdout.write(line))())
    )(parsed.stack);
    subscriptionId =
      (await workspace.outputs()).subscriptionId ??
      process.env.ARM_SUBSCRIPTION_ID ??
      process.env.AZURE_SUBSCRIPTION_ID ??
      "";
  } catch (err) {
    const message = (err as Error).message;
    report.error(
      /ENOENT|not found|command not found/i.test(message) && /pulumi/i.test(message)
        ? `error: the Pulumi CLI is needed (https://www.pulumi.com/docs/iac/download-install/): ${message}`
        : `error: cannot open stack ${parsed.stack}: ${message}`,
    );
    return EXIT.refused;
  }
  if (!/^[0-9a-f-]{36}$/i.test(subscriptionId)) {
    report.error(
      `refused: no Azure subscription: stack ${parsed.stack} exports no \`subscriptionId\` (run pulumi up --stack ${parsed.stack} once to add the output) and ARM_SUBSCRIPTION_ID is not set; nothing changed`,
    );
    return EXIT.refused;
  }
  const ports = (overrides.azurePorts ?? sdkPorts)(subscriptionId);
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      report.error(`received ${signal}: stopping; traffic is put back before the command exits`);
      controller.abort(new Error(signal));
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await runRelease(parsed.command, {
      workspace,
      ...ports,
      http: new FetchHttpChecker(),
      clock: realClock,
      report,
      timings: DEFAULT_TIMINGS,
      owner: releaseOwner(),
      signal: controller.signal,
      lockWaitMs: parsed.waitForLockMs,
      ...overrides.deps,
    });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/* c8 ignore next 3 */
if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
