/**
 * A model of the AKS cluster the release engine drives (`release/aks.ts`): the Kubernetes API
 * objects of the app (Deployments, HPAs, Services, PDBs, the HTTPRoute), their controllers over
 * virtual time, the gateway's routing of requests, and the app's request telemetry (the same
 * `TelemetryStore` and gate query as the Azure model). The rules that matter to a release, each
 * with its source:
 * 1. Optimistic concurrency: an update whose `metadata.resourceVersion` is not the object's current
 *    one is 409 Conflict; a custom resource (the HTTPRoute) cannot be updated without one (422)
 *    (https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions; custom
 *    resources do not allow unconditional updates).
 * 2. HTTPRoute backendRef weights are integers 0..1,000,000 (422 otherwise); requests are split
 *    in proportion to the weights; all weights 0 → every request is answered 500
 *    (https://gateway-api.sigs.k8s.io/reference/spec/#httpbackendref, "weight").
 * 3. A rule with a header match is preferred over one without: `x-chatbot-slot: <slot>` reaches
 *    the slot whatever the weights (https://gateway-api.sigs.k8s.io/reference/spec/#httprouterule).
 * 4. A Deployment becomes Available only when its pods are ready: `podReadyMs` after its rollout
 *    started (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#complete-deployment).
 * 5. Pods that fail their readiness probe (an image with `healthy: false`) are not ready: the
 *    Deployment is not Available and the Service sends them nothing (503).
 * 6. A Deployment without `spec.replicas` gets 1; an HPA keeps a running target at least at its
 *    `minReplicas` (>= 1, 422 for 0), and stops while the target is scaled to 0
 *    (https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#implicit-maintenance-mode-deactivation).
 *    A backend whose pods are all gone answers 503.
 * 7. An image that cannot be pulled (`failsToStart`, or AcrPull not effective yet) leaves pods in
 *    ErrImagePull; after `progressDeadlineSeconds` (600 by default) the Deployment has
 *    Progressing=False, reason ProgressDeadlineExceeded
 *    (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#failed-deployment).
 * 8. Throttling: injected 429 answers carry Retry-After
 *    (https://kubernetes.io/docs/concepts/cluster-administration/flow-control/).
 * 9. A backendRef names a Service; requests reach the pods of the Deployment whose pod template
 *    carries every label of the Service's selector. A missing Service, or one that selects no
 *    pods, answers 500 (https://gateway-api.sigs.k8s.io/reference/spec/#httpbackendref).
 * Every answer is computed from virtual time; nothing waits for real.
 */
import type { VirtualClock } from "./clock";
import { FaultRegistry } from "./faults";
import { Json, JsonObject } from "./json";
import { fnv1a, latencyMs, token, unit } from "./random";
import { Behaviour } from "./revisions";
import { TelemetryStore } from "./telemetry";
import { PROBE_PATHS, USER_REQUEST } from "./workload";

/** A failed Kubernetes API call, answered as a `Status` object. */
export class KubeStatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = "KubeStatusError";
  }

  body(): JsonObject {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
  }
}

/** The kinds the model serves: `<group path>/<plural>` as in the API paths. */
export const KINDS = {
  deployments: { api: "/apis/apps/v1", kind: "Deployment", group: "apps" },
  horizontalpodautoscalers: {
    api: "/apis/autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    group: "autoscaling",
  },
  services: { api: "/api/v1", kind: "Service", group: "" },
  poddisruptionbudgets: { api: "/apis/policy/v1", kind: "PodDisruptionBudget", group: "policy" },
  httproutes: {
    api: "/apis/gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    group: "gateway.networking.k8s.io",
  },
} as const;
export type Plural = keyof typeof KINDS;

const KIND_PLURAL: Record<string, Plural> = Object.fromEntries(
  Object.entries(KINDS).map(([plural, info]) => [info.kind, plural as Plural]),
);

/** The plural of a kind the model serves (`Deployment` → `deployments`), else `undefined`. */
export function pluralOf(kind: string): Plural | undefined {
  return KIND_PLURAL[kind];
}

/** Default `progressDeadlineSeconds` of a Deployment. */
const PROGRESS_DEADLINE_S = 600;
/** The largest backendRef weight. */
export const MAX_WEIGHT = 1_000_000;
/** Kubernetes' random name alphabet (k8s.io/apimachinery/pkg/util/rand). */
const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

interface Stored {
  object: JsonObject;
  /** Deployments: when the current pod template's rollout started, and when it was last scaled up. */
  rolloutAt: number;
  /** The pod-template-hash of the current template. */
  templateHash: string;
}

export interface KubeModelOptions {
  readonly clock: VirtualClock;
  /** The gateway's public host. @default "chat.example.com" */
  readonly gatewayHost?: string;
  /** A new pod becomes ready this long after it started. @default 30_000 */
  readonly podReadyMs?: number;
  /** Telemetry rows become queryable this long after the request. @default 150_000 */
  readonly ingestionLagMs?: number;
  /** @default 600 */
  readonly userRequestsPerMinute?: number;
  /** @default 1 */
  readonly seed?: number;
}

const DEFAULT_BEHAVIOUR: Behaviour = {
  errorRate: 0,
  p95Ms: 120,
  healthy: true,
  failsToStart: false,
};

function obj(value: unknown): JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : {};
}

function arr(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.map(obj) : [];
}

function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Status of one slot's Deployment at a time. */
export interface DeploymentStatusAt {
  readonly desired: number;
  readonly ready: number;
  readonly pullFailed: boolean;
  readonly deadlineExceeded: boolean;
}

export class KubeModel {
  readonly faults = new FaultRegistry();
  readonly gatewayHost: string;
  private readonly clock: VirtualClock;
  private readonly objects = new Map<string, Stored>();
  private readonly images = new Map<string, Behaviour>();
  private readonly telemetry: TelemetryStore;
  private readonly podReadyMs: number;
  private readonly rpm: number;
  private readonly seed: number;
  private readonly startMs: number;
  private version = 1000;
  private nextUser = 0;
  private nextProbe = 0;
  private roleAssignmentsEffectiveAt = Number.NEGATIVE_INFINITY;

  constructor(options: KubeModelOptions) {
    this.clock = options.clock;
    this.gatewayHost = options.gatewayHost ?? "chat.example.com";
    this.podReadyMs = options.podReadyMs ?? 30_000;
    this.rpm = options.userRequestsPerMinute ?? 600;
    this.seed = options.seed ?? 1;
    this.startMs = this.clock.now();
    this.telemetry = new TelemetryStore(options.ingestionLagMs ?? 150_000);
  }

  setImageBehaviour(image: string, behaviour: Partial<Behaviour>): void {
    this.sync();
    this.images.set(image, { ...DEFAULT_BEHAVIOUR, ...behaviour });
  }

  /** The kubelet identity's AcrPull takes effect at this time: pulls before it fail. */
  setRoleAssignmentsEffectiveAt(ms: number): void {
    this.sync();
    this.roleAssignmentsEffectiveAt = ms;
  }

  private key(plural: Plural, namespace: string, name: string): string {
    return `${plural}/${namespace}/${name}`;
  }

  /** The stored object (a copy), or undefined. */
  get(plural: Plural, namespace: string, name: string): JsonObject | undefined {
    this.sync();
    const stored = this.objects.get(this.key(plural, namespace, name));
    return stored === undefined ? undefined : this.view(plural, stored);
  }

  private require(plural: Plural, namespace: string, name: string): Stored {
    const stored = this.objects.get(this.key(plural, namespace, name));
    if (stored === undefined) {
      const group = KINDS[plural].group;
      throw new KubeStatusError(
        404,
        "NotFound",
        `${plural}${group === "" ? "" : `.${group}`} "${name}" not found`,
      );
    }
    return stored;
  }

  /** What a GET answers: the object with its status computed now. */
  private view(plural: Plural, stored: Stored): JsonObject {
    const object = copy(stored.object);
    if (plural === "deployments") {
      // Rule 6: the HPA writes the replicas it wants into the Deployment (1 without either).
      obj(object.spec).replicas = this.desired(stored);
      object.status = this.deploymentStatus(stored, this.clock.now());
    }
    return object;
  }

  /**
   * Server-side apply of a manifest (what the Pulumi provider sends on `pulumi up`): creates the
   * object or replaces the fields the manifest sets; a Deployment's `spec.replicas` that the
   * manifest leaves out stays as it is (owned by the HPA and the release engine).
   */
  apply(manifest: JsonObject): JsonObject {
    this.sync();
    const plural = KIND_PLURAL[String(manifest.kind)];
    const metadata = obj(manifest.metadata);
    const name = String(metadata.name ?? "");
    const namespace = String(metadata.namespace ?? "default");
    if (plural === undefined || name === "") {
      throw new KubeStatusError(400, "BadRequest", `cannot apply kind ${String(manifest.kind)}`);
    }
    const existing = this.objects.get(this.key(plural, namespace, name));
    const next = copy(manifest);
    if (existing !== undefined && plural === "deployments") {
      const replicas = obj(existing.object.spec).replicas;
      if (obj(next.spec).replicas === undefined && replicas !== undefined) {
        obj(next.spec).replicas = replicas;
      }
    }
    this.store(plural, namespace, name, next, existing);
    return this.get(plural, namespace, name) ?? {};
  }

  /** Deletes an object (what `pulumi up` does for a resource the program no longer registers). */
  delete(plural: Plural, namespace: string, name: string): void {
    this.sync();
    this.require(plural, namespace, name);
    this.objects.delete(this.key(plural, namespace, name));
  }

  private store(
    plural: Plural,
    namespace: string,
    name: string,
    next: JsonObject,
    existing: Stored | undefined,
  ): void {
    this.validate(plural, name, next);
    const now = this.clock.now();
    const metadata = obj(next.metadata);
    const previous = obj(existing?.object.metadata);
    metadata.name = name;
    metadata.namespace = namespace;
    metadata.resourceVersion = String(++this.version);
    metadata.creationTimestamp =
      previous.creationTimestamp ?? new Date(Math.floor(now / 1000) * 1000).toISOString();
    const template = JSON.stringify(obj(next.spec).template ?? null);
    const templateHash = token(NAME_ALPHABET, 10, this.seed, "pod-template-hash", fnv1a(template));
    let rolloutAt = existing?.rolloutAt ?? now;
    if (plural === "deployments") {
      const changed = existing === undefined || existing.templateHash !== templateHash;
      const generation = Number(previous.generation ?? 0);
      const specChanged =
        existing === undefined ||
        JSON.stringify(obj(existing.object.spec)) !== JSON.stringify(obj(next.spec));
      metadata.generation = specChanged ? generation + 1 : generation;
      const wasDesired = existing === undefined ? 0 : this.desired(existing);
      next.metadata = metadata;
      const nowDesired = this.desired({ object: next, rolloutAt, templateHash });
      if (changed || (wasDesired === 0 && nowDesired > 0)) {
        // A new template rolls new pods; a scale up from 0 starts pods that must become ready.
        rolloutAt = now;
      }
    }
    next.metadata = metadata;
    this.objects.set(this.key(plural, namespace, name), { object: next, rolloutAt, templateHash });
  }

  /** Rules 2 and 6: what the API server's validation rejects (422 Invalid). */
  private validate(plural: Plural, name: string, object: JsonObject): void {
    const kind = KINDS[plural].kind;
    const invalid = (field: string, value: unknown, detail: string) =>
      new KubeStatusError(
        422,
        "Invalid",
        `${kind}${KINDS[plural].group === "" ? "" : `.${KINDS[plural].group}`} "${name}" is invalid: ${field}: Invalid value: ${JSON.stringify(value)}: ${detail}`,
      );
    if (plural === "httproutes") {
      arr(obj(object.spec).rules).forEach((rule, i) =>
        arr(rule.backendRefs).forEach((ref, j) => {
          const weight = ref.weight;
          const field = `spec.rules[${i}].backendRefs[${j}].weight`;
          if (weight === undefined) {
            return;
          }
          if (typeof weight !== "number" || !Number.isInteger(weight)) {
            throw invalid(field, weight, `${field} in body must be of type integer`);
          }
          if (weight < 0) {
            throw invalid(field, weight, `${field} in body should be greater than or equal to 0`);
          }
          if (weight > MAX_WEIGHT) {
            throw invalid(
              field,
              weight,
              `${field} in body should be less than or equal to ${MAX_WEIGHT}`,
            );
          }
        }),
      );
    }
    if (plural === "horizontalpodautoscalers") {
      const min = obj(object.spec).minReplicas;
      if (min !== undefined && (typeof min !== "number" || min < 1)) {
        throw invalid("spec.minReplicas", min, "must be greater than or equal to 1");
      }
    }
    if (plural === "deployments") {
      const replicas = obj(object.spec).replicas;
      if (replicas !== undefined && (typeof replicas !== "number" || replicas < 0)) {
        throw invalid("spec.replicas", replicas, "must be greater than or equal to 0");
      }
    }
  }

  /** Rule 6: the replicas a Deployment wants now (HPA minimum while it runs). */
  private desired(stored: Stored): number {
    const spec = obj(stored.object.spec);
    const replicas = typeof spec.replicas === "number" ? spec.replicas : 1;
    if (replicas === 0) {
      return 0;
    }
    const metadata = obj(stored.object.metadata);
    const hpa = this.objects.get(
      this.key("horizontalpodautoscalers", String(metadata.namespace), String(metadata.name)),
    );
    const min = obj(hpa?.object.spec).minReplicas;
    return typeof min === "number" ? Math.max(replicas, min) : replicas;
  }

  private behaviour(stored: Stored): Behaviour {
    const containers = arr(obj(obj(obj(stored.object.spec).template).spec).containers);
    return this.images.get(String(containers[0]?.image ?? "")) ?? DEFAULT_BEHAVIOUR;
  }

  /** Rules 4-7 at time t. */
  statusAt(stored: Stored, t: number): DeploymentStatusAt {
    const desired = this.desired(stored);
    const behaviour = this.behaviour(stored);
    const pullFailed = behaviour.failsToStart || stored.rolloutAt < this.roleAssignmentsEffectiveAt;
    const deadline =
      Number(obj(stored.object.spec).progressDeadlineSeconds ?? PROGRESS_DEADLINE_S) * 1000;
    const started = t >= stored.rolloutAt + this.podReadyMs;
    const ready = desired > 0 && !pullFailed && behaviour.healthy && started ? desired : 0;
    return {
      desired,
      ready,
      pullFailed: desired > 0 && pullFailed,
      deadlineExceeded: desired > 0 && ready < desired && t >= stored.rolloutAt + deadline,
    };
  }

  private deploymentStatus(stored: Stored, t: number): JsonObject {
    const status = this.statusAt(stored, t);
    const metadata = obj(stored.object.metadata);
    const time = new Date(t).toISOString();
    const available = status.ready >= status.desired && (status.desired === 0 || status.ready > 0);
    return {
      observedGeneration: Number(metadata.generation ?? 1),
      replicas: status.desired,
      updatedReplicas: status.desired,
      readyReplicas: status.ready,
      availableReplicas: status.ready,
      unavailableReplicas: status.desired - status.ready,
      conditions: [
        {
          type: "Available",
          status: available ? "True" : "False",
          reason: available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
          message: available
            ? "Deployment has minimum availability."
            : "Deployment does not have minimum availability.",
          lastTransitionTime: time,
        },
        status.deadlineExceeded
          ? {
              type: "Progressing",
              status: "False",
              reason: "ProgressDeadlineExceeded",
              message: `ReplicaSet "${String(metadata.name)}-${stored.templateHash}" has timed out progressing.`,
              lastTransitionTime: time,
            }
          : {
              type: "Progressing",
              status: "True",
              reason:
                status.ready >= status.desired ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
              message: `ReplicaSet "${String(metadata.name)}-${stored.templateHash}" is progressing.`,
              lastTransitionTime: time,
            },
      ],
    };
  }

  /** The pods of a Deployment now (names `<deployment>-<template hash>-<5>`). */
  private pods(stored: Stored, t: number): JsonObject[] {
    const status = this.statusAt(stored, t);
    const metadata = obj(stored.object.metadata);
    const labels = obj(obj(obj(obj(stored.object.spec).template).metadata).labels);
    const containers = arr(obj(obj(obj(stored.object.spec).template).spec).containers);
    const pods: JsonObject[] = [];
    for (let i = 0; i < status.desired; i++) {
      const ready = i < status.ready;
      const state: JsonObject = ready
        ? { running: { startedAt: new Date(stored.rolloutAt).toISOString() } }
        : status.pullFailed
          ? {
              waiting: {
                reason: "ErrImagePull",
                message: `failed to pull and unpack image "${String(containers[0]?.image ?? "")}": failed to authorize: 401 Unauthorized`,
              },
            }
          : { waiting: { reason: "ContainerCreating" } };
      pods.push({
        metadata: { name: this.podName(stored, i), namespace: metadata.namespace, labels },
        status: {
          phase: ready ? "Running" : "Pending",
          containerStatuses: [{ name: String(containers[0]?.name ?? "app"), ready, state }],
        },
      });
    }
    return pods;
  }

  private podName(stored: Stored, index: number): string {
    const name = String(obj(stored.object.metadata).name);
    return `${name}-${stored.templateHash}-${token(NAME_ALPHABET, 5, this.seed, `pod|${name}|${stored.templateHash}`, index)}`;
  }

  /** One Kubernetes API request. Throws `KubeStatusError`. */
  request(
    method: string,
    path: string,
    query: URLSearchParams,
    body: Json | undefined,
  ): JsonObject {
    this.sync();
    const pods = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(path);
    if (pods !== null) {
      requireMethod(method, ["GET"]);
      const selector = query.get("labelSelector") ?? "";
      const [labelKey, labelValue] = selector.split("=");
      const items = [...this.objects.entries()]
        .filter(([key]) => key.startsWith(`deployments/${pods[1]}/`))
        .flatMap(([, stored]) => this.pods(stored, this.clock.now()))
        .filter((pod) => selector === "" || obj(obj(pod.metadata).labels)[labelKey] === labelValue);
      return { kind: "PodList", apiVersion: "v1", metadata: {}, items };
    }
    const match =
      /^(\/apis?\/[^/]+(?:\/[^/]+)?)\/namespaces\/([^/]+)\/([a-z]+)\/([^/]+)(\/scale)?$/.exec(path);
    const plural = match?.[3] as Plural | undefined;
    if (match === null || plural === undefined || KINDS[plural]?.api !== match[1]) {
      throw new KubeStatusError(
        404,
        "NotFound",
        `the server could not find the requested resource (${method} ${path})`,
      );
    }
    const [, , namespace, , name, scale] = match;
    const stored = this.require(plural, namespace, name);
    if (scale !== undefined) {
      if (plural !== "deployments") {
        throw new KubeStatusError(
          404,
          "NotFound",
          "the server could not find the requested resource",
        );
      }
      requireMethod(method, ["GET", "PATCH"]);
      if (method === "PATCH") {
        const replicas = obj(obj(body).spec).replicas;
        if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
          throw new KubeStatusError(
            422,
            "Invalid",
            `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
          );
        }
        const next = copy(stored.object);
        obj(next.spec).replicas = replicas;
        this.store(plural, namespace, name, next, stored);
      }
      const current = this.require(plural, namespace, name);
      return {
        kind: "Scale",
        apiVersion: "autoscaling/v1",
        metadata: { name, namespace },
        spec: { replicas: this.desired(current) },
        status: { replicas: this.statusAt(current, this.clock.now()).desired },
      };
    }
    requireMethod(method, ["GET", "PUT", "PATCH"]);
    if (method === "GET") {
      return this.view(plural, stored);
    }
    if (method === "PUT") {
      const next = obj(copy(body ?? {}));
      const sent = obj(next.metadata).resourceVersion;
      const current = String(obj(stored.object.metadata).resourceVersion);
      if (sent === undefined && plural === "httproutes") {
        throw new KubeStatusError(
          422,
          "Invalid",
          `HTTPRoute.gateway.networking.k8s.io "${name}" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update`,
        );
      }
      if (sent !== undefined && sent !== current) {
        throw new KubeStatusError(
          409,
          "Conflict",
          `Operation cannot be fulfilled on ${plural}.${KINDS[plural].group} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        );
      }
      delete next.status;
      this.store(plural, namespace, name, next, stored);
      return this.view(plural, this.require(plural, namespace, name));
    }
    // JSON merge patch (RFC 7386).
    const next = mergePatch(copy(stored.object), body ?? {}) as JsonObject;
    this.store(plural, namespace, name, next, stored);
    return this.view(plural, this.require(plural, namespace, name));
  }

  /** The HTTPRoute's rules in force (the one route of the namespace `chatbot`). */
  private route(): JsonObject | undefined {
    const entry = [...this.objects.entries()].find(([key]) => key.startsWith("httproutes/"));
    return entry?.[1].object;
  }

  /**
   * The Deployment whose pods a Service (in the route's namespace) selects: every key of the
   * Service's `spec.selector` must be a label of the pod template
   * (https://kubernetes.io/docs/concepts/services-networking/service/#defining-a-service).
   * `undefined` when the Service does not exist or selects no Deployment's pods.
   */
  private deploymentFor(service: string): Stored | undefined {
    const namespace = String(obj(this.route()?.metadata).namespace ?? "default");
    const found = this.objects.get(this.key("services", namespace, service));
    const selector = Object.entries(obj(obj(found?.object.spec).selector));
    if (found === undefined || selector.length === 0) {
      return undefined;
    }
    const entry = [...this.objects.entries()].find(([key, stored]) => {
      const labels = obj(obj(obj(obj(stored.object.spec).template).metadata).labels);
      return (
        key.startsWith(`deployments/${namespace}/`) &&
        selector.every(([label, value]) => labels[label] === value)
      );
    });
    return entry?.[1];
  }

  /**
   * Rule 2: the backend a request lands on, by the weights of a rule: `undefined` when every
   * weight is 0 (500), else the Service name.
   */
  private pick(rule: JsonObject, u: number): string | undefined {
    const refs = arr(rule.backendRefs);
    const weights = refs.map((ref) => (typeof ref.weight === "number" ? ref.weight : 1));
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    if (total === 0) {
      return undefined;
    }
    let point = u * total;
    for (let i = 0; i < refs.length; i++) {
      point -= weights[i];
      if (point < 0) {
        return String(refs[i].name);
      }
    }
    return String(refs[refs.length - 1].name);
  }

  /** Rule 3: the rule a request with these headers matches. */
  private ruleFor(headers: Readonly<Record<string, string>>): JsonObject | undefined {
    const rules = arr(obj(this.route()?.spec).rules);
    const lower = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
    );
    const byHeader = rules.find((rule) =>
      arr(rule.matches).some(
        (match) =>
          arr(match.headers).length > 0 &&
          arr(match.headers).every(
            (header) => lower[String(header.name).toLowerCase()] === String(header.value),
          ),
      ),
    );
    return (
      byHeader ??
      rules.find((rule) => arr(rule.matches).every((match) => arr(match.headers).length === 0))
    );
  }

  /** Serves one request at time t on a Service; records the row when a pod handled it. */
  private serve(
    service: string | undefined,
    t: number,
    path: string,
    name: string,
    stream: string,
    key: number,
  ): { status: number; error?: string } {
    if (service === undefined) {
      return { status: 500, error: "every backendRef weight is 0" };
    }
    const stored = this.deploymentFor(service);
    if (stored === undefined) {
      // A backendRef to a missing Service (or one that selects no pods): the gateway answers 500
      // (https://gateway-api.sigs.k8s.io/reference/spec/#httpbackendref).
      return { status: 500, error: `backend ${service} not found` };
    }
    const status = this.statusAt(stored, t);
    if (status.ready === 0) {
      return { status: 503, error: "no healthy upstream" };
    }
    const behaviour = this.behaviour(stored);
    const probe = (PROBE_PATHS as readonly string[]).includes(path);
    const code = !probe && unit(this.seed, `${stream}|fail`, key) < behaviour.errorRate ? 500 : 200;
    const durationMs = probe
      ? 3
      : latencyMs(
          behaviour.p95Ms,
          unit(this.seed, `${stream}|u1`, key),
          unit(this.seed, `${stream}|u2`, key),
        );
    const pod = Math.floor(unit(this.seed, `${stream}|pod`, key) * status.ready);
    this.telemetry.record({
      timeMs: t,
      Name: name,
      Success: code < 400,
      ResultCode: String(code),
      DurationMs: durationMs,
      AppRoleInstance: this.podName(stored, pod),
    });
    return { status: code };
  }

  /** A GET on the gateway's host, with headers (the slot header reaches one slot). */
  httpGet(
    url: string,
    headers: Readonly<Record<string, string>> = {},
  ): { status: number; error?: string } {
    this.sync();
    const parsed = new URL(url);
    if (parsed.hostname !== this.gatewayHost) {
      return { status: 0, error: "ENOTFOUND" };
    }
    const rule = this.ruleFor(headers);
    if (rule === undefined) {
      return { status: 404, error: "no route" };
    }
    const key = this.nextUser + this.nextProbe * 7919 + fnv1a(url);
    const service = this.pick(rule, unit(this.seed, `get|${url}`, key, this.clock.now()));
    return this.serve(
      service,
      this.clock.now(),
      parsed.pathname,
      `GET ${parsed.pathname}`,
      `get|${url}`,
      key,
    );
  }

  /** The gate query of the Logs API over the app's rows. */
  logsQuery(body: Json): JsonObject {
    this.sync();
    return this.telemetry.query(body, this.clock.now());
  }

  /** Every telemetry row, ingested or not. */
  requestRows() {
    this.sync();
    return this.telemetry.all();
  }

  /** Generated user traffic up to now, routed by the default rule's weights. */
  private sync(): void {
    const now = this.clock.now();
    if (this.rpm <= 0) {
      return;
    }
    for (;;) {
      const t = this.startMs + Math.round((this.nextUser * 60_000) / this.rpm);
      if (t >= now) {
        break;
      }
      const rule = this.ruleFor({});
      if (rule !== undefined) {
        const service = this.pick(rule, unit(this.seed, "route", this.nextUser));
        this.serve(service, t, "/api/chat", USER_REQUEST, "user", this.nextUser);
      }
      this.nextUser++;
    }
  }
}

function requireMethod(method: string, allowed: readonly string[]): void {
  if (!allowed.includes(method)) {
    throw new KubeStatusError(
      405,
      "MethodNotAllowed",
      `the server does not allow this method on the requested resource (${method})`,
    );
  }
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) {
    return patch;
  }
  const result: Record<string, unknown> =
    typeof target === "object" && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (value === null) {
      delete result[key];
    } else {
      result[key] = mergePatch(result[key], value);
    }
  }
  return result;
}
