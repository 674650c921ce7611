/**
 * What the release orchestration needs from the outside world, as small interfaces. The real
 * implementations (`automation.ts`, `azure.ts`, `http.ts`) are thin; tests inject fakes.
 */
import { ReleaseState } from "./state";

/** Exit codes of `npm run release`. */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** A check failed: the deploy was not verified, or a promotion was rolled back automatically. */
  checkFailed: 1,
  /** Bad arguments or a malformed `release` block. Nothing changed. */
  usage: 2,
  /** Refused (live slot, nothing verified, version already deployed, stack locked). Nothing changed. */
  refused: 3,
  /** `pulumi up` failed; the release config was restored. */
  upFailed: 4,
  /** The automatic rollback failed: a person must act (see the printed command). */
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
  /** Writes the release block into the stack config; `undefined` removes the key. */
  writeRelease(release: ReleaseState | undefined): Promise<void>;
  /** `pulumi up`; throws `StackLockedError` when another update holds the lock. */
  up(message: string): Promise<void>;
  /** The stack outputs as strings. */
  outputs(): Promise<Readonly<Record<string, string>>>;
  /** True when the stack's history shows an update still in progress. */
  updateInProgress(): Promise<boolean>;
  /** The verified marker (`<slot>:<version>`) a successful deploy leaves, or `undefined`. */
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
 * pauses between its `up`s, and another release must not change the stack in those pauses.
 */
export const RELEASE_LOCK_TAG = "chatbot:release-lock";

/** The result of one HTTP GET. */
export interface HttpResult {
  /** True for a 2xx answer. */
  readonly ok: boolean;
  /** The HTTP status, or 0 when no answer came. */
  readonly status: number;
  /** Why it failed (network error, timeout), when it did. */
  readonly error?: string;
}

/** Sends GET requests. */
export interface HttpChecker {
  get(url: string): Promise<HttpResult>;
}

/** Identifies one revision of the Container App. */
export interface RevisionRef {
  readonly resourceGroup: string;
  readonly appName: string;
  readonly revision: string;
}

/** What Azure reports for a revision (`properties.provisioningState` and `runningState`). */
export interface RevisionState {
  readonly provisioningState: string;
  readonly runningState: string;
}

/** Reads a revision's state from Azure. */
export interface RevisionReadiness {
  state(ref: RevisionRef): Promise<RevisionState>;
}

/** Request telemetry of one revision over a window. */
export interface RequestSample {
  readonly requests: number;
  readonly failedRequests: number;
  /** Average server response time in milliseconds (0 without requests). */
  readonly averageDurationMs: number;
}

/** Reads request telemetry from Application Insights. */
export interface ErrorBudget {
  sample(appInsightsAppId: string, revision: string, windowMinutes: number): Promise<RequestSample>;
}

/** Time, injected so tests never wait. */
export interface Clock {
  sleep(ms: number): Promise<void>;
}

/** Where the command prints. */
export interface Reporter {
  info(line: string): void;
  error(line: string): void;
}

/** The rollback triggers (seed 002) and the timings of the checks. */
export interface ReleasePolicy {
  /** Roll back when more than this share of requests fail... @default 5 */
  readonly maxErrorRatePercent: number;
  /** ...over this window. @default 2 */
  readonly errorRateWindowMinutes: number;
  /** Roll back when the average response time exceeds this... @default 2000 */
  readonly maxAverageResponseMs: number;
  /** ...over this window. @default 5 */
  readonly responseTimeWindowMinutes: number;
  /** Roll back when more than this many health checks in a row fail. @default 3 */
  readonly maxConsecutiveHealthFailures: number;
  /** Time between health checks while a promotion step is observed. @default 30 s */
  readonly healthIntervalMs: number;
  /** How long to wait for a new revision to become ready. @default 10 min */
  readonly readyTimeoutMs: number;
  /** Time between readiness polls. @default 15 s */
  readonly readyPollMs: number;
  /** Attempts per smoke-check path before the deploy fails (cold starts). @default 3 */
  readonly smokeAttempts: number;
  /** Time between smoke-check attempts. @default 10 s */
  readonly smokeRetryMs: number;
}

export const DEFAULT_POLICY: ReleasePolicy = {
  maxErrorRatePercent: 5,
  errorRateWindowMinutes: 2,
  maxAverageResponseMs: 2000,
  responseTimeWindowMinutes: 5,
  maxConsecutiveHealthFailures: 3,
  healthIntervalMs: 30_000,
  readyTimeoutMs: 600_000,
  readyPollMs: 15_000,
  smokeAttempts: 3,
  smokeRetryMs: 10_000,
};

/** Everything the orchestration uses. */
export interface ReleaseDeps {
  readonly workspace: ReleaseWorkspace;
  readonly http: HttpChecker;
  readonly readiness: RevisionReadiness;
  readonly budget: ErrorBudget;
  readonly clock: Clock;
  readonly report: Reporter;
  readonly policy: ReleasePolicy;
  /** Who runs the command (`user@host pid 123`, or the workflow run): written into the lock. */
  readonly owner: string;
}
