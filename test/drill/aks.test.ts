/**
 * The release on AKS: the four built-in scenarios the issue names run on the cluster model with the
 * real engine, the real AKS adapter and Kubernetes client over HTTPS, ending exactly as they do on
 * Container Apps; and the cluster model's rules, each through the adapter or the API.
 */
import * as assert from "node:assert/strict";
import { AksCluster, podNamePattern, revisionOf } from "../../release/aks";
import { HttpsKubeApi, KubeError } from "../../release/kube";
import { AKS_SCENARIOS, runScenario, ScenarioResult } from "../../drill/runner";
import { SCENARIOS } from "../../drill/scenarios";
import { ManualClock } from "../../drill/model";
import { KubeModel } from "../../drill/model/kube";
import { startKubeModelServer } from "../../drill/model/kubeServer";
import { ModelServer } from "../../drill/model/server";

/** The end states on Container Apps (test/drill/scenarios.test.ts), which AKS must reproduce. */
const EXPECTED: Readonly<
  Record<string, { exit: number; traffic: Record<string, number>; live: string; told: RegExp }>
> = {
  "config-change-without-version": {
    exit: 0,
    traffic: { blue: 0, green: 100 },
    live: "green",
    told: /^deployed 1\.5\.0 to blue: verified at 0% traffic; live stays green \(1\.5\.0, chatbot-api-staging--v1-5-0-[0-9a-f]{6}g1\)/,
  },
  "exception-mid-canary": {
    exit: 4,
    traffic: { blue: 100, green: 0 },
    live: "blue",
    told: /^rolled back automatically: blue \(1\.4\.2\) serves 100% of traffic again$/,
  },
  "error-rate-trigger": {
    exit: 1,
    traffic: { blue: 100, green: 0 },
    live: "blue",
    told: /^promotion of green failed: rollback trigger: error rate \d+\.\d% \(\d+ of \d+\) over 2 min is above 5%$/,
  },
  "rollback-to-inactive-revision": {
    exit: 0,
    traffic: { blue: 100, green: 0 },
    live: "blue",
    told: /^revision chatbot-api-staging--v1-4-2-[0-9a-f]{6}g0 is inactive: activating it before it gets traffic$/,
  },
};

describe("drill on AKS", function () {
  this.timeout(120_000);
  const results = new Map<string, ScenarioResult>();

  before(async () => {
    for (const id of AKS_SCENARIOS) {
      const scenario = SCENARIOS.find((item) => item.id === id);
      assert.ok(scenario, id);
      results.set(id, await runScenario(scenario, "aks"));
    }
  });

  for (const id of Object.keys(EXPECTED)) {
    it(`${id}@aks ends as on Container Apps`, () => {
      const result = results.get(id);
      const want = EXPECTED[id];
      assert.ok(result);
      assert.equal(result.id, `${id}@aks`);
      assert.deepEqual(result.problems, []);
      assert.equal(result.exit, want.exit);
      assert.deepEqual(result.traffic, want.traffic);
      assert.equal(result.live, want.live);
      assert.match(result.summary, want.told);
    });
  }

  it("verifies the idle slot on the gateway with the slot header", () => {
    const output = results.get("config-change-without-version")?.output ?? [];
    assert.ok(
      output.some((line) =>
        /^\[staging\] verified green \(chatbot-api-staging--v1-5-0-[0-9a-f]{6}g1\): GET https:\/\/chat\.example\.com\/health \(x-chatbot-slot: green\), GET https:\/\/chat\.example\.com\/ready \(x-chatbot-slot: green\) answered 2xx$/.test(
          line,
        ),
      ),
      output.join("\n"),
    );
  });
});

describe("cluster model and AKS adapter", function () {
  this.timeout(30_000);
  let clock: ManualClock;
  let kube: KubeModel;
  let server: ModelServer;
  let api: HttpsKubeApi;
  let cluster: AksCluster;
  const ref = { resourceGroup: "rg", appName: "chatbot-api-staging" };
  const sleeps: number[] = [];

  const deployment = (slot: string, revision: string, image: string) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: `chatbot-api-${slot}`, namespace: "chatbot" },
    spec: {
      template: {
        metadata: {
          labels: { "chatbot.platform/slot": slot },
          annotations: { "chatbot.platform/revision": revision },
        },
        spec: { containers: [{ name: "api", image }] },
      },
    },
  });
  const route = (blue: number, green: number) => ({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: "chatbot-api", namespace: "chatbot" },
    spec: {
      rules: [
        {
          matches: [{ headers: [{ name: "x-chatbot-slot", value: "green" }] }],
          backendRefs: [{ name: "chatbot-api-green", port: 80 }],
        },
        {
          matches: [{ path: { type: "PathPrefix", value: "/" } }],
          backendRefs: [
            { name: "chatbot-api-blue", port: 80, weight: blue },
            { name: "chatbot-api-green", port: 80, weight: green },
          ],
        },
      ],
    },
  });

  beforeEach(async () => {
    clock = new ManualClock();
    kube = new KubeModel({ clock, userRequestsPerMinute: 600 });
    server = await startKubeModelServer(kube);
    sleeps.length = 0;
    api = new HttpsKubeApi(
      { server: server.url, ca: server.ca, auth: { kind: "token", token: async () => "t" } },
      { sleep: async (ms) => void sleeps.push(ms) },
    );
    cluster = new AksCluster(api, { gatewayHost: kube.gatewayHost });
    kube.apply(deployment("blue", "v1-4-2-aaaaaag0", "img:1.4.2"));
    kube.apply(deployment("green", "v1-5-0-bbbbbbg1", "img:1.5.0"));
    kube.apply({
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "chatbot-api-blue", namespace: "chatbot" },
      spec: { minReplicas: 2, maxReplicas: 5 },
    });
    kube.apply(route(100, 0));
  });
  afterEach(() => server.close());

  it("a Deployment is Available only once its pods are ready (30 s)", async () => {
    const before = await cluster.getRevision(ref, "chatbot-api-staging--v1-4-2-aaaaaag0");
    assert.equal(before?.provisioningState, "Provisioning");
    assert.equal(before?.runningState, "Processing");
    clock.advance(30_000);
    const after = await cluster.getRevision(ref, "chatbot-api-staging--v1-4-2-aaaaaag0");
    assert.deepEqual(
      [after?.provisioningState, after?.runningState, after?.active, after?.replicas],
      ["Provisioned", "Running", true, 2],
    );
  });

  it("reads traffic from the default rule, generation and latest revision", async () => {
    const app = await cluster.getApp(ref);
    assert.deepEqual(app?.traffic, [
      { revisionName: "chatbot-api-staging--v1-4-2-aaaaaag0", weight: 100, label: "blue" },
      { revisionName: "chatbot-api-staging--v1-5-0-bbbbbbg1", weight: 0, label: "green" },
    ]);
    assert.equal(app?.latestRevisionName, "chatbot-api-staging--v1-5-0-bbbbbbg1");
    assert.equal(app?.fqdn, "chat.example.com");
    assert.equal(app?.slotHeader, "x-chatbot-slot");
  });

  it("writes weights and the generation annotation; a stale resourceVersion is 409", async () => {
    await cluster.setTraffic(
      ref,
      [
        { revisionName: "chatbot-api-staging--v1-4-2-aaaaaag0", weight: 90, label: "blue" },
        { revisionName: "chatbot-api-staging--v1-5-0-bbbbbbg1", weight: 10, label: "green" },
      ],
      7,
    );
    const stored = kube.get("httproutes", "chatbot", "chatbot-api") as {
      metadata: { annotations: Record<string, string>; resourceVersion: string };
      spec: { rules: { backendRefs: { weight?: number }[] }[] };
    };
    assert.deepEqual(
      stored.spec.rules[1].backendRefs.map((item) => item.weight),
      [90, 10],
    );
    assert.equal(stored.metadata.annotations["chatbot.platform/release-generation"], "7");
    const path = "/apis/gateway.networking.k8s.io/v1/namespaces/chatbot/httproutes/chatbot-api";
    const stale = { ...stored, metadata: { ...stored.metadata, resourceVersion: "1" } };
    await assert.rejects(api.put(path, stale), (err: KubeError) => {
      assert.equal(err.statusCode, 409);
      assert.equal(err.reason, "Conflict");
      return true;
    });
    const unversioned = { ...stored, metadata: { name: "chatbot-api" } };
    await assert.rejects(api.put(path, unversioned), /422 .*must be specified for an update/);
  });

  it("rejects a negative weight (422) and refuses an all-zero split before writing", async () => {
    assert.throws(
      () => kube.apply(route(-1, 0)),
      /spec\.rules\[1\]\.backendRefs\[0\]\.weight in body should be greater than or equal to 0/,
    );
    await assert.rejects(
      cluster.setTraffic(
        ref,
        [{ revisionName: "chatbot-api-staging--v1-4-2-aaaaaag0", weight: 0, label: "blue" }],
        2,
      ),
      /every weight is 0/,
    );
    kube.apply(route(0, 0));
    clock.advance(30_000);
    assert.deepEqual(kube.httpGet("https://chat.example.com/health"), {
      status: 500,
      error: "every backendRef weight is 0",
    });
  });

  it("splits user requests by weight and reaches a slot by its header", () => {
    kube.apply(route(90, 10));
    clock.advance(30_000);
    const start = kube.requestRows().length;
    clock.advance(600_000);
    const rows = kube.requestRows().slice(start);
    const green = rows.filter((row) =>
      new RegExp(podNamePattern("green")).test(row.AppRoleInstance),
    );
    const share = green.length / rows.length;
    assert.ok(share > 0.07 && share < 0.13, `green share ${share}`);
    assert.equal(
      kube.httpGet("https://chat.example.com/health", { "x-chatbot-slot": "green" }).status,
      200,
    );
  });

  it("deactivate scales to 0 (503, HPA stops); activate scales back to the HPA minimum", async () => {
    clock.advance(30_000);
    await cluster.deactivate(ref, "chatbot-api-staging--v1-4-2-aaaaaag0");
    const stopped = await cluster.getRevision(ref, "chatbot-api-staging--v1-4-2-aaaaaag0");
    assert.deepEqual([stopped?.active, stopped?.runningState], [false, "Stopped"]);
    assert.equal(kube.httpGet("https://chat.example.com/").status, 503);
    await cluster.activate(ref, "chatbot-api-staging--v1-4-2-aaaaaag0");
    const scale = await api.get(
      "/apis/apps/v1/namespaces/chatbot/deployments/chatbot-api-blue/scale",
    );
    assert.deepEqual(scale.spec, { replicas: 2 });
    clock.advance(30_000);
    const running = await cluster.getRevision(ref, "chatbot-api-staging--v1-4-2-aaaaaag0");
    assert.deepEqual([running?.runningState, running?.replicas], ["Running", 2]);
  });

  it("an HPA minimum of 0 is rejected (422)", () => {
    assert.throws(
      () =>
        kube.apply({
          apiVersion: "autoscaling/v2",
          kind: "HorizontalPodAutoscaler",
          metadata: { name: "chatbot-api-green", namespace: "chatbot" },
          spec: { minReplicas: 0, maxReplicas: 2 },
        }),
      /spec\.minReplicas: Invalid value: 0: must be greater than or equal to 1/,
    );
  });

  it("an image that cannot be pulled: ErrImagePull, then ProgressDeadlineExceeded after 600 s", async () => {
    kube.setImageBehaviour("img:broken", { failsToStart: true });
    kube.apply(deployment("green", "v1-6-0-ccccccg2", "img:broken"));
    clock.advance(60_000);
    const pulling = await cluster.getRevision(ref, "chatbot-api-staging--v1-6-0-ccccccg2");
    assert.equal(pulling?.provisioningState, "Provisioning");
    assert.match(
      pulling?.provisioningError ?? "",
      /^pod chatbot-api-green-[a-z0-9]+-[a-z0-9]{5}: ErrImagePull: /,
    );
    clock.advance(540_000);
    const failed = await cluster.getRevision(ref, "chatbot-api-staging--v1-6-0-ccccccg2");
    assert.equal(failed?.provisioningState, "Failed");
    assert.match(
      failed?.provisioningError ?? "",
      /^ProgressDeadlineExceeded: ReplicaSet "chatbot-api-green-[a-z0-9]+" has timed out progressing\.; pod .*ErrImagePull/,
    );
  });

  it("pods that fail readiness keep the Deployment unavailable and the backend at 503", async () => {
    kube.setImageBehaviour("img:1.5.0", { healthy: false });
    clock.advance(60_000);
    const green = await cluster.getRevision(ref, "chatbot-api-staging--v1-5-0-bbbbbbg1");
    assert.deepEqual([green?.runningState, green?.replicas], ["Processing", 0]);
    assert.equal(
      kube.httpGet("https://chat.example.com/health", { "x-chatbot-slot": "green" }).status,
      503,
    );
  });

  it("throttling: 429 with Retry-After is waited for and retried", async () => {
    kube.faults.fail({
      path: /deployments\/chatbot-api-blue$/,
      status: 429,
      code: "TooManyRequests",
      message: "too many requests",
      retryAfterMs: 3000,
      times: 2,
    });
    const answer = await api.get("/apis/apps/v1/namespaces/chatbot/deployments/chatbot-api-blue");
    assert.equal((answer.metadata as { name: string }).name, "chatbot-api-blue");
    assert.deepEqual(sleeps, [3000, 3000]);
  });

  it("revisionOf reads a missing Deployment status as still provisioning", () => {
    assert.equal(
      revisionOf("a", { spec: { replicas: 1 }, metadata: {} }, 0, []).provisioningState,
      "Provisioning",
    );
  });
});
