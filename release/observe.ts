/**
 * One check of a revision that serves traffic, shared by the canary steps (`promote.ts`) and the
 * post-promotion watch (`watch.ts`), so both judge by the same code:
 * - Azure's traffic is still what the release wrote (a change outside the release fails it);
 * - the health of a URL: more than `maxConsecutiveHealthFailures` failed checks in a row fail it;
 * - the automatic rollback triggers (`triggerReason`, lib/gates.ts) on trailing windows of the
 *   revision's own requests, read only once `ingestionLagMinutes` have passed.
 * A telemetry read that fails is tolerated `TELEMETRY_FAILURE_LIMIT - 1` times in a row.
 */
import { ReleaseContext } from "./context";
import { describeStats, triggerReason } from "./gates";
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

/** Consecutive failed telemetry reads a step tolerates (throttling, a transient error). */
export const TELEMETRY_FAILURE_LIMIT = 3;

/** What one check saw. */
export interface CheckResult {
  /** Requests up to this time (epoch ms) have been ingested and judged. */
  readonly ingested: number;
  /** The error-rate window, when it was read. */
  readonly errorWindow?: RequestStats;
}

export class RevisionObserver {
  private telemetryFailures = 0;
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

  /** The revision's requests in `[fromMs, toMs)`, or `undefined` after a tolerated failure. */
  async stats(fromMs: number, toMs: number): Promise<RequestStats | undefined> {
    try {
      const result = await this.deps.telemetry.requestStats({
        workspaceId: this.ctx.workspaceId,
        revisionName: this.target.revision,
        fromMs,
        toMs,
        excludeNames: this.excludeNames,
      });
      this.telemetryFailures = 0;
      return result;
    } catch (err) {
      this.telemetryFailures++;
      if (this.telemetryFailures >= TELEMETRY_FAILURE_LIMIT) {
        throw err;
      }
      this.deps.report.info(
        `telemetry read failed (${(err as Error).message}); ${TELEMETRY_FAILURE_LIMIT - this.telemetryFailures} more failure(s) allowed before the promotion is rolled back`,
      );
      return undefined;
    }
  }

  /** One check; throws `CheckFailed` when traffic changed, health failed or a trigger fired. */
  async check(): Promise<CheckResult> {
    const g = this.ctx.gates;
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
    const from = (minutes: number) => Math.max(this.start, ingested - minutes * MINUTE);
    const errorWindow = await this.stats(from(g.rollbackErrorRateWindowMinutes), ingested);
    const latencyWindow = await this.stats(from(g.rollbackP95WindowMinutes), ingested);
    if (errorWindow === undefined || latencyWindow === undefined) {
      return { ingested };
    }
    const reason = triggerReason(errorWindow, latencyWindow, g);
    if (reason !== undefined) {
      throw new CheckFailed(`rollback trigger: ${reason}`);
    }
    return { ingested, errorWindow };
  }

  /** `health ok, 0.4% errors (2 of 500), p95 130 ms over the last 2 min` */
  describe(result: CheckResult): string {
    const health =
      this.consecutiveHealthFailures === 0
        ? "health ok"
        : `health failed ${this.consecutiveHealthFailures} time(s) in a row`;
    const window =
      result.errorWindow === undefined
        ? "no telemetry judged yet"
        : `${describeStats(result.errorWindow)} over the last ${this.ctx.gates.rollbackErrorRateWindowMinutes} min`;
    return `${health}, ${window}`;
  }
}
