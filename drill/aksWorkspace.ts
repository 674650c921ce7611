/**
 * The drill's Pulumi stack for target `aks`: like `workspace.ts`, a stack file held in memory and a
 * `pulumi up` that evaluates the real program under Pulumi's mock runtime, here with
 * `chatbot-platform:target: aks` (set by `aksTarget.ts` in the in-memory stack file), then applies
 * the Kubernetes objects the program registers to the cluster model the way the Pulumi
 * Kubernetes provider does: server-side apply of each manifest (`KubeModel.apply`), so a
 * Deployment's replicas the manifest leaves out stay the HPA's and the engine's.
 *
 * The workspace keeps the stack's state (the URN and type of every custom resource applied) and
 * models `--target` the way the Pulumi engine does:
 * - `up(message, "stack")` (a scenario's `pulumi up`, or the first deploy of a new stack) applies
 *   every object the program registers and deletes the objects of resources it no longer
 *   registers;
 * - `up(message, "app")` (a deploy) applies only the resources whose URN matches the targets the
 *   release command computes from the state (`deployTargetUrns`, `release/automation.ts`): the
 *   deployed slot's Deployment, Service, HPA and PDB and the HTTPRoute. Every other object keeps
 *   the state it has in the cluster, whatever the program now renders for it.
 * The program's release guard (`lib/aksGuard.ts`) reads the cluster model as it reads a real
 * cluster: once the stack's state holds the cluster, `getManagedCluster` finds it and
 * `listManagedClusterUserCredentials` (the guard's `format: exec` call) returns a kubeconfig for
 * the model's API server, so a stale release block is refused and a slot's deployed revision is
 * taken from its Deployment. Before that (a new stack), the offline mocks answer "not found".
 * Stack outputs are the program's own (`target`, `clusterName`, `gatewayUrl`, `kubeNamespace`,
 * `latestRevision`, ...): the engine's AKS port is built from them (`aksTarget.ts`).
 */
import {
  simulateStack,
  SimulatedResource,
  SimulationResult,
  StackConfig,
} from "../simulator/simulate";
import type { MockCallArgs } from "@pulumi/pulumi/runtime";
import {
  AKS_NAMESPACE,
  GENERATION_ANNOTATION,
  ROUTE_NAME,
  deploymentRevision,
  slotObjectName,
} from "../release/aks";
import { deployTargetUrns } from "../release/automation";
import { RELEASE_CONFIG_KEY, Slot } from "../release/state";
import { clone, isObject, Json, JsonObject } from "./model/json";
import { KubeModel, Plural, pluralOf } from "./model/kube";
import { DrillStack, UpRefused, upMutex } from "./workspace";

/**
 * Pulumi's `--target` match: a URN equal to a literal target, or matching a glob target where
 * `**` is any run of characters and `*` any run without `:`; a glob matches resources not yet in
 * the state too (https://www.pulumi.com/docs/iac/guides/basics/targeted-updates/; the engine's
 * `UrnTargets.Contains`).
 */
export function urnTargeted(urn: string, targets: readonly string[]): boolean {
  return targets.some((target) => {
    if (!target.includes("*")) {
      return target === urn;
    }
    const quote = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const pattern = target
      .split("**")
      .map((segment) => segment.split("*").map(quote).join("[^:]*"))
      .join(".*");
    return new RegExp(`^${pattern}$`).test(urn);
  });
}

/** Where a resource's object lives in the cluster model, for a kind the model serves. */
interface ClusterObject {
  readonly plural: Plural;
  readonly namespace: string;
  readonly name: string;
}

/** One resource of the stack's state. */
interface StateEntry {
  readonly urn: string;
  readonly type: string;
  readonly object?: ClusterObject;
}

/** The manifest a Kubernetes resource's inputs describe (what the provider applies). */
function manifestOf(resource: SimulatedResource): JsonObject {
  const { apiVersion, kind, metadata, spec } = resource.inputs;
  return JSON.parse(JSON.stringify({ apiVersion, kind, metadata, spec })) as JsonObject;
}

/** The cluster object of a Kubernetes resource the model serves, else `undefined`. */
function clusterObject(resource: SimulatedResource): ClusterObject | undefined {
  if (!resource.type.startsWith("kubernetes:")) {
    return undefined;
  }
  const plural = pluralOf(String(resource.inputs.kind ?? ""));
  const metadata = (resource.inputs.metadata ?? {}) as { name?: unknown; namespace?: unknown };
  return plural === undefined
    ? undefined
    : {
        plural,
        namespace: String(metadata.namespace ?? "default"),
        name: String(metadata.name ?? ""),
      };
}

/** The API server path of an object (`/apis/apps/v1/namespaces/chatbot/deployments/<name>`). */
function apiPath(apiVersion: string, object: ClusterObject): string {
  const group = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return `${group}/namespaces/${object.namespace}/${object.plural}/${object.name}`;
}

const GET_CLUSTER = "azure-native:containerservice:getManagedCluster";
const LIST_CREDENTIALS = "azure-native:containerservice:listManagedClusterUserCredentials";
const MANAGED_CLUSTER = "azure-native:containerservice:ManagedCluster";

/** What the program reads of a deployed cluster: its answers to the guard's invokes. */
interface DeployedCluster {
  /** What the guard reads there (the route's generation, the slots' revisions): part of the key. */
  readonly facts: unknown;
  readonly call: (args: MockCallArgs) => Promise<Record<string, unknown>> | undefined;
}

/**
 * Program evaluations by stack, stack file and what the guard reads in the cluster: the program's
 * answer depends on nothing else (every other invoke gets the offline mocks' fixed answer), so
 * scenarios that create and deploy the same stack file share one evaluation.
 */
const evaluations = new Map<string, Promise<SimulationResult>>();

function evaluate(
  stack: string,
  config: StackConfig,
  deployed: DeployedCluster | undefined,
): Promise<SimulationResult> {
  const key = JSON.stringify([
    stack,
    config.config,
    [...config.secretKeys].sort(),
    deployed?.facts ?? null,
  ]);
  let evaluation = evaluations.get(key);
  if (evaluation === undefined) {
    evaluation = simulateStack({
      stack,
      config,
      ...(deployed === undefined ? {} : { call: deployed.call }),
    });
    evaluations.set(key, evaluation);
  }
  return evaluation;
}

/** One stack of the AKS drill. */
export class AksDrillWorkspace extends DrillStack {
  /** The stack's state: the custom resources applied so far, by URN. */
  private readonly state = new Map<string, StateEntry>();
  /** Every `up` this workspace ran: what it said, its targets, and whether it applied. */
  readonly ups: string[] = [];

  /**
   * @param kubeconfig a kubeconfig for the cluster model's API server, which the program's guard
   * gets once the cluster is in the state; without it the cluster is never found.
   */
  constructor(
    stackName: string,
    config: StackConfig,
    private readonly cluster: KubeModel,
    private readonly kubeconfig?: string,
  ) {
    super(stackName, config);
  }

  /** The cluster as the program's guard finds it, once the stack's state holds it. */
  private deployedCluster(): DeployedCluster | undefined {
    const kubeconfig = this.kubeconfig;
    const exists = [...this.state.values()].some((entry) => entry.type === MANAGED_CLUSTER);
    if (kubeconfig === undefined || !exists) {
      return undefined;
    }
    const revision = (slot: Slot) => {
      const deployment = this.cluster.get("deployments", AKS_NAMESPACE, slotObjectName(slot));
      return deployment === undefined ? null : (deploymentRevision(deployment) ?? null);
    };
    const route = this.cluster.get("httproutes", AKS_NAMESPACE, ROUTE_NAME) as
      { metadata?: { annotations?: Record<string, string> } } | undefined;
    return {
      facts: [
        route === undefined ? null : (route.metadata?.annotations?.[GENERATION_ANNOTATION] ?? ""),
        revision("blue"),
        revision("green"),
      ],
      call: (args) => {
        if (args.token === GET_CLUSTER) {
          return Promise.resolve({ name: args.inputs.resourceName });
        }
        // The guard's call (`format: exec`); the provider's kubeconfig keeps the offline answer.
        if (args.token === LIST_CREDENTIALS && args.inputs.format === "exec") {
          const value = Buffer.from(kubeconfig).toString("base64");
          return Promise.resolve({ kubeconfigs: [{ name: "clusterUser", value }] });
        }
        return undefined;
      },
    };
  }

  async up(message: string, target: "app" | "stack" = "stack"): Promise<void> {
    await this.apply(this.config, message, target);
  }

  /** The URNs of the stack's state (what a targeted `up` picks its targets from). */
  stateUrns(): string[] {
    return [...this.state.keys()];
  }

  /**
   * `pulumi up` of `config` (this stack's file or another copy of it); with `app`, targeted as the
   * release command's deploy targets it. `UpRefused` when the program refuses (nothing applied);
   * the API server's error when it rejects an object.
   */
  async apply(
    config: StackConfig,
    message: string,
    target: "app" | "stack" = "stack",
  ): Promise<void> {
    await upMutex.run(async () => {
      let result: SimulationResult;
      try {
        result = await evaluate(this.stackName, config, this.deployedCluster());
      } catch (err) {
        this.ups.push(`${message}: refused`);
        throw new UpRefused((err as Error).message);
      }
      const release = config.config[RELEASE_CONFIG_KEY];
      const targets =
        target === "app"
          ? deployTargetUrns(
              [...this.state.values()],
              release === undefined ? undefined : JSON.parse(release),
            )
          : undefined;
      const registered = result.resources.filter(
        (resource) => resource.custom && !resource.type.startsWith("pulumi:providers:"),
      );
      const selected =
        targets === undefined
          ? registered
          : registered.filter((resource) => urnTargeted(resource.urn, targets));
      for (const resource of selected) {
        const object = clusterObject(resource);
        // The provider's server-side apply is a PATCH of the object's path: a scenario's faults
        // on it fail the update before the write, or after it (the write stays, as on a cluster).
        const path = object && apiPath(String(resource.inputs.apiVersion ?? "v1"), object);
        const fault = path === undefined ? undefined : this.cluster.faults.take("PATCH", path);
        if (fault?.kind === "fail") {
          this.ups.push(`${message}: failed`);
          throw new Error(
            `${path}: ${fault.rule.status} ${fault.rule.code}: ${fault.rule.message}`,
          );
        }
        if (object !== undefined) {
          this.cluster.apply(this.withIgnoredFromLive(resource, object));
        }
        this.state.set(resource.urn, {
          urn: resource.urn,
          type: resource.type,
          ...(object === undefined ? {} : { object }),
        });
        if (fault?.kind === "drop") {
          this.ups.push(`${message}: failed`);
          throw new Error(`PATCH ${path}: read ECONNRESET (the object was applied)`);
        }
      }
      if (targets === undefined) {
        // A whole-stack update deletes what the program no longer registers.
        const kept = new Set(registered.map((resource) => resource.urn));
        for (const [urn, entry] of [...this.state.entries()]) {
          if (!kept.has(urn)) {
            if (entry.object !== undefined) {
              this.cluster.delete(entry.object.plural, entry.object.namespace, entry.object.name);
            }
            this.state.delete(urn);
          }
        }
      }
      this.ups.push(
        `${message}: applied${targets === undefined ? "" : ` (--target ${targets.join(" ")})`}`,
      );
      this.outputMap = Object.fromEntries(
        Object.entries(result.outputs).map(([key, value]) => [
          key,
          typeof value === "string" ? value : JSON.stringify(value),
        ]),
      );
    });
  }

  /**
   * The manifest the provider applies: a top-level `spec.<field>` path in the resource's
   * `ignoreChanges` keeps the live object's value when the object exists (with server-side apply the
   * provider sends the live value of an ignored field it manages; the program freezes the pod
   * template of the slot that is not `latest`). On create, the program's value.
   */
  private withIgnoredFromLive(resource: SimulatedResource, object: ClusterObject): JsonObject {
    const manifest = manifestOf(resource);
    const live = this.cluster.get(object.plural, object.namespace, object.name);
    for (const path of resource.options.ignoreChanges) {
      const [head, field, ...rest] = path.split(".");
      const liveSpec = live?.[head];
      const spec = manifest[head];
      if (
        head !== "spec" ||
        field === undefined ||
        rest.length > 0 ||
        !isObject(liveSpec) ||
        !isObject(spec) ||
        liveSpec[field] === undefined
      ) {
        continue;
      }
      spec[field] = clone(liveSpec[field]) as Json;
    }
    return manifest;
  }
}
