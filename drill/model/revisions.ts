/**
 * One revision's lifecycle over virtual time, as a pure function of its recorded phases (start on
 * create/activate/restart, stop on deactivate). State names are the 2026-07-01 API's, as the SDK
 * declares them (@azure/arm-appcontainers dist/commonjs/models/models.d.ts:
 * KnownRevisionProvisioningState, KnownRevisionRunningState, KnownRevisionHealthState).
 */
import { JsonObject, arrayAt, numberAt, objectAt, stringAt } from "./json";

/** How the containers of an image behave (see `ImageBehaviour`). */
export interface Behaviour {
  readonly errorRate: number;
  readonly p95Ms: number;
  readonly healthy: boolean;
  readonly failsToStart: boolean;
}

/** A lifecycle event: the revision's replicas start (and must become ready) or stop. */
export interface Phase {
  readonly at: number;
  readonly kind: "start" | "stop";
  readonly cause: "create" | "activate" | "restart" | "deactivate";
}

/** A revision as the model stores it. */
export interface RevisionRecord {
  readonly name: string;
  readonly suffix: string;
  readonly createdMs: number;
  /** The template as created, with its `revisionSuffix`. */
  readonly template: JsonObject;
  /**
   * Chronological; phases may lie in the future (Single mode schedules the old revision's stop).
   */
  readonly phases: Phase[];
  /** Gone from the list (maxInactiveRevisions); its name stays used. */
  purged: boolean;
  /** Scale-from-zero state of a minReplicas 0 revision: when its replica woke, last request. */
  wake?: { phase: number; startMs: number; lastRequestMs: number };
}

/** What the lifecycle depends on outside the revision. */
export interface LifecycleContext {
  readonly provisioningMs: number;
  readonly activationMs: number;
  behaviour(template: JsonObject): Behaviour;
  /**
   * The provisioningError when the app's role assignments are not effective at `at`, else
   * undefined.
   */
  roleBlock(at: number): string | undefined;
}

/** The revision's state at one instant, in the API's terms. */
export interface RevisionStatus {
  readonly active: boolean;
  readonly provisioningState: "Provisioning" | "Provisioned" | "Failed";
  readonly runningState: "Processing" | "Running" | "Degraded" | "Failed" | "Stopped";
  readonly healthState: "Healthy" | "Unhealthy" | "None";
  readonly replicas: number;
  readonly provisioningError?: string;
  readonly lastActiveMs?: number;
  /** Index of the phase in effect. */
  readonly phase: number;
}

type Outcome =
  | { kind: "running"; window: number }
  | { kind: "degraded"; window: number }
  | { kind: "failed"; window: number; provisioningState: "Provisioned" | "Failed"; error: string };

/**
 * `template.scale.minReplicas`, default 0
 * (https://learn.microsoft.com/en-us/azure/container-apps/scale-app "Scale definition": minimum
 * replicas default 0).
 */
export function minReplicas(template: JsonObject): number {
  return numberAt(objectAt(template, "scale"), "minReplicas") ?? 0;
}

/**
 * How long an idle scale-from-zero replica lives: KEDA `cooldownPeriod`, default 300 s (SDK
 * models.d.ts `Scale.cooldownPeriod`: "Defaults to 300 seconds").
 */
export function cooldownMs(template: JsonObject): number {
  return (numberAt(objectAt(template, "scale"), "cooldownPeriod") ?? 300) * 1000;
}

/** The first container's image. */
export function mainImage(template: JsonObject): string {
  const first = arrayAt(template, "containers")?.[0];
  return (
    (typeof first === "object" && first !== null && !Array.isArray(first)
      ? stringAt(first, "image")
      : undefined) ?? ""
  );
}

/** Index of the phase in effect at `t` (the creation phase before anything else). */
export function phaseIndexAt(rec: RevisionRecord, t: number): number {
  let index = 0;
  for (let i = 0; i < rec.phases.length; i++) {
    if (rec.phases[i].at <= t) {
      index = i;
    }
  }
  return index;
}

/** Inserts a phase in time order (after phases at the same instant). */
export function insertPhase(rec: RevisionRecord, phase: Phase): void {
  let i = rec.phases.length;
  while (i > 0 && rec.phases[i - 1].at > phase.at) {
    i--;
  }
  rec.phases.splice(i, 0, phase);
}

/**
 * How a start phase ends (rules 8 and 9):
 * - a new revision is verified first: "Provisioning" then "Provisioned", or "Failed" when its
 *   containers do not start (https://learn.microsoft.com/en-us/azure/container-apps/revisions
 *   "Provisioning status"); activation and restart skip provisioning ("Processing" then Running);
 * - role assignments of the app's identity that are not effective yet when replicas start make
 *   the image pull (AcrPull) or the Key Vault secret read (Key Vault Secrets User) fail: the
 *   revision is Provisioned with runningState Failed and a provisioningError until a restart after
 *   the roles are effective (https://learn.microsoft.com/en-us/azure/container-apps/managed-identity-image-pull,
 *   https://learn.microsoft.com/en-us/azure/container-apps/manage-secrets "Reference secret from
 *   Key Vault"; role changes take minutes to propagate:
 *   https://learn.microsoft.com/en-us/azure/role-based-access-control/troubleshooting
 *   "Symptom - Role assignment changes are not being detected"; exact error text not confirmed);
 * - failing health probes leave the replicas not ready: runningState Degraded, healthState
 *   Unhealthy (https://learn.microsoft.com/en-us/azure/container-apps/health-probes; revisions
 *   "Running status": Degraded = "At least one replica in the revision is in a failed state").
 */
function outcome(rec: RevisionRecord, phase: Phase, ctx: LifecycleContext): Outcome {
  const window = phase.cause === "create" ? ctx.provisioningMs : ctx.activationMs;
  const behaviour = ctx.behaviour(rec.template);
  if (behaviour.failsToStart) {
    // The text of Azure's provisioningError for a container that never starts is not confirmed.
    return {
      kind: "failed",
      window,
      provisioningState: "Failed",
      error: `Container of revision '${rec.name}' (image '${mainImage(rec.template)}') exited before it became ready: startup probe failed`,
    };
  }
  const blocked = ctx.roleBlock(phase.at);
  if (blocked !== undefined) {
    return { kind: "failed", window, provisioningState: "Provisioned", error: blocked };
  }
  return behaviour.healthy ? { kind: "running", window } : { kind: "degraded", window };
}

/** provisioningState once the creation phase is over. */
function finalProvisioning(rec: RevisionRecord, ctx: LifecycleContext): "Provisioned" | "Failed" {
  return ctx.behaviour(rec.template).failsToStart ? "Failed" : "Provisioned";
}

/** When the start phase makes the revision ready, or undefined when it never does. */
export function readyAtOf(
  rec: RevisionRecord,
  phase: Phase,
  ctx: LifecycleContext,
): number | undefined {
  const result = outcome(rec, phase, ctx);
  return result.kind === "running" ? phase.at + result.window : undefined;
}

/** True when some start phase made the revision ready by `t` (latestReadyRevisionName). */
export function everReadyBy(rec: RevisionRecord, t: number, ctx: LifecycleContext): boolean {
  return rec.phases.some((p) => {
    if (p.kind !== "start" || p.at > t) {
      return false;
    }
    const ready = readyAtOf(rec, p, ctx);
    return ready !== undefined && ready <= t;
  });
}

/** True while a scaled-from-zero replica of the phase is alive at `t`. */
export function isWarm(rec: RevisionRecord, phase: number, t: number): boolean {
  const wake = rec.wake;
  return (
    wake !== undefined &&
    wake.phase === phase &&
    wake.startMs <= t &&
    t < wake.lastRequestMs + cooldownMs(rec.template)
  );
}

/**
 * Rule 10: a request reaches a minReplicas 0 revision at `t`: it wakes a replica when none is
 * alive, and requests during the cold start wait longer than the client does (scale to zero and
 * cold start: https://learn.microsoft.com/en-us/azure/container-apps/scale-app,
 * https://learn.microsoft.com/en-us/azure/container-apps/cold-start). Returns how long the
 * replica still needs, 0 when it can answer.
 */
export function wakeFor(
  rec: RevisionRecord,
  phase: number,
  t: number,
  coldStartMs: number,
): number {
  if (!isWarm(rec, phase, t)) {
    rec.wake = { phase, startMs: t, lastRequestMs: t };
  } else if (rec.wake !== undefined) {
    rec.wake.lastRequestMs = Math.max(rec.wake.lastRequestMs, t);
  }
  const readyAt = (rec.wake?.startMs ?? t) + coldStartMs;
  return Math.max(0, readyAt - t);
}

/**
 * The revision at `t` (rules 8, 10, 11). Deactivated: active false, "Stopped", no replicas,
 * lastActiveTime set (https://learn.microsoft.com/en-us/azure/container-apps/revisions "Inactive
 * status", https://learn.microsoft.com/en-us/azure/container-apps/application-lifecycle-management
 * "Deactivation"). Running: replicas = minReplicas; a minReplicas 0 revision has 0 replicas while
 * idle and keeps runningState "Running" (the docs' "Scale to 0" status is not a value of the API's
 * KnownRevisionRunningState, which has Running/Processing/Stopped/Degraded/Failed/Unknown).
 */
export function statusAt(rec: RevisionRecord, t: number, ctx: LifecycleContext): RevisionStatus {
  const index = phaseIndexAt(rec, t);
  const phase = rec.phases[index];
  if (phase.kind === "stop") {
    return {
      active: false,
      provisioningState: finalProvisioning(rec, ctx),
      runningState: "Stopped",
      healthState: "None",
      replicas: 0,
      lastActiveMs: phase.at,
      phase: index,
    };
  }
  const result = outcome(rec, phase, ctx);
  if (t - phase.at < result.window) {
    return {
      active: true,
      provisioningState: phase.cause === "create" ? "Provisioning" : finalProvisioning(rec, ctx),
      runningState: "Processing",
      healthState: "None",
      replicas: 0,
      phase: index,
    };
  }
  if (result.kind === "failed") {
    return {
      active: true,
      provisioningState: result.provisioningState,
      runningState: "Failed",
      healthState: "Unhealthy",
      replicas: 0,
      provisioningError: result.error,
      phase: index,
    };
  }
  const min = minReplicas(rec.template);
  if (result.kind === "degraded") {
    return {
      active: true,
      provisioningState: "Provisioned",
      runningState: "Degraded",
      healthState: "Unhealthy",
      replicas: Math.max(min, 1),
      phase: index,
    };
  }
  return {
    active: true,
    provisioningState: "Provisioned",
    runningState: "Running",
    healthState: "Healthy",
    replicas: min > 0 ? min : isWarm(rec, index, t) ? 1 : 0,
    phase: index,
  };
}
