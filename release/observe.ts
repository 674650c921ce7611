/**
 * One check of a revision that serves traffic, shared by the canary steps (`promote.ts`) and the
 * post-promotion watch (`watch.ts`), so both judge by the same code:
 * - Azure's traffic is still what the release wrote (a change outside the release fails it);
 * - the health of a URL: more than `maxConsecutiveHealthFailures` failed checks in a row fail it;
 * - the automatic rollback triggers (`triggerReason`, lib/gates.ts) on trailing windows of the
 *   revision's own requests, read only once `ingestionLagMinutes` have passed.
 * Telemetry failures are counted per check: a check whose read failed skips its other reads (they
 * are made again on the next check) and counts once; `TELEMETRY_FAILURE_LIMIT` failed checks in a
 * row are an error.
 */
import { ReleaseContext } from "./context";
import { describeStats, tooFewRequests, triggerReason } from "./gates";
import {
  DEFAULT_SMOKE_PATHS,
  Endpoint,
  ReleaseDeps,
  RequestStats,
  TrafficWeight,
  probeNames,
} from "./ports";
import { CheckFailed, describeTraffic, sameTraffic } from "./traffic";
import { healthOnce } from "./verify";

export const MINUTE = 60_000;

/**
 * Consecutive checks with a failed telemetry read that make an error (throttling, a transient
 * error is tolerated on the checks before).
 */
export const TELEMETRY_FAILURE_LIMIT = 3;

/** What one check saw. */
export interface CheckResult {
  /** Requests up to this time (epoch ms) have been ingested and judged. */
  readonly ingested: number;
  /** The error-rate window, when it was read. */
  readonly errorWindow?: RequestStats;
  /** The p95 window, when it was read (with `errorWindow`). */
  readonly latencyWindow?: RequestStats;
}

export class RevisionObserver {
  /** Consecutive checks with a failed telemetry read, the current one included. */
  private failedChecks = 0;
  /** The current check: a telemetry read failed (its other reads are skipped); one succeeded. */
  private readFailed = false;
  private readOk = false;
  private consecutiveHealthFailures = 0;
  private readonly excludeNames: string[];

  /**
   * @param start the observation's start: no window reaches back before it
   */
  constructor(
    private readonly ctx: ReleaseContext,
    private readonly deps: ReleaseDeps,
    private readonly target: {
      readonly revision: string;
      /** Where health checks go (a label URL, the production URL; with a slot header on AKS). */
      readonly endpoint: Endpoint;
      readonly smokePaths: readonly string[];
      readonly expected: readonly TrafficWeight[];
      /** How messages name the observation: `the step`, `the post-promotion watch`. */
      readonly what: string;
    },
    private readonly start: number,
  ) {
    this.excludeNames = probeNames([...new Set([...DEFAULT_SMOKE_PATHS, ...target.smokePaths])]);
  }

  /** Where a trailing window of `minutes` that ends at `ingested` starts (never before the start). */
  windowStart(minutes: number, ingested: number): number {
    return Math.max(this.start, ingested - minutes * MINUTE);
  }

  /**
   * The revision's requests in `[fromMs, toMs)`, or `undefined` after a tolerated failure. Part of
   * the current check: once one of its reads failed, the others are not made (`undefined`).
   */
  async stats(fromMs: number, toMs: number): Promise<RequestStats | undefined> {
    if (this.readFailed) {
      return undefined;
    }
    try {
      const result = await this.deps.telemetry.requestStats({
        workspaceId: this.ctx.workspaceId,
        revisionName: this.target.revision,
        fromMs,
        toMs,
        excludeNames: this.excludeNames,
      });
      this.readOk = true;
      return result;
    } catch (err) {
      this.readFailed = true;
      this.failedChecks++;
      if (this.failedChecks >= TELEMETRY_FAILURE_LIMIT) {
        throw err;
      }
      this.deps.report.info(
        `telemetry read failed (${(err as Error).message}); ${TELEMETRY_FAILURE_LIMIT - this.failedChecks} more failed check(s) allowed before the promotion is rolled back`,
      );
      return undefined;
    }
  }

  /** One check; throws `CheckFailed` when traffic changed, health failed or a trigger fired. */
  async check(): Promise<CheckResult> {
    const g = this.ctx.gates;
    // The previous check is over: if its reads all succeeded, the failures in a row end there.
    if (this.readOk && !this.readFailed) {
      this.failedChecks = 0;
    }
    this.readOk = false;
    this.readFailed = false;
    // A concurrent update (a `pulumi up` that passed the generation guard before the release's
    // write) or a change in the portal may have moved traffic: judge nothing the release did not set.
    const app = await this.deps.azure.getApp(this.ctx.ref);
    if (app !== undefined && !sameTraffic(app.traffic, this.target.expected)) {
      throw new CheckFailed(
        `traffic was changed outside the release during ${this.target.what} (Azure serves ${describeTraffic(app.traffic)}); a concurrent pulumi up or a change in the portal`,
      );
    }
    const failures = await healthOnce(this.deps, this.target.endpoint, this.target.smokePaths);
    this.consecutiveHealthFailures = failures.length === 0 ? 0 : this.consecutiveHealthFailures + 1;
    if (this.consecutiveHealthFailures > g.maxConsecutiveHealthFailures) {
      throw new CheckFailed(
        `health check failed ${this.consecutiveHealthFailures} times in a row (more than ${g.maxConsecutiveHealthFailures}): ${failures.join(", ")}`,
      );
    }
    const ingested = this.deps.clock.now() - g.ingestionLagMinutes * MINUTE;
    if (ingested <= this.start || this.ctx.workspaceId === "") {
      return { ingested };
    }
    const from = (minutes: number) => this.windowStart(minutes, ingested);
    const errorWindow = await this.stats(from(g.rollbackErrorRateWindowMinutes), ingested);
    const latencyWindow = await this.stats(from(g.rollbackP95WindowMinutes), ingested);
    if (errorWindow === undefined || latencyWindow === undefined) {
      return { ingested };
    }
    const reason = triggerReason(errorWindow, latencyWindow, g);
    if (reason !== undefined) {
      throw new CheckFailed(`rollback trigger: ${reason}`);
    }
    return { ingested, errorWindow, latencyWindow };
  }

  /** `health ok, 0.4% errors (2 of 500), p95 130 ms over the last 2 min` */
  describe(result: CheckResult): string {
    const health =
      this.consecutiveHealthFailures === 0
        ? "health ok"
        : `health failed ${this.consecutiveHealthFailures} time(s) in a row`;
    if (result.errorWindow === undefined) {
      return `${health}, no telemetry judged yet`;
    }
    const tooFew = tooFewRequests(result.errorWindow, this.ctx.gates);
    return `${health}, ${describeStats(result.errorWindow)} over the last ${this.ctx.gates.rollbackErrorRateWindowMinutes} min${tooFew === undefined ? "" : `, inconclusive: ${tooFew}`}`;
  }
}
