/**
 * How the release engine reaches an AKS cluster's API server without kubectl or kubelogin:
 * - the kubeconfig comes from `KUBECONFIG` when set, else from ARM
 *   (`managedClusters.listClusterUserCredentials`, @azure/arm-containerservice;
 *   https://learn.microsoft.com/en-us/rest/api/aks/managed-clusters/list-cluster-user-credentials);
 * - its current context gives the server and the cluster CA (`certificate-authority-data`);
 * - the user is a static token, a client certificate (local accounts), or, for an Entra ID
 *   cluster, an `exec` entry running kubelogin: that one is replaced by an Entra token for the AKS
 *   server application (`6dae42f8-4368-4678-94ff-3960e28e3630`, the same for every managed-Entra
 *   cluster: https://azure.github.io/kubelogin/concepts/aks.html, "--server-id") from the same
 *   `DefaultAzureCredential` the rest of the engine uses (OIDC in CI, `az login` locally):
 *   the non-interactive login kubelogin's `azurecli`/`workloadidentity` modes do
 *   (https://learn.microsoft.com/en-us/azure/aks/kubelogin-authentication).
 */
import * as fs from "node:fs";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import * as YAML from "yaml";
import { AzureCredential } from "./azure";
import { KubeAuth, KubeEndpoint } from "./kube";

/** The token scope of the AKS Entra ID server application. */
export const AKS_SERVER_SCOPE = "6dae42f8-4368-4678-94ff-3960e28e3630/.default";

/** A kubeconfig the engine cannot use. */
export class KubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KubeconfigError";
  }
}

interface Named<T> {
  readonly name?: string;
  readonly [key: string]: unknown;
  readonly value?: T;
}

function entry(list: unknown, name: string, kind: string, item: string): Record<string, unknown> {
  const found = (Array.isArray(list) ? (list as Named<unknown>[]) : []).find(
    (candidate) => candidate.name === name,
  );
  const value = found?.[item];
  if (typeof value !== "object" || value === null) {
    throw new KubeconfigError(`the kubeconfig has no ${kind} named ${name}`);
  }
  return value as Record<string, unknown>;
}

function pem(base64: unknown, what: string): string {
  if (typeof base64 !== "string" || base64 === "") {
    throw new KubeconfigError(`the kubeconfig's ${what} is missing (only inline *-data is read)`);
  }
  return Buffer.from(base64, "base64").toString("utf8");
}

/**
 * The API endpoint of a kubeconfig's current context. `entraToken` gets the Entra token that
 * replaces an `exec` user (kubelogin).
 */
export function parseKubeconfig(text: string, entraToken: () => Promise<string>): KubeEndpoint {
  let doc: Record<string, unknown>;
  try {
    doc = YAML.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new KubeconfigError(`the kubeconfig is not YAML: ${(err as Error).message}`);
  }
  if (typeof doc !== "object" || doc === null) {
    throw new KubeconfigError("the kubeconfig is empty");
  }
  const contextName = doc["current-context"];
  if (typeof contextName !== "string" || contextName === "") {
    throw new KubeconfigError("the kubeconfig has no current-context");
  }
  const context = entry(doc.contexts, contextName, "context", "context");
  const cluster = entry(doc.clusters, String(context.cluster), "cluster", "cluster");
  const user = entry(doc.users, String(context.user), "user", "user");
  if (typeof cluster.server !== "string" || !cluster.server.startsWith("https://")) {
    throw new KubeconfigError(
      `the kubeconfig's cluster ${String(context.cluster)} has no https server`,
    );
  }
  const ca = pem(cluster["certificate-authority-data"], "certificate-authority-data");
  let auth: KubeAuth;
  if (typeof user.token === "string" && user.token !== "") {
    const token = user.token;
    auth = { kind: "token", token: async () => token };
  } else if (user["client-certificate-data"] !== undefined) {
    auth = {
      kind: "certificate",
      cert: pem(user["client-certificate-data"], "client-certificate-data"),
      key: pem(user["client-key-data"], "client-key-data"),
    };
  } else if (typeof user.exec === "object" && user.exec !== null) {
    const command = String((user.exec as { command?: unknown }).command ?? "");
    if (!/kubelogin/.test(command)) {
      throw new KubeconfigError(
        `the kubeconfig's user ${String(context.user)} runs ${command}; only kubelogin (Entra ID) is replaced by the engine's own token`,
      );
    }
    auth = { kind: "token", token: entraToken };
  } else {
    throw new KubeconfigError(
      `the kubeconfig's user ${String(context.user)} has no token, client certificate or kubelogin exec`,
    );
  }
  return { server: cluster.server, ca, auth };
}

/** An Entra token for the AKS server application from an Azure credential. */
export function entraTokenFrom(credential: AzureCredential): () => Promise<string> {
  return async () => {
    const token = await credential.getToken(AKS_SERVER_SCOPE);
    if (token === null) {
      throw new KubeconfigError(`no Entra token for ${AKS_SERVER_SCOPE}`);
    }
    return token.token;
  };
}

/** The cluster the engine drives, from the stack outputs. */
export interface ClusterRef {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly clusterName: string;
}

/**
 * The kubeconfig text: the file `KUBECONFIG` names, else the cluster user credentials from ARM
 * (`format: exec`: an Entra ID cluster's kubeconfig runs kubelogin, which `parseKubeconfig`
 * replaces by a token).
 */
export async function readKubeconfig(
  credential: AzureCredential,
  cluster: ClusterRef,
  env: NodeJS.ProcessEnv = process.env,
  client?: Pick<ContainerServiceClient, "managedClusters">,
): Promise<string> {
  const file = env.KUBECONFIG?.split(":")[0];
  if (file !== undefined && file !== "") {
    return fs.readFileSync(file, "utf8");
  }
  const arm = client ?? new ContainerServiceClient(credential, cluster.subscriptionId);
  const result = await arm.managedClusters.listClusterUserCredentials(
    cluster.resourceGroup,
    cluster.clusterName,
    { format: "exec" },
  );
  const value = result.kubeconfigs?.[0]?.value;
  if (value === undefined) {
    throw new KubeconfigError(
      `listClusterUserCredentials of ${cluster.clusterName} returned no kubeconfig`,
    );
  }
  return Buffer.from(value).toString("utf8");
}
