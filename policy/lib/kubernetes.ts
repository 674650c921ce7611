/**
 * Plain helpers shared by the Kubernetes policies: where each workload kind keeps its pod spec, the
 * containers of a pod spec, label selectors, and the release annotations the program writes on the
 * HTTPRoute. They read the manifests as the Pulumi Kubernetes provider receives them (`apiVersion`,
 * `kind`, `metadata`, `spec` inputs), whether registered by a typed resource (`apps.v1.Deployment`),
 * a `CustomResource` or a YAML/Helm component.
 */

/** The part of a pod spec the policies read. */
export interface PodSpecShape {
  containers?: ContainerShape[];
  initContainers?: ContainerShape[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  topologySpreadConstraints?: {
    topologyKey?: string;
    whenUnsatisfiable?: string;
    labelSelector?: LabelSelector;
  }[];
}

/** The part of a container the policies read. */
export interface ContainerShape {
  name?: string;
  image?: string;
  resources?: {
    requests?: Record<string, unknown>;
    limits?: Record<string, unknown>;
  };
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    readOnlyRootFilesystem?: boolean;
  };
}

/** A pod template: its labels and spec. */
export interface PodTemplateShape {
  metadata?: { labels?: Record<string, string> };
  spec?: PodSpecShape;
}

/** `metav1.LabelSelector`. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key?: string; operator?: string; values?: string[] }[];
}

export const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
export const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
/**
 * The HTTPRoute as `@pulumi/kubernetes` registers it: an `apiextensions.CustomResource` gets the type
 * `kubernetes:<apiVersion>:<kind>`.
 */
export const HTTP_ROUTES = [
  "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
  "kubernetes:gateway.networking.k8s.io/v1beta1:HTTPRoute",
];

/** Long-running workloads: they serve traffic, so they carry probes. */
export const SERVING_KINDS = [
  DEPLOYMENT,
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:apps/v1:DaemonSet",
];

/** Each workload kind and where its pod template is (`Pod` is its own template). */
const POD_TEMPLATES: Readonly<Record<string, (props: WorkloadProps) => PodTemplateShape>> = {
  [DEPLOYMENT]: (props) => props.spec?.template ?? {},
  "kubernetes:apps/v1:StatefulSet": (props) => props.spec?.template ?? {},
  "kubernetes:apps/v1:DaemonSet": (props) => props.spec?.template ?? {},
  "kubernetes:apps/v1:ReplicaSet": (props) => props.spec?.template ?? {},
  "kubernetes:batch/v1:Job": (props) => props.spec?.template ?? {},
  "kubernetes:batch/v1:CronJob": (props) => props.spec?.jobTemplate?.spec?.template ?? {},
  "kubernetes:core/v1:Pod": (props) => ({ metadata: props.metadata, spec: props.spec }),
};

/** The workload types the container policies judge. */
export const WORKLOAD_KINDS = Object.keys(POD_TEMPLATES);

/** The inputs of a workload, loosely: each kind nests its pod template differently. */
export interface WorkloadProps {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: PodSpecShape & {
    template?: PodTemplateShape;
    jobTemplate?: { spec?: { template?: PodTemplateShape } };
  };
}

/** The pod template of a workload of `type`, or `undefined` for a type that runs no pods. */
export function podTemplateOf(type: string, props: WorkloadProps): PodTemplateShape | undefined {
  return POD_TEMPLATES[type]?.(props);
}

/** Init containers then containers, each with the name it is reported by. */
export function podContainers(
  spec: PodSpecShape | undefined,
  which: "all" | "regular" = "all",
): { label: string; container: ContainerShape }[] {
  const regular = (spec?.containers ?? []).map((container, index) => ({
    label: container.name ?? `#${index}`,
    container,
  }));
  if (which === "regular") {
    return regular;
  }
  const init = (spec?.initContainers ?? []).map((container, index) => ({
    label: container.name ?? `init #${index}`,
    container,
  }));
  return [...init, ...regular];
}

/** `kind "name"` of a workload, for messages. */
export function workloadLabel(type: string, props: WorkloadProps): string {
  const kind = type.split(":")[2] ?? type;
  return `${kind} "${props.metadata?.name ?? "(unnamed)"}"`;
}

/**
 * Does `selector` select pods labelled `labels`? Kubernetes ANDs every `matchLabels` pair and every
 * `matchExpressions` requirement. An empty or missing selector counts as selecting nothing here:
 * the policies want an explicit one (in policy/v1 a PodDisruptionBudget's empty selector selects
 * every pod of its namespace, which says nothing about a particular workload).
 * https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
 */
export function selects(
  selector: LabelSelector | undefined,
  labels: Readonly<Record<string, string>>,
): boolean {
  const matchLabels = Object.entries(selector?.matchLabels ?? {});
  const expressions = selector?.matchExpressions ?? [];
  if (matchLabels.length === 0 && expressions.length === 0) {
    return false;
  }
  return (
    matchLabels.every(([key, value]) => labels[key] === value) &&
    expressions.every(({ key = "", operator, values = [] }) => {
      const has = Object.prototype.hasOwnProperty.call(labels, key);
      switch (operator) {
        case "In":
          return has && values.includes(labels[key]);
        case "NotIn":
          return !has || !values.includes(labels[key]);
        case "Exists":
          return has;
        case "DoesNotExist":
          return !has;
        default:
          return false;
      }
    })
  );
}

/**
 * The annotations the program writes on the HTTPRoute from the release block (lib/kubernetes.ts
 * `ANNOTATIONS`; a test checks both lists agree). The release engine rewrites them together with
 * the weights.
 */
export const RELEASE_ANNOTATIONS = {
  liveSlot: "chatbot.platform/live-slot",
  canaryPercent: "chatbot.platform/canary-percent",
  generation: "chatbot.platform/release-generation",
} as const;

/** The blue/green slots: a slot's Service is the backendRef whose name ends in `-<slot>`. */
export const SLOTS = ["blue", "green"] as const;
export type Slot = (typeof SLOTS)[number];
