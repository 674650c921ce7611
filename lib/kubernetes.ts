/**
 * The app's Kubernetes objects on AKS (`target: aks`), as plain data: one pure function per kind,
 * so the program registers exactly what the tests validate against the Kubernetes and Gateway API
 * schemas. Names, labels and annotations are the contract with the release engine
 * (README "Choosing the target"): namespace `chatbot`, service account `chatbot-api`, per slot a
 * Deployment, Service, HPA and PDB `chatbot-api-<slot>`, one Gateway and one HTTPRoute
 * `chatbot-api` whose default rule carries the live/canary weights of the release block.
 */
import { revisionSuffix } from "./naming";
import { otherSlot, Release, SLOTS, Slot, slotWeight } from "./release";
import { CONTAINER_NAME, EnvEntry, MAX_PROBE_FAILURE_THRESHOLD } from "./template";

export const NAMESPACE = "chatbot";
export const APP_NAME = "chatbot-api";
export const SERVICE_ACCOUNT = "chatbot-api";
/** Gateway and HTTPRoute name. */
export const ROUTE_NAME = "chatbot-api";
/** The Secret the CSI driver syncs from Key Vault (it exists only in the cluster, never in state). */
export const SYNCED_SECRET = "chatbot-api-secrets";
export const SECRET_PROVIDER_CLASS = "chatbot-api";
/** The Gateway API implementation AKS manages: application routing with sidecar-less Istio. */
export const GATEWAY_CLASS = "approuting-istio";
/** Request header that reaches one slot directly (the "label URL" of Container Apps). */
export const SLOT_HEADER = "x-chatbot-slot";
export const SERVICE_PORT = 80;
/** Seconds a pod keeps serving after it is removed from its Service's endpoints. */
export const PRE_STOP_SLEEP_SECONDS = 15;
export const TERMINATION_GRACE_SECONDS = 45;
/** CPU utilization the HPA keeps each slot at (Container Apps scales on HTTP concurrency instead). */
export const TARGET_CPU_UTILIZATION = 70;
/** The user id the app runs as (any non-zero id: the image need not name a numeric USER). */
export const RUN_AS_USER = 10001;

export const LABELS = {
  name: "app.kubernetes.io/name",
  slot: "chatbot.platform/slot",
  version: "chatbot.platform/version",
  workloadIdentity: "azure.workload.identity/use",
} as const;
export const ANNOTATIONS = {
  /** On a Deployment's pod template: the revision suffix (lib/release.ts), the engine's identity. */
  revision: "chatbot.platform/revision",
  /** On the HTTPRoute: the release generation the weights belong to. */
  generation: "chatbot.platform/release-generation",
  /** On the HTTPRoute: the live slot and the canary share the weights must give (the policy checks them). */
  liveSlot: "chatbot.platform/live-slot",
  canaryPercent: "chatbot.platform/canary-percent",
  /** On the service account: the identity workload identity exchanges the pod's token for. */
  clientId: "azure.workload.identity/client-id",
  /**
   * The release engine moves weights (HTTPRoute) and may scale a slot (HPA) with its own field
   * manager; the next `pulumi up` renders the same values from the recorded release block and takes
   * the fields back instead of failing on the conflict.
   * https://www.pulumi.com/registry/packages/kubernetes/how-to-guides/managing-resources-with-server-side-apply/
   */
  patchForce: "pulumi.com/patchForce",
  waitFor: "pulumi.com/waitFor",
  timeoutSeconds: "pulumi.com/timeoutSeconds",
} as const;

/**
 * How long `pulumi up` waits for the Gateway's address before it fails the update (the provider's
 * own default is also 10 minutes; stated here so the bound is explicit and documented). Without a
 * controller for its class the Gateway never gets one: README "The Gateway API implementation".
 */
export const GATEWAY_TIMEOUT_SECONDS = 600;

export const slotName = (slot: Slot) => `${APP_NAME}-${slot}`;

/** The selector of a slot's pods: name and slot only (a Deployment's selector is immutable). */
export function slotSelector(slot: Slot): Record<string, string> {
  return { [LABELS.name]: APP_NAME, [LABELS.slot]: slot };
}

/** What one slot's workload is made of. */
export interface SlotSpec<I> {
  readonly slot: Slot;
  readonly version: string;
  readonly image: I;
  /** Revision suffix (lib/release.ts): the pod template's `chatbot.platform/revision`. */
  readonly revision: I;
  readonly env: readonly EnvEntry[];
  /** vCPU per pod (requests and limits). */
  readonly cpu: number;
  /** Memory per pod, `2Gi` (requests and limits). */
  readonly memory: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly targetPort: number;
  readonly healthPath: string;
  readonly readyPath: string;
  /** Pods must spread over zones (prod): `DoNotSchedule` instead of `ScheduleAnyway`. */
  readonly requireZoneSpread: boolean;
}

function slotLabels(spec: { slot: Slot; version: string }): Record<string, string> {
  return {
    ...slotSelector(spec.slot),
    [LABELS.version]: revisionSuffix(spec.version) ?? "unknown",
  };
}

/** `0.5` vCPU as Kubernetes quantity `500m`. */
export function cpuQuantity(cpu: number): string {
  return `${Math.round(cpu * 1000)}m`;
}

/** The Deployment of a slot: no `spec.replicas` (its HPA owns the replica count). */
export function deployment<I>(spec: SlotSpec<I>) {
  const labels = slotLabels(spec);
  const probe = (path: string, failureThreshold: number, initialDelaySeconds: number) => ({
    httpGet: { path, port: "http", scheme: "HTTP" },
    initialDelaySeconds,
    periodSeconds: 10,
    timeoutSeconds: 5,
    failureThreshold,
  });
  const resources = { cpu: cpuQuantity(spec.cpu), memory: spec.memory };
  const selector = slotSelector(spec.slot);
  return {
    apiVersion: "apps/v1" as const,
    kind: "Deployment" as const,
    metadata: { name: slotName(spec.slot), namespace: NAMESPACE, labels },
    spec: {
      selector: { matchLabels: selector },
      revisionHistoryLimit: 5,
      // A new pod must be Ready before an old one goes: a slot never drops below its replicas.
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: { ...labels, [LABELS.workloadIdentity]: "true" },
          annotations: { [ANNOTATIONS.revision]: spec.revision },
        },
        spec: {
          serviceAccountName: SERVICE_ACCOUNT,
          // The preStop sleep runs inside the grace period: the gateway stops sending to the pod
          // (endpoint removal propagates) before the app gets SIGTERM; the rest is for draining.
          // https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/
          terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RUN_AS_USER,
            runAsGroup: RUN_AS_USER,
            fsGroup: RUN_AS_USER,
            seccompProfile: { type: "RuntimeDefault" },
          },
          // https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: "topology.kubernetes.io/zone",
              whenUnsatisfiable: spec.requireZoneSpread ? "DoNotSchedule" : "ScheduleAnyway",
              labelSelector: { matchLabels: selector },
            },
            {
              maxSkew: 1,
              topologyKey: "kubernetes.io/hostname",
              whenUnsatisfiable: "ScheduleAnyway",
              labelSelector: { matchLabels: selector },
            },
          ],
          containers: [
            {
              name: CONTAINER_NAME,
              image: spec.image,
              ports: [{ name: "http", containerPort: spec.targetPort, protocol: "TCP" }],
              env: spec.env.map((entry) =>
                "value" in entry
                  ? { name: entry.name, value: entry.value }
                  : {
                      name: entry.name,
                      valueFrom: { secretKeyRef: { name: SYNCED_SECRET, key: entry.secretRef } },
                    },
              ),
              resources: { requests: resources, limits: resources },
              livenessProbe: probe(spec.healthPath, 3, 10),
              readinessProbe: probe(spec.readyPath, 3, 10),
              startupProbe: probe(spec.healthPath, MAX_PROBE_FAILURE_THRESHOLD, 5),
              // The sleep action needs no shell in the image (Kubernetes 1.30+, KEP-3960).
              lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SLEEP_SECONDS } } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
              },
              volumeMounts: [
                { name: "secrets-store", mountPath: "/mnt/secrets-store", readOnly: true },
                { name: "tmp", mountPath: "/tmp" },
              ],
            },
          ],
          volumes: [
            {
              // Mounting the volume makes the driver fetch the secrets and sync SYNCED_SECRET.
              // https://learn.microsoft.com/azure/aks/csi-secrets-store-configuration-options
              name: "secrets-store",
              csi: {
                driver: "secrets-store.csi.k8s.io",
                readOnly: true,
                volumeAttributes: { secretProviderClass: SECRET_PROVIDER_CLASS },
              },
            },
            { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
          ],
        },
      },
    },
  };
}

/** The Service of a slot (port 80 to the container's `http` port). */
export function service(slot: Slot) {
  return {
    apiVersion: "v1" as const,
    kind: "Service" as const,
    metadata: { name: slotName(slot), namespace: NAMESPACE, labels: slotSelector(slot) },
    spec: {
      type: "ClusterIP",
      selector: slotSelector(slot),
      ports: [{ name: "http", port: SERVICE_PORT, targetPort: "http", protocol: "TCP" }],
    },
  };
}

/**
 * The HPA of a slot: the environment's replica range for every slot with a version, live or not, so
 * that moving traffic (promote, rollback) changes the HTTPRoute only and the idle slot can take it
 * at once.
 */
export function autoscaler(spec: Pick<SlotSpec<unknown>, "slot" | "minReplicas" | "maxReplicas">) {
  // An HPA's minReplicas is at least 1 (0 needs the HPAScaleToZero alpha gate), so a stack that
  // lets Container Apps scale to zero keeps one pod per slot on AKS.
  // https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
  const min = Math.max(1, spec.minReplicas);
  const max = Math.max(min, spec.maxReplicas);
  return {
    apiVersion: "autoscaling/v2" as const,
    kind: "HorizontalPodAutoscaler" as const,
    metadata: {
      name: slotName(spec.slot),
      namespace: NAMESPACE,
      labels: slotSelector(spec.slot),
      annotations: { [ANNOTATIONS.patchForce]: "true" },
    },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: slotName(spec.slot) },
      minReplicas: min,
      maxReplicas: max,
      metrics: [
        {
          type: "Resource",
          resource: {
            name: "cpu",
            target: { type: "Utilization", averageUtilization: TARGET_CPU_UTILIZATION },
          },
        },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
    },
  };
}

/** The PodDisruptionBudget of a slot: a drain or upgrade evicts one pod at a time. */
export function disruptionBudget(slot: Slot) {
  return {
    apiVersion: "policy/v1" as const,
    kind: "PodDisruptionBudget" as const,
    metadata: { name: slotName(slot), namespace: NAMESPACE, labels: slotSelector(slot) },
    spec: {
      maxUnavailable: 1,
      selector: { matchLabels: slotSelector(slot) },
      unhealthyPodEvictionPolicy: "AlwaysAllow",
    },
  };
}

export function namespace() {
  return {
    apiVersion: "v1" as const,
    kind: "Namespace" as const,
    metadata: { name: NAMESPACE, labels: { [LABELS.name]: APP_NAME } },
  };
}

/** The app's service account, bound to its user-assigned identity by workload identity. */
export function serviceAccount<C>(clientId: C) {
  return {
    apiVersion: "v1" as const,
    kind: "ServiceAccount" as const,
    metadata: {
      name: SERVICE_ACCOUNT,
      namespace: NAMESPACE,
      labels: { [LABELS.name]: APP_NAME },
      annotations: { [ANNOTATIONS.clientId]: clientId },
    },
  };
}

/**
 * The SecretProviderClass: the Key Vault secrets the app reads, fetched with the app's identity
 * through workload identity (`clientID`), synced to SYNCED_SECRET for environment variables.
 * https://learn.microsoft.com/azure/aks/csi-secrets-store-identity-access (workload identity)
 */
export function secretProviderClass<V, C, T>(args: {
  readonly vaultName: V;
  readonly clientId: C;
  readonly tenantId: T;
  readonly secretNames: readonly string[];
}) {
  const objects = args.secretNames
    .map((name) => `  - |\n    objectName: ${name}\n    objectType: secret\n`)
    .join("");
  return {
    apiVersion: "secrets-store.csi.x-k8s.io/v1" as const,
    kind: "SecretProviderClass" as const,
    metadata: { name: SECRET_PROVIDER_CLASS, namespace: NAMESPACE },
    spec: {
      provider: "azure",
      parameters: {
        usePodIdentity: "false",
        clientID: args.clientId,
        keyvaultName: args.vaultName,
        tenantId: args.tenantId,
        objects: `array:\n${objects}`,
      },
      secretObjects: [
        {
          secretName: SYNCED_SECRET,
          type: "Opaque",
          data: args.secretNames.map((name) => ({ objectName: name, key: name })),
        },
      ],
    },
  };
}

/** The Gateway, served by the AKS-managed application routing Gateway API implementation. */
export function gateway() {
  // https://learn.microsoft.com/azure/aks/app-routing-gateway-api (gatewayClassName approuting-istio)
  return {
    apiVersion: "gateway.networking.k8s.io/v1" as const,
    kind: "Gateway" as const,
    metadata: {
      name: ROUTE_NAME,
      namespace: NAMESPACE,
      // Pulumi waits until the gateway has an address (its public IP), then reads it back, for at
      // most GATEWAY_TIMEOUT_SECONDS (then the update fails and the next `up` waits again).
      // https://www.pulumi.com/registry/packages/kubernetes/how-to-guides/await-logic/
      annotations: {
        [ANNOTATIONS.waitFor]: "jsonpath={.status.addresses[0].value}",
        [ANNOTATIONS.timeoutSeconds]: String(GATEWAY_TIMEOUT_SECONDS),
      },
    },
    spec: {
      gatewayClassName: GATEWAY_CLASS,
      listeners: [
        {
          name: "http",
          protocol: "HTTP",
          port: SERVICE_PORT,
          allowedRoutes: { namespaces: { from: "Same" } },
        },
      ],
    },
  };
}

/** The weight each slot's Service gets in the default rule: `slotWeight` of the release block. */
export function routeWeights(release: Release): Partial<Record<Slot, number>> {
  return Object.fromEntries(
    SLOTS.filter((slot) => release[slot] !== undefined).map((slot) => [
      slot,
      slotWeight(release, slot),
    ]),
  );
}

/**
 * The HTTPRoute: per slot with a version, a rule matching `x-chatbot-slot: <slot>` that reaches only
 * that slot (the verification URL), then the default rule with the live/canary weights. Gateway
 * API gives a rule with header matches precedence over one without for the same path
 * (https://gateway-api.sigs.k8s.io/reference/spec/#httprouterule, "matches" precedence).
 */
export function httpRoute(release: Release) {
  const present = presentSlots(release);
  const backend = (slot: Slot, weight: number) => ({
    name: slotName(slot),
    port: SERVICE_PORT,
    weight,
  });
  const root = { type: "PathPrefix", value: "/" };
  const weights = routeWeights(release);
  return {
    apiVersion: "gateway.networking.k8s.io/v1" as const,
    kind: "HTTPRoute" as const,
    metadata: {
      name: ROUTE_NAME,
      namespace: NAMESPACE,
      labels: { [LABELS.name]: APP_NAME },
      annotations: {
        [ANNOTATIONS.generation]: String(release.generation),
        [ANNOTATIONS.liveSlot]: release.live,
        [ANNOTATIONS.canaryPercent]: String(
          release[otherSlot(release.live)] === undefined ? 0 : release.canaryPercent,
        ),
        [ANNOTATIONS.patchForce]: "true",
      },
    },
    spec: {
      parentRefs: [{ name: ROUTE_NAME }],
      rules: [
        ...present.map((slot) => ({
          matches: [{ path: root, headers: [{ type: "Exact", name: SLOT_HEADER, value: slot }] }],
          backendRefs: [backend(slot, 1)],
        })),
        {
          matches: [{ path: root }],
          backendRefs: present.map((slot) => backend(slot, weights[slot] ?? 0)),
        },
      ],
    },
  };
}

/** The slots that hold a version: each runs a Deployment. */
export function presentSlots(release: Release): Slot[] {
  return SLOTS.filter((slot) => release[slot] !== undefined);
}
