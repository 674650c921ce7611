/**
 * Kubeconfig for a cluster with Entra ID integration and local accounts disabled: AKS returns a
 * user kubeconfig whose credential is an interactive login (`devicecode`). `nonInteractive`
 * rewrites every user to the kubelogin exec plugin with `--login azurecli`, so whoever runs
 * `pulumi up` (a person after `az login`, CI after its OIDC `azure/login`) reaches the API server
 * with the same Azure CLI sign-in the azure-native provider uses, never with a stored credential.
 * https://azure.github.io/kubelogin/concepts/login-modes/azurecli.html
 */
import * as YAML from "yaml";

/** The Entra ID application of the AKS API server: the audience of every AKS AAD token. */
export const AKS_AAD_SERVER_APP_ID = "6dae42f8-4368-4678-94ff-3960e28e3630";
export const KUBELOGIN_ARGS = [
  "get-token",
  "--login",
  "azurecli",
  "--server-id",
  AKS_AAD_SERVER_APP_ID,
] as const;

interface Kubeconfig {
  users?: { name: string; user?: Record<string, unknown> }[];
}

/** The kubeconfig (base64, as `listManagedClusterUserCredentials` returns it) for kubelogin azurecli. */
export function nonInteractive(base64: string): string {
  const text = Buffer.from(base64, "base64").toString("utf8");
  const config = YAML.parse(text) as Kubeconfig | null;
  if (config === null || typeof config !== "object" || !Array.isArray(config.users)) {
    throw new Error("the kubeconfig AKS returned has no `users` list");
  }
  config.users = config.users.map((entry) => ({
    name: entry.name,
    user: {
      exec: {
        apiVersion: "client.authentication.k8s.io/v1beta1",
        command: "kubelogin",
        args: [...KUBELOGIN_ARGS],
        interactiveMode: "Never",
        provideClusterInfo: false,
      },
    },
  }));
  return YAML.stringify(config);
}
