/**
 * Which adapter the engine drives, from the stack's `target` output: Container Apps through ARM
 * (`azure.ts`), or AKS through the Kubernetes API (`aks.ts`). Both serve the same port; the gates'
 * telemetry is the same Logs query API (on AKS, counted by the slot Deployment's pods).
 */
import { AksCluster, AksOptions, AksTelemetry } from "./aks";
import { AzureCredential, LogsTelemetry } from "./azure";
import { HttpsKubeApi, KubeApi } from "./kube";
import { entraTokenFrom, parseKubeconfig, readKubeconfig } from "./kubeconfig";
import { ContainerAppPort, TelemetryPort } from "./ports";

/** The stack's target: `aks` when its `target` output says so, else Container Apps. */
export function targetOf(outputs: Readonly<Record<string, string>>): "containerApps" | "aks" {
  return outputs.target === "aks" ? "aks" : "containerApps";
}

/** The namespace and the gateway's URL and host, from the stack's outputs. */
export function aksClusterOptions(outputs: Readonly<Record<string, string>>): AksOptions {
  // `gatewayUrl` is "" while the stack has no Kubernetes objects (`aksClusterOnly`): loadContext
  // refuses such a stack with its own message.
  const gatewayHost = outputs.gatewayUrl ? new URL(outputs.gatewayUrl).host : undefined;
  return {
    ...(outputs.kubeNamespace === undefined ? {} : { namespace: outputs.kubeNamespace }),
    ...(gatewayHost === undefined ? {} : { gatewayHost, gatewayUrl: outputs.gatewayUrl }),
  };
}

/** The AKS ports of a stack: cluster and namespace from its outputs. */
export function aksPorts(
  credential: AzureCredential,
  subscriptionId: string,
  outputs: Readonly<Record<string, string>>,
  env: NodeJS.ProcessEnv = process.env,
): { azure: ContainerAppPort; telemetry: TelemetryPort } {
  let opened: Promise<KubeApi> | undefined;
  const open = (): Promise<KubeApi> => {
    opened ??= readKubeconfig(
      credential,
      {
        subscriptionId,
        resourceGroup: outputs.resourceGroupName ?? "",
        clusterName: outputs.clusterName ?? "",
      },
      env,
    ).then((text) => new HttpsKubeApi(parseKubeconfig(text, entraTokenFrom(credential))));
    return opened;
  };
  const api: KubeApi = {
    get: async (path) => (await open()).get(path),
    put: async (path, body) => (await open()).put(path, body),
    mergePatch: async (path, body) => (await open()).mergePatch(path, body),
  };
  const cluster = new AksCluster(api, aksClusterOptions(outputs));
  return { azure: cluster, telemetry: new AksTelemetry(new LogsTelemetry(credential), cluster) };
}

/** The resource types of a slot's objects and of the route on target `aks`. */
export const AKS_SLOT_TYPES: readonly string[] = [
  "kubernetes:apps/v1:Deployment",
  "kubernetes:core/v1:Service",
  "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
  "kubernetes:policy/v1:PodDisruptionBudget",
];
export const AKS_ROUTE_TYPE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";

/**
 * The `--target` URNs of a deploy on AKS: the deployed slot's Deployment, Service, HPA and PDB
 * (Pulumi names `<component>-<slot>-<kind>`, `components/kubernetesApp.ts`) and the HTTPRoute
 * (its generation annotation and weights come from the block), so nothing else changes. A slot
 * object not in the state yet (an empty slot's first deploy) is matched by the URN glob
 * `**-<slot>-*` (`--target` takes URN globs:
 * https://www.pulumi.com/docs/iac/guides/basics/targeted-updates/). `undefined`: the state is not
 * an AKS stack's.
 */
export function aksDeployTargets(
  resources: ReadonlyArray<{ readonly urn: string; readonly type: string }>,
  slot: "blue" | "green",
): string[] | undefined {
  const route = resources.find((resource) => resource.type === AKS_ROUTE_TYPE);
  if (route === undefined) {
    return undefined;
  }
  const prefix = route.urn.slice(0, route.urn.indexOf("::", route.urn.indexOf("::") + 2) + 2);
  const ofSlot = new RegExp(`::[^:]*-${slot}(-[a-z]+)?$`);
  const existing = resources
    .filter((resource) => AKS_SLOT_TYPES.includes(resource.type) && ofSlot.test(resource.urn))
    .map((resource) => resource.urn);
  return [...existing, route.urn, `${prefix}**-${slot}-*`];
}
