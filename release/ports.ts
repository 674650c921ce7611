/**
 * What the release engine needs from the outside world, as small typed ports. The real adapters
 * (`automation.ts` for Pulumi, `azure.ts` for the Azure SDK, `http.ts` for label URLs) are thin;
 * tests and `npm run drill` run the same engine against a local model of Azure.
 */
import { GateThresholds } from "../lib/gates";
import { Slot } from "../lib/release";
import { DEFAULT_PROBE_PATHS, probeNames } from "../lib/telemetry";
import { ReleaseState } from "./state";

/** Exit codes of `npm run release` (documented in the README). */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** A check or gate failed. Traffic is where it was before the command (rolled back if it moved). */
  checkFailed: 1,
  /** Bad arguments or a malformed `release` block. Nothing changed. */
  usage: 2,
  /** Refused before any change (live slot, nothing verified, stale stack file, locked, ...). */
  refused: 3,
  /** An error, timeout or interruption. Traffic is where it was before the command. */
  errorRolledBack: 4,
  /** Putting traffic back failed: traffic may still be split; the message names the command to finish. */
  rollbackFailed: 5,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Another update holds the stack lock (Automation API `ConcurrentUpdateError`). */
export class StackLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackLockedError";
  }
}

/** One stack of the program, seen through the Pulumi Automation API. */
export interface ReleaseWorkspace {
  /** The stack name as given on the command line (`prod` or `org/prod`). */
  readonly stackName: string;
  /** The parsed JSON of `chatbot-platform:release`, or `undefined` when the key is not set. */
  readRelease(): Promise<unknown>;
  /** Writes the release block into the stack config (`Pulumi.<stack>.yaml`). */
  writeRelease(release: ReleaseState): Promise<void>;
  /** The parsed JSON of `chatbot-platform:releaseGates`, or `undefined`. */
  readGates(): Promise<unknown>;
  /** `chatbot-platform:environment` (`dev`, `staging`, `prod`), or `undefined`: gate defaults depend on it. */
  readEnvironment(): Promise<string | undefined>;
  /**
   * The chat webhook release notifications go to: `chatbot-platform:alertWebhooks.slack` (a
   * secret, decrypted; the webhook the alerts' chat adapter posts to), or `undefined`.
   */
  readChatWebhook(): Promise<string | undefined>;
  /**
   * `pulumi up` for a deploy: `app` limits it to the Container App (and the image it builds, if
   * any); `stack` is the whole stack, for an app that does not exist yet. Throws
   * `StackLockedError` when the stack is locked.
   */
  up(message: string, target: "app" | "stack"): Promise<void>;
  /** The stack outputs as strings. */
  outputs(): Promise<Readonly<Record<string, string>>>;
  /** True when the stack's history shows an update still in progress. */
  updateInProgress(): Promise<boolean>;
  /** The verified marker (`<slot>:<revision name>`) a successful deploy leaves, or `undefined`. */
  readVerified(): Promise<string | undefined>;
  /** Sets (or, with `undefined`, clears) the verified marker. */
  writeVerified(marker: string | undefined): Promise<void>;
  /** Who holds the release lock (taken for a whole command, pauses included), or `undefined`. */
  readLock(): Promise<string | undefined>;
  /** Takes the release lock for `holder`, or releases it with `undefined`. */
  writeLock(holder: string | undefined): Promise<void>;
}

/**
 * The stack tag that holds the release lock. Pulumi's own lock covers one `up` only; a promotion
 * pauses between its steps, and another release must not change the stack in those pauses.
 */
export const RELEASE_LOCK_TAG = "chatbot:release-lock";

/** The Container App a release works on. */
export interface AppRef {
  readonly resourceGroup: string;
  readonly appName: string;
}

/** One entry of the app's traffic, as Azure reports it. */
export interface TrafficWeight {
  readonly revisionName: string;
  readonly weight: number;
  readonly label?: string;
}

/** What the release reads of the Container App. */
export interface AppInfo {
  /** The revision the last template write created. */
  readonly latestRevisionName?: string;
  /** `configuration.ingress.fqdn`: `<app>.<environment domain>`. */
  readonly fqdn?: string;
  readonly traffic: readonly TrafficWeight[];
  /** The `chatbot-release-generation` tag. */
  readonly generation?: number;
  /** The live slot and canary share that generation was released with (`lib/guard.ts`). */
  readonly released?: { readonly live: Slot; readonly canaryPercent: number };
  /**
   * Set when a slot is reached on the production host with this request header (AKS: the
   * HTTPRoute's `x-chatbot-slot` rule) instead of on its own label host (Container Apps).
   */
  readonly slotHeader?: string;
  /** The production base URL when it is not `https://<fqdn>` (AKS: the `gatewayUrl` output). */
  readonly url?: string;
}

/** What the release reads of a revision. */
export interface RevisionInfo {
  /** `<app>--<suffix>`. */
  readonly name: string;
  readonly active: boolean;
  /** Provisioning, Provisioned, Failed, Deprovisioning, Deprovisioned. */
  readonly provisioningState: string;
  /** Running, Processing, Stopped, Degraded, Failed, Unknown. */
  readonly runningState: string;
  readonly replicas: number;
  readonly trafficWeight: number;
  readonly provisioningError?: string;
  /** Creation time (epoch ms), when Azure reports it. */
  readonly createdTime?: number;
}

/** Container Apps through ARM (`@azure/arm-appcontainers`). */
export interface ContainerAppPort {
  /** The app, or `undefined` when it does not exist. */
  getApp(ref: AppRef): Promise<AppInfo | undefined>;
  listRevisions(ref: AppRef): Promise<RevisionInfo[]>;
  /** A revision, or `undefined` when it does not exist (or was purged). */
  getRevision(ref: AppRef, revisionName: string): Promise<RevisionInfo | undefined>;
  /**
   * One ARM write (PATCH, JSON merge patch) of the app's traffic and generation tag: no template,
   * so no new revision. `live` is the live slot the release records with it: the recorded traffic
   * (`chatbot-release-traffic`, AKS: the route's live-slot annotation) names it, which the weights
   * alone cannot at a 50/50 split; without it, the slot already recorded.
   */
  setTraffic(
    ref: AppRef,
    traffic: readonly TrafficWeight[],
    generation: number,
    live?: Slot,
  ): Promise<void>;
  activate(ref: AppRef, revisionName: string): Promise<void>;
  deactivate(ref: AppRef, revisionName: string): Promise<void>;
  restart(ref: AppRef, revisionName: string): Promise<void>;
}

/** Request telemetry of one revision over a window. */
export interface RequestStats {
  /** Requests (sampling-weighted: `sum(itemCount)`). */
  readonly requests: number;
  readonly failed: number;
  /** p95 server duration in ms; `undefined` without requests. */
  readonly p95Ms: number | undefined;
}

/** One window of one revision's own requests, probes excluded. */
export interface StatsQuery {
  /** Log Analytics workspace id (customer id). */
  readonly workspaceId: string;
  readonly revisionName: string;
  /** Window start and end (epoch ms; end exclusive). */
  readonly fromMs: number;
  readonly toMs: number;
  /** Request names that are probes, not users (`GET /health`). */
  readonly excludeNames: readonly string[];
  /**
   * The `AppRoleInstance` regular expression of the revision's replicas, when they are not named
   * `<revision>-<hash>-<id>` (AKS: the slot Deployment's pods, `release/aks.ts`).
   */
  readonly instancePattern?: string;
}

/** The Logs query API (`@azure/monitor-query-logs`). */
export interface TelemetryPort {
  requestStats(query: StatsQuery): Promise<RequestStats>;
}

/** The result of one HTTP GET. */
export interface HttpResult {
  /** True for a 2xx answer. */
  readonly ok: boolean;
  /** The HTTP status, or 0 when no answer came. */
  readonly status: number;
  /** Why it failed (network error, timeout), when it did. */
  readonly error?: string;
}

/** Where a check sends its requests: a base URL and the headers every request carries. */
export interface Endpoint {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Sends GET requests. */
export interface HttpChecker {
  get(url: string, headers?: Readonly<Record<string, string>>): Promise<HttpResult>;
}

/** What a release notification is about. */
export type ReleaseEventKind = "deploy" | "promote-step" | "promoted" | "rollback" | "failure";

/** One slot as a notification shows it. */
export interface NotifiedSlot {
  readonly version: string;
  readonly image: string;
  /** The revision suffix, once recorded. */
  readonly revision?: string;
}

/**
 * A release event, as posted to the stack's webhook (JSON). `text` is the whole message in one
 * line, so a Slack (or Teams) incoming webhook shows it as it is.
 */
export interface ReleaseNotification {
  readonly event: ReleaseEventKind;
  /** The stack name as given (`prod` or `org/prod`). */
  readonly stack: string;
  /** The version the event is about (deployed, promoted, rolled back to); `null` when none. */
  readonly version: string | null;
  /** The slots as the stack file records them after the event, and which one is live. */
  readonly slots: {
    readonly live: Slot | null;
    readonly blue: NotifiedSlot | null;
    readonly green: NotifiedSlot | null;
  };
  /** Traffic by label after the event (percent). */
  readonly traffic: { readonly blue: number; readonly green: number };
  /** Why: the failed check, the trigger, the error; `null` for a success. */
  readonly reason: string | null;
  /** For `failure`: the command's exit code. */
  readonly exitCode?: number;
  /** For `promote-step`: the candidate's share (percent). */
  readonly step?: number;
  /** ISO 8601, UTC. */
  readonly timestamp: string;
  readonly text: string;
}

/** Posts release events to the stack's webhook. A failed post never fails or holds up a release. */
export interface Notifier {
  send(notification: ReleaseNotification): Promise<void>;
}

/** Time, injected so tests and the drill never wait for real. */
export interface Clock {
  /** Epoch ms. */
  now(): number;
  /** Waits `ms`; rejects with the signal's reason when it is aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Where the command prints. */
export interface Reporter {
  info(line: string): void;
  error(line: string): void;
}

/** Timings of the release's waits (not gates: those are `GateThresholds`, per stack). */
export interface ReleaseTimings {
  /** How long a new or activated revision may take to become ready. @default 10 min */
  readonly readyTimeoutMs: number;
  /** Time between readiness polls. @default 15 s */
  readonly readyPollMs: number;
  /**
   * How long a revision may fail because the identity's role assignments have not taken effect
   * yet (Key Vault read, AcrPull); it is restarted after each wait. @default 10 min
   */
  readonly roleAssignmentGraceMs: number;
  /** How long verification keeps trying a label URL (a scaled-to-zero revision's cold start). @default 3 min */
  readonly coldStartMs: number;
  /** Time between verification attempts. @default 10 s */
  readonly verifyRetryMs: number;
  /** Attempts of one ARM write that Azure answers with 409 Conflict (another operation). @default 6 */
  readonly conflictAttempts: number;
  /** Wait between those attempts. @default 10 s */
  readonly conflictRetryMs: number;
}

export const DEFAULT_TIMINGS: ReleaseTimings = {
  readyTimeoutMs: 600_000,
  readyPollMs: 15_000,
  roleAssignmentGraceMs: 600_000,
  coldStartMs: 180_000,
  verifyRetryMs: 10_000,
  conflictAttempts: 6,
  conflictRetryMs: 10_000,
};

/**
 * Updates the checkout the stack file is read from. A job's checkout is as old as the job: a
 * release queued on the lock must see the stack file the release before it committed.
 */
export interface CheckoutRefresh {
  /**
   * What it runs, as messages name it: `git fetch origin main && git merge --ff-only FETCH_HEAD`.
   */
  readonly command: string;
  /**
   * Throws when the checkout could not be updated. With `refuseDependencyChanges`, throws
   * `DependenciesChanged`, leaving the checkout as it is, when the branch's dependency manifests
   * differ from the ones this job installed from.
   */
  run(options: { readonly refuseDependencyChanges: boolean }): Promise<void>;
}

/**
 * The branch has other dependencies (`package.json`, `package-lock.json`, the policy pack's) than
 * the checkout `node_modules` was installed and audited from; the checkout was not updated.
 */
export class DependenciesChanged extends Error {
  constructor(
    /** The changed files, relative to the repository root. */
    readonly files: readonly string[],
    /** The checkout's commit and the branch's. */
    readonly from: string,
    readonly to: string,
    /** The branch: `origin/main`. */
    readonly source: string,
  ) {
    super(`${files.join(", ")} changed between ${from} and ${to}`);
    this.name = "DependenciesChanged";
  }
}

/** Everything the engine uses. */
export interface ReleaseDeps {
  readonly workspace: ReleaseWorkspace;
  readonly azure: ContainerAppPort;
  readonly telemetry: TelemetryPort;
  readonly http: HttpChecker;
  readonly clock: Clock;
  readonly report: Reporter;
  readonly timings: ReleaseTimings;
  /** Who runs the command (`user@host pid 123`, or the workflow run): written into the lock. */
  readonly owner: string;
  /** Aborted by SIGINT/SIGTERM (a cancelled job): the engine puts traffic back and exits 4. */
  readonly signal?: AbortSignal;
  /** How long to wait for another release's lock before refusing. @default 0 */
  readonly lockWaitMs?: number;
  /**
   * Brings the checkout's stack file up to what the releases before this one committed (the
   * release workflow: `--refresh-from origin/main`); run once the release lock is held, before the
   * stack file is read. None: the stack file is read as it is.
   */
  readonly refresh?: CheckoutRefresh;
  /**
   * Keeps the release lock when the command ends (`--keep-lock`: the release workflow removes it
   * once the stack file is on main); called with the holder just before the lock is written, so
   * a job cancelled in between still finds it. None: the command removes its lock when it ends.
   */
  readonly keepLock?: (holder: string) => Promise<void>;
  /** Gate overrides for tests; by default the stack's `releaseGates` over the design's values. */
  readonly gates?: GateThresholds;
  /** Where release events go (the stack's webhook); none: no notifications. */
  readonly notifier?: Notifier;
}

/** The paths a verification requests on a label URL (the probe paths the alerts exclude too). */
export const DEFAULT_SMOKE_PATHS: readonly string[] = DEFAULT_PROBE_PATHS;

/** The request names of those paths in Application Insights: excluded from every gate and alert. */
export { probeNames };

export type { Slot };
