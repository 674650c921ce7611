// The verified marker is the one tag write a release does not treat as bookkeeping: promote needs
// it, so a deploy whose marker cannot be written fails (exit 4) instead of warning.
import * as assert from "node:assert/strict";
import { GENERATION_TAG } from "../../lib/guard";
import { runRelease } from "../../release/orchestrator";
import { ReleaseNotification } from "../../release/ports";
import {
  APP,
  BLUE_LIVE_GREEN_IDLE,
  BLUE_REVISION,
  IMAGE_3,
  MemoryWorkspace,
  RG,
  STACK_OUTPUTS,
  blueLiveGreenIdle,
  closeWorlds,
  engineDeps,
  putApp,
  startWorld,
} from "./helpers";

afterEach(closeWorlds);

describe("deploy: the verified marker", () => {
  it("fails (exit 4, a failure notification) when the marker cannot be written after a verified deploy; the candidate stays at 0%", async () => {
    // given: green 1.6.0 deploys and verifies; then the stack tag write fails
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    const workspace = new MemoryWorkspace("prod", {
      release: BLUE_LIVE_GREEN_IDLE,
      outputs: { ...STACK_OUTPUTS },
    });
    const revision = `${APP}--v1-6-0-ccccccg3`;
    workspace.onUp = async () => {
      await putApp(world, {
        suffix: "v1-6-0-ccccccg3",
        image: IMAGE_3,
        traffic: [
          { revisionName: BLUE_REVISION, weight: 100, label: "blue" },
          { revisionName: revision, weight: 0, label: "green" },
        ],
        tags: { environment: "prod", [GENERATION_TAG]: "3" },
      });
    };
    const writeVerified = workspace.writeVerified.bind(workspace);
    workspace.writeVerified = async (marker) => {
      if (marker !== undefined) {
        throw new Error("pulumi stack tag set chatbot:verified failed: 503 Service Unavailable");
      }
      await writeVerified(marker);
    };
    const sent: ReleaseNotification[] = [];
    const { deps, report } = engineDeps(world, workspace, {
      notifier: { send: async (notification) => void sent.push(notification) },
    });

    // when
    const code = await runRelease(
      { kind: "deploy", version: "1.6.0", image: IMAGE_3, smokePaths: ["/health", "/ready"] },
      deps,
    );

    // then
    assert.equal(code, 4);
    const error =
      "error: pulumi stack tag set chatbot:verified failed: 503 Service Unavailable; live traffic did not move";
    assert.deepEqual(report.err, [error]);
    assert.deepEqual(
      sent.map((notification) => [notification.event, notification.exitCode, notification.text]),
      [
        [
          "failure",
          4,
          "[prod] deploy 1.6.0 failed (exit 4): pulumi stack tag set chatbot:verified failed: 503 Service Unavailable; live traffic did not move",
        ],
      ],
    );
    // the stack file records green's new revision at 0%; with no marker, promote refuses
    assert.deepEqual(workspace.release, {
      ...BLUE_LIVE_GREEN_IDLE,
      generation: 3,
      green: { version: "1.6.0", image: IMAGE_3, revision: "v1-6-0-ccccccg3" },
    });
    assert.equal(workspace.verified, undefined);
    const promote = engineDeps(world, workspace);
    const promoted = await runRelease(
      { kind: "promote", steps: [100], pauseMs: 0, smokePaths: ["/health"], watch: false },
      promote.deps,
    );
    assert.deepEqual(
      [promoted, promote.report.err],
      [
        3,
        [
          `refused: no verified idle slot on stack prod: green (1.6.0, ${revision}) has not passed a deploy's checks; run deploy first; nothing changed`,
        ],
      ],
    );
    const traffic = world.model.app(RG, APP)?.properties.configuration.ingress?.traffic ?? [];
    assert.deepEqual(
      traffic.map((entry) => `${entry.label}:${entry.revisionName}:${entry.weight}`),
      [`blue:${BLUE_REVISION}:100`, `green:${revision}:0`],
    );
  });
});
