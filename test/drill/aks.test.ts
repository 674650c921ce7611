/**
 * The release on AKS: the four built-in scenarios the issue names run on the cluster model with the
 * real engine, the real AKS adapter and Kubernetes client over HTTPS, ending exactly as they do on
 * Container Apps; and the cluster model's rules, each through the adapter or the API.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- the assertions read nested manifest fields */
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { AksCluster, liveAnnotations, podNamePattern, revisionOf } from "../../release/aks";
import { HttpsKubeApi, KubeError } from "../../release/kube";
import { AKS_SCENARIOS, ROOT, runScenario, ScenarioResult } from "../../drill/runner";
import { AksDrillWorkspace, urnTargeted } from "../../drill/aksWorkspace";
import { routeDrift, TARGET_CONFIG_KEY } from "../../drill/aksTarget";
import { setConfigPath } from "../../drill/workspace";
import { Plural } from "../../drill/model/kube";
import { parseRelease } from "../../lib/config";
import { ENVIRONMENT_PROFILES } from "../../lib/environments";
import {
  autoscaler,
  disruptionBudget,
  httpRoute,
  service as slotService,
} from "../../lib/kubernetes";
import { ReleaseState } from "../../release/state";
import { loadStackConfig, MOCK_GATEWAY_ADDRESS } from "../../simulator/simulate";
import { SCENARIOS } from "../../drill/scenarios";
import { ManualClock } from "../../drill/model";
import { KubeModel } from "../../drill/model/kube";
import { startKubeModelServer } from "../../drill/model/kubeServer";
import { ModelServer } from "../../drill/model/server";
import { EXPECTED } from "./expected";

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

  for (const id of AKS_SCENARIOS) {
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

  it("the program's release guard reads the cluster: a stale stack file's up is refused", async () => {
    const scenario = SCENARIOS.find((item) => item.id === "stale-stack-file-merge-deploy");
    assert.ok(scenario);
    const result = await runScenario(scenario, "aks");
    assert.deepEqual(result.problems, []);
    assert.equal(result.exit, 3);
    assert.match(
      result.summary,
      /^pulumi up: Pulumi\.staging\.yaml is behind what is deployed: its release block has generation 0, the HTTPRoute chatbot\/chatbot-api on cluster aks-chatbot-staging carries generation 2 /,
    );
    assert.deepEqual(result.traffic, { blue: 0, green: 100 });
  });

  it("verifies the idle slot on the program's gateway URL with the slot header", () => {
    const output = results.get("config-change-without-version")?.output ?? [];
    assert.ok(
      output.some((line) =>
        /^\[staging\] verified green \(chatbot-api-staging--v1-5-0-[0-9a-f]{6}g1\): GET http:\/\/203\.0\.113\.10\/health \(x-chatbot-slot: green\), GET http:\/\/203\.0\.113\.10\/ready \(x-chatbot-slot: green\) answered 2xx$/.test(
          line,
        ),
      ),
      output.join("\n"),
    );
  });
});

describe("drill on AKS: the cluster holds the objects the program registers", function () {
  this.timeout(60_000);
  type Obj = Record<string, any>;
  const clock = new ManualClock();
  const kube = new KubeModel({
    clock,
    gatewayHost: MOCK_GATEWAY_ADDRESS,
    userRequestsPerMinute: 0,
  });
  const config = loadStackConfig(path.join(ROOT, "Pulumi.staging.yaml"));
  config.config[TARGET_CONFIG_KEY] = "aks";
  const workspace = new AksDrillWorkspace("staging", config, kube);
  const get = (plural: Plural, name: string) => kube.get(plural, "chatbot", name) as Obj;
  const env = (deployment: Obj) =>
    Object.fromEntries(
      (deployment.spec.template.spec.containers[0].env as { name: string; value?: string }[]).map(
        (entry) => [entry.name, entry.value],
      ),
    );
  const block = async () => parseRelease(await workspace.readRelease());
  const suffixOf = (revision: string) => revision.split("--")[1];
  const ROUTE_URN =
    "urn:pulumi:staging::chatbot-platform::chatbot:platform:ChatbotPlatform$chatbot:kubernetes:KubernetesApp$kubernetes:gateway.networking.k8s.io/v1:HTTPRoute::chatbot-k8s-app-route";
  const IMAGE_150 = "chatbotregistry.azurecr.io/chatbot-api:1.5.0";
  interface Snapshot {
    out: Readonly<Record<string, string>>;
    blue: Obj;
    green: Obj | undefined;
    route: Obj;
    release: Obj;
  }
  let created: Snapshot;
  let deployed: Snapshot;
  let full: { blue: Obj };

  before(async () => {
    await workspace.up("pulumi up", "stack");
    created = {
      out: await workspace.outputs(),
      blue: get("deployments", "chatbot-api-blue"),
      green: get("deployments", "chatbot-api-green"),
      route: get("httproutes", "chatbot-api"),
      release: await block(),
    };
    // What a deploy of 1.5.0 writes before its `up`, plus a setting that changes every slot's pods.
    const release = await workspace.readRelease();
    await workspace.writeRelease({
      ...(release as ReleaseState),
      latest: "green",
      generation: 1,
      blue: { ...(release as ReleaseState).blue!, revision: suffixOf(created.out.latestRevision) },
      green: { version: "1.5.0", image: IMAGE_150 },
    });
    setConfigPath(workspace.config, "app.settings.LOG_LEVEL", "WARN");
    await workspace.up("release: deploy 1.5.0 to green (generation 1)", "app");
    deployed = {
      out: await workspace.outputs(),
      blue: get("deployments", "chatbot-api-blue"),
      green: get("deployments", "chatbot-api-green"),
      route: get("httproutes", "chatbot-api"),
      release: await block(),
    };
    await workspace.up("pulumi up", "stack");
    full = { blue: get("deployments", "chatbot-api-blue") };
  });

  it("exports the program's own AKS outputs", () => {
    assert.deepEqual(
      [
        created.out.target,
        created.out.clusterName,
        created.out.gatewayUrl,
        created.out.kubeNamespace,
        created.out.containerAppName,
      ],
      ["aks", "aks-chatbot-staging", `http://${MOCK_GATEWAY_ADDRESS}`, "chatbot", ""],
    );
    assert.match(created.out.latestRevision, /^chatbot-api-staging--v1-4-2-[0-9a-f]{6}g0$/);
  });

  it("a Deployment per slot with a version, its pod template annotated with the program's revision suffix", () => {
    assert.equal(
      created.blue.spec.template.metadata.annotations["chatbot.platform/revision"],
      suffixOf(created.out.latestRevision),
    );
    assert.deepEqual(created.blue.spec.template.metadata.labels, {
      "app.kubernetes.io/name": "chatbot-api",
      "chatbot.platform/slot": "blue",
      "chatbot.platform/version": "v1-4-2",
      "azure.workload.identity/use": "true",
    });
    assert.equal(created.blue.spec.template.spec.containers[0].image, created.release.blue.image);
    assert.equal(created.green, undefined);
  });

  it("the HPA range, Service selector and PDB of lib/kubernetes.ts; the Deployment runs the HPA minimum", () => {
    const sizes = ENVIRONMENT_PROFILES.staging.app;
    const hpa = autoscaler({ slot: "blue", ...sizes });
    assert.deepEqual(get("horizontalpodautoscalers", "chatbot-api-blue").spec, hpa.spec);
    assert.equal(hpa.spec.minReplicas, 2);
    assert.equal(created.blue.spec.replicas, hpa.spec.minReplicas);
    assert.deepEqual(get("services", "chatbot-api-blue").spec, slotService("blue").spec);
    assert.deepEqual(
      get("poddisruptionbudgets", "chatbot-api-blue").spec,
      disruptionBudget("blue").spec,
    );
  });

  it("the HTTPRoute's rules and annotations are lib/kubernetes.ts httpRoute() of the release block", () => {
    const want = httpRoute(created.release as never);
    assert.deepEqual(created.route.spec, JSON.parse(JSON.stringify(want.spec)));
    assert.equal(created.route.metadata.annotations["chatbot.platform/release-generation"], "0");
    assert.equal(created.route.spec.rules.length, 2);
  });

  it("the gateway reaches the slot through the program's Service and header rule", () => {
    clock.advance(30_000);
    assert.equal(
      kube.httpGet(`http://${MOCK_GATEWAY_ADDRESS}/health`, { "x-chatbot-slot": "blue" }).status,
      200,
    );
  });

  it("a deploy's targeted up changes only the new slot's objects and the HTTPRoute", () => {
    assert.equal(
      workspace.ups[1],
      `release: deploy 1.5.0 to green (generation 1): applied (--target ${ROUTE_URN} urn:pulumi:staging::chatbot-platform::**-green-*)`,
    );
    const green = deployed.green as Obj;
    assert.match(deployed.out.latestRevision, /^chatbot-api-staging--v1-5-0-[0-9a-f]{6}g1$/);
    assert.equal(
      green.spec.template.metadata.annotations["chatbot.platform/revision"],
      suffixOf(deployed.out.latestRevision),
    );
    assert.equal(env(green).LOG_LEVEL, "WARN");
    for (const plural of [
      "services",
      "horizontalpodautoscalers",
      "poddisruptionbudgets",
    ] as const) {
      assert.ok(get(plural, "chatbot-api-green"), plural);
    }
    assert.deepEqual(
      deployed.route.spec,
      JSON.parse(JSON.stringify(httpRoute(deployed.release as never).spec)),
    );
    assert.equal(deployed.route.spec.rules.length, 3);
    assert.equal(deployed.route.metadata.annotations["chatbot.platform/release-generation"], "1");
    // Blue is not targeted: it keeps what the cluster had, though the program renders WARN for it.
    assert.equal(deployed.blue.metadata.resourceVersion, created.blue.metadata.resourceVersion);
    assert.equal(env(deployed.blue).LOG_LEVEL, "INFO");
  });

  it("a whole-stack up applies every object the program registers, but not the pod template of the slot that is not latest", () => {
    // Blue is not `latest`: its Deployment ignores `spec.template` (a revision is immutable), so the
    // setting the program now renders (WARN) does not roll its pods under the old revision.
    assert.equal(env(full.blue).LOG_LEVEL, "INFO");
    assert.deepEqual(full.blue.spec.template, deployed.blue.spec.template);
    assert.equal(
      full.blue.spec.template.metadata.annotations["chatbot.platform/revision"],
      suffixOf(created.out.latestRevision),
    );
  });

  it("routeDrift: the stack file must reproduce the cluster's HTTPRoute (checked at the end of every @aks scenario)", async () => {
    const release = await workspace.readRelease();
    assert.deepEqual(routeDrift(kube, release), []);
    const route = get("httproutes", "chatbot-api");
    route.metadata.annotations["chatbot.platform/live-slot"] = "green";
    route.spec.rules[2].backendRefs[1].weight = 10;
    kube.apply(route);
    const problems = routeDrift(kube, release);
    assert.equal(
      problems[0],
      "HTTPRoute annotation chatbot.platform/live-slot is green, the stack file renders blue",
    );
    assert.match(problems[1], /^HTTPRoute rules .*"weight":10.*, the stack file renders /);
    assert.equal(problems.length, 2);
    // A stack file behind the route's generation is the guard's to refuse, not drift.
    route.metadata.annotations["chatbot.platform/release-generation"] = "2";
    kube.apply(route);
    assert.deepEqual(routeDrift(kube, release), []);
  });

  it("a whole-stack up deletes the objects of a slot the program no longer registers", async () => {
    const release = (await workspace.readRelease()) as ReleaseState;
    await workspace.writeRelease({
      live: "blue",
      latest: "blue",
      canaryPercent: 0,
      generation: 2,
      blue: release.blue,
    });
    setConfigPath(workspace.config, "app.settings.LOG_LEVEL", "INFO");
    await workspace.up("pulumi up", "stack");
    for (const plural of [
      "deployments",
      "services",
      "horizontalpodautoscalers",
      "poddisruptionbudgets",
    ] as const) {
      assert.equal(get(plural, "chatbot-api-green"), undefined, plural);
      assert.ok(get(plural, "chatbot-api-blue"), plural);
    }
    assert.equal(get("httproutes", "chatbot-api").spec.rules.length, 2);
    assert.equal(workspace.stateUrns().filter((urn) => urn.includes("-green-")).length, 0);
  });

  it("matches --target URNs as the Pulumi engine does (** any run, * no colon)", () => {
    const urn = `urn:pulumi:staging::chatbot-platform::chatbot:kubernetes:KubernetesSlot$kubernetes:apps/v1:Deployment::chatbot-k8s-app-green-deployment`;
    assert.ok(urnTargeted(urn, [urn]));
    assert.ok(urnTargeted(urn, ["urn:pulumi:staging::chatbot-platform::**-green-*"]));
    assert.ok(!urnTargeted(urn, ["urn:pulumi:staging::chatbot-platform::*-green-*"]));
    assert.ok(!urnTargeted(urn, ["urn:pulumi:staging::chatbot-platform::**-blue-*"]));
    assert.ok(!urnTargeted(`${urn}x`, [urn]));
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
  const service = (
    slot: string,
    selector: Record<string, string> = { "chatbot.platform/slot": slot },
  ) => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: `chatbot-api-${slot}`, namespace: "chatbot" },
    spec: { selector, ports: [{ port: 80, targetPort: "http" }] },
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
    kube.apply(service("blue"));
    kube.apply(service("green"));
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
    assert.equal(stored.metadata.annotations["chatbot.platform/live-slot"], "blue");
    assert.equal(stored.metadata.annotations["chatbot.platform/canary-percent"], "10");
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

  it("keeps the live-slot and canary-percent annotations in step with the weights", async () => {
    await cluster.setTraffic(
      ref,
      [
        { revisionName: "chatbot-api-staging--v1-4-2-aaaaaag0", weight: 0, label: "blue" },
        { revisionName: "chatbot-api-staging--v1-5-0-bbbbbbg1", weight: 100, label: "green" },
      ],
      8,
    );
    const annotations = (kube.get("httproutes", "chatbot", "chatbot-api") as any).metadata
      .annotations;
    assert.deepEqual(
      [annotations["chatbot.platform/live-slot"], annotations["chatbot.platform/canary-percent"]],
      ["green", "0"],
    );
    assert.deepEqual(liveAnnotations({ blue: 50, green: 50 }, "green"), {
      "chatbot.platform/live-slot": "green",
      "chatbot.platform/canary-percent": "50",
    });
    assert.deepEqual(liveAnnotations({ blue: 50, green: 50 }, undefined), {
      "chatbot.platform/live-slot": "blue",
      "chatbot.platform/canary-percent": "50",
    });
    assert.deepEqual(liveAnnotations({ blue: 100 }, "blue"), {
      "chatbot.platform/live-slot": "blue",
      "chatbot.platform/canary-percent": "0",
    });
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

  it("a backendRef reaches the pods its Service selects: no Service or no pods selected is 500", () => {
    clock.advance(30_000);
    const green = { "x-chatbot-slot": "green" };
    assert.equal(kube.httpGet("https://chat.example.com/health", green).status, 200);
    kube.apply(
      service("green", { "chatbot.platform/slot": "green", "chatbot.platform/version": "x" }),
    );
    assert.deepEqual(kube.httpGet("https://chat.example.com/health", green), {
      status: 500,
      error: "backend chatbot-api-green not found",
    });
    kube.delete("services", "chatbot", "chatbot-api-green");
    assert.equal(kube.httpGet("https://chat.example.com/health", green).status, 500);
    assert.throws(
      () => kube.delete("services", "chatbot", "chatbot-api-green"),
      /services "chatbot-api-green" not found/,
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
