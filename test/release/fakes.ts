/**
 * Fakes for the release orchestration: an in-memory workspace that records every call, an HTTP
 * checker, Azure readers and a clock that never waits. Shared by the tests in `test/release/`.
 */
import {
  DEFAULT_POLICY,
  ErrorBudget,
  HttpChecker,
  HttpResult,
  ReleaseDeps,
  ReleaseWorkspace,
  RequestSample,
  RevisionReadiness,
  RevisionRef,
  RevisionState,
} from "../../release/ports";
import { ReleaseState } from "../../release/state";

export const APP = "chatbot-api-prod";
export const RG = "rg-chatbot-prod";
export const BLUE_URL = "https://chatbot-api-prod---blue.example.azurecontainerapps.io";
export const GREEN_URL = "https://chatbot-api-prod---green.example.azurecontainerapps.io";
export const PROD_URL = "https://chatbot-api-prod.example.azurecontainerapps.io";
export const DIGEST = `acr.azurecr.io/chatbot-api@sha256:${"a".repeat(64)}`;
export const DIGEST2 = `acr.azurecr.io/chatbot-api@sha256:${"b".repeat(64)}`;

/** blue 1.4.2 live, green empty. */
export const BLUE_ONLY: ReleaseState = {
  live: "blue",
  canaryPercent: 0,
  blue: { version: "1.4.2", image: DIGEST },
};

/** blue 1.4.2 live, green 1.5.0 deployed and latest. */
export const BOTH: ReleaseState = {
  live: "blue",
  latest: "green",
  canaryPercent: 0,
  blue: { version: "1.4.2", image: DIGEST },
  green: { version: "1.5.0", image: DIGEST2 },
};

export const OUTPUTS: Readonly<Record<string, string>> = {
  containerAppName: APP,
  resourceGroupName: RG,
  blueLabelUrl: BLUE_URL,
  greenLabelUrl: GREEN_URL,
  productionUrl: PROD_URL,
  appInsightsAppId: "appi-id",
};

/** Records calls as strings: `write {...}`, `up <message>`, `verified <marker>`. */
export class FakeWorkspace implements ReleaseWorkspace {
  readonly calls: string[] = [];
  /** Config as `up` saw it, one entry per `up`. */
  readonly upConfigs: unknown[] = [];
  /** Failures for the coming `up` calls, in order; `undefined` means success. */
  upFailures: (Error | undefined)[] = [];
  inProgress = false;
  /** The release lock tag. */
  lock: string | undefined = undefined;
  /** Every lock change, in order (`undefined` = released). */
  readonly locks: (string | undefined)[] = [];
  /** The release lock as each `up` saw it. */
  readonly upLocks: (string | undefined)[] = [];

  constructor(
    public release: unknown,
    public verified: string | undefined = undefined,
    public outputMap: Readonly<Record<string, string>> = OUTPUTS,
    readonly stackName = "prod",
  ) {}

  async readRelease(): Promise<unknown> {
    return this.release === undefined ? undefined : JSON.parse(JSON.stringify(this.release));
  }
  async writeRelease(release: ReleaseState | undefined): Promise<void> {
    this.calls.push(`write ${JSON.stringify(release)}`);
    this.release = release;
  }
  async up(message: string): Promise<void> {
    this.calls.push(`up ${message}`);
    this.upConfigs.push(this.release);
    this.upLocks.push(this.lock);
    const failure = this.upFailures.shift();
    if (failure !== undefined) {
      throw failure;
    }
  }
  async outputs(): Promise<Readonly<Record<string, string>>> {
    return this.outputMap;
  }
  async updateInProgress(): Promise<boolean> {
    return this.inProgress;
  }
  async readVerified(): Promise<string | undefined> {
    return this.verified;
  }
  async writeVerified(marker: string | undefined): Promise<void> {
    this.calls.push(`verified ${marker ?? "(cleared)"}`);
    this.verified = marker;
  }
  async readLock(): Promise<string | undefined> {
    return this.lock;
  }
  async writeLock(holder: string | undefined): Promise<void> {
    this.locks.push(holder);
    this.lock = holder;
  }
}

/** Answers 200 unless a URL has queued answers; records every request. */
export class FakeHttp implements HttpChecker {
  readonly requests: string[] = [];
  private readonly answers = new Map<string, HttpResult[]>();

  /** Queues answers for a URL; the last one repeats. */
  answer(url: string, ...results: HttpResult[]): this {
    this.answers.set(url, results);
    return this;
  }
  async get(url: string): Promise<HttpResult> {
    this.requests.push(url);
    const queue = this.answers.get(url);
    if (queue === undefined || queue.length === 0) {
      return { ok: true, status: 200 };
    }
    return queue.length > 1 ? (queue.shift() as HttpResult) : queue[0];
  }
}

export const HTTP_503: HttpResult = { ok: false, status: 503 };

/** Returns queued states (the last repeats); records the refs asked about. */
export class FakeReadiness implements RevisionReadiness {
  readonly asked: RevisionRef[] = [];
  constructor(private readonly states: RevisionState[] = [READY]) {}
  async state(ref: RevisionRef): Promise<RevisionState> {
    this.asked.push(ref);
    return this.states.length > 1 ? (this.states.shift() as RevisionState) : this.states[0];
  }
}

export const READY: RevisionState = { provisioningState: "Provisioned", runningState: "Running" };
export const PROVISIONING: RevisionState = {
  provisioningState: "Provisioning",
  runningState: "Processing",
};

/** Returns a sample per window; records `<appId> <revision> <minutes>`. */
export class FakeBudget implements ErrorBudget {
  readonly asked: string[] = [];
  constructor(private readonly byWindow: Record<number, RequestSample> = {}) {}
  async sample(appId: string, revision: string, minutes: number): Promise<RequestSample> {
    this.asked.push(`${appId} ${revision} ${minutes}`);
    return this.byWindow[minutes] ?? { requests: 100, failedRequests: 0, averageDurationMs: 120 };
  }
}

/** Everything a test needs, with the fakes exposed for assertions. */
export interface Harness {
  readonly deps: ReleaseDeps;
  readonly workspace: FakeWorkspace;
  readonly http: FakeHttp;
  readonly readiness: FakeReadiness;
  readonly budget: FakeBudget;
  readonly sleeps: number[];
  readonly out: string[];
  readonly err: string[];
}

export function harness(
  workspace: FakeWorkspace,
  parts: { http?: FakeHttp; readiness?: FakeReadiness; budget?: FakeBudget } = {},
): Harness {
  const http = parts.http ?? new FakeHttp();
  const readiness = parts.readiness ?? new FakeReadiness();
  const budget = parts.budget ?? new FakeBudget();
  const sleeps: number[] = [];
  const out: string[] = [];
  const err: string[] = [];
  return {
    deps: {
      workspace,
      http,
      readiness,
      budget,
      clock: { sleep: async (ms) => void sleeps.push(ms) },
      report: { info: (line) => void out.push(line), error: (line) => void err.push(line) },
      policy: DEFAULT_POLICY,
      owner: "ci run 42",
    },
    workspace,
    http,
    readiness,
    budget,
    sleeps,
    out,
    err,
  };
}
