/**
 * The release engine's AKS adapter: the same `ContainerAppPort` the engine drives Container Apps
 * through, over the Kubernetes API (`kube.ts`), on the objects the program renders
 * (README "Release on AKS"):
 * - a "revision" is a slot's Deployment `chatbot-api-<slot>`, identified by its pod template's
 *   annotation `chatbot.platform/revision` (the suffix `lib/release.ts` gives); its name for the
 *   engine is `<app>--<suffix>`, as on Container Apps;
 * - traffic is the HTTPRoute `chatbot-api`'s default rule (the one without a header match): its
 *   `backendRefs` to the Services `chatbot-api-blue` and `chatbot-api-green`, weighted
 *   (https://gateway-api.sigs.k8s.io/reference/spec/#backendref "weight": proportional, 0 means
 *   no traffic); the generation is the HTTPRoute's annotation
 *   `chatbot.platform/release-generation`;
 * - a slot is reached directly with the header `x-chatbot-slot: <slot>` on the production host
 *   (the HTTPRoute's header-matched rules; a rule with a header match takes precedence over the
 *   default rule: https://gateway-api.sigs.k8s.io/reference/spec/#httprouterule);
 * - deactivate scales the Deployment to 0 through its `scale` subresource: with the target at 0
 *   replicas the HPA stops scaling it ("implicit maintenance-mode deactivation",
 *   https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#implicit-maintenance-mode-deactivation;
 *   an HPA's minReplicas cannot be 0 without the alpha HPAScaleToZero gate); activate scales it
 *   back to the HPA's minReplicas, and the HPA resumes;
 * - readiness is the Deployment's rollout: `Available` and every replica updated and ready
 *   (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#complete-deployment);
 *   `Progressing=False` with reason `ProgressDeadlineExceeded` is a failed rollout
 *   (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#failed-deployment),
 *   reported with the pods' waiting reasons (`ErrImagePull`, ...).
 * Every traffic write is one PUT of the HTTPRoute carrying the `resourceVersion` it read: a
 * concurrent change makes it 409 Conflict, never a lost update. It sets the weights together with
 * the annotations the program renders next to them (generation, live slot, canary share), so the
 * cluster says what the recorded release block says.
 */
import { recordedTraffic, trafficOfWeights } from "../lib/guard";
import { routeTrafficTags } from "../lib/aksGuard";
import { parseSuffix } from "../lib/release";
import { KubeApi, KubeError } from "./kube";
import {
  AppInfo,
  AppRef,
  ContainerAppPort,
  RequestStats,
  RevisionInfo,
  StatsQuery,
  TelemetryPort,
  TrafficWeight,
} from "./ports";
import { Slot } from "./state";

export const AKS_NAMESPACE = "chatbot";
export const ROUTE_NAME = "chatbot-api";
export const REVISION_ANNOTATION = "chatbot.platform/revision";
export const GENERATION_ANNOTATION = "chatbot.platform/release-generation";
export const SLOT_HEADER = "x-chatbot-slot";
/**
 * On the HTTPRoute, next to the weights: the live slot and the canary share they give, as the
 * program renders them from the release block (`lib/kubernetes.ts`); the engine keeps them in step
 * with every weight it writes.
 */
export const LIVE_SLOT_ANNOTATION = "chatbot.platform/live-slot";
export const CANARY_PERCENT_ANNOTATION = "chatbot.platform/canary-percent";
/** The field manager of the engine's writes (server-side field ownership). */
export const FIELD_MANAGER = "chatbot-release";
/** `kubectl rollout restart` sets this pod template annotation. */
export const RESTARTED_AT_ANNOTATION = "kubectl.kubernetes.io/restartedAt";
const SLOTS: readonly Slot[] = ["blue", "green"];

/** The Deployment, Service, HPA and PDB name of a slot. */
export function slotObjectName(slot: Slot): string {
  return `chatbot-api-${slot}`;
}

/**
 * Characters of generated Kubernetes names: the pod-template-hash and the pod's random suffix
 * (`alphanums` of k8s.io/apimachinery/pkg/util/rand, no vowels).
 */
const NAME_CHARS = "[bcdfghjklmnpqrstvwxz2456789]";

/**
 * The pods of a slot's Deployment: `<deployment>-<pod-template-hash (up to 10)>-<5>`. Application
 * Insights records a pod's name as `AppRoleInstance` (the host name), so the gates count exactly
 * the slot's pods.
 */
export function podNamePattern(slot: Slot): string {
  return `^${slotObjectName(slot)}-${NAME_CHARS}{1,10}-${NAME_CHARS}{5}$`;
}

type Obj = Record<string, unknown>;

function obj(value: unknown): Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Obj) : {};
}

function list(value: unknown): Obj[] {
  return Array.isArray(value) ? value.map(obj) : [];
}

function num(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

function isNotFound(err: unknown): boolean {
  return err instanceof KubeError && err.statusCode === 404;
}

/** The default rule: the HTTPRoute rule none of whose matches has a header. */
export function defaultRule(route: Obj): Obj | undefined {
  return list(obj(route.spec).rules).find((rule) =>
    list(rule.matches).every((match) => list(match.headers).length === 0),
  );
}

/** The slot a backendRef names (`chatbot-api-<slot>`), if any. */
function backendSlot(ref: Obj): Slot | undefined {
  return SLOTS.find((slot) => ref.name === slotObjectName(slot));
}

/** The slots' weights in the default rule (a backendRef without `weight` weighs 1, per the spec). */
export function routeWeights(route: Obj): Partial<Record<Slot, number>> {
  const weights: Partial<Record<Slot, number>> = {};
  for (const ref of list(defaultRule(route)?.backendRefs)) {
    const slot = backendSlot(ref);
    if (slot !== undefined) {
      weights[slot] = num(ref.weight) ?? 1;
    }
  }
  return weights;
}

/** The live-slot and canary-percent annotations of default-rule weights (`trafficOfWeights`). */
export function liveAnnotations(
  weights: Partial<Record<Slot, number>>,
  currentLive: unknown,
): Record<string, string> {
  const traffic = trafficOfWeights(weights, currentLive);
  return {
    [LIVE_SLOT_ANNOTATION]: traffic.live,
    [CANARY_PERCENT_ANNOTATION]: String(traffic.canaryPercent),
  };
}

/** A Deployment's revision suffix (pod template annotation). */
export function deploymentRevision(deployment: Obj): string | undefined {
  const annotations = obj(obj(obj(obj(deployment.spec).template).metadata).annotations);
  const value = annotations[REVISION_ANNOTATION];
  return typeof value === "string" && value !== "" ? value : undefined;
}

function condition(deployment: Obj, type: string): Obj | undefined {
  return list(obj(deployment.status).conditions).find((item) => item.type === type);
}

/** Why the slot's pods are not running, from their containers' waiting states. */
export function podProblems(pods: readonly Obj[]): string[] {
  const problems: string[] = [];
  for (const pod of pods) {
    const name = String(obj(pod.metadata).name ?? "");
    for (const status of list(obj(pod.status).containerStatuses)) {
      const waiting = obj(obj(status.state).waiting);
      if (typeof waiting.reason === "string" && waiting.reason !== "ContainerCreating") {
        problems.push(
          `pod ${name}: ${waiting.reason}${typeof waiting.message === "string" ? `: ${waiting.message}` : ""}`,
        );
      }
    }
  }
  return [...new Set(problems)];
}

/**
 * A slot's Deployment as a revision. Desired replicas 0: inactive (deactivated). A failed
 * rollout: Failed. A complete rollout (observed, every replica updated, none old, all available):
 * Provisioned and Running. Otherwise still Provisioning.
 */
export function revisionOf(
  appName: string,
  deployment: Obj,
  weight: number,
  pods: readonly Obj[],
): RevisionInfo {
  const spec = obj(deployment.spec);
  const status = obj(deployment.status);
  const metadata = obj(deployment.metadata);
  const desired = num(spec.replicas) ?? 1;
  const ready = num(status.readyReplicas) ?? 0;
  const created = typeof metadata.creationTimestamp === "string" ? metadata.creationTimestamp : "";
  const base = {
    name: `${appName}--${deploymentRevision(deployment) ?? ""}`,
    replicas: ready,
    trafficWeight: weight,
    ...(created === "" ? {} : { createdTime: Date.parse(created) }),
  };
  const problems = podProblems(pods);
  const progressing = condition(deployment, "Progressing");
  if (progressing?.status === "False" && progressing.reason === "ProgressDeadlineExceeded") {
    return {
      ...base,
      active: desired > 0,
      provisioningState: "Failed",
      runningState: "Failed",
      provisioningError: [
        `ProgressDeadlineExceeded: ${String(progressing.message ?? "")}`,
        ...problems,
      ].join("; "),
    };
  }
  if (desired === 0) {
    return { ...base, active: false, provisioningState: "Provisioned", runningState: "Stopped" };
  }
  const complete =
    (num(status.observedGeneration) ?? 0) >= (num(metadata.generation) ?? 0) &&
    (num(status.updatedReplicas) ?? 0) === desired &&
    (num(status.replicas) ?? 0) === desired &&
    (num(status.availableReplicas) ?? 0) >= desired &&
    condition(deployment, "Available")?.status === "True";
  if (complete) {
    return { ...base, active: true, provisioningState: "Provisioned", runningState: "Running" };
  }
  return {
    ...base,
    active: true,
    provisioningState: "Provisioning",
    runningState: "Processing",
    ...(problems.length === 0 ? {} : { provisioningError: problems.join("; ") }),
  };
}

/** Where the engine's cluster objects are and how users reach them. */
export interface AksOptions {
  /** @default "chatbot" */
  readonly namespace?: string;
  /** The gateway's public host (the `gatewayUrl` output's host); else the HTTPRoute's first hostname. */
  readonly gatewayHost?: string;
  /** The gateway's base URL (the `gatewayUrl` output: `http://<address>` until TLS is added). */
  readonly gatewayUrl?: string;
}

/** The engine's port over one cluster namespace. */
export class AksCluster implements ContainerAppPort {
  readonly namespace: string;

  constructor(
    private readonly api: KubeApi,
    private readonly options: AksOptions = {},
  ) {
    this.namespace = options.namespace ?? AKS_NAMESPACE;
  }

  private routePath(): string {
    return `/apis/gateway.networking.k8s.io/v1/namespaces/${this.namespace}/httproutes/${ROUTE_NAME}`;
  }

  private deploymentPath(slot: Slot): string {
    return `/apis/apps/v1/namespaces/${this.namespace}/deployments/${slotObjectName(slot)}`;
  }

  private async optional(path: string): Promise<Obj | undefined> {
    try {
      return await this.api.get(path);
    } catch (err) {
      if (isNotFound(err)) {
        return undefined;
      }
      throw err;
    }
  }

  /** The slots' Deployments that exist. */
  private async deployments(): Promise<Partial<Record<Slot, Obj>>> {
    const found: Partial<Record<Slot, Obj>> = {};
    for (const slot of SLOTS) {
      const deployment = await this.optional(this.deploymentPath(slot));
      if (deployment !== undefined) {
        found[slot] = deployment;
      }
    }
    return found;
  }

  private async pods(slot: Slot): Promise<Obj[]> {
    const selector = encodeURIComponent(`chatbot.platform/slot=${slot}`);
    const answer = await this.api.get(
      `/api/v1/namespaces/${this.namespace}/pods?labelSelector=${selector}`,
    );
    return list(answer.items);
  }

  async getApp(ref: AppRef): Promise<AppInfo | undefined> {
    const route = await this.optional(this.routePath());
    if (route === undefined) {
      return undefined;
    }
    const deployments = await this.deployments();
    const weights = routeWeights(route);
    const traffic: TrafficWeight[] = [];
    let latest: { name: string; generation: number } | undefined;
    for (const slot of SLOTS) {
      const suffix =
        deployments[slot] === undefined ? undefined : deploymentRevision(deployments[slot]);
      const weight = weights[slot];
      // A slot without a Deployment serves nothing, whatever its backendRef says.
      if (weight !== undefined && suffix !== undefined) {
        traffic.push({ revisionName: `${ref.appName}--${suffix}`, weight, label: slot });
      }
      const generation = suffix === undefined ? undefined : parseSuffix(suffix)?.generation;
      if (
        suffix !== undefined &&
        generation !== undefined &&
        generation > (latest?.generation ?? -1)
      ) {
        latest = { name: `${ref.appName}--${suffix}`, generation };
      }
    }
    const annotations = obj(obj(route.metadata).annotations);
    const generation = annotations[GENERATION_ANNOTATION];
    const released = recordedTraffic(routeTrafficTags(annotations));
    const host =
      this.options.gatewayHost ?? (list(obj(route.spec).hostnames)[0] as unknown as string);
    return {
      ...(latest === undefined ? {} : { latestRevisionName: latest.name }),
      ...(typeof host === "string" && host !== "" ? { fqdn: host } : {}),
      traffic,
      ...(typeof generation === "string" && /^\d+$/.test(generation)
        ? { generation: Number(generation) }
        : {}),
      ...(released === undefined ? {} : { released }),
      slotHeader: SLOT_HEADER,
      ...(this.options.gatewayUrl === undefined ? {} : { url: this.options.gatewayUrl }),
    };
  }

  async listRevisions(ref: AppRef): Promise<RevisionInfo[]> {
    const route = await this.optional(this.routePath());
    const weights = route === undefined ? {} : routeWeights(route);
    const deployments = await this.deployments();
    const revisions: RevisionInfo[] = [];
    for (const slot of SLOTS) {
      const deployment = deployments[slot];
      if (deployment !== undefined && deploymentRevision(deployment) !== undefined) {
        revisions.push(await this.describe(ref, slot, deployment, weights[slot] ?? 0));
      }
    }
    return revisions;
  }

  private async describe(
    ref: AppRef,
    slot: Slot,
    deployment: Obj,
    weight: number,
  ): Promise<RevisionInfo> {
    const first = revisionOf(ref.appName, deployment, weight, []);
    if (first.runningState === "Running" || first.runningState === "Stopped") {
      return first;
    }
    // Not ready: the pods say why (an image that cannot be pulled, a crash loop).
    return revisionOf(ref.appName, deployment, weight, await this.pods(slot));
  }

  /** The slot whose Deployment runs `revisionName`, with that Deployment. */
  async slotOf(
    ref: AppRef,
    revisionName: string,
  ): Promise<{ slot: Slot; deployment: Obj } | undefined> {
    const deployments = await this.deployments();
    for (const slot of SLOTS) {
      const deployment = deployments[slot];
      const suffix = deployment === undefined ? undefined : deploymentRevision(deployment);
      if (deployment !== undefined && `${ref.appName}--${suffix ?? ""}` === revisionName) {
        return { slot, deployment };
      }
    }
    return undefined;
  }

  async getRevision(ref: AppRef, revisionName: string): Promise<RevisionInfo | undefined> {
    const found = await this.slotOf(ref, revisionName);
    if (found === undefined) {
      return undefined;
    }
    const route = await this.optional(this.routePath());
    const weight = route === undefined ? 0 : (routeWeights(route)[found.slot] ?? 0);
    return this.describe(ref, found.slot, found.deployment, weight);
  }

  /**
   * One PUT of the HTTPRoute with the default rule's weights and the generation annotation, the
   * `resourceVersion` read with it kept (409 when the route changed in between). Each entry's
   * revision must be what its slot's Deployment runs: traffic never goes to a slot by label alone.
   */
  async setTraffic(
    ref: AppRef,
    traffic: readonly TrafficWeight[],
    generation: number,
    live?: Slot,
  ): Promise<void> {
    const route = await this.api.get(this.routePath());
    const deployments = await this.deployments();
    const wanted: Partial<Record<Slot, number>> = {};
    for (const entry of traffic) {
      const slot = SLOTS.find((name) => name === entry.label);
      if (slot === undefined) {
        throw new Error(`traffic entry ${entry.revisionName} has no slot label`);
      }
      const deployment = deployments[slot];
      const running =
        deployment === undefined
          ? undefined
          : `${ref.appName}--${deploymentRevision(deployment) ?? ""}`;
      if (running !== entry.revisionName) {
        throw new Error(
          `slot ${slot}'s Deployment ${slotObjectName(slot)} runs ${running ?? "nothing"}, not ${entry.revisionName}`,
        );
      }
      wanted[slot] = entry.weight;
    }
    if (Object.values(wanted).every((weight) => weight === 0)) {
      // All backendRefs at weight 0: the gateway answers 500 to every request
      // (https://gateway-api.sigs.k8s.io/reference/spec/#httpbackendref).
      throw new Error("refusing to write a traffic split where every weight is 0");
    }
    const rule = defaultRule(route);
    if (rule === undefined) {
      throw new Error(`HTTPRoute ${ROUTE_NAME} has no rule without a header match`);
    }
    const refs = list(rule.backendRefs);
    for (const slot of SLOTS) {
      const weight = wanted[slot] ?? 0;
      const existing = refs.find((item) => backendSlot(item) === slot);
      if (existing !== undefined) {
        existing.weight = weight;
      } else if (weight > 0) {
        refs.push({ name: slotObjectName(slot), port: 80, weight });
      }
    }
    rule.backendRefs = refs;
    const metadata = obj(route.metadata);
    const annotations = obj(metadata.annotations);
    metadata.annotations = {
      ...annotations,
      [GENERATION_ANNOTATION]: String(generation),
      ...liveAnnotations(routeWeights(route), live ?? annotations[LIVE_SLOT_ANNOTATION]),
    };
    route.metadata = metadata;
    await this.api.put(`${this.routePath()}?fieldManager=${FIELD_MANAGER}`, route);
  }

  private async scale(
    ref: AppRef,
    revisionName: string,
    replicas: (slot: Slot) => Promise<number>,
  ) {
    const found = await this.slotOf(ref, revisionName);
    if (found === undefined) {
      throw new KubeError(404, "NotFound", `no slot Deployment runs revision ${revisionName}`);
    }
    await this.api.mergePatch(
      `${this.deploymentPath(found.slot)}/scale?fieldManager=${FIELD_MANAGER}`,
      { spec: { replicas: await replicas(found.slot) } },
    );
  }

  /** Scales the slot back to its HPA's minReplicas (1 without an HPA); the HPA resumes. */
  async activate(ref: AppRef, revisionName: string): Promise<void> {
    await this.scale(ref, revisionName, async (slot) => {
      const hpa = await this.optional(
        `/apis/autoscaling/v2/namespaces/${this.namespace}/horizontalpodautoscalers/${slotObjectName(slot)}`,
      );
      return num(obj(hpa?.spec).minReplicas) ?? 1;
    });
  }

  /** Scales the slot to 0 replicas (the HPA stops while its target is at 0). */
  async deactivate(ref: AppRef, revisionName: string): Promise<void> {
    await this.scale(ref, revisionName, async () => 0);
  }

  /** `kubectl rollout restart`: a new pod template annotation rolls every pod. */
  async restart(ref: AppRef, revisionName: string): Promise<void> {
    const found = await this.slotOf(ref, revisionName);
    if (found === undefined) {
      throw new KubeError(404, "NotFound", `no slot Deployment runs revision ${revisionName}`);
    }
    await this.api.mergePatch(`${this.deploymentPath(found.slot)}?fieldManager=${FIELD_MANAGER}`, {
      spec: {
        template: {
          metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: new Date().toISOString() } },
        },
      },
    });
  }
}

/**
 * The gates' telemetry on AKS: the candidate revision's requests are its slot Deployment's pods'
 * (`podNamePattern`), read through the same Logs query API.
 */
export class AksTelemetry implements TelemetryPort {
  constructor(
    private readonly inner: TelemetryPort,
    private readonly cluster: AksCluster,
  ) {}

  async requestStats(query: StatsQuery): Promise<RequestStats> {
    // `<app>--<suffix>`: an app name never contains `--`.
    const appName = query.revisionName.slice(0, Math.max(0, query.revisionName.indexOf("--")));
    const found = await this.cluster.slotOf({ resourceGroup: "", appName }, query.revisionName);
    if (found === undefined) {
      throw new Error(`revision ${query.revisionName} runs in no slot's Deployment`);
    }
    return this.inner.requestStats({ ...query, instancePattern: podNamePattern(found.slot) });
  }
}
