/**
 * The model of Azure the release engine talks to: Container Apps state and rules, the workload on
 * the apps' URLs, request telemetry, and injected faults, all on virtual time. Tests and the drill
 * use it directly; `server.ts` puts the ARM and Logs APIs in front of it.
 */
import type { VirtualClock } from "./clock";
import { AppRecord, ContainerAppStore } from "./containerApps";
import { ContainerAppState, RevisionState, appJson, revisionJson } from "./armJson";
import { ModelError, subscriptionNotFound } from "./errors";
import { FaultInjector, FaultRegistry } from "./faults";
import { Json, JsonObject, arrayAt, isObject, objectAt, stringAt } from "./json";
import { unit } from "./random";
import { Behaviour, LifecycleContext } from "./revisions";
import { RequestRow, TelemetryStore } from "./telemetry";
import { HttpAnswer, Workload, pickRevision } from "./workload";

export interface ModelOptions {
  clock: VirtualClock;
  subscriptionId?: string; // default "00000000-0000-0000-0000-000000000000"
  provisioningMs?: number; // new revision: Provisioning -> Provisioned. default 60_000
  activationMs?: number; // activate: Processing -> Running. default 30_000
  coldStartMs?: number; // scaled-to-zero revision answering its first request. default 20_000
  ingestionLagMs?: number; // request row visible to queries this long after it happened. default 150_000
  userRequestsPerMinute?: number; // generated production traffic, split by traffic weights. default 600
  seed?: number; // deterministic pseudo-randomness (errors, latencies). default 1
  /**
   * The Container Apps environment's default domain. @default
   * "kindhill-4f7a2c91.eastus2.azurecontainerapps.io"
   */
  environmentDomain?: string;
}

export interface ImageBehaviour {
  errorRate?: number; // share of user requests that fail (500). default 0
  p95Ms?: number; // default 120 (latencies: deterministic distribution with this p95, p50 ~ p95/3)
  healthy?: boolean; // /health and /ready answer 200. default true; false -> 503 and revision runningState "Degraded" once provisioned
  failsToStart?: boolean; // provisioning ends Failed with provisioningError. default false
}

/** One ARM request, parsed by the server. */
export interface ArmRequest {
  readonly method: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  /** Undefined: the resource group's container apps collection. */
  readonly appName?: string;
  /** True for `.../revisions[/{name}[/{action}]]`. */
  readonly revisions?: boolean;
  readonly revisionName?: string;
  readonly action?: string;
  readonly body?: Json;
}

/** A successful answer (failures are thrown as `ModelError`). */
export interface ModelAnswer {
  readonly status: number;
  readonly body?: Json;
}

const DEFAULT_BEHAVIOUR: Behaviour = {
  errorRate: 0,
  p95Ms: 120,
  healthy: true,
  failsToStart: false,
};

export class AzureModel {
  readonly faults: FaultInjector;
  readonly subscriptionId: string;
  readonly domain: string;
  private readonly registry = new FaultRegistry();
  private readonly clock: VirtualClock;
  private readonly images = new Map<string, Behaviour>();
  private readonly store: ContainerAppStore;
  private readonly telemetry: TelemetryStore;
  private readonly workload: Workload;
  private readonly seed: number;
  private roleAssignmentsEffectiveAt = Number.NEGATIVE_INFINITY;
  private httpSequence = 0;

  constructor(options: ModelOptions) {
    this.clock = options.clock;
    this.faults = this.registry;
    this.subscriptionId = options.subscriptionId ?? "00000000-0000-0000-0000-000000000000";
    this.domain = options.environmentDomain ?? "kindhill-4f7a2c91.eastus2.azurecontainerapps.io";
    this.seed = options.seed ?? 1;
    const provisioningMs = nonNegative("provisioningMs", options.provisioningMs ?? 60_000);
    const activationMs = nonNegative("activationMs", options.activationMs ?? 30_000);
    this.store = new ContainerAppStore(
      { subscriptionId: this.subscriptionId, domain: this.domain, seed: this.seed },
      (app) => this.lifecycle(app, provisioningMs, activationMs),
    );
    this.telemetry = new TelemetryStore(
      nonNegative("ingestionLagMs", options.ingestionLagMs ?? 150_000),
    );
    this.workload = new Workload(
      {
        startMs: this.clock.now(),
        userRequestsPerMinute: nonNegative(
          "userRequestsPerMinute",
          options.userRequestsPerMinute ?? 600,
        ),
        coldStartMs: nonNegative("coldStartMs", options.coldStartMs ?? 20_000),
        seed: this.seed,
      },
      this.store,
      this.telemetry,
    );
  }

  /** The server's view of the fault injector. */
  get faultRegistry(): FaultRegistry {
    return this.registry;
  }

  setImageBehaviour(image: string, behaviour: ImageBehaviour): void {
    this.sync();
    const errorRate = behaviour.errorRate ?? DEFAULT_BEHAVIOUR.errorRate;
    const p95Ms = behaviour.p95Ms ?? DEFAULT_BEHAVIOUR.p95Ms;
    if (!(errorRate >= 0 && errorRate <= 1) || !(p95Ms > 0)) {
      throw new RangeError(`image ${image}: errorRate must be in [0, 1] and p95Ms > 0`);
    }
    this.images.set(image, {
      errorRate,
      p95Ms,
      healthy: behaviour.healthy ?? DEFAULT_BEHAVIOUR.healthy,
      failsToStart: behaviour.failsToStart ?? DEFAULT_BEHAVIOUR.failsToStart,
    });
  }

  /** Role assignments of the app's identity take effect at this virtual time (Key Vault read, AcrPull). Revisions created/restarted before then cannot pull/read secrets. */
  setRoleAssignmentsEffectiveAt(ms: number): void {
    this.sync();
    this.roleAssignmentsEffectiveAt = ms;
  }

  app(resourceGroup: string, name: string): ContainerAppState | undefined {
    this.sync();
    const app = this.store.get(resourceGroup, name);
    return app === undefined
      ? undefined
      : (appJson(this.store, app, this.clock.now()) as unknown as ContainerAppState);
  }

  revisions(resourceGroup: string, name: string): RevisionState[] {
    this.sync();
    const app = this.store.get(resourceGroup, name);
    if (app === undefined) {
      return [];
    }
    const now = this.clock.now();
    return app.revisions
      .filter((r) => !r.purged)
      .map((r) => revisionJson(this.store, app, r, now) as unknown as RevisionState);
  }

  /** A GET on a URL the app serves: production FQDN `<app>.<domain>` or label FQDN `<app>---<label>.<domain>`. Resolves via the current traffic; records a request row (Name "GET <path>"); answers like the revision would (see rules). */
  httpGet(url: string): { status: number; error?: string; durationMs: number } {
    this.sync();
    const now = this.clock.now();
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { status: 0, error: "invalid URL", durationMs: 0 };
    }
    const host = parsed.hostname.toLowerCase();
    const suffix = `.${this.domain}`;
    if (!host.endsWith(suffix)) {
      return { status: 0, error: "ENOTFOUND", durationMs: 0 };
    }
    const sub = host.slice(0, -suffix.length);
    const key = this.httpSequence++;
    const stream = `get|${sub}`;
    const answer = (
      app: AppRecord | undefined,
      pick: (a: AppRecord) => ReturnType<typeof pickRevision>,
    ): HttpAnswer =>
      app === undefined
        ? {
            status: 404,
            error: "Error 404 - This Container App is stopped or does not exist.",
            durationMs: 0,
          }
        : this.workload.serve(
            app,
            pick(app),
            now,
            parsed.pathname,
            `GET ${parsed.pathname}`,
            stream,
            key,
          );
    const label = sub.indexOf("---");
    if (label > 0) {
      // Label URL `<app>---<label>.<domain>` (three dashes): the revision the label is on
      // (https://learn.microsoft.com/en-us/azure/container-apps/revisions "Labels").
      const name = sub.slice(0, label);
      const wanted = sub.slice(label + 3);
      return answer(
        this.findApp(name),
        (a) => this.store.routeAt(a, now).find((e) => e.label === wanted)?.revision,
      );
    }
    const app = this.findApp(sub);
    if (app !== undefined) {
      // Production URL: split by the traffic weights in force now.
      return answer(app, (a) =>
        pickRevision(this.store.routeAt(a, now), unit(this.seed, stream, key)),
      );
    }
    // Revision URL `<revision>.<domain>`.
    const owner = this.store
      .all()
      .find((a) => a.revisions.some((r) => r.name === sub && !r.purged));
    return answer(owner, (a) => a.revisions.find((r) => r.name === sub && !r.purged));
  }

  /** Rows the Logs API would hold (for assertions), including not-yet-ingested ones. */
  requestRows(): RequestRow[] {
    this.sync();
    return this.telemetry.all();
  }

  /** ARM: the Container Apps operations the release engine uses. Throws `ModelError`. */
  arm(req: ArmRequest): ModelAnswer {
    this.sync();
    const now = this.clock.now();
    if (req.subscriptionId.toLowerCase() !== this.subscriptionId.toLowerCase()) {
      throw subscriptionNotFound(req.subscriptionId);
    }
    const method = req.method.toUpperCase();
    if (req.appName === undefined) {
      requireMethod(method, ["GET"]);
      const apps = this.store
        .all()
        .filter((a) => a.resourceGroup.toLowerCase() === req.resourceGroup.toLowerCase());
      return { status: 200, body: { value: apps.map((a) => appJson(this.store, a, now)) } };
    }
    if (req.revisions !== true) {
      requireMethod(method, ["GET", "PUT", "PATCH"]);
      if (method === "GET") {
        return {
          status: 200,
          body: appJson(this.store, this.store.require(req.resourceGroup, req.appName), now),
        };
      }
      const { created, app } = this.store.write(
        req.resourceGroup,
        req.appName,
        req.body ?? null,
        method === "PUT" ? "put" : "patch",
        now,
      );
      return { status: created ? 201 : 200, body: appJson(this.store, app, now) };
    }
    const app = this.store.require(req.resourceGroup, req.appName);
    if (req.revisionName === undefined) {
      requireMethod(method, ["GET"]);
      const value = app.revisions
        .filter((r) => !r.purged)
        .map((r) => revisionJson(this.store, app, r, now));
      return { status: 200, body: { value } };
    }
    const rec = this.store.requireRevision(app, req.revisionName);
    if (req.action === undefined) {
      requireMethod(method, ["GET"]);
      return { status: 200, body: revisionJson(this.store, app, rec, now) };
    }
    requireMethod(method, ["POST"]);
    if (req.action === "activate") {
      this.store.activate(app, rec, now);
    } else if (req.action === "deactivate") {
      this.store.deactivate(app, rec, now);
    } else if (req.action === "restart") {
      this.store.restart(app, rec, now);
    } else {
      throw new ModelError(404, "NotFound", `Unknown revision action '${req.action}'.`);
    }
    return { status: 200 };
  }

  /** Logs: `POST /v1/workspaces/{id}/query`. Throws `ModelError`. */
  logsQuery(body: Json): ModelAnswer {
    this.sync();
    return { status: 200, body: this.telemetry.query(body, this.clock.now()) };
  }

  private sync(): void {
    this.workload.sync(this.clock.now());
  }

  private findApp(name: string): AppRecord | undefined {
    return this.store.all().find((a) => a.name.toLowerCase() === name);
  }

  private behaviour(template: JsonObject): Behaviour {
    const containers = (arrayAt(template, "containers") ?? []).filter(isObject);
    const all = containers.map(
      (c) => this.images.get(stringAt(c, "image") ?? "") ?? DEFAULT_BEHAVIOUR,
    );
    const main = all[0] ?? DEFAULT_BEHAVIOUR;
    return {
      errorRate: main.errorRate,
      p95Ms: main.p95Ms,
      healthy: all.every((b) => b.healthy),
      failsToStart: all.some((b) => b.failsToStart),
    };
  }

  private lifecycle(
    app: AppRecord,
    provisioningMs: number,
    activationMs: number,
  ): LifecycleContext {
    return {
      provisioningMs,
      activationMs,
      behaviour: (template) => this.behaviour(template),
      roleBlock: (at) => (at < this.roleAssignmentsEffectiveAt ? roleBlockMessage(app) : undefined),
    };
  }
}

/**
 * Rule 9: what a revision started before its identity's role assignments are effective fails on.
 * The image pull with a registry identity needs AcrPull
 * (https://learn.microsoft.com/en-us/azure/container-apps/managed-identity-image-pull); a Key Vault
 * reference needs Key Vault Secrets User for the secret's identity
 * (https://learn.microsoft.com/en-us/azure/container-apps/manage-secrets "Reference secret from
 * Key Vault"). The pull comes first. Apps with neither do not depend on role assignments. Azure's
 * exact provisioningError text is not confirmed (the Key Vault form "Unable to get value using
 * Managed identity ..." is quoted in microsoft/azure-container-apps#1159).
 */
function roleBlockMessage(app: AppRecord): string | undefined {
  const configuration = objectAt(objectAt(app.spec, "properties"), "configuration");
  const registry = (arrayAt(configuration, "registries") ?? [])
    .filter(isObject)
    .find((r) => typeof r.identity === "string");
  if (registry !== undefined) {
    return `Failed to pull image from registry '${stringAt(registry, "server") ?? ""}' with managed identity '${stringAt(registry, "identity") ?? ""}': unauthorized (the identity has no effective AcrPull role assignment on the registry)`;
  }
  const secret = (arrayAt(configuration, "secrets") ?? [])
    .filter(isObject)
    .find((s) => typeof s.keyVaultUrl === "string");
  if (secret !== undefined) {
    return `Unable to get value using Managed identity ${stringAt(secret, "identity") ?? "system"} for secret ${stringAt(secret, "name") ?? ""} from ${stringAt(secret, "keyVaultUrl") ?? ""}: Forbidden (the identity has no effective Key Vault Secrets User role assignment on the vault)`;
  }
  return undefined;
}

/** An unsupported method on a known route (ARM's 405 answer; code not confirmed). */
function requireMethod(method: string, allowed: readonly string[]): void {
  if (!allowed.includes(method)) {
    throw new ModelError(
      405,
      "MethodNotAllowed",
      `The requested resource does not support http method '${method}'.`,
    );
  }
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`ModelOptions.${name} must be a finite number >= 0, got ${value}`);
  }
  return value;
}
