/**
 * The drill's Pulumi stack for target `aks`: like `workspace.ts`, a stack file in memory and a
 * `pulumi up` that evaluates the real program under the mock runtime, then applies what it
 * registered to the cluster model (server-side apply, as the Pulumi Kubernetes provider does).
 *
 * The objects applied:
 * - the Kubernetes objects the program registers (Deployments, HPAs, Services, PDBs, the
 *   HTTPRoute), when it renders target `aks`;
 * - otherwise, a projection of the program's Container App onto the contract's objects
 *   (`projectContainerApp`): the template's revision becomes the latest slot's Deployment (pod
 *   template annotation `chatbot.platform/revision`, image, settings), the traffic labels become
 *   the HTTPRoute's default-rule weights and the generation tag its annotation. The program's
 *   guards (a release block behind the deployed generation; a template change of a recorded
 *   revision) run either way: its read of the deployed app is answered from the cluster.
 */
import { PROJECT } from "../lib/config";
import { invokeError, simulateStack, SimulationResult, StackConfig } from "../simulator/simulate";
import {
  AKS_NAMESPACE,
  GENERATION_ANNOTATION,
  REVISION_ANNOTATION,
  ROUTE_NAME,
  SLOT_HEADER,
  deploymentRevision,
  routeWeights,
  slotObjectName,
} from "../release/aks";
import { ReleaseWorkspace } from "../release/ports";
import {
  ENVIRONMENT_CONFIG_KEY,
  WEBHOOKS_CONFIG_KEY,
  chatWebhookOf,
  GATES_CONFIG_KEY,
  RELEASE_CONFIG_KEY,
  ReleaseState,
  Slot,
} from "../release/state";
import { JsonObject } from "./model/json";
import { KubeModel } from "./model/kube";
import { UpRefused, upMutex } from "./workspace";

const SLOTS: readonly Slot[] = ["blue", "green"];
/** The Kubernetes resource types of the program's objects on target `aks`. */
const KUBE_TYPES = [
  "kubernetes:apps/v1:Deployment",
  "kubernetes:core/v1:Service",
  "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
  "kubernetes:policy/v1:PodDisruptionBudget",
  "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
];

type Obj = Record<string, unknown>;
const obj = (value: unknown): Obj =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Obj) : {};

/** The Deployment, HPA and Service of the slot the Container App template describes. */
function slotObjects(slot: Slot, app: Obj): JsonObject[] {
  const template = obj(app.template);
  const container = obj((template.containers as unknown[] | undefined)?.[0]);
  const scale = obj(template.scale);
  const name = slotObjectName(slot);
  const labels = { "app.kubernetes.io/name": "chatbot-api", "chatbot.platform/slot": slot };
  const metadata = { name, namespace: AKS_NAMESPACE, labels };
  return [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata,
      spec: {
        selector: { matchLabels: labels },
        template: {
          metadata: {
            labels,
            annotations: { [REVISION_ANNOTATION]: String(template.revisionSuffix ?? "") },
          },
          spec: {
            containers: [
              {
                name: "api",
                image: container.image,
                env: container.env ?? [],
                resources: container.resources ?? {},
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata,
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
        // An HPA's minimum is at least 1 (a scale-to-zero Container App gets 1 here).
        minReplicas: Math.max(1, Number(scale.minReplicas ?? 1)),
        maxReplicas: Math.max(1, Number(scale.maxReplicas ?? 1)),
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata,
      spec: { selector: labels, ports: [{ port: 80, targetPort: 8000 }] },
    },
  ];
}

/** The HTTPRoute the contract gives for a Container App's traffic and generation tag. */
function routeObject(app: Obj): JsonObject {
  const traffic = (obj(obj(app.configuration).ingress).traffic as Obj[] | undefined) ?? [];
  const weight = (slot: Slot) => Number(traffic.find((entry) => entry.label === slot)?.weight ?? 0);
  const backend = (slot: Slot, w?: number) => ({
    name: slotObjectName(slot),
    port: 80,
    ...(w === undefined ? {} : { weight: w }),
  });
  const generation = obj(app.tags)["chatbot-release-generation"];
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: {
      name: ROUTE_NAME,
      namespace: AKS_NAMESPACE,
      ...(generation === undefined ? {} : { annotations: { [GENERATION_ANNOTATION]: generation } }),
    },
    spec: {
      parentRefs: [{ name: "chatbot-gateway" }],
      rules: [
        ...SLOTS.map((slot) => ({
          matches: [{ headers: [{ name: SLOT_HEADER, value: slot }] }],
          backendRefs: [backend(slot)],
        })),
        {
          matches: [{ path: { type: "PathPrefix", value: "/" } }],
          backendRefs: SLOTS.map((slot) => backend(slot, weight(slot))),
        },
      ],
    },
  };
}

/**
 * The contract's objects for the program's Container App: the latest slot's Deployment, HPA and
 * Service (the slot whose traffic entry names the template's revision) and the HTTPRoute.
 */
export function projectContainerApp(app: Obj, appName: string): JsonObject[] {
  const suffix = String(obj(app.template).revisionSuffix ?? "");
  const traffic = (obj(obj(app.configuration).ingress).traffic as Obj[] | undefined) ?? [];
  const latest = traffic.find((entry) => entry.revisionName === `${appName}--${suffix}`);
  const slot = SLOTS.find((name) => name === latest?.label);
  return [...(slot === undefined ? [] : slotObjects(slot, app)), routeObject(app)];
}

/** One stack of the AKS drill. */
export class AksDrillWorkspace implements ReleaseWorkspace {
  private outputMap: Record<string, string> = {};
  private readonly tags: Record<string, string> = {};
  readonly ups: string[] = [];

  constructor(
    readonly stackName: string,
    public config: StackConfig,
    private readonly cluster: KubeModel,
  ) {}

  async readRelease(): Promise<unknown> {
    const value = this.config.config[RELEASE_CONFIG_KEY];
    return value === undefined ? undefined : JSON.parse(value);
  }

  async writeRelease(release: ReleaseState): Promise<void> {
    this.config.config[RELEASE_CONFIG_KEY] = JSON.stringify(release);
  }

  async readGates(): Promise<unknown> {
    const value = this.config.config[GATES_CONFIG_KEY];
    return value === undefined ? undefined : JSON.parse(value);
  }

  async readEnvironment(): Promise<string | undefined> {
    return this.config.config[ENVIRONMENT_CONFIG_KEY];
  }

  async readChatWebhook(): Promise<string | undefined> {
    const value = this.config.config[WEBHOOKS_CONFIG_KEY];
    return chatWebhookOf(value === undefined ? undefined : JSON.parse(value));
  }

  async up(message: string): Promise<void> {
    await this.apply(this.config, message);
  }

  /** `pulumi up` of `config`: `UpRefused` when the program refuses (nothing applied). */
  async apply(config: StackConfig, message: string): Promise<void> {
    await upMutex.run(async () => {
      let result: SimulationResult;
      try {
        result = await simulateStack({
          stack: this.stackName,
          config,
          call: (args) =>
            args.token === "azure-native:app:getContainerApp"
              ? Promise.resolve(this.deployedApp(String(args.inputs.containerAppName)))
              : undefined,
        });
      } catch (err) {
        this.ups.push(`${message}: refused`);
        throw new UpRefused((err as Error).message);
      }
      const kube = result.resources.filter((resource) => KUBE_TYPES.includes(resource.type));
      const app = result.resources.find(
        (resource) => resource.type === "azure-native:app:ContainerApp",
      );
      const appName = String(result.outputs.appName ?? result.outputs.containerAppName ?? "");
      const manifests: JsonObject[] =
        kube.length > 0
          ? kube.map((resource) => resource.inputs as JsonObject)
          : app === undefined
            ? []
            : projectContainerApp(app.inputs, appName);
      if (manifests.length === 0) {
        throw new Error("the program registered neither Kubernetes objects nor a Container App");
      }
      for (const manifest of manifests) {
        this.cluster.apply(manifest);
      }
      this.ups.push(`${message}: applied`);
      this.outputMap = {
        ...Object.fromEntries(
          Object.entries(result.outputs).map(([key, value]) => [
            key,
            typeof value === "string" ? value : JSON.stringify(value),
          ]),
        ),
        target: "aks",
        appName,
        clusterName: `aks-${PROJECT}-${this.stackName}`,
        kubeNamespace: AKS_NAMESPACE,
        gatewayUrl: `https://${this.cluster.gatewayHost}`,
      };
    });
  }

  /**
   * The program's read of the deployed app, answered from the cluster: the HTTPRoute's
   * generation annotation as the generation tag, each slot's weight and Deployment revision as a
   * labelled traffic entry.
   */
  private deployedApp(appName: string): Record<string, unknown> {
    const route = this.cluster.get("httproutes", AKS_NAMESPACE, ROUTE_NAME);
    if (route === undefined) {
      throw invokeError(`ResourceNotFound: HTTPRoute ${ROUTE_NAME} not found`);
    }
    const weights = routeWeights(route);
    const traffic = SLOTS.flatMap((slot) => {
      const deployment = this.cluster.get("deployments", AKS_NAMESPACE, slotObjectName(slot));
      const suffix = deployment === undefined ? undefined : deploymentRevision(deployment);
      return suffix === undefined
        ? []
        : [{ label: slot, revisionName: `${appName}--${suffix}`, weight: weights[slot] ?? 0 }];
    });
    const generation = obj(obj(route.metadata).annotations)[GENERATION_ANNOTATION];
    return {
      tags: generation === undefined ? {} : { "chatbot-release-generation": generation },
      configuration: { ingress: { traffic } },
    };
  }

  async outputs(): Promise<Readonly<Record<string, string>>> {
    return this.outputMap;
  }

  async updateInProgress(): Promise<boolean> {
    return false;
  }

  async readVerified(): Promise<string | undefined> {
    return this.tags.verified;
  }

  async writeVerified(marker: string | undefined): Promise<void> {
    this.setTag("verified", marker);
  }

  async readLock(): Promise<string | undefined> {
    return this.tags.lock;
  }

  async writeLock(holder: string | undefined): Promise<void> {
    this.setTag("lock", holder);
  }

  private setTag(name: string, value: string | undefined): void {
    if (value === undefined) {
      delete this.tags[name];
    } else {
      this.tags[name] = value;
    }
  }
}
