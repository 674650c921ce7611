// Revision lifecycle (release/lifecycle.ts) against the model of Azure: superseded revisions are
// deactivated, the kept ones and those with traffic stay, failures are reported, not thrown.
import * as assert from "node:assert/strict";
import { deactivateSuperseded } from "../../release/lifecycle";
import {
  APP,
  BLUE_REVISION,
  BLUE_SUFFIX,
  GREEN_REVISION,
  GREEN_SUFFIX,
  IMAGE_2,
  IMAGE_3,
  REF,
  RG,
  World,
  armLog,
  blueLiveGreenIdle,
  closeWorlds,
  engineDeps,
  putApp,
  startWorld,
} from "./helpers";

afterEach(closeWorlds);

const OLD = `${APP}--v1-3-0-ddddddg0`;
const STALE_1 = `${APP}--v1-6-0-ccccccg3`;
const STALE_2 = `${APP}--v1-7-0-eeeeeeg4`;
const SLOTS = [
  { revisionName: BLUE_REVISION, weight: 100, label: "blue" },
  { revisionName: GREEN_REVISION, weight: 0, label: "green" },
];

/**
 * An app with an inactive old revision, blue live at 100%, green idle at 0%, and two later
 * revisions that are active, in no slot and get no traffic.
 */
async function withSuperseded(world: World): Promise<void> {
  await putApp(world, { suffix: "v1-3-0-ddddddg0", traffic: [{ revisionName: OLD, weight: 100 }] });
  await putApp(world, { suffix: BLUE_SUFFIX, traffic: [SLOTS[0]] });
  await putApp(world, { suffix: GREEN_SUFFIX, image: IMAGE_2, traffic: SLOTS });
  await putApp(world, { suffix: "v1-6-0-ccccccg3", image: IMAGE_3, traffic: SLOTS });
  await putApp(world, { suffix: "v1-7-0-eeeeeeg4", image: IMAGE_2, traffic: SLOTS });
  await world.arm.containerAppsRevisions.deactivateRevision(RG, APP, OLD);
  world.clock.advance(60_000);
}

function active(world: World): string[] {
  return world.model
    .revisions(RG, APP)
    .filter((revision) => revision.properties.active)
    .map((revision) => revision.name);
}

function posts(world: World, from: number): string[] {
  return armLog(world, from).filter((line) => line.startsWith("POST"));
}

describe("deactivateSuperseded", () => {
  it("deactivates active revisions that are neither kept nor given traffic", async () => {
    // given
    const world = await startWorld();
    await withSuperseded(world);
    const from = world.model.faults.log.length;
    const { deps, report } = engineDeps(world);

    // when: only green is kept; blue has all the traffic
    const done = await deactivateSuperseded(deps, REF, [GREEN_REVISION]);

    // then
    assert.deepEqual(done, [STALE_1, STALE_2]);
    assert.deepEqual(posts(world, from), [
      `POST revisions/${STALE_1}/deactivate 200`,
      `POST revisions/${STALE_2}/deactivate 200`,
    ]);
    assert.deepEqual(active(world), [BLUE_REVISION, GREEN_REVISION]);
    assert.deepEqual(report.out, [`deactivated superseded revisions: ${STALE_1}, ${STALE_2}`]);
    assert.deepEqual(report.err, []);
  });

  it("deactivates an idle slot's revision that is not kept", async () => {
    // given
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    const { deps } = engineDeps(world);

    // when
    const done = await deactivateSuperseded(deps, REF, []);

    // then
    assert.deepEqual(done, [GREEN_REVISION]);
    assert.deepEqual(active(world), [BLUE_REVISION]);
  });

  it("changes nothing and prints nothing when every active revision is kept", async () => {
    // given
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    const from = world.model.faults.log.length;
    const { deps, report } = engineDeps(world);

    // when
    const done = await deactivateSuperseded(deps, REF, [BLUE_REVISION, GREEN_REVISION]);

    // then
    assert.deepEqual(done, []);
    assert.deepEqual(posts(world, from), []);
    assert.deepEqual([report.out, report.err], [[], []]);
  });

  it("reports a deactivation Azure refuses, does not throw, and goes on with the others", async () => {
    // given
    const world = await startWorld();
    await withSuperseded(world);
    world.model.faults.fail({
      method: "POST",
      path: new RegExp(`/revisions/${STALE_1}/deactivate$`),
      status: 409,
      code: "Conflict",
      message: "Another operation is in progress on the container app.",
    });
    const { deps, report } = engineDeps(world);

    // when
    const done = await deactivateSuperseded(deps, REF, [GREEN_REVISION]);

    // then
    assert.deepEqual(done, [STALE_2]);
    assert.deepEqual(report.err, [
      `warning: could not deactivate superseded revision ${STALE_1}: Another operation is in progress on the container app.`,
    ]);
    assert.deepEqual(report.out, [`deactivated superseded revisions: ${STALE_2}`]);
    assert.deepEqual(active(world), [BLUE_REVISION, GREEN_REVISION, STALE_1]);
  });

  it("reports, and does not throw, when the revisions cannot be listed", async () => {
    // given
    const world = await startWorld();
    await withSuperseded(world);
    world.model.faults.fail({
      method: "GET",
      path: /\/revisions$/,
      status: 403,
      code: "AuthorizationFailed",
      message: "The client does not have authorization to perform action 'revisions/read'.",
    });
    const from = world.model.faults.log.length;
    const { deps, report } = engineDeps(world);

    // when
    const done = await deactivateSuperseded(deps, REF, [GREEN_REVISION]);

    // then
    assert.deepEqual(done, []);
    assert.deepEqual(report.err, [
      // The SDK's pager reports the status without Azure's message.
      "warning: could not list revisions to deactivate: Pagination failed with unexpected statusCode 403",
    ]);
    assert.deepEqual(posts(world, from), []);
  });
});
