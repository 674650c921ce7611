/**
 * The release guard on AKS (`target: aks`), the counterpart of `readDeployedRelease` for Container
 * Apps (lib/guard.ts): before the program registers anything it reads what the cluster runs and
 * hands it to the same `reconcileRelease`, which refuses an older release block.
 * - The generation is the HTTPRoute's `chatbot.platform/release-generation` annotation (the program
 *   renders it from the block; the release engine rewrites it with every traffic change).
 * - Each slot's deployed revision is the `chatbot.platform/revision` annotation on the pod template
 *   of the slot's Deployment (what a label points at on Container Apps).
 *
 * It reads the cluster directly, not through a Pulumi `kubernetes.Provider` (whose `get` would
 * register a read resource and cannot answer "not there yet"): ARM's `getManagedCluster` first
 * (not found: a new stack, nothing to guard), then the user kubeconfig from
 * `listManagedClusterUserCredentials` (both invokes also run in preview), then two or three GETs on
 * the API server with the cluster's CA. The kubeconfig's kubelogin `exec` user is replaced by an
 * Entra token for the AKS server application from the Azure CLI sign-in, the same sign-in the
 * program's kubeconfig uses (lib/kubeconfig.ts) (release/kubeconfig.ts `parseKubeconfig`).
 * Whoever runs `pulumi preview`/`up` therefore needs, besides ARM read access, the
 * `listClusterUserCredential` action and Kubernetes read access to the `chatbot` namespace
 * (e.g. "Azure Kubernetes Service Cluster User Role" and "Azure Kubernetes Service RBAC Reader").
 * https://learn.microsoft.com/azure/aks/manage-azure-rbac
 */
import * as containerservice from "@pulumi/azure-native/containerservice";
import {
  DeployedRelease,
  GENERATION_TAG,
  GuardTarget,
  deployedGeneration,
  isNotFound,
  TRAFFIC_TAG,
  recordedTraffic,
} from "./guard";
import { ANNOTATIONS, NAMESPACE, ROUTE_NAME, slotName } from "./kubernetes";
import { SLOTS, Slot } from "./release";

/** What the AKS guard needs besides the Container Apps guard's target. */
export interface AksGuardTarget extends GuardTarget {
  readonly clusterName: string;
}

/** The API server reads the guard makes (release/kube.ts `KubeApi`). */
export interface KubeReader {
  get(path: string): Promise<Record<string, unknown>>;
}

/** Opens the API server a kubeconfig (YAML text) names. */
export type KubeConnect = (kubeconfig: string) => Promise<KubeReader>;

export const ROUTE_PATH = `/apis/gateway.networking.k8s.io/v1/namespaces/${NAMESPACE}/httproutes/${ROUTE_NAME}`;
export const deploymentPath = (slot: Slot) =>
  `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/${slotName(slot)}`;

/** The object at `path`, or `undefined` on 404 (a failed call's `statusCode`, release/kube.ts). */
async function getIfExists(
  api: KubeReader,
  path: string,
): Promise<Record<string, unknown> | undefined> {
  try {
    return await api.get(path);
  } catch (err) {
    if ((err as { statusCode?: unknown }).statusCode === 404) {
      return undefined;
    }
    throw err;
  }
}

/** The HTTPRoute's release annotations in the form of the Container App's tags (`lib/guard.ts`). */
export function routeTrafficTags(
  annotations: Readonly<Record<string, unknown>>,
): Record<string, string> {
  const [generation, live, canary] = [
    annotations[ANNOTATIONS.generation],
    annotations[ANNOTATIONS.liveSlot],
    annotations[ANNOTATIONS.canaryPercent],
  ].map((value) => (typeof value === "string" ? value : ""));
  return {
    [GENERATION_TAG]: generation,
    [TRAFFIC_TAG]: `g=${generation},live=${live},canary=${canary}`,
  };
}

type Annotated = { metadata?: { annotations?: Record<string, string> } };

/**
 * The release facts the cluster carries; `undefined` while it has no HTTPRoute (the app was never
 * deployed to it). A route without the generation annotation reads as "no generation", as an
 * untagged Container App does.
 */
export async function deployedAksRelease(
  api: KubeReader,
  clusterName: string,
): Promise<DeployedRelease | undefined> {
  const route = (await getIfExists(api, ROUTE_PATH)) as Annotated | undefined;
  if (route === undefined) {
    return undefined;
  }
  const value = route.metadata?.annotations?.[ANNOTATIONS.generation];
  const generation = deployedGeneration(
    value === undefined ? undefined : { [GENERATION_TAG]: value },
  );
  const labels: Partial<Record<Slot, string>> = {};
  for (const slot of SLOTS) {
    const deployment = (await getIfExists(api, deploymentPath(slot))) as
      { spec?: { template?: Annotated } } | undefined;
    const revision = deployment?.spec?.template?.metadata?.annotations?.[ANNOTATIONS.revision];
    if (typeof revision === "string" && revision !== "") {
      labels[slot] = revision;
    }
  }
  const annotations = route.metadata?.annotations ?? {};
  // The route carries its generation and traffic annotations together (one write each time).
  const traffic = recordedTraffic(routeTrafficTags(annotations));
  return {
    generation,
    labels,
    carrier: `the HTTPRoute ${NAMESPACE}/${ROUTE_NAME} on cluster ${clusterName}`,
    ...(traffic === undefined ? {} : { traffic }),
  };
}

/** The API server of a kubeconfig, an Entra token from the Azure CLI in place of kubelogin. */
const connectWithAzureCli: KubeConnect = async (kubeconfig) => {
  // Loaded only when a cluster exists: the Container Apps target never pays for these modules.
  const [{ AzureCliCredential }, { entraTokenFrom, parseKubeconfig }, { HttpsKubeApi }] =
    await Promise.all([
      import("@azure/identity"),
      import("../release/kubeconfig"),
      import("../release/kube"),
    ]);
  const endpoint = parseKubeconfig(kubeconfig, entraTokenFrom(new AzureCliCredential()));
  return new HttpsKubeApi(endpoint, { timeoutMs: 30_000 });
};

/**
 * Reads the deployed release from the stack's cluster; `undefined` for a new stack (no cluster)
 * or a cluster without the app. Any other failure (denied, unreachable) stops the update rather
 * than guess.
 */
export async function readDeployedAksRelease(
  target: AksGuardTarget,
  connect: KubeConnect = connectWithAzureCli,
): Promise<DeployedRelease | undefined> {
  const cluster = { resourceGroupName: target.resourceGroup, resourceName: target.clusterName };
  try {
    await containerservice.getManagedCluster(cluster);
  } catch (err) {
    if (isNotFound(err)) {
      return undefined;
    }
    throw err;
  }
  const credentials = await containerservice.listManagedClusterUserCredentials({
    ...cluster,
    format: "exec",
  });
  const value = credentials.kubeconfigs?.[0]?.value;
  if (value === undefined) {
    throw new Error(
      `listManagedClusterUserCredentials of ${target.clusterName} returned no kubeconfig`,
    );
  }
  const api = await connect(Buffer.from(value, "base64").toString("utf8"));
  return deployedAksRelease(api, target.clusterName);
}
