/**
 * What happens on the app's URLs over virtual time: generated production traffic, the platform's
 * health probes, and single requests (`httpGet`), each answered as the routed revision would and
 * recorded as an AppRequests row when a replica handled it. Generation is lazy and deterministic:
 * every event at t < now is produced, in time order, the first time the model is asked at `now`.
 */
import type { AppRecord, ContainerAppStore, RoutedEntry } from "./containerApps";
import { fnv1a, latencyMs, token, unit } from "./random";
import { RevisionRecord, isWarm, minReplicas, statusAt, wakeFor } from "./revisions";
import { TelemetryStore } from "./telemetry";

/** The answer to one HTTP request. */
export interface HttpAnswer {
  readonly status: number;
  readonly error?: string;
  readonly durationMs: number;
}

/** Settings the workload needs. */
export interface WorkloadSettings {
  readonly startMs: number;
  readonly userRequestsPerMinute: number;
  readonly coldStartMs: number;
  readonly seed: number;
}

/** Name of a generated user request (rule 15). */
export const USER_REQUEST = "POST /api/chat";
/** Health probe paths (rule 14). */
export const PROBE_PATHS = ["/health", "/ready"] as const;
/**
 * Rule 14: probes every 10 s per replica (Kubernetes' default periodSeconds, on which Container
 * Apps probes are based: https://learn.microsoft.com/en-us/azure/container-apps/health-probes;
 * the Container Apps default period is not confirmed).
 */
const PROBE_INTERVAL_MS = 10_000;
/**
 * Rule 4: a request routed to an inactive revision fails with 404 (apps without an active
 * revision answer 403/404: microsoft/azure-container-apps#301, #755; the 404 page text is not
 * confirmed).
 */
const STOPPED = "Error 404 - This Container App is stopped or does not exist.";
/**
 * A revision with no ready replica (provisioning, failed, degraded) answers 503 (text not
 * confirmed).
 */
const NO_UPSTREAM = "no healthy upstream";
/**
 * Kubernetes pod-name suffix alphabet; replica names are `<revision>-<replica-set hash>-<pod id>`
 * (REST example `myapp--0wlqy09-5d9774cff-5wnd8`).
 */
const POD_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** The revision a request lands on, given a uniform number in [0, 1) and the routed weights. */
export function pickRevision(
  routes: readonly RoutedEntry[],
  u: number,
): RevisionRecord | undefined {
  const point = u * 100;
  let cumulative = 0;
  for (const route of routes) {
    cumulative += route.weight;
    if (point < cumulative) {
      return route.revision;
    }
  }
  return undefined;
}

/**
 * Rule 15: a replica's name, `AppRoleInstance` in AppRequests: `<revisionName>-<8 hex replica-set
 * hash>-<5 character pod id>` (replica names in
 * https://learn.microsoft.com/en-us/rest/api/containerapps/container-apps-revision-replicas/get-replica,
 * e.g. `myapp--0wlqy09-5d9774cff-5wnd8`). A restart or activation starts new pods.
 */
export function replicaName(
  seed: number,
  rec: RevisionRecord,
  phase: number,
  replica: number,
): string {
  const hash = fnv1a(`${seed}|replicaset|${rec.name}`).toString(16).padStart(8, "0");
  return `${rec.name}-${hash}-${token(POD_ALPHABET, 5, seed, `pod|${rec.name}`, phase, replica)}`;
}

/** Generated traffic, probes and single requests. */
export class Workload {
  constructor(
    private readonly settings: WorkloadSettings,
    private readonly store: ContainerAppStore,
    private readonly telemetry: TelemetryStore,
  ) {}

  /** Produces every event before `now` for every app, then purges (rule 6) at `now`. */
  sync(now: number): void {
    for (const app of this.store.all()) {
      this.generate(app, now);
      this.store.purge(app, now);
    }
  }

  /**
   * One request to `rec` at `t` (rules 4, 10, 13): an inactive or missing revision answers 404; a
   * revision without a ready replica 503; a minReplicas 0 revision wakes and times out during the
   * cold start; otherwise the app answers (health paths 200, other paths 500 at the image's error
   * rate) and the request is recorded.
   */
  serve(
    app: AppRecord,
    rec: RevisionRecord | undefined,
    t: number,
    path: string,
    name: string,
    stream: string,
    key: number,
  ): HttpAnswer {
    if (rec === undefined || rec.purged) {
      return { status: 404, error: STOPPED, durationMs: 0 };
    }
    const ctx = this.store.lifecycle(app);
    const status = statusAt(rec, t, ctx);
    if (!status.active) {
      return { status: 404, error: STOPPED, durationMs: 0 };
    }
    if (status.runningState !== "Running") {
      return { status: 503, error: NO_UPSTREAM, durationMs: 0 };
    }
    const min = minReplicas(rec.template);
    if (min === 0) {
      const waitMs = wakeFor(rec, status.phase, t, this.settings.coldStartMs);
      if (waitMs > 0) {
        return { status: 0, error: "timeout", durationMs: waitMs };
      }
    }
    const seed = this.settings.seed;
    const replica = Math.floor(unit(seed, `${stream}|replica`, key) * Math.max(min, 1));
    const behaviour = ctx.behaviour(rec.template);
    let code = 200;
    let durationMs: number;
    if ((PROBE_PATHS as readonly string[]).includes(path)) {
      durationMs = probeDuration(seed, stream, key);
    } else {
      code = unit(seed, `${stream}|fail`, key) < behaviour.errorRate ? 500 : 200;
      durationMs = latencyMs(
        behaviour.p95Ms,
        unit(seed, `${stream}|u1`, key),
        unit(seed, `${stream}|u2`, key),
      );
    }
    this.telemetry.record({
      timeMs: t,
      Name: name,
      Success: code < 400,
      ResultCode: String(code),
      DurationMs: durationMs,
      AppRoleInstance: replicaName(seed, rec, status.phase, replica),
    });
    return { status: code, durationMs };
  }

  private userTime(k: number): number {
    return this.settings.startMs + Math.round((k * 60_000) / this.settings.userRequestsPerMinute);
  }

  /**
   * Rule 13: `userRequestsPerMinute` requests per virtual minute, evenly spaced, each routed by
   * the traffic in force at its instant (snapshots keep weight changes with their time); rule 14:
   * probes on a 10 s grid.
   */
  private generate(app: AppRecord, now: number): void {
    const { startMs, userRequestsPerMinute: rpm } = this.settings;
    const g = app.generation;
    if (g.nextUser < 0) {
      g.nextUser =
        rpm > 0 ? Math.max(0, Math.floor(((app.createdMs - startMs) * rpm) / 60_000) - 1) : 0;
      while (rpm > 0 && this.userTime(g.nextUser) < app.createdMs) {
        g.nextUser++;
      }
      while (rpm > 0 && g.nextUser > 0 && this.userTime(g.nextUser - 1) >= app.createdMs) {
        g.nextUser--;
      }
      g.nextProbe = Math.max(0, Math.ceil((app.createdMs - startMs) / PROBE_INTERVAL_MS));
    }
    for (;;) {
      const tu = rpm > 0 ? this.userTime(g.nextUser) : Infinity;
      const tp = startMs + g.nextProbe * PROBE_INTERVAL_MS;
      if (Math.min(tu, tp) >= now) {
        break;
      }
      if (tu <= tp) {
        const routes = this.store.routeAt(app, tu);
        const rec = pickRevision(routes, unit(this.settings.seed, `route|${app.name}`, g.nextUser));
        if (routes.length > 0) {
          this.serve(app, rec, tu, "/api/chat", USER_REQUEST, `user|${app.name}`, g.nextUser);
        }
        g.nextUser++;
      } else {
        this.probe(app, tp);
        g.nextProbe++;
      }
    }
    g.untilMs = now;
  }

  /**
   * Rule 14: each running replica answers GET /health and GET /ready; a Degraded revision's
   * replicas answer 503 (https://learn.microsoft.com/en-us/azure/container-apps/health-probes:
   * success is 200-399). A scaled-from-zero replica is probed once its cold start is over.
   */
  private probe(app: AppRecord, t: number): void {
    const ctx = this.store.lifecycle(app);
    const seed = this.settings.seed;
    for (const rec of app.revisions) {
      const status = rec.purged ? undefined : statusAt(rec, t, ctx);
      if (
        status === undefined ||
        (status.runningState !== "Running" && status.runningState !== "Degraded")
      ) {
        continue;
      }
      if (status.runningState === "Running" && minReplicas(rec.template) === 0) {
        const wake = rec.wake;
        if (
          !isWarm(rec, status.phase, t) ||
          wake === undefined ||
          t < wake.startMs + this.settings.coldStartMs
        ) {
          continue;
        }
      }
      const healthy = status.runningState === "Running";
      for (let replica = 0; replica < status.replicas; replica++) {
        PROBE_PATHS.forEach((path, i) => {
          this.telemetry.record({
            timeMs: t,
            Name: `GET ${path}`,
            Success: healthy,
            ResultCode: healthy ? "200" : "503",
            DurationMs: probeDuration(seed, `probe|${rec.name}|${replica}|${i}`, t),
            AppRoleInstance: replicaName(seed, rec, status.phase, replica),
          });
        });
      }
    }
  }
}

function probeDuration(seed: number, stream: string, key: number): number {
  return Math.round((1 + 4 * unit(seed, `${stream}|probe`, key)) * 1000) / 1000;
}
