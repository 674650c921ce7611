/**
 * The database restore drill, as a runbook: read the platform stack's server, pick a restore point
 * Azure accepts, restore it into a throwaway stack of the restore program, time it, check it with
 * one SQL query from inside the VNet, and destroy and remove the throwaway stack (in `finally`:
 * also after a failed restore, a failed check, an error or an interruption). Every failure path
 * has its exit code (`RESTORE_EXIT`), and a failed cleanup names the exact commands that finish it.
 */
import { POSTGRES_PASSWORD_SECRET } from "../lib/config";
import { RESTORE_PROJECT, RestoreSettings, parseRestoreSettings } from "./config";
import {
  RESTORE_EXIT,
  RestoreDeps,
  RestoreStackOutputs,
  RestoreStackPort,
  ServerInfo,
} from "./ports";
import { chooseRestorePoint, duration, RestoreWindowError, utc } from "./window";

/**
 * The default check: the restored server has left recovery (Azure promotes it when the restore
 * completes), the app's database accepts the administrator's connection, and its tables are
 * readable. psql runs it with ON_ERROR_STOP, so any error fails the job's execution.
 */
export const DEFAULT_CHECK_QUERY =
  "DO $$ BEGIN IF pg_is_in_recovery() THEN RAISE EXCEPTION 'the restored server is still in recovery'; END IF; END $$; " +
  "SELECT current_database() AS database, count(*) AS user_tables FROM pg_stat_user_tables;";

/** The source stack outputs the drill needs (all exported by the platform program). */
export const SOURCE_OUTPUTS = [
  "postgresServerId",
  "postgresDatabaseName",
  "resourceGroupName",
  "containerEnvironmentId",
  "appIdentityId",
  "keyVaultUri",
] as const;

/** The tag that marks what a drill created (value: the restore stack's name). */
export const DRILL_TAG = "chatbot:restore-drill";

/** A parsed `restore-drill` command line. */
export interface RestoreDrillOptions {
  /** The platform stack as given: `staging`, `<org>/staging`. */
  readonly stack: string;
  /** The restore point, ISO 8601 UTC; default 15 minutes ago. */
  readonly restoreTime?: string;
  /** Image with psql; default `docker.io/library/postgres:<server version>-alpine`. */
  readonly checkImage?: string;
  /** The check's SQL. @default DEFAULT_CHECK_QUERY */
  readonly checkQuery?: string;
  /** Keep the restored server and its stack (a real restore): no destroy. */
  readonly keep?: boolean;
}

/** Refused before any resource. */
class Refused extends Error {}

/** What the drill will create, decided before anything is. */
interface RestorePlan {
  readonly stackName: string;
  readonly settings: RestoreSettings;
  readonly pointMs: number;
  /** ARM id the restored server will have (to verify in Azure that it is gone). */
  readonly restoredServerId: string;
}

/** `20261129T100000` of a time. */
function stamp(ms: number): string {
  return utc(ms).replace(/[-:]/g, "").replace(/Z$/, "").toLowerCase();
}

/** `org/chatbot-restore-drill/<name>` when the source stack is qualified with an org. */
function qualifiedStack(source: string, name: string): string {
  const parts = source.split("/");
  return parts.length === 1 ? name : `${parts[0]}/${RESTORE_PROJECT}/${name}`;
}

/** The commands that finish a cleanup by hand. */
export function cleanupCommands(stackName: string, settings: RestoreSettings): string[] {
  return [
    `pulumi destroy --cwd restore --stack ${stackName} --yes`,
    `pulumi stack rm --cwd restore ${stackName} --yes`,
    `(without Pulumi) az postgres flexible-server delete --resource-group ${settings.resourceGroupName} --name ${settings.serverName} --yes && az containerapp job delete --resource-group ${settings.resourceGroupName} --name ${settings.jobName} --yes`,
  ];
}

function message(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  // Pulumi's command errors carry the whole CLI output; its first diagnostic lines are enough.
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  const error =
    lines.find((line) => /Code=|Message=/.test(line)) ??
    lines.find((line) => /error/i.test(line)) ??
    lines[0] ??
    text;
  return error.trim().replace(/^\*\s*/, "");
}

async function planRestore(options: RestoreDrillOptions, deps: RestoreDeps): Promise<RestorePlan> {
  let outputs: Readonly<Record<string, string>>;
  try {
    outputs = await deps.source.outputs();
  } catch (err) {
    if (/spawn \S*pulumi\S* ENOENT/.test(message(err))) {
      throw err; // the Pulumi CLI is missing: a usage problem (exit 2), reported by the caller
    }
    throw new Refused(`cannot read the outputs of stack ${options.stack}: ${message(err)}`);
  }
  if (outputs.target === "aks") {
    throw new Refused(
      `stack ${options.stack} runs on AKS: the check job needs its Container Apps environment, which AKS stacks do not have`,
    );
  }
  const missing = SOURCE_OUTPUTS.filter((key) => !outputs[key]);
  if (missing.length > 0) {
    throw new Refused(
      `stack ${options.stack} exports no ${missing.map((key) => `\`${key}\``).join(", ")}: it is not deployed, or was deployed before these outputs existed (run pulumi up --stack ${options.stack} once)`,
    );
  }
  const sourceId = outputs.postgresServerId;
  const server = await deps.postgres.getServer(sourceId);
  if (server === undefined) {
    throw new Refused(`source server ${sourceId} (stack ${options.stack}) was not found in Azure`);
  }
  checkProdLike(server, options.stack);
  const now = deps.clock.now();
  let pointMs: number;
  try {
    pointMs = chooseRestorePoint(server, now, options.restoreTime);
  } catch (err) {
    if (err instanceof RestoreWindowError) {
      throw new Refused(err.message);
    }
    throw err;
  }
  const at = stamp(now);
  const env = options.stack.slice(options.stack.lastIndexOf("/") + 1);
  const suffix = `-r${at.replace("t", "").slice(0, 12)}`;
  const serverName = `${server.name.slice(0, 63 - suffix.length)}${suffix}`;
  const stackName = qualifiedStack(options.stack, `restore-${env}-${at}`);
  const settings = parseRestoreSettings({
    sourceStack: options.stack,
    sourceServerId: server.id,
    pointInTimeUtc: utc(pointMs),
    serverName,
    resourceGroupName: outputs.resourceGroupName,
    location: server.location,
    subnetId: server.delegatedSubnetId,
    dnsZoneId: server.privateDnsZoneId,
    environmentId: outputs.containerEnvironmentId,
    identityId: outputs.appIdentityId,
    keyVaultUri: outputs.keyVaultUri,
    passwordSecretName: POSTGRES_PASSWORD_SECRET,
    databaseName: outputs.postgresDatabaseName,
    administratorLogin: server.administratorLogin,
    jobName: `pgcheck-${at.replace("t", "").slice(0, 12)}`,
    checkImage: options.checkImage ?? `docker.io/library/postgres:${server.version}-alpine`,
    checkQuery: options.checkQuery ?? DEFAULT_CHECK_QUERY,
    tags: {
      ...Object.fromEntries(
        ["environment", "service", "owner"].flatMap((key) =>
          server.tags[key] === undefined ? [] : [[key, server.tags[key]]],
        ),
      ),
      [DRILL_TAG]: stackName,
      "chatbot:restored-from": server.name,
      "chatbot:restore-point": utc(pointMs),
    },
  });
  const restoredServerId =
    `${server.id.slice(0, server.id.lastIndexOf("/") + 1)}${serverName}`.replace(
      /\/resourceGroups\/[^/]+\//i,
      `/resourceGroups/${settings.resourceGroupName}/`,
    );
  return { stackName, settings, pointMs, restoredServerId };
}

/**
 * What the drill rehearses is prod's restore: a server that is Ready, has private access (a
 * delegated subnet and a private DNS zone: it is restored into the VNet) and keeps backups.
 */
function checkProdLike(server: ServerInfo, stack: string): void {
  if (server.state !== "Ready") {
    throw new Refused(
      `source server ${server.name} (stack ${stack}) is ${server.state}, not Ready: Azure restores from a running server's backups`,
    );
  }
  if (server.delegatedSubnetId === undefined || server.privateDnsZoneId === undefined) {
    throw new Refused(
      `source server ${server.name} (stack ${stack}) has no private access (delegated subnet and private DNS zone), unlike prod: the drill rehearses prod's restore into the VNet`,
    );
  }
}

/** Polls the check job's execution until it ends. */
async function runCheck(
  plan: RestorePlan,
  restored: RestoreStackOutputs,
  deps: RestoreDeps,
): Promise<number> {
  const { report, clock, timings } = deps;
  const { resourceGroupName: group } = plan.settings;
  const job = restored.jobName;
  report.info(`check: job ${job} runs psql against ${restored.host}: ${plan.settings.checkQuery}`);
  const logs = `ContainerAppConsoleLogs_CL | where ContainerJobName_s == "${job}"`;
  let execution: string;
  try {
    execution = await deps.jobs.start(group, job);
  } catch (err) {
    report.error(`check failed: job ${job} did not start: ${message(err)}`);
    return RESTORE_EXIT.checkFailed;
  }
  const started = clock.now();
  let readFailures = 0;
  for (;;) {
    let status: string;
    let reason: string | undefined;
    try {
      ({ status, reason } = await deps.jobs.execution(group, job, execution));
      readFailures = 0;
    } catch (err) {
      readFailures += 1;
      if (readFailures >= 3) {
        report.error(`check failed: execution ${execution} could not be read: ${message(err)}`);
        return RESTORE_EXIT.checkFailed;
      }
      status = "Unknown";
    }
    if (status === "Succeeded") {
      report.info(
        `check passed: execution ${execution} succeeded after ${duration(clock.now() - started)} (psql's output: ${logs})`,
      );
      return RESTORE_EXIT.ok;
    }
    if (status === "Failed" || status === "Stopped" || status === "Degraded") {
      report.error(
        `check failed: execution ${execution} ${status}${reason === undefined ? "" : ` (${reason})`}; psql's output is in the environment's Log Analytics workspace: ${logs}`,
      );
      return RESTORE_EXIT.checkFailed;
    }
    if (clock.now() - started >= timings.checkTimeoutMs) {
      report.error(
        `check failed: execution ${execution} still ${status} after ${duration(timings.checkTimeoutMs)}`,
      );
      return RESTORE_EXIT.checkFailed;
    }
    await clock.sleep(timings.checkPollMs, deps.signal);
  }
}

/** Restores, times and checks; returns the exit code (before cleanup). */
async function restoreAndCheck(
  plan: RestorePlan,
  stack: RestoreStackPort,
  deps: RestoreDeps,
): Promise<number> {
  const { report, clock } = deps;
  const { settings } = plan;
  report.info(
    `restoring ${settings.sourceServerId.slice(settings.sourceServerId.lastIndexOf("/") + 1)} (stack ${settings.sourceStack}) to ${settings.pointInTimeUtc} as server ${settings.serverName} in stack ${stack.stackName}; Azure takes from a few minutes to a few hours`,
  );
  const started = clock.now();
  let readyAt: number | undefined;
  let restored: RestoreStackOutputs;
  try {
    restored = await stack.up(
      settings,
      () => {
        readyAt ??= clock.now();
      },
      deps.signal,
    );
  } catch (err) {
    report.error(`restore failed after ${duration(clock.now() - started)}: ${message(err)}`);
    return RESTORE_EXIT.restoreFailed;
  }
  if (restored.state !== "Ready") {
    report.error(
      `restore failed: server ${restored.serverName} is ${restored.state || "in no state"}, not Ready`,
    );
    return RESTORE_EXIT.restoreFailed;
  }
  report.info(
    `restored: server ${restored.serverName} Ready ${duration((readyAt ?? clock.now()) - started)} after the start (restore point ${settings.pointInTimeUtc}; host ${restored.host})`,
  );
  return runCheck(plan, restored, deps);
}

/** Destroys and removes the throwaway stack; true when nothing is left. */
async function cleanUp(
  plan: RestorePlan,
  stack: RestoreStackPort,
  deps: RestoreDeps,
): Promise<boolean> {
  const { report } = deps;
  const { settings } = plan;
  const [destroy, remove, azure] = cleanupCommands(stack.stackName, settings);
  report.info(
    `cleanup: destroying stack ${stack.stackName} (server ${settings.serverName}, job ${settings.jobName})`,
  );
  try {
    await stack.destroy();
  } catch (err) {
    report.error(
      `cleanup failed: pulumi destroy of stack ${stack.stackName} failed: ${message(err)}. Finish it by hand: ${destroy} && ${remove}; ${azure}`,
    );
    return false;
  }
  // A server whose creation failed is not in the stack's state, but Azure may keep it.
  let left: ServerInfo | undefined;
  try {
    left = await deps.postgres.getServer(plan.restoredServerId);
  } catch (err) {
    report.error(
      `cleanup unverified: could not read ${plan.restoredServerId} after the destroy: ${message(err)}; check with az postgres flexible-server show --resource-group ${settings.resourceGroupName} --name ${settings.serverName}`,
    );
    return false;
  }
  if (left !== undefined) {
    report.error(
      `cleanup failed: server ${settings.serverName} still exists in Azure (${left.state}; its creation failed, so the stack never recorded it). Delete it: az postgres flexible-server delete --resource-group ${settings.resourceGroupName} --name ${settings.serverName} --yes; then ${remove}`,
    );
    return false;
  }
  try {
    await stack.remove();
  } catch (err) {
    report.error(
      `cleanup failed: the empty stack ${stack.stackName} could not be removed: ${message(err)}. Remove it: ${remove}`,
    );
    return false;
  }
  report.info(`cleanup: stack ${stack.stackName} destroyed and removed`);
  return true;
}

/** Runs the drill; returns the exit code. */
export async function runRestoreDrill(
  options: RestoreDrillOptions,
  deps: RestoreDeps,
): Promise<number> {
  const { report } = deps;
  let plan: RestorePlan;
  try {
    plan = await planRestore(options, deps);
  } catch (err) {
    if (err instanceof Refused || (err as Error).name === "RestoreConfigError") {
      report.error(`refused: ${(err as Error).message}; nothing was created`);
      return RESTORE_EXIT.refused;
    }
    throw err;
  }
  let stack: RestoreStackPort;
  try {
    stack = await deps.restoreStack(plan.stackName);
  } catch (err) {
    report.error(
      `restore failed: the restore stack ${plan.stackName} could not be created: ${message(err)}; nothing was created`,
    );
    return RESTORE_EXIT.restoreFailed;
  }
  let code: number = RESTORE_EXIT.restoreFailed;
  try {
    code = await restoreAndCheck(plan, stack, deps);
  } catch (err) {
    if (deps.signal?.aborted !== true) {
      throw err;
    }
    report.error(`interrupted (${message(deps.signal.reason)}): the restore stack is destroyed`);
    code = RESTORE_EXIT.restoreFailed;
  } finally {
    if (options.keep === true) {
      const [destroy, remove] = cleanupCommands(stack.stackName, plan.settings);
      report.info(
        `kept (--keep): stack ${stack.stackName} and server ${plan.settings.serverName} stay; remove them when done: ${destroy} && ${remove}`,
      );
    } else if (!(await cleanUp(plan, stack, deps))) {
      code = RESTORE_EXIT.cleanupFailed;
    }
  }
  report.info(
    `restore drill of ${options.stack}: ${code === RESTORE_EXIT.ok ? "PASSED" : "FAILED"} (exit ${code})`,
  );
  return code;
}
