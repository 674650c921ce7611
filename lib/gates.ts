/**
 * The release gates: the design's promotion criteria and automatic rollback triggers as data, with
 * one definition. The program validates a stack's overrides (`chatbot-platform:releaseGates`), the
 * release command evaluates them, and the README's table is checked against them.
 *
 * Design numbers: promotion needs p95 latency < 500 ms and error rate < 1%; roll back when the
 * error rate is > 5% for 2 minutes, p95 > 2 s for 5 minutes, or more than 3 consecutive health
 * checks fail.
 */

/** Every threshold and timing a release step is judged by. */
export interface GateThresholds {
  /** Promotion criterion: the candidate's p95 latency over the step must stay below this (ms). */
  readonly promoteMaxP95Ms: number;
  /** Promotion criterion: the candidate's error rate over the step must stay below this (%). */
  readonly promoteMaxErrorRatePercent: number;
  /** Rollback trigger: error rate above this (%)... */
  readonly rollbackErrorRatePercent: number;
  /** ...over a window of this many minutes. */
  readonly rollbackErrorRateWindowMinutes: number;
  /** Rollback trigger: p95 latency above this (ms)... */
  readonly rollbackP95Ms: number;
  /** ...over a window of this many minutes. */
  readonly rollbackP95WindowMinutes: number;
  /** Rollback trigger: more than this many health checks in a row fail. */
  readonly maxConsecutiveHealthFailures: number;
  /** A window with fewer of the candidate's own requests is inconclusive: it never passes. */
  readonly minRequests: number;
  /** How long a step waits for enough requests before it fails as inconclusive (minutes). */
  readonly inconclusiveMaxWaitMinutes: number;
  /** Application Insights ingestion delay: a window is read only this long after it ends (minutes). */
  readonly ingestionLagMinutes: number;
  /** Time between health checks and trigger evaluations while a step is observed (seconds). */
  readonly checkIntervalSeconds: number;
}

/** The design's values. */
export const DEFAULT_GATES: GateThresholds = {
  promoteMaxP95Ms: 500,
  promoteMaxErrorRatePercent: 1,
  rollbackErrorRatePercent: 5,
  rollbackErrorRateWindowMinutes: 2,
  rollbackP95Ms: 2000,
  rollbackP95WindowMinutes: 5,
  maxConsecutiveHealthFailures: 3,
  minRequests: 50,
  inconclusiveMaxWaitMinutes: 10,
  ingestionLagMinutes: 3,
  checkIntervalSeconds: 30,
};

/** What each threshold means and the range an override may take. */
export const GATE_RANGES: Readonly<
  Record<
    keyof GateThresholds,
    { readonly min: number; readonly max: number; readonly text: string; readonly integer?: true }
  >
> = {
  promoteMaxP95Ms: { min: 1, max: 60_000, text: "promotion: p95 latency below (ms)" },
  promoteMaxErrorRatePercent: { min: 0.01, max: 100, text: "promotion: error rate below (%)" },
  rollbackErrorRatePercent: { min: 0, max: 100, text: "rollback: error rate above (%)" },
  rollbackErrorRateWindowMinutes: { min: 1, max: 60, text: "...over this window (min)" },
  rollbackP95Ms: { min: 1, max: 120_000, text: "rollback: p95 latency above (ms)" },
  rollbackP95WindowMinutes: { min: 1, max: 60, text: "...over this window (min)" },
  maxConsecutiveHealthFailures: {
    min: 1,
    max: 100,
    text: "rollback: more health checks in a row failing than",
    integer: true,
  },
  minRequests: {
    min: 1,
    max: 1_000_000,
    text: "fewest candidate requests a window needs",
    integer: true,
  },
  inconclusiveMaxWaitMinutes: {
    min: 0,
    max: 120,
    text: "longest wait for enough requests before failing (min)",
  },
  ingestionLagMinutes: { min: 0, max: 30, text: "telemetry ingestion delay allowed for (min)" },
  checkIntervalSeconds: { min: 5, max: 600, text: "time between checks during a step (s)" },
};
