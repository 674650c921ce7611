/**
 * The AKS wiring of the release engine: which adapter a stack gets, the deploy's `--target` URNs,
 * and how a kubeconfig becomes an API endpoint (token, client certificate, kubelogin replaced by an
 * Entra token for the AKS server application).
 */
import * as assert from "node:assert/strict";
import * as YAML from "yaml";
import { AKS_SERVER_SCOPE, parseKubeconfig, readKubeconfig } from "../../release/kubeconfig";
import { aksDeployTargets, targetOf } from "../../release/targets";

const kubeconfig = (user: Record<string, unknown>) =>
  YAML.stringify({
    "current-context": "ctx",
    contexts: [{ name: "ctx", context: { cluster: "c", user: "u" } }],
    clusters: [
      {
        name: "c",
        cluster: {
          server: "https://aks-chatbot.hcp.eastus2.azmk8s.io:443",
          "certificate-authority-data": Buffer.from("CA PEM").toString("base64"),
        },
      },
    ],
    users: [{ name: "u", user }],
  });

describe("release on AKS: wiring", () => {
  it("picks the adapter from the stack's target output", () => {
    assert.equal(targetOf({ target: "aks" }), "aks");
    assert.equal(targetOf({ containerAppName: "chatbot-api-prod" }), "containerApps");
  });

  it("targets the deployed slot's objects, the HTTPRoute and a glob for objects not yet in state", () => {
    const p = "urn:pulumi:prod::chatbot-platform::chatbot:platform:ChatbotPlatform$";
    const resources = [
      {
        urn: `${p}kubernetes:apps/v1:Deployment::chatbot-app-green-deployment`,
        type: "kubernetes:apps/v1:Deployment",
      },
      {
        urn: `${p}kubernetes:apps/v1:Deployment::chatbot-app-blue-deployment`,
        type: "kubernetes:apps/v1:Deployment",
      },
      {
        urn: `${p}kubernetes:core/v1:Service::chatbot-app-green-service`,
        type: "kubernetes:core/v1:Service",
      },
      {
        urn: `${p}kubernetes:gateway.networking.k8s.io/v1:HTTPRoute::chatbot-app-route`,
        type: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
      },
    ];
    assert.deepEqual(aksDeployTargets(resources, "green"), [
      `${p}kubernetes:apps/v1:Deployment::chatbot-app-green-deployment`,
      `${p}kubernetes:core/v1:Service::chatbot-app-green-service`,
      `${p}kubernetes:gateway.networking.k8s.io/v1:HTTPRoute::chatbot-app-route`,
      "urn:pulumi:prod::chatbot-platform::**-green-*",
    ]);
    assert.equal(
      aksDeployTargets([{ urn: "x", type: "azure-native:app:ContainerApp" }], "blue"),
      undefined,
    );
  });

  it("replaces a kubelogin user by an Entra token for the AKS server application", async () => {
    const scopes: string[] = [];
    const endpoint = parseKubeconfig(
      kubeconfig({
        exec: {
          command: "kubelogin",
          args: ["get-token", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"],
        },
      }),
      async () => {
        scopes.push(AKS_SERVER_SCOPE);
        return "entra";
      },
    );
    assert.equal(endpoint.server, "https://aks-chatbot.hcp.eastus2.azmk8s.io:443");
    assert.equal(endpoint.ca, "CA PEM");
    assert.equal(endpoint.auth.kind, "token");
    assert.equal(endpoint.auth.kind === "token" ? await endpoint.auth.token() : "", "entra");
    assert.deepEqual(scopes, ["6dae42f8-4368-4678-94ff-3960e28e3630/.default"]);
  });

  it("reads a static token and a client certificate; refuses other exec plugins", async () => {
    const token = parseKubeconfig(kubeconfig({ token: "abc" }), async () => "unused");
    assert.equal(token.auth.kind === "token" ? await token.auth.token() : "", "abc");
    const cert = parseKubeconfig(
      kubeconfig({
        "client-certificate-data": Buffer.from("CERT").toString("base64"),
        "client-key-data": Buffer.from("KEY").toString("base64"),
      }),
      async () => "unused",
    );
    assert.deepEqual(cert.auth, { kind: "certificate", cert: "CERT", key: "KEY" });
    assert.throws(
      () => parseKubeconfig(kubeconfig({ exec: { command: "aws" } }), async () => ""),
      /runs aws; only kubelogin \(Entra ID\) is replaced by the engine's own token/,
    );
  });

  it("gets the kubeconfig from listClusterUserCredentials (format exec) without KUBECONFIG", async () => {
    const calls: unknown[] = [];
    const text = await readKubeconfig(
      { getToken: async () => null },
      { subscriptionId: "s", resourceGroup: "rg-chatbot-prod", clusterName: "aks-chatbot-prod" },
      {},
      {
        managedClusters: {
          listClusterUserCredentials: async (...args: unknown[]) => {
            calls.push(args);
            return { kubeconfigs: [{ name: "clusterUser", value: Buffer.from("apiVersion: v1") }] };
          },
        },
      } as never,
    );
    assert.equal(text, "apiVersion: v1");
    assert.deepEqual(calls, [["rg-chatbot-prod", "aks-chatbot-prod", { format: "exec" }]]);
  });
});
