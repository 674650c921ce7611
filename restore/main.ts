/**
 * Entry point of `npm run restore-drill -- --stack <name> [...]` (parsed by the project's CLI,
 * `scripts/cli/program.ts`): opens the platform stack (read only) and a new throwaway stack of the
 * restore program (`restore/`) with the Automation API, signs in to Azure like the release command,
 * and runs the drill. A missing Pulumi CLI or Azure sign-in is named with the command that fixes
 * it (exit 2), the Pulumi CLI first, as the release command does. SIGINT and SIGTERM stop the
 * waits; the throwaway stack is still destroyed.
 */
import * as path from "node:path";
import { DefaultAzureCredential } from "@azure/identity";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { azureSignInProblem, missingPulumiCli, realClock } from "../release/main";
import { ProgressReporter } from "../scripts/cli/progress";
import { ROOT_DIR } from "../scripts/lib/root";
import {
  ArmJobs,
  ArmPostgres,
  AutomationRestoreStack,
  AutomationSourceStack,
  RestoreStack,
} from "./adapters";
import { RestoreDrillOptions, runRestoreDrill } from "./drill";
import { DEFAULT_RESTORE_TIMINGS, RESTORE_EXIT, RestoreDeps } from "./ports";

/** The restore program's directory (its own Pulumi.yaml: project chatbot-restore-drill). */
export const RESTORE_DIR = path.join(ROOT_DIR, "restore");

/** What tests replace. */
export type RestoreOverrides = Partial<RestoreDeps> & {
  /** Gets an ARM token before anything runs, so a missing sign-in is reported as such. */
  readonly signIn?: () => Promise<void>;
};

function defaultDeps(stack: string, onOutput: (line: string) => void) {
  const credential = new DefaultAzureCredential();
  // The check job is in the platform stack's subscription: its `subscriptionId` output.
  let subscription = process.env.ARM_SUBSCRIPTION_ID ?? process.env.AZURE_SUBSCRIPTION_ID;
  return {
    source: {
      outputs: async () => {
        const outputs = await new AutomationSourceStack(
          await LocalWorkspace.selectStack({ stackName: stack, workDir: ROOT_DIR }),
        ).outputs();
        subscription = outputs.subscriptionId || subscription;
        return outputs;
      },
    },
    postgres: new ArmPostgres(credential),
    restoreStack: async (stackName: string) =>
      new AutomationRestoreStack(
        (await LocalWorkspace.createOrSelectStack({
          stackName,
          workDir: RESTORE_DIR,
        })) as unknown as RestoreStack,
        onOutput,
      ),
    jobs: {
      start: (group: string, job: string) => jobsFor(credential, subscription).start(group, job),
      execution: (group: string, job: string, execution: string) =>
        jobsFor(credential, subscription).execution(group, job, execution),
    },
    signIn: async () => {
      await credential.getToken("https://management.azure.com/.default");
    },
  };
}

function jobsFor(credential: DefaultAzureCredential, subscription: string | undefined): ArmJobs {
  if (subscription === undefined) {
    throw new Error(
      "the platform stack exports no `subscriptionId` and ARM_SUBSCRIPTION_ID is not set: the check job's subscription is unknown",
    );
  }
  return new ArmJobs(credential, subscription);
}

/** Runs a parsed `restore-drill` command; returns the exit code. */
export async function runRestoreDrillCommand(
  options: RestoreDrillOptions,
  overrides: RestoreOverrides = {},
): Promise<number> {
  const terminal = new ProgressReporter(process.stdout, process.stderr);
  const report = overrides.report ?? terminal;
  const defaults = defaultDeps(options.stack, (text) => terminal.write(text));
  // As the release command does: the stack first (a missing Pulumi CLI is named before a missing
  // Azure sign-in), then Azure. The drill gets the same read (its outputs, or why they failed).
  const source = overrides.source ?? defaults.source;
  const outputs = source.outputs();
  outputs.catch(() => undefined);
  const missing = await outputs.then(
    () => undefined,
    (err: unknown) => missingPulumiCli(err),
  );
  if (missing !== undefined) {
    report.error(missing);
    return RESTORE_EXIT.usage;
  }
  try {
    await (overrides.signIn ?? defaults.signIn)();
  } catch (err) {
    const problem = azureSignInProblem(err);
    report.error(
      problem ?? `error: cannot sign in to Azure: ${(err as Error).message}; nothing changed`,
    );
    return problem === undefined ? RESTORE_EXIT.restoreFailed : RESTORE_EXIT.usage;
  }
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      report.error(`received ${signal}: stopping; the restore stack is destroyed before exit`);
      controller.abort(new Error(signal));
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await runRestoreDrill(options, {
      source: { outputs: () => outputs },
      postgres: overrides.postgres ?? defaults.postgres,
      restoreStack: overrides.restoreStack ?? defaults.restoreStack,
      jobs: overrides.jobs ?? defaults.jobs,
      clock: overrides.clock ?? realClock,
      report,
      timings: overrides.timings ?? DEFAULT_RESTORE_TIMINGS,
      signal: overrides.signal ?? controller.signal,
    });
  } catch (err) {
    const notInstalled = missingPulumiCli(err);
    if (notInstalled !== undefined) {
      report.error(notInstalled);
      return RESTORE_EXIT.usage;
    }
    throw err;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
