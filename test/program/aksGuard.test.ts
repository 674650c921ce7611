/**
 * The release guard on AKS (lib/aksGuard.ts): under the mock runtime, `getManagedCluster` finds the
 * cluster and `listManagedClusterUserCredentials` returns a kubeconfig for the local model of the
 * Kubernetes API (HTTPS on 127.0.0.1, drill/model/kubeServer.ts), so the real program reads the
 * HTTPRoute's generation annotation and the slots' Deployments over HTTPS before it registers
 * anything. Two program evaluations: one refused, one reconciled.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { ManualClock } from "../../drill/model";
import { KubeModel } from "../../drill/model/kube";
import { startKubeModelServer } from "../../drill/model/kubeServer";
import { ModelServer } from "../../drill/model/server";
import { deployedAksRelease, KubeReader, readDeployedAksRelease } from "../../lib/aksGuard";
import { ReleaseBehindError } from "../../lib/guard";
import { deployment, httpRoute, SlotSpec } from "../../lib/kubernetes";
import { Release } from "../../lib/release";
import { SimulationResult, simulateStack } from "../../simulator/simulate";
import { findResource, stackConfig, withConfig } from "../helpers/simulation";

const GET_CLUSTER = "azure-native:containerservice:getManagedCluster";
const LIST_CREDENTIALS = "azure-native:containerservice:listManagedClusterUserCredentials";
const DIGEST = (c: string) => `chatbotregistry.azurecr.io/chatbot-api@sha256:${c.repeat(64)}`;
const BLUE_REVISION = "v1-4-2-201988g5";

/** What the cluster runs: blue live at generation `generation`, its Deployment at BLUE_REVISION. */
function deployedRelease(generation: number): Release {
  return {
    live: "blue",
    latest: "blue",
    canaryPercent: 0,
    generation,
    blue: { version: "1.4.2", image: DIGEST("a"), suffix: "v1-4-2", revision: BLUE_REVISION },
  };
}

const BLUE_SPEC: SlotSpec<string> = {
  slot: "blue",
  version: "1.4.2",
  image: DIGEST("a"),
  revision: BLUE_REVISION,
  env: [],
  cpu: 2,
  memory: "4Gi",
  minReplicas: 3,
  maxReplicas: 10,
  targetPort: 8000,
  healthPath: "/health",
  readyPath: "/ready",
  requireZoneSpread: true,
};

/** A kubeconfig for `server` with a static token (no kubelogin, no Azure sign-in). */
function kubeconfigFor(server: ModelServer): string {
  return YAML.stringify({
    apiVersion: "v1",
    kind: "Config",
    "current-context": "model",
    clusters: [
      {
        name: "model",
        cluster: {
          server: server.url,
          "certificate-authority-data": Buffer.from(server.ca).toString("base64"),
        },
      },
    ],
    users: [{ name: "model", user: { token: "model-token" } }],
    contexts: [{ name: "model", context: { cluster: "model", user: "model" } }],
  });
}

describe("release guard on AKS", function () {
  this.timeout(60_000);
  let kube: KubeModel;
  let server: ModelServer;
  const calls: [string, Record<string, unknown>][] = [];

  /** Invokes answered as for a deployed cluster: found, credentials for the model server. */
  const clusterFound = (args: pulumi.runtime.MockCallArgs) => {
    if (args.token === GET_CLUSTER) {
      calls.push([args.token, args.inputs]);
      return Promise.resolve({ name: args.inputs.resourceName });
    }
    if (args.token === LIST_CREDENTIALS) {
      calls.push([args.token, args.inputs]);
      const value = Buffer.from(kubeconfigFor(server)).toString("base64");
      return Promise.resolve({ kubeconfigs: [{ name: "clusterUser", value }] });
    }
    return undefined;
  };

  /** The real program (index.ts) for prod on aks with `release`; its error kept. */
  async function runAks(release: Record<string, unknown>) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../../index") as () => Promise<Record<string, unknown>>;
    let error: Error | undefined;
    const result: SimulationResult = await simulateStack({
      stack: "prod",
      config: withConfig(stackConfig("prod"), { target: "aks", release }),
      call: clusterFound,
      program: async () => {
        try {
          return await program();
        } catch (err) {
          error = err as Error;
          return {};
        }
      },
    });
    return { result, error };
  }

  before(async () => {
    kube = new KubeModel({ clock: new ManualClock() });
    kube.apply(JSON.parse(JSON.stringify(httpRoute(deployedRelease(9)))));
    kube.apply(JSON.parse(JSON.stringify(deployment(BLUE_SPEC))));
    server = await startKubeModelServer(kube);
  });

  after(async () => {
    await server.close();
  });

  it("refuses a release block older than the HTTPRoute's generation, before registering anything", async () => {
    // given the cluster's route at generation 9; when prod's program runs a block at generation 4
    calls.length = 0;
    const { result, error } = await runAks({
      live: "blue",
      canaryPercent: 0,
      generation: 4,
      blue: { version: "1.4.2", image: DIGEST("a") },
    });
    // then it stops with the guard's message naming the route and the cluster
    assert.ok(error instanceof ReleaseBehindError);
    assert.strictEqual(
      error.message,
      "Pulumi.prod.yaml is behind what is deployed: its release block has generation 4, the " +
        "HTTPRoute chatbot/chatbot-api on cluster aks-chatbot-prod carries generation 9 (a release " +
        "ran after this stack file was written: its commit back failed, or this is an older " +
        "commit). Applying it would move traffic back or overwrite a slot, so nothing was " +
        "changed. Bring the stack file up to date (the release workflow commits it; npm run " +
        "release -- status --stack prod shows what is deployed) and run again.",
    );
    assert.deepStrictEqual(result.resources, []);
    // and it found the cluster by the stack's resource group and name, then listed its credentials
    assert.deepStrictEqual(calls, [
      [GET_CLUSTER, { resourceGroupName: "rg-chatbot-prod", resourceName: "aks-chatbot-prod" }],
      [
        LIST_CREDENTIALS,
        { resourceGroupName: "rg-chatbot-prod", resourceName: "aks-chatbot-prod", format: "exec" },
      ],
    ]);
  });

  it("at the same generation, runs the idle slot at the revision its Deployment carries", async () => {
    // given a block at generation 9 that deploys green and records no revision for blue
    const { result, error } = await runAks({
      live: "blue",
      latest: "green",
      canaryPercent: 0,
      generation: 9,
      blue: { version: "1.4.2", image: DIGEST("a") },
      green: { version: "1.5.0", image: DIGEST("b") },
    });
    // then the program renders blue's Deployment with the revision the cluster runs
    assert.strictEqual(error, undefined);
    const revision = (name: string) =>
      (
        findResource(result, "kubernetes:apps/v1:Deployment", name).inputs.spec as {
          template: { metadata: { annotations: Record<string, string> } };
        }
      ).template.metadata.annotations["chatbot.platform/revision"];
    assert.strictEqual(revision("chatbot-k8s-app-blue-deployment"), BLUE_REVISION);
    assert.match(revision("chatbot-k8s-app-green-deployment"), /^v1-5-0-[0-9a-f]{6}g9$/);
  });

  it("finds nothing on a new stack (no cluster): the offline mocks' answer", async () => {
    let read: unknown = "unset";
    await simulateStack({
      stack: "prod",
      config: { config: {}, secretKeys: [] },
      program: async () => {
        read = await readDeployedAksRelease({
          stack: "prod",
          resourceGroup: "rg-chatbot-prod",
          appName: "chatbot-api-prod",
          clusterName: "aks-chatbot-prod",
        });
        return {};
      },
    });
    assert.strictEqual(read, undefined);
  });

  /** A reader over fixed answers: an object, or an HTTP status to fail with. */
  const reader = (answers: Record<string, Record<string, unknown> | number>): KubeReader => ({
    get: async (path) => {
      const answer = answers[path] ?? 404;
      if (typeof answer === "number") {
        throw Object.assign(new Error(`GET ${path}: ${answer}`), { statusCode: answer });
      }
      return answer;
    },
  });
  const ROUTE = "/apis/gateway.networking.k8s.io/v1/namespaces/chatbot/httproutes/chatbot-api";
  const GREEN = "/apis/apps/v1/namespaces/chatbot/deployments/chatbot-api-green";

  it("reads no release from a cluster without the app's HTTPRoute", async () => {
    assert.strictEqual(await deployedAksRelease(reader({}), "aks-x"), undefined);
  });

  it("reads no generation from a route without the annotation, and green's revision", async () => {
    const release = await deployedAksRelease(
      reader({
        [ROUTE]: { metadata: { annotations: {} } },
        [GREEN]: {
          spec: {
            template: {
              metadata: { annotations: { "chatbot.platform/revision": "v1-5-0-aaaaaag3" } },
            },
          },
        },
      }),
      "aks-x",
    );
    assert.deepStrictEqual(release, {
      generation: undefined,
      labels: { green: "v1-5-0-aaaaaag3" },
      carrier: "the HTTPRoute chatbot/chatbot-api on cluster aks-x",
    });
  });

  it("stops when the API server refuses the read (no guessing the stack is new)", async () => {
    await assert.rejects(deployedAksRelease(reader({ [ROUTE]: 403 }), "aks-x"), {
      message: `GET ${ROUTE}: 403`,
    });
  });
});
