/**
 * The release gates: the design's promotion criteria and automatic rollback triggers as data, with
 * one definition. The program validates a stack's overrides (`chatbot-platform:releaseGates`), the
 * release command evaluates them, and the README's table is checked against them.
 *
 * Design numbers: promotion needs p95 latency < 500 ms and error rate < 1%; roll back when the
 * error rate is > 5% for 2 minutes, p95 > 2 s for 5 minutes, or more than 3 consecutive health
 * checks fail. After the last step (100%) the same triggers are watched for a while (the design's
 * post-promotion watch, 15 min in prod).
 */
import type { EnvironmentName } from "./environments";

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
  /**
   * Post-promotion watch: after traffic reaches 100%, the rollback triggers keep being evaluated on
   * the new live revision's requests of this many minutes (then until they are ingested); a
   * trigger rolls back. 0 turns the watch off. The default depends on the environment
   * (`ENVIRONMENT_GATES`).
   */
  readonly postPromotionWatchMinutes: number;
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
  postPromotionWatchMinutes: 15,
};

/**
 * Defaults that depend on the stack's `chatbot-platform:environment`, over `DEFAULT_GATES`; a
 * stack's `releaseGates` overrides both. The watch: prod 15 min (the design's value), staging 5
 * min (the same watch, shorter: staging's traffic is test traffic and its releases are
 * rehearsals), dev off (releases many times a day, scaled to zero, too few requests for a trigger).
 */
export const ENVIRONMENT_GATES: Readonly<Record<EnvironmentName, Partial<GateThresholds>>> = {
  dev: { postPromotionWatchMinutes: 0 },
  staging: { postPromotionWatchMinutes: 5 },
  prod: {},
};

/** The gates of a stack: the design's values, its environment's defaults, then its overrides. */
export function gatesFor(
  environment: EnvironmentName | undefined,
  overrides: Partial<GateThresholds> = {},
): GateThresholds {
  return {
    ...DEFAULT_GATES,
    ...(environment === undefined ? {} : ENVIRONMENT_GATES[environment]),
    ...overrides,
  };
}

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
  postPromotionWatchMinutes: {
    min: 0,
    max: 240,
    text: "after 100%, watch the rollback triggers for (min; 0 = off)",
  },
};
