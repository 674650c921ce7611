/**
 * Entry point of `npm run release -- <status|deploy|promote|rollback|unlock> --stack <name> [...]`:
 * the command line is parsed by the project's CLI (`scripts/cli/program.ts`, definitions in
 * `./args`); this module opens the stack with the Automation API, signs in to Azure with the SDK
 * and runs the engine. A missing Pulumi CLI or Azure sign-in is named with the command that fixes
 * it (exit 2). SIGINT and SIGTERM (a cancelled CI job) abort the engine, which puts traffic back
 * before it exits. On a terminal, the engine's waits show as one progress line.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { DefaultAzureCredential } from "@azure/identity";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { Io } from "../scripts/lib/cli";
import { ProgressReporter } from "../scripts/cli/progress";
import { runCli } from "../scripts/cli/program";
import { ROOT_DIR } from "../scripts/lib/root";
import { ParsedArgs } from "./args";
import { AutomationReleaseWorkspace, AutomationStack } from "./automation";
import { ArmContainerApps, LogsTelemetry } from "./azure";
import { FetchHttpChecker } from "./http";
import { aksPorts, targetOf } from "./targets";
import { runRelease, unlock } from "./orchestrator";
import { WebhookNotifier, WebhookOptions } from "./webhook";
import {
  CheckoutRefresh,
  Clock,
  DependenciesChanged,
  ContainerAppPort,
  DEFAULT_TIMINGS,
  EXIT,
  Notifier,
  ReleaseDeps,
  ReleaseWorkspace,
  Reporter,
  TelemetryPort,
} from "./ports";

/**
 * The repository root: the program's `Pulumi.yaml` and `Pulumi.<stack>.yaml` files (found from
 * this file's directory upwards, so the JavaScript build under node_modules/.cache finds it too).
 */
export const REPO_ROOT = ROOT_DIR;

/** Opens a stack of the program in `workDir`. */
export type OpenStack = (stackName: string, workDir: string) => Promise<AutomationStack>;

const selectStack: OpenStack = (stackName, workDir) =>
  LocalWorkspace.selectStack({ stackName, workDir });

/**
 * Who runs the command, for the release lock: the workflow run's attempt in GitHub Actions (a
 * re-run is another attempt of the same run, so it never shares a holder with the attempt before
 * it), else user@host.
 */
export function releaseOwner(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GITHUB_RUN_ID !== undefined && env.GITHUB_REPOSITORY !== undefined) {
    const run = `${env.GITHUB_SERVER_URL ?? "https://github.com"}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
    return env.GITHUB_RUN_ATTEMPT === undefined || env.GITHUB_RUN_ATTEMPT === ""
      ? run
      : `${run}/attempts/${env.GITHUB_RUN_ATTEMPT}`;
  }
  return `${os.userInfo().username}@${os.hostname()} pid ${process.pid}`;
}

/** Runs a program without a shell; resolves with its stdout, rejects with its stderr when it fails. */
export type RunFile = (file: string, args: readonly string[], cwd: string) => Promise<string>;

const runFile: RunFile = (file, args, cwd) =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], { cwd, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err === null) {
        resolve(String(stdout));
      } else {
        const why = String(stderr).trim().split("\n").filter(Boolean).pop();
        reject(new Error(why ?? err.message));
      }
    });
  });

/**
 * What `npm ci` installed from in the release job: the root's and the policy pack's manifests.
 * The job audited what they pinned; a checkout update that changes one would run the new program
 * with the old packages.
 */
export const DEPENDENCY_FILES: readonly string[] = [
  "package.json",
  "package-lock.json",
  "policy/package.json",
  "policy/package-lock.json",
];

/**
 * `--refresh-from <remote>/<branch>`: brings the checkout up to the branch, so a release that
 * waited for the lock reads the stack file the release before it committed (a job's checkout is
 * as old as the job): `git fetch <remote> <branch>`, then `git merge --ff-only FETCH_HEAD`.
 * Fast-forward only: a checkout with commits or changes of its own is left as it is (git's reason
 * is the error). With `refuseDependencyChanges` (a deploy, which runs the checkout's program), a
 * branch whose `DEPENDENCY_FILES` differ from the checkout's throws `DependenciesChanged` before
 * the merge: the checkout never moves to sources the installed packages were not made for.
 */
export function gitRefresh(
  remote: string,
  branch: string,
  cwd: string = REPO_ROOT,
  run: RunFile = runFile,
): CheckoutRefresh {
  const fetch = ["fetch", remote, branch];
  const merge = ["merge", "--ff-only", "FETCH_HEAD"];
  const revision = async (ref: string) => (await run("git", ["rev-parse", ref], cwd)).trim();
  return {
    command: `git ${fetch.join(" ")} && git ${merge.join(" ")}`,
    run: async ({ refuseDependencyChanges }) => {
      await run("git", fetch, cwd);
      if (refuseDependencyChanges) {
        const diff = await run(
          "git",
          ["diff", "--name-only", "HEAD", "FETCH_HEAD", "--", ...DEPENDENCY_FILES],
          cwd,
        );
        const changed = diff.split("\n").filter((line) => line !== "");
        if (changed.length > 0) {
          throw new DependenciesChanged(
            changed,
            await revision("HEAD"),
            await revision("FETCH_HEAD"),
            `${remote}/${branch}`,
          );
        }
      }
      await run("git", merge, cwd);
    },
  };
}

/**
 * `--keep-lock <file>`: writes the release lock's holder to the file just before the lock is
 * written (the release workflow's unlock step reads it, also after a failed or cancelled command,
 * and removes the lock only while it names that holder).
 */
export function keepLockIn(file: string): (holder: string) => Promise<void> {
  return (holder) => fs.promises.writeFile(file, `${holder}\n`);
}

/** Where to install the Pulumi CLI. */
export const PULUMI_INSTALL_URL = "https://www.pulumi.com/docs/iac/download-install/";

/** The scope of an Azure Resource Manager token. */
const ARM_SCOPE = "https://management.azure.com/.default";

/** The error names of `@azure/identity` when no credential can sign in. */
const AZURE_SIGN_IN_ERRORS = [
  "CredentialUnavailableError",
  "AuthenticationError",
  "AggregateAuthenticationError",
  "AuthenticationRequiredError",
];

/**
 * The message for a missing Pulumi CLI (the Automation API's `spawn pulumi ENOENT`), or undefined
 * for another error.
 */
export function missingPulumiCli(err: unknown): string | undefined {
  const message = err instanceof Error ? err.message : String(err);
  const spawn = /spawn \S*pulumi\S* ENOENT/.exec(message);
  if (spawn === null) {
    return undefined;
  }
  return `error: the Pulumi CLI is not installed or not on PATH (${spawn[0]}): install it (${PULUMI_INSTALL_URL}), then pulumi login; nothing changed`;
}

/**
 * The message for an Azure sign-in that failed (`DefaultAzureCredential`'s
 * CredentialUnavailableError, AuthenticationError, ...), or undefined for another error.
 */
export function azureSignInProblem(err: unknown): string | undefined {
  if (!(err instanceof Error) || !AZURE_SIGN_IN_ERRORS.includes(err.name)) {
    return undefined;
  }
  const lines = err.message.split("\n");
  const cli = lines.find((line) => line.includes("AzureCliCredential"));
  const why = [lines[0], ...(cli === undefined || cli === lines[0] ? [] : [cli])].join(" ");
  return `error: not signed in to Azure (${err.name}: ${why}): run az login (and az account set --subscription <id>), or in CI sign in by OIDC (azure/login with client-id, tenant-id and subscription-id, or ARM_CLIENT_ID, ARM_TENANT_ID and ARM_USE_OIDC=true); nothing changed`;
}

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

/** The environment variable that holds the release webhook's URL (a secret). */
export const WEBHOOK_ENV = "CHATBOT_RELEASE_WEBHOOK_URL";

/**
 * The release events' notifier: a webhook at `CHATBOT_RELEASE_WEBHOOK_URL` when it is set, else at
 * the stack's `alertWebhooks.slack` (the alerts' chat webhook), else none. A webhook that cannot be
 * read or is not https is a warning, never a failed release.
 */
export async function releaseNotifier(
  env: NodeJS.ProcessEnv,
  workspace: Pick<ReleaseWorkspace, "readChatWebhook">,
  report: Reporter,
  options: WebhookOptions = {},
): Promise<Notifier | undefined> {
  let url = env[WEBHOOK_ENV];
  if (url === undefined || url === "") {
    try {
      url = await workspace.readChatWebhook();
    } catch (err) {
      report.error(
        `warning: cannot read the stack's chat webhook (${(err as Error).message}); release notifications are off`,
      );
      return undefined;
    }
  }
  if (url === undefined || url === "") {
    return undefined;
  }
  try {
    return new WebhookNotifier(url, options);
  } catch (err) {
    report.error(`warning: ${(err as Error).message}; release notifications are off`);
    return undefined;
  }
}

/** The Azure ports for a subscription. */
export interface AzurePorts {
  readonly azure: ContainerAppPort;
  readonly telemetry: TelemetryPort;
  /** Gets a token before anything runs, so a missing sign-in is reported as such. */
  readonly signIn?: () => Promise<void>;
}

function sdkPorts(
  subscriptionId: string,
  outputs: Readonly<Record<string, string>> = {},
): AzurePorts {
  const credential = new DefaultAzureCredential();
  return {
    // The stack's `target` output picks the adapter (`targets.ts`): same port, same telemetry API.
    ...(targetOf(outputs) === "aks"
      ? aksPorts(credential, subscriptionId, outputs)
      : {
          azure: new ArmContainerApps(credential, subscriptionId),
          telemetry: new LogsTelemetry(credential),
        }),
    signIn: async () => {
      await credential.getToken(ARM_SCOPE);
    },
  };
}

/** What `main` wires by default; tests and the drill replace the parts that reach out. */
export interface MainOverrides {
  readonly report?: Reporter;
  readonly openWorkspace?: (stackName: string) => Promise<ReleaseWorkspace>;
  readonly azurePorts?: (
    subscriptionId: string,
    outputs: Readonly<Record<string, string>>,
  ) => AzurePorts;
  readonly deps?: Partial<Omit<ReleaseDeps, "workspace" | "azure" | "telemetry">>;
  /** Makes the checkout update of `--refresh-from`; by default `gitRefresh` in the repository. */
  readonly refresh?: (remote: string, branch: string) => CheckoutRefresh;
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

/** The commander output as Reporter lines (help on `info`, errors on `error`). */
function reporterIo(report: Reporter): Io {
  const lines = (text: string) => text.replace(/\n$/, "").split("\n");
  return {
    stdout: (text) => lines(text).forEach((line) => report.info(line)),
    stderr: (text) => lines(text).forEach((line) => report.error(line)),
  };
}

/**
 * Runs a release command line (without `release`) and returns the exit code: what
 * `npm run release -- ...` runs, through the project's CLI.
 */
export async function main(
  argv: readonly string[],
  overrides: MainOverrides = {},
): Promise<number> {
  const io = overrides.report === undefined ? undefined : reporterIo(overrides.report);
  return runCli(["release", ...argv], io, { release: overrides });
}

/** Runs a parsed release command against the stack and Azure; returns the exit code. */
export async function runReleaseCommand(
  parsed: ParsedArgs,
  overrides: MainOverrides = {},
): Promise<number> {
  const terminal = new ProgressReporter(process.stdout, process.stderr);
  const report = overrides.report ?? terminal;
  const cannotOpen = (err: unknown): number => {
    const missing = missingPulumiCli(err);
    report.error(missing ?? `error: cannot open stack ${parsed.stack}: ${(err as Error).message}`);
    return missing === undefined ? EXIT.refused : EXIT.usage;
  };
  let workspace: ReleaseWorkspace;
  try {
    workspace = await (
      overrides.openWorkspace ??
      ((name: string) => automationWorkspace(name, (text) => terminal.write(text))())
    )(parsed.stack);
  } catch (err) {
    return cannotOpen(err);
  }
  if (parsed.command.kind === "unlock") {
    // The lock is a stack tag: no Azure.
    return unlock(workspace, parsed.command.holder, report);
  }
  let subscriptionId: string;
  let stackOutputs: Readonly<Record<string, string>> = {};
  try {
    stackOutputs = await workspace.outputs();
    subscriptionId =
      stackOutputs.subscriptionId ??
      process.env.ARM_SUBSCRIPTION_ID ??
      process.env.AZURE_SUBSCRIPTION_ID ??
      "";
  } catch (err) {
    return cannotOpen(err);
  }
  if (!/^[0-9a-f-]{36}$/i.test(subscriptionId)) {
    report.error(
      `refused: no Azure subscription: stack ${parsed.stack} exports no \`subscriptionId\` (run pulumi up --stack ${parsed.stack} once to add the output) and ARM_SUBSCRIPTION_ID is not set; nothing changed`,
    );
    return EXIT.refused;
  }
  const ports = (overrides.azurePorts ?? sdkPorts)(subscriptionId, stackOutputs);
  try {
    await ports.signIn?.();
  } catch (err) {
    const problem = azureSignInProblem(err);
    report.error(
      problem ?? `error: cannot sign in to Azure: ${(err as Error).message}; nothing changed`,
    );
    return problem === undefined ? EXIT.errorRolledBack : EXIT.usage;
  }
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      report.error(
        `received ${signal}: stopping; traffic that moved is put back before the command exits (during the post-promotion watch the promotion stands)`,
      );
      controller.abort(new Error(signal));
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const notifier = await releaseNotifier(process.env, workspace, report);
    return await runRelease(parsed.command, {
      ...(notifier === undefined ? {} : { notifier }),
      workspace,
      azure: ports.azure,
      telemetry: ports.telemetry,
      http: new FetchHttpChecker(),
      clock: realClock,
      report,
      timings: DEFAULT_TIMINGS,
      owner: releaseOwner(),
      signal: controller.signal,
      lockWaitMs: parsed.waitForLockMs,
      ...(parsed.keepLockFile === undefined ? {} : { keepLock: keepLockIn(parsed.keepLockFile) }),
      ...(parsed.refreshFrom === undefined
        ? {}
        : {
            refresh: (overrides.refresh ?? gitRefresh)(
              parsed.refreshFrom.remote,
              parsed.refreshFrom.branch,
            ),
          }),
      ...overrides.deps,
    });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
