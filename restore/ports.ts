/**
 * What the restore drill needs from the outside world, as small typed ports (like the release
 * engine's `release/ports.ts`). The real adapters (`adapters.ts`) are thin: the Automation API for
 * the platform stack and the throwaway restore stack, ARM for the source server and the check
 * job. Tests run the same drill against a model of Azure (`test/restore/model.ts`).
 */
import type { Clock, Reporter } from "../release/ports";
import type { RestoreSettings } from "./config";

export type { Clock, Reporter };

/** Exit codes of `npm run restore-drill` (documented in the README and in `--help`). */
export const RESTORE_EXIT = {
  /** Restored, checked, destroyed. */
  ok: 0,
  /** The check query failed (or did not finish); the restored server was destroyed. */
  checkFailed: 1,
  /** Usage error, the Pulumi CLI is missing, or Azure is not signed in. Nothing was created. */
  usage: 2,
  /** Refused before any resource: source not found or not like prod, restore time outside the window. */
  refused: 3,
  /** The restore failed, timed out or was interrupted; what it created was destroyed. */
  restoreFailed: 4,
  /** Cleaning up failed: the message names the exact commands that finish it. */
  cleanupFailed: 5,
} as const;
export type RestoreExitCode = (typeof RESTORE_EXIT)[keyof typeof RESTORE_EXIT];

/** The platform stack the drill restores from (read only: its outputs). */
export interface SourceStackPort {
  /** The stack outputs as strings. */
  outputs(): Promise<Readonly<Record<string, string>>>;
}

/** What the drill reads of a PostgreSQL Flexible Server (ARM GET). */
export interface ServerInfo {
  readonly id: string;
  readonly name: string;
  readonly location: string;
  /** Ready, Starting, Stopped, Updating, Provisioning, Dropping, Disabled, ... */
  readonly state: string;
  /** Major version, e.g. `16`. */
  readonly version: string;
  readonly administratorLogin: string;
  /** `backup.earliestRestoreDate` (epoch ms), when Azure reports it. */
  readonly earliestRestoreMs?: number;
  /** `backup.backupRetentionDays`. */
  readonly backupRetentionDays: number;
  /** `network.delegatedSubnetResourceId`: set for private access. */
  readonly delegatedSubnetId?: string;
  /** `network.privateDnsZoneArmResourceId`. */
  readonly privateDnsZoneId?: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** PostgreSQL Flexible Servers through ARM. */
export interface PostgresPort {
  /** The server, or `undefined` when it does not exist. */
  getServer(id: string): Promise<ServerInfo | undefined>;
}

/** The outputs of a restore stack after `up`. */
export interface RestoreStackOutputs {
  readonly serverId: string;
  readonly serverName: string;
  readonly host: string;
  readonly state: string;
  readonly jobName: string;
}

/** One throwaway stack of the restore program (`restore/`, project chatbot-restore-drill). */
export interface RestoreStackPort {
  readonly stackName: string;
  /**
   * Writes the settings into the stack's config and runs `pulumi up`; calls `onServerReady` the
   * moment the restored server's creation finishes (before the check job is created).
   */
  up(
    settings: RestoreSettings,
    onServerReady: () => void,
    signal?: AbortSignal,
  ): Promise<RestoreStackOutputs>;
  /** `pulumi destroy`: deletes everything the stack created. */
  destroy(): Promise<void>;
  /** `pulumi stack rm`: removes the (empty) stack and its config file. */
  remove(): Promise<void>;
}

/** A job execution's status as Container Apps reports it. */
export interface ExecutionInfo {
  /** Running, Processing, Stopped, Degraded, Failed, Unknown, Succeeded. */
  readonly status: string;
  readonly reason?: string;
}

/** Container Apps jobs through ARM. */
export interface JobsPort {
  /** Starts one execution of a manual job; returns the execution's name. */
  start(resourceGroup: string, jobName: string): Promise<string>;
  execution(resourceGroup: string, jobName: string, executionName: string): Promise<ExecutionInfo>;
}

/** Timings of the drill's waits. */
export interface RestoreTimings {
  /** How long the check job may run before the check counts as failed. @default 15 min */
  readonly checkTimeoutMs: number;
  /** Time between polls of the check's execution. @default 15 s */
  readonly checkPollMs: number;
}

export const DEFAULT_RESTORE_TIMINGS: RestoreTimings = {
  checkTimeoutMs: 900_000,
  checkPollMs: 15_000,
};

/** Everything the drill uses. */
export interface RestoreDeps {
  readonly source: SourceStackPort;
  readonly postgres: PostgresPort;
  /** Opens (creating if needed) the throwaway stack of this name. */
  readonly restoreStack: (stackName: string) => Promise<RestoreStackPort>;
  readonly jobs: JobsPort;
  readonly clock: Clock;
  readonly report: Reporter;
  readonly timings: RestoreTimings;
  /** Aborted by SIGINT/SIGTERM: the drill stops waiting and still destroys what it created. */
  readonly signal?: AbortSignal;
}
