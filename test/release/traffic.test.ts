// Traffic writes and revision readiness (release/traffic.ts) against the model of Azure: 409
// retries, lost answers settled by reading back, readiness with role-assignment restarts, and
// making a revision servable before it gets traffic.
import * as assert from "node:assert/strict";
import { GENERATION_TAG } from "../../lib/guard";
import { DEFAULT_TIMINGS, ReleaseTimings, TrafficWeight } from "../../release/ports";
import {
  CheckFailed,
  Refused,
  ensureServable,
  waitReady,
  writeTraffic,
} from "../../release/traffic";
import {
  APP,
  BLUE_REVISION,
  GREEN_REVISION,
  IMAGE_3,
  REF,
  RG,
  START,
  World,
  armLog,
  blueLiveGreenIdle,
  closeWorlds,
  engineDeps,
  putApp,
  startWorld,
} from "./helpers";

afterEach(closeWorlds);

const APP_PATH = /\/containerApps\/chatbot-api-prod$/;
const CANARY: TrafficWeight[] = [
  { revisionName: BLUE_REVISION, weight: 90, label: "blue" },
  { revisionName: GREEN_REVISION, weight: 10, label: "green" },
];
const CONFLICT = "Another operation is in progress on the container app.";
const NEW_SUFFIX = "v1-6-0-ccccccg3";
const NEW_REVISION = `${APP}--${NEW_SUFFIX}`;

function timings(overrides: Partial<ReleaseTimings>): ReleaseTimings {
  return { ...DEFAULT_TIMINGS, ...overrides };
}

/** The app's traffic and generation tag in the model. */
function served(world: World): { traffic: unknown; generation: string | undefined } {
  const app = world.model.app(RG, APP);
  return {
    traffic: app?.properties.configuration.ingress?.traffic,
    generation: app?.tags?.[GENERATION_TAG],
  };
}

const WAITING = (revision: string, state: string, waited: number, of: number) =>
  `waiting for revision ${revision}: ${state} (${waited}s of ${of}s)`;

describe("writeTraffic", () => {
  it("writes the traffic and the generation with one ARM write", async () => {
    // given
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    const from = world.model.faults.log.length;
    const { deps, report } = engineDeps(world);

    // when
    await writeTraffic(deps, REF, CANARY, 3, "blue");

    // then
    assert.deepEqual(armLog(world, from), ["GET app 200", "PATCH app 200"]);
    assert.deepEqual(served(world), { traffic: CANARY, generation: "3" });
    assert.deepEqual([report.out, report.err], [[], []]);
  });

  it("retries a 409 Conflict after conflictRetryMs and succeeds once the other operation ends", async () => {
    // given: two writes answered 409
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    world.model.faults.fail({
      method: "PATCH",
      path: APP_PATH,
      status: 409,
      code: "Conflict",
      message: CONFLICT,
      times: 2,
    });
    const from = world.model.faults.log.length;
    const before = world.clock.now();
    const { deps, report } = engineDeps(world);

    // when
    await writeTraffic(deps, REF, CANARY, 3, "blue");

    // then: each conflict is checked by reading the app back, then retried
    assert.deepEqual(armLog(world, from), [
      "GET app 200",
      "PATCH app 409",
      "GET app 200",
      "GET app 200",
      "PATCH app 409",
      "GET app 200",
      "GET app 200",
      "PATCH app 200",
    ]);
    assert.equal(world.clock.now() - before, 20_000);
    assert.deepEqual(report.out, [
      "Azure answered 409 Conflict (another operation on chatbot-api-prod); retry 2/6 in 10s",
      "Azure answered 409 Conflict (another operation on chatbot-api-prod); retry 3/6 in 10s",
    ]);
    assert.deepEqual(served(world), { traffic: CANARY, generation: "3" });
  });

  it("fails when Azure answers 409 Conflict conflictAttempts times, and traffic did not move", async () => {
    // given
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    const before = served(world);
    world.model.faults.fail({
      method: "PATCH",
      path: APP_PATH,
      status: 409,
      code: "Conflict",
      message: CONFLICT,
      times: 3,
    });
    const start = world.clock.now();
    const { deps } = engineDeps(world, undefined, {
      timings: timings({ conflictAttempts: 3, conflictRetryMs: 5_000 }),
    });

    // when / then
    await assert.rejects(writeTraffic(deps, REF, CANARY, 3, "blue"), (err: unknown) => {
      const e = err as { statusCode?: number; message?: string };
      assert.deepEqual([e.statusCode, e.message], [409, CONFLICT]);
      return true;
    });
    assert.equal(armLog(world).filter((line) => line === "PATCH app 409").length, 3);
    assert.equal(world.clock.now() - start, 10_000);
    assert.deepEqual(served(world), before);
  });

  it("counts a write whose answer was lost as done when Azure already serves the new traffic", async () => {
    // given: the write lands but every answer is lost (the SDK's own retries included)
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    world.model.faults.applyThenDrop({ method: "PATCH", path: APP_PATH, times: 4 });
    const from = world.model.faults.log.length;
    const { deps, report } = engineDeps(world);

    // when
    await writeTraffic(deps, REF, CANARY, 3, "blue");

    // then: read back once, no retry of its own
    assert.deepEqual(armLog(world, from), [
      "GET app 200",
      "PATCH app 0",
      "PATCH app 0",
      "PATCH app 0",
      "PATCH app 0",
      "GET app 200",
    ]);
    assert.deepEqual(report.out, [
      "traffic write answered socket hang up; Azure already serves the new traffic",
    ]);
    assert.deepEqual(served(world), { traffic: CANARY, generation: "3" });
  });

  it("fails at once on another error when Azure does not serve the new traffic", async () => {
    // given: a write refused with 500 (the SDK retries it 3 times)
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    const before = served(world);
    world.model.faults.fail({
      method: "PATCH",
      path: APP_PATH,
      status: 500,
      code: "InternalServerError",
      message: "Internal error.",
      times: 4,
    });
    const start = world.clock.now();
    const { deps, report } = engineDeps(world);

    // when / then
    await assert.rejects(writeTraffic(deps, REF, CANARY, 3, "blue"), {
      message: "Internal error.",
    });
    assert.equal(armLog(world).filter((line) => line.startsWith("PATCH")).length, 4);
    assert.equal(world.clock.now(), start);
    assert.deepEqual(report.out, []);
    assert.deepEqual(served(world), before);
  });
});

describe("waitReady", () => {
  it("polls every readyPollMs until the new revision is provisioned, active and running", async () => {
    // given: a revision created now (provisioning takes 60 s)
    const world = await startWorld();
    await putApp(world, { suffix: NEW_SUFFIX });
    const { deps, report } = engineDeps(world);
    const provisioning = "provisioningState Provisioning, runningState Processing, active true";

    // when
    await waitReady(deps, REF, NEW_REVISION);

    // then
    assert.equal(world.clock.now(), START + 60_000);
    assert.deepEqual(report.out, [
      WAITING(NEW_REVISION, provisioning, 0, 600),
      WAITING(NEW_REVISION, provisioning, 15, 600),
      WAITING(NEW_REVISION, provisioning, 30, 600),
      WAITING(NEW_REVISION, provisioning, 45, 600),
      `revision ${NEW_REVISION} is ready (2 replicas)`,
    ]);
  });

  it("fails when the revision is not ready after readyTimeoutMs, with the exact message", async () => {
    // given: an image whose health probes fail (Degraded, never Running)
    const world = await startWorld();
    world.model.setImageBehaviour(IMAGE_3, { healthy: false });
    await putApp(world, { suffix: NEW_SUFFIX, image: IMAGE_3 });
    const { deps } = engineDeps(world, undefined, {
      timings: timings({ readyTimeoutMs: 120_000 }),
    });

    // when / then
    await assert.rejects(waitReady(deps, REF, NEW_REVISION), (err: unknown) => {
      assert.ok(err instanceof CheckFailed);
      assert.equal(
        err.message,
        `revision ${NEW_REVISION} not ready after 120s (provisioningState Provisioned, runningState Degraded, active true)`,
      );
      return true;
    });
    assert.equal(world.clock.now(), START + 120_000);
  });

  it("restarts a revision that cannot read Key Vault yet until its role assignments take effect", async () => {
    // given: the identity's role assignments take effect 2 minutes from now
    const world = await startWorld();
    world.model.setRoleAssignmentsEffectiveAt(START + 120_000);
    await putApp(world, { suffix: NEW_SUFFIX, keyVaultSecret: true });
    const { deps, report } = engineDeps(world);

    // when
    await waitReady(deps, REF, NEW_REVISION);

    // then: restarted after each failure, ready after the restart that came after 2 minutes
    assert.deepEqual(
      armLog(world).filter((line) => line.startsWith("POST")),
      [`POST revisions/${NEW_REVISION}/restart 200`, `POST revisions/${NEW_REVISION}/restart 200`],
    );
    assert.equal(world.clock.now(), START + 150_000);
    const restarting = `revision ${NEW_REVISION} cannot pull its image or read Key Vault yet (role assignments take minutes to take effect); restarting it in 15s`;
    assert.deepEqual(
      report.out.filter((line) => !line.startsWith("waiting")),
      [restarting, restarting, `revision ${NEW_REVISION} is ready (2 replicas)`],
    );
  });

  it("fails when the role assignments do not take effect within roleAssignmentGraceMs", async () => {
    // given: role assignments that never take effect
    const world = await startWorld();
    world.model.setRoleAssignmentsEffectiveAt(Number.POSITIVE_INFINITY);
    await putApp(world, { suffix: NEW_SUFFIX, keyVaultSecret: true });
    const { deps } = engineDeps(world, undefined, {
      timings: timings({ roleAssignmentGraceMs: 90_000 }),
    });

    // when / then: first failure at 60 s, given up at the failure 90 s later
    await assert.rejects(waitReady(deps, REF, NEW_REVISION), (err: unknown) => {
      assert.ok(err instanceof CheckFailed);
      assert.equal(
        err.message,
        `revision ${NEW_REVISION} still cannot pull its image or read Key Vault after 90s: the identity's role assignments have not taken effect (provisioningState Provisioned, runningState Failed, active true, error: Unable to get value using Managed identity /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-chatbot-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-chatbot-api-prod for secret openai-api-key from https://kv-chatbot-prod.vault.azure.net/secrets/openai-api-key: Forbidden (the identity has no effective Key Vault Secrets User role assignment on the vault)); check them and run the deploy again`,
      );
      return true;
    });
    assert.equal(world.clock.now(), START + 150_000);
    assert.equal(armLog(world).filter((line) => line.endsWith("/restart 200")).length, 2);
  });

  it("with the default timings, gives up with the role-assignment message, not the ready timeout", async () => {
    // given: role assignments that never take effect, and the default timings (grace = 10 min)
    const world = await startWorld();
    world.model.setRoleAssignmentsEffectiveAt(Number.POSITIVE_INFINITY);
    await putApp(world, { suffix: NEW_SUFFIX, keyVaultSecret: true });
    const { deps } = engineDeps(world, undefined, { timings: DEFAULT_TIMINGS });

    // when / then: the restarted revision's "Processing" polls do not end it as "not ready"
    await assert.rejects(waitReady(deps, REF, NEW_REVISION), (err: unknown) => {
      assert.ok(err instanceof CheckFailed);
      assert.match(
        err.message,
        new RegExp(
          `^revision ${NEW_REVISION} still cannot pull its image or read Key Vault after 6\\d\\ds: the identity's role assignments have not taken effect`,
        ),
      );
      return true;
    });
  });

  it("fails at once, without a restart, when a revision fails for another reason", async () => {
    // given: an image whose container never starts
    const world = await startWorld();
    world.model.setImageBehaviour(IMAGE_3, { failsToStart: true });
    await putApp(world, { suffix: NEW_SUFFIX, image: IMAGE_3 });
    const { deps } = engineDeps(world);

    // when / then
    await assert.rejects(waitReady(deps, REF, NEW_REVISION), (err: unknown) => {
      assert.ok(err instanceof CheckFailed);
      assert.equal(
        err.message,
        `revision ${NEW_REVISION} failed (provisioningState Failed, runningState Failed, active true, error: Container of revision '${NEW_REVISION}' (image '${IMAGE_3}') exited before it became ready: startup probe failed)`,
      );
      return true;
    });
    assert.equal(world.clock.now(), START + 60_000);
    assert.deepEqual(
      armLog(world).filter((line) => line.startsWith("POST")),
      [],
    );
  });

  it("fails when the revision does not exist", async () => {
    // given
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    const { deps } = engineDeps(world);

    // when / then
    await assert.rejects(waitReady(deps, REF, NEW_REVISION), (err: unknown) => {
      assert.ok(err instanceof CheckFailed);
      assert.equal(err.message, `revision ${NEW_REVISION} does not exist`);
      return true;
    });
  });

  it("stops waiting when the command is interrupted", async () => {
    // given
    const world = await startWorld();
    await putApp(world, { suffix: NEW_SUFFIX });
    const controller = new AbortController();
    const reason = new Error("SIGINT");
    controller.abort(reason);
    const { deps } = engineDeps(world, undefined, { signal: controller.signal });

    // when / then
    await assert.rejects(waitReady(deps, REF, NEW_REVISION), (err: unknown) => err === reason);
    assert.equal(world.clock.now(), START);
  });
});

describe("ensureServable", () => {
  it("returns at once for a revision that is provisioned, active and running", async () => {
    // given
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    const from = world.model.faults.log.length;
    const { deps, report } = engineDeps(world);

    // when
    await ensureServable(deps, REF, GREEN_REVISION);

    // then
    assert.deepEqual(armLog(world, from), [`GET revisions/${GREEN_REVISION} 200`]);
    assert.deepEqual(report.out, []);
  });

  it("activates an inactive revision and waits until it runs", async () => {
    // given
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    await world.azure.deactivate(REF, GREEN_REVISION);
    const start = world.clock.now();
    const { deps, report } = engineDeps(world);

    // when
    await ensureServable(deps, REF, GREEN_REVISION);

    // then
    assert.deepEqual(
      armLog(world).filter((line) => line.startsWith("POST")),
      [
        `POST revisions/${GREEN_REVISION}/deactivate 200`,
        `POST revisions/${GREEN_REVISION}/activate 200`,
      ],
    );
    assert.equal(world.clock.now() - start, 30_000);
    const processing = "provisioningState Provisioned, runningState Processing, active true";
    assert.deepEqual(report.out, [
      `revision ${GREEN_REVISION} is inactive: activating it before it gets traffic`,
      WAITING(GREEN_REVISION, processing, 0, 600),
      WAITING(GREEN_REVISION, processing, 15, 600),
      `revision ${GREEN_REVISION} is ready (2 replicas)`,
    ]);
  });

  it("fails (refused) when the revision no longer exists", async () => {
    // given
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    const { deps } = engineDeps(world);

    // when / then
    await assert.rejects(ensureServable(deps, REF, NEW_REVISION), (err: unknown) => {
      assert.ok(err instanceof Refused);
      assert.equal(
        err.message,
        `revision ${NEW_REVISION} no longer exists (purged after maxInactiveRevisions); deploy that version again instead`,
      );
      return true;
    });
  });

  it("fails (refused) for a failed revision, without activating it", async () => {
    // given
    const world = await startWorld();
    world.model.setImageBehaviour(IMAGE_3, { failsToStart: true });
    await blueLiveGreenIdle(world, IMAGE_3);
    const { deps } = engineDeps(world);

    // when / then
    await assert.rejects(ensureServable(deps, REF, GREEN_REVISION), (err: unknown) => {
      assert.ok(err instanceof Refused);
      assert.equal(
        err.message,
        `revision ${GREEN_REVISION} cannot serve: provisioningState Failed, runningState Failed, active true, error: Container of revision '${GREEN_REVISION}' (image '${IMAGE_3}') exited before it became ready: startup probe failed`,
      );
      return true;
    });
    assert.deepEqual(
      armLog(world).filter((line) => line.startsWith("POST")),
      [],
    );
  });

  it("fails (refused) when an activated revision does not become ready", async () => {
    // given: an inactive revision of an image whose health probes fail
    const world = await startWorld();
    world.model.setImageBehaviour(IMAGE_3, { healthy: false });
    await blueLiveGreenIdle(world, IMAGE_3);
    await world.azure.deactivate(REF, GREEN_REVISION);
    const { deps } = engineDeps(world, undefined, {
      timings: timings({ readyTimeoutMs: 60_000 }),
    });

    // when / then
    await assert.rejects(ensureServable(deps, REF, GREEN_REVISION), (err: unknown) => {
      assert.ok(err instanceof Refused);
      assert.equal(
        err.message,
        `revision ${GREEN_REVISION} cannot be made ready: revision ${GREEN_REVISION} not ready after 60s (provisioningState Provisioned, runningState Degraded, active true)`,
      );
      return true;
    });
  });
});
