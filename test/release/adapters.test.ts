// The Azure adapters (release/azure.ts) through the real SDK clients against the local model of
// ARM and the Logs query API (drill/model), over HTTPS.
import * as assert from "node:assert/strict";
import { GENERATION_TAG, TRAFFIC_TAG } from "../../lib/guard";
import { gateQuery } from "../../release/gates";
import { StatsQuery, probeNames } from "../../release/ports";
import {
  APP,
  BLUE_REVISION,
  BLUE_SUFFIX,
  DOMAIN,
  GREEN_REVISION,
  GREEN_SUFFIX,
  IMAGE_1,
  IMAGE_3,
  PipelinePolicy,
  REF,
  RG,
  START,
  SUBSCRIPTION,
  WORKSPACE_ID,
  World,
  armLog,
  blueLiveGreenIdle,
  closeWorlds,
  putApp,
  startWorld,
} from "./helpers";

const APP_PATH = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.App/containerApps/${APP}`;
const FQDN = `${APP}.${DOMAIN}`;

afterEach(closeWorlds);

/** Expects an Azure SDK `RestError` with exactly this status, code and message. */
async function rejectsWithRestError(
  promise: Promise<unknown>,
  expected: { statusCode: number; code: string; message: string },
): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    const e = err as { statusCode?: number; code?: string; message?: string; name?: string };
    assert.deepEqual(
      { name: e.name, statusCode: e.statusCode, code: e.code, message: e.message },
      { name: "RestError", ...expected },
    );
    return true;
  });
}

describe("ArmContainerApps: reading", () => {
  it("getApp answers undefined for an app that does not exist", async () => {
    // given
    const world = await startWorld();

    // when
    const app = await world.azure.getApp(REF);

    // then
    assert.equal(app, undefined);
    assert.deepEqual(armLog(world), ["GET app 404"]);
  });

  it("getApp maps the latest revision, the FQDN, the labelled traffic and the generation tag", async () => {
    // given
    const world = await startWorld();
    await blueLiveGreenIdle(world);

    // when
    const app = await world.azure.getApp(REF);

    // then
    assert.deepEqual(app, {
      latestRevisionName: GREEN_REVISION,
      fqdn: FQDN,
      traffic: [
        { revisionName: BLUE_REVISION, weight: 100, label: "blue" },
        { revisionName: GREEN_REVISION, weight: 0, label: "green" },
      ],
      generation: 2,
    });
  });

  it("getApp resolves a latestRevision entry to the latest revision and omits a missing generation", async () => {
    // given: traffic left to Azure's default (100% latest revision), no generation tag
    const world = await startWorld();
    await putApp(world, { suffix: BLUE_SUFFIX });

    // when
    const app = await world.azure.getApp(REF);

    // then
    assert.deepEqual(app, {
      latestRevisionName: BLUE_REVISION,
      fqdn: FQDN,
      traffic: [{ revisionName: BLUE_REVISION, weight: 100 }],
    });
  });

  it("fails when Azure answers getApp with another error than 404", async () => {
    // given
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    world.model.faults.fail({
      method: "GET",
      path: /\/containerApps\/chatbot-api-prod$/,
      status: 403,
      code: "AuthorizationFailed",
      message: "The client does not have authorization to perform action 'read'.",
    });

    // when / then
    await rejectsWithRestError(world.azure.getApp(REF), {
      statusCode: 403,
      code: "AuthorizationFailed",
      message: "The client does not have authorization to perform action 'read'.",
    });
  });

  it("listRevisions maps state, replicas, traffic weight, creation time and provisioning error", async () => {
    // given: blue running with all traffic; green, created 30 s later, failing to start
    const world = await startWorld();
    world.model.setImageBehaviour(IMAGE_3, { failsToStart: true });
    await putApp(world, {
      suffix: BLUE_SUFFIX,
      traffic: [{ revisionName: BLUE_REVISION, weight: 100, label: "blue" }],
    });
    world.clock.advance(30_000);
    await putApp(world, {
      suffix: GREEN_SUFFIX,
      image: IMAGE_3,
      traffic: [
        { revisionName: BLUE_REVISION, weight: 100, label: "blue" },
        { revisionName: GREEN_REVISION, weight: 0, label: "green" },
      ],
    });
    world.clock.advance(60_000);

    // when
    const revisions = await world.azure.listRevisions(REF);

    // then
    assert.deepEqual(revisions, [
      {
        name: BLUE_REVISION,
        active: true,
        provisioningState: "Provisioned",
        runningState: "Running",
        replicas: 2,
        trafficWeight: 100,
        createdTime: START,
      },
      {
        name: GREEN_REVISION,
        active: true,
        provisioningState: "Failed",
        runningState: "Failed",
        replicas: 0,
        trafficWeight: 0,
        provisioningError: `Container of revision '${GREEN_REVISION}' (image '${IMAGE_3}') exited before it became ready: startup probe failed`,
        createdTime: START + 30_000,
      },
    ]);
  });

  it("getRevision answers undefined for a revision that does not exist, the mapped revision otherwise", async () => {
    // given
    const world = await startWorld();
    await blueLiveGreenIdle(world);

    // when
    const missing = await world.azure.getRevision(REF, `${APP}--v9-9-9-ffffffg9`);
    const green = await world.azure.getRevision(REF, GREEN_REVISION);

    // then
    assert.equal(missing, undefined);
    assert.deepEqual(green, {
      name: GREEN_REVISION,
      active: true,
      provisioningState: "Provisioned",
      runningState: "Running",
      replicas: 2,
      trafficWeight: 0,
      createdTime: START,
    });
    assert.deepEqual(armLog(world).slice(-2), [
      `GET revisions/${APP}--v9-9-9-ffffffg9 404`,
      `GET revisions/${GREEN_REVISION} 200`,
    ]);
  });
});

describe("ArmContainerApps: writing", () => {
  it("setTraffic sends one PATCH of the traffic and the tags, keeping the app's other tags", async () => {
    // given
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    const from = world.model.faults.log.length;
    const traffic = [
      { revisionName: BLUE_REVISION, weight: 90, label: "blue" },
      { revisionName: GREEN_REVISION, weight: 10, label: "green" },
    ];

    // when
    await world.azure.setTraffic(REF, traffic, 3);

    // then: a read of the current tags, then one PATCH without a template
    assert.deepEqual(armLog(world, from), ["GET app 200", "PATCH app 200"]);
    assert.deepEqual(world.wire.at(-1), {
      method: "PATCH",
      path: APP_PATH,
      body: {
        location: "eastus2",
        tags: {
          environment: "prod",
          [GENERATION_TAG]: "3",
          [TRAFFIC_TAG]: "g=3,live=blue,canary=10",
        },
        properties: { configuration: { ingress: { traffic } } },
      },
    });
    const app = world.model.app(RG, APP);
    assert.deepEqual(app?.tags, {
      environment: "prod",
      [GENERATION_TAG]: "3",
      [TRAFFIC_TAG]: "g=3,live=blue,canary=10",
    });
    assert.deepEqual(app?.properties.configuration.ingress?.traffic, traffic);
  });

  it("setTraffic creates no revision", async () => {
    // given
    const world = await startWorld();
    await blueLiveGreenIdle(world);

    // when
    await world.azure.setTraffic(
      REF,
      [
        { revisionName: BLUE_REVISION, weight: 0, label: "blue" },
        { revisionName: GREEN_REVISION, weight: 100, label: "green" },
      ],
      3,
    );

    // then
    assert.deepEqual(
      world.model.revisions(RG, APP).map((revision) => revision.name),
      [BLUE_REVISION, GREEN_REVISION],
    );
    assert.equal(world.model.app(RG, APP)?.properties.latestRevisionName, GREEN_REVISION);
    assert.deepEqual(
      (await world.azure.listRevisions(REF)).map((revision) => revision.trafficWeight),
      [0, 100],
    );
  });

  it("fails when Azure refuses the traffic, and changes nothing", async () => {
    // given
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    const before = world.model.app(RG, APP);

    // when / then
    await assert.rejects(
      world.azure.setTraffic(
        REF,
        [
          { revisionName: BLUE_REVISION, weight: 90, label: "blue" },
          { revisionName: GREEN_REVISION, weight: 20, label: "green" },
        ],
        3,
      ),
      (err: unknown) => (err as { statusCode?: number }).statusCode === 400,
    );
    assert.deepEqual(world.model.app(RG, APP), before);
  });

  it("deactivate stops a revision; activate starts it again", async () => {
    // given
    const world = await startWorld();
    await blueLiveGreenIdle(world);

    // when: deactivated
    await world.azure.deactivate(REF, GREEN_REVISION);

    // then
    const stopped = await world.azure.getRevision(REF, GREEN_REVISION);
    assert.deepEqual(
      [stopped?.active, stopped?.provisioningState, stopped?.runningState, stopped?.replicas],
      [false, "Provisioned", "Stopped", 0],
    );

    // when: activated, and once its activation is over
    await world.azure.activate(REF, GREEN_REVISION);
    const activating = await world.azure.getRevision(REF, GREEN_REVISION);
    world.clock.advance(30_000);
    const running = await world.azure.getRevision(REF, GREEN_REVISION);

    // then
    assert.deepEqual(
      [activating?.active, activating?.runningState, running?.runningState, running?.replicas],
      [true, "Processing", "Running", 2],
    );
    assert.deepEqual(
      armLog(world).filter((line) => line.startsWith("POST")),
      [
        `POST revisions/${GREEN_REVISION}/deactivate 200`,
        `POST revisions/${GREEN_REVISION}/activate 200`,
      ],
    );
  });

  it("restart starts new replicas of an active revision", async () => {
    // given
    const world = await startWorld();
    await blueLiveGreenIdle(world);

    // when
    await world.azure.restart(REF, BLUE_REVISION);

    // then
    assert.equal((await world.azure.getRevision(REF, BLUE_REVISION))?.runningState, "Processing");
    assert.deepEqual(
      armLog(world).filter((line) => line.startsWith("POST")),
      [`POST revisions/${BLUE_REVISION}/restart 200`],
    );
  });

  it("fails when Azure refuses a restart of an inactive revision", async () => {
    // given
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    await world.azure.deactivate(REF, GREEN_REVISION);

    // when / then
    await rejectsWithRestError(world.azure.restart(REF, GREEN_REVISION), {
      statusCode: 400,
      code: "BadRequest",
      message: `Revision '${GREEN_REVISION}' is not active and cannot be restarted.`,
    });
  });
});

describe("LogsTelemetry", () => {
  const WINDOW: StatsQuery = {
    workspaceId: WORKSPACE_ID,
    revisionName: BLUE_REVISION,
    fromMs: START + 120_000,
    toMs: START + 420_000,
    excludeNames: probeNames(["/health", "/ready"]),
  };

  /** Blue serves all production traffic (600 requests a minute) for 10 minutes. */
  async function servedTenMinutes(world: World): Promise<void> {
    world.model.setImageBehaviour(IMAGE_1, { errorRate: 0.1, p95Ms: 300 });
    await putApp(world, {
      suffix: BLUE_SUFFIX,
      traffic: [{ revisionName: BLUE_REVISION, weight: 100, label: "blue" }],
    });
    world.clock.advance(600_000);
  }

  /** The window's rows of the revision, counted independently of the model's query. */
  function expected(world: World, query: StatsQuery) {
    const rows = world.model
      .requestRows()
      .filter(
        (row) =>
          row.timeMs >= query.fromMs &&
          row.timeMs < query.toMs &&
          row.AppRoleInstance.startsWith(`${query.revisionName}-`) &&
          row.OperationSyntheticSource === "" &&
          !query.excludeNames.includes(row.Name),
      );
    const durations = rows.map((row) => row.DurationMs).sort((a, b) => a - b);
    return {
      requests: rows.length,
      failed: rows.filter((row) => !row.Success).length,
      p95Ms: durations[Math.ceil(0.95 * durations.length) - 1],
    };
  }

  it("requestStats sends the gate query for the window and maps requests, failed and p95", async () => {
    // given
    const world = await startWorld({ userRequestsPerMinute: 600 });
    await servedTenMinutes(world);

    // when
    const stats = await world.telemetry.requestStats(WINDOW);

    // then
    const want = expected(world, WINDOW);
    assert.deepEqual(stats, want);
    assert.equal(want.requests, 3000);
    assert.ok(want.failed > 0, "the window has failed requests");
    assert.deepEqual(world.wire.at(-1), {
      method: "POST",
      path: `/v1/workspaces/${WORKSPACE_ID}/query`,
      body: {
        query: gateQuery(WINDOW),
        timespan: "2026-11-29T10:02:00.000Z/2026-11-29T10:07:00.000Z",
      },
    });
  });

  it("requestStats leaves out the probes it is told to exclude", async () => {
    // given
    const world = await startWorld({ userRequestsPerMinute: 600 });
    await servedTenMinutes(world);
    const withProbes = { ...WINDOW, excludeNames: [] };

    // when
    const users = await world.telemetry.requestStats(WINDOW);
    const all = await world.telemetry.requestStats(withProbes);

    // then: 2 replicas probed on /health and /ready every 10 s for 5 minutes
    assert.deepEqual(all, expected(world, withProbes));
    assert.equal(all.requests - users.requests, 2 * 2 * 30);
  });

  it("requestStats maps a window without requests to zero requests and no p95", async () => {
    // given
    const world = await startWorld({ userRequestsPerMinute: 600 });
    await servedTenMinutes(world);

    // when
    const stats = await world.telemetry.requestStats({
      ...WINDOW,
      revisionName: GREEN_REVISION,
    });

    // then
    assert.deepEqual(stats, { requests: 0, failed: 0, p95Ms: undefined });
  });

  it("fails when the Logs API answers with partial results", async () => {
    // given: the service reports an error next to its tables (a partial result)
    const partial: PipelinePolicy = {
      name: "test-partial-result",
      sendRequest: async (request, next) => {
        const response = await next(request);
        const body = JSON.parse(response.bodyAsText ?? "{}") as Record<string, unknown>;
        body.error = {
          code: "PartialError",
          message: "There were some errors when processing your query.",
        };
        response.bodyAsText = JSON.stringify(body);
        return response;
      },
    };
    const world = await startWorld({ userRequestsPerMinute: 600 }, [partial]);
    await servedTenMinutes(world);

    // when / then
    await assert.rejects(world.telemetry.requestStats(WINDOW), {
      message:
        "the Logs query returned partial results: There were some errors when processing your query.",
    });
  });

  it("fails when the Logs API answers with an error status", async () => {
    // given
    const world = await startWorld();
    world.model.faults.fail({
      method: "POST",
      path: /\/query$/,
      status: 403,
      code: "InsufficientAccessError",
      message:
        "The provided credentials have insufficient access to perform the requested operation",
    });

    // when / then
    await assert.rejects(world.telemetry.requestStats(WINDOW), (err: unknown) => {
      const e = err as { statusCode?: number; code?: string; message?: string };
      assert.deepEqual(
        { statusCode: e.statusCode, code: e.code, message: e.message },
        {
          statusCode: 403,
          code: "InsufficientAccessError",
          message:
            "The provided credentials have insufficient access to perform the requested operation",
        },
      );
      return true;
    });
  });

  it("fails before any request when the revision name is not one", async () => {
    // given
    const world = await startWorld();

    // when / then
    await assert.rejects(
      world.telemetry.requestStats({ ...WINDOW, revisionName: `${APP}--v1" or true or "` }),
      { message: `not a Container App revision name: ${APP}--v1" or true or "` },
    );
    assert.deepEqual(world.model.faults.log, []);
  });
});
