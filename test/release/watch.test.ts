// The post-promotion watch (release/watch.ts, called by promote) over the model of Azure: what it
// prints and until when, a trigger that rolls back, Ctrl-C that keeps the promotion, --no-watch,
// the per-environment default, and a rollback that cannot be written.
import * as assert from "node:assert/strict";
import { gatesFor } from "../../lib/gates";
import { runRelease } from "../../release/orchestrator";
import { PromoteCommand } from "../../release/promote";
import { ReleaseNotification, Reporter } from "../../release/ports";
import {
  APP,
  BLUE_LIVE_GREEN_IDLE,
  DOMAIN,
  GREEN_REVISION,
  IMAGE_2,
  MemoryWorkspace,
  RG,
  STACK_OUTPUTS,
  World,
  blueLiveGreenIdle,
  closeWorlds,
  engineDeps,
  outputsWithout,
  startWorld,
} from "./helpers";

afterEach(closeWorlds);

const SWITCH: PromoteCommand = {
  kind: "promote",
  steps: [100],
  pauseMs: 0,
  smokePaths: ["/health", "/ready"],
};
const PRODUCTION = `https://${APP}.${DOMAIN}`;
/** Staging's gates: a 5-minute watch, 3 minutes of ingestion lag, a check every 30 s. */
const STAGING = gatesFor("staging");

function trafficByLabel(world: World): Record<string, number> {
  const traffic = world.model.app(RG, APP)?.properties.configuration.ingress?.traffic ?? [];
  return Object.fromEntries(traffic.map((entry) => [entry.label ?? "", entry.weight ?? 0]));
}

/** Blue live, green verified, user traffic flowing. */
async function released(world: World, environment?: string): Promise<MemoryWorkspace> {
  await blueLiveGreenIdle(world);
  return new MemoryWorkspace("prod", {
    release: BLUE_LIVE_GREEN_IDLE,
    outputs: { ...STACK_OUTPUTS },
    verified: `green:${GREEN_REVISION}`,
    ...(environment === undefined ? {} : { environment }),
  });
}

/** The watch starts at 10:01:03 UTC: the world's start, a minute of provisioning, 3 s for the lock to settle. */
const WATCH_START = `watching green (1.5.0, ${GREEN_REVISION}) for 5 min after promotion: health of ${PRODUCTION} every 30s (more than 3 failures in a row roll back), error rate above 5% over 2 min, p95 above 2000 ms over 5 min; requests until 10:06:03 UTC are judged, so the watch ends at 10:09:03 UTC (3 min ingestion lag). A trigger rolls back to the previous live slot; Ctrl-C ends the watch and keeps the promotion`;

/** A notifier that keeps what it was sent. */
function recordingNotifier(): {
  sent: ReleaseNotification[];
  send: (n: ReleaseNotification) => Promise<void>;
} {
  const sent: ReleaseNotification[] = [];
  return { sent, send: async (notification) => void sent.push(notification) };
}

describe("post-promotion watch", () => {
  it("watches the new live revision for the period, prints until when, and keeps a healthy promotion", async () => {
    // given: staging's gates, green healthy under 600 requests a minute
    const world = await startWorld({ userRequestsPerMinute: 600 });
    const workspace = await released(world);
    const notifier = recordingNotifier();
    const { deps, report } = engineDeps(world, workspace, { gates: STAGING, notifier });

    // when green is switched live at once
    const code = await runRelease(SWITCH, deps);

    // then the watch ran 8 minutes (5 of requests, 3 of ingestion) and the promotion stands
    assert.equal(code, 0);
    assert.deepEqual(report.err, []);
    const start = report.out.indexOf(WATCH_START);
    assert.ok(start > 0, report.out.join("\n"));
    const progress = report.out.filter((line) => line.startsWith("watching green (1.5.0) until"));
    assert.equal(progress.length, 15);
    assert.equal(
      progress[0],
      "watching green (1.5.0) until 10:09:03 UTC: health ok, no telemetry judged yet (30s of 480s)",
    );
    assert.match(
      progress[14],
      /^watching green \(1\.5\.0\) until 10:09:03 UTC: health ok, 0\.0% errors \(0 of \d+\), p95 \d+ ms over the last 2 min \(450s of 480s\)$/,
    );
    assert.equal(
      report.out[report.out.length - 2],
      "post-promotion watch passed: no rollback trigger fired for green (1.5.0) in 5 min",
    );
    assert.match(
      report.out[report.out.length - 1],
      /^promoted green \(1\.5\.0\) to live on stack prod/,
    );
    assert.equal(world.clock.now(), Date.parse("2026-11-29T10:09:03Z"));
    assert.deepEqual(trafficByLabel(world), { blue: 0, green: 100 });
    assert.deepEqual(workspace.release, { ...BLUE_LIVE_GREEN_IDLE, live: "green", generation: 3 });
    assert.deepEqual(
      notifier.sent.map((n) => [n.event, n.text]),
      [
        ["promote-step", "[prod] promote 1.5.0: step 100%, green is live; watched for 5 min"],
        [
          "promoted",
          "[prod] promoted 1.5.0: green is live (watched 5 min, no trigger fired); blue (1.4.2) is idle",
        ],
      ],
    );
  });

  it("rolls back to the previous live slot with one traffic write when a trigger fires (exit 1)", async () => {
    // given: green fails 20% of its requests once it serves everyone
    const world = await startWorld({ userRequestsPerMinute: 600 });
    world.model.setImageBehaviour(IMAGE_2, { errorRate: 0.2 });
    const workspace = await released(world);
    const notifier = recordingNotifier();
    const { deps, report } = engineDeps(world, workspace, { gates: STAGING, notifier });

    // when
    const code = await runRelease(SWITCH, deps);

    // then: blue serves everything again, recorded with a new generation
    assert.equal(code, 1);
    assert.equal(report.err.length, 2);
    assert.match(
      report.err[0],
      /^promotion of green failed: post-promotion watch: rollback trigger: error rate \d+\.\d% \(\d+ of \d+\) over 2 min is above 5%$/,
    );
    assert.equal(
      report.err[1],
      "rolled back automatically: blue (1.4.2) serves 100% of traffic again",
    );
    assert.deepEqual(trafficByLabel(world), { blue: 100, green: 0 });
    assert.deepEqual(workspace.release, { ...BLUE_LIVE_GREEN_IDLE, generation: 4 });
    assert.equal(workspace.verified, undefined);
    assert.deepEqual(
      notifier.sent.map((n) => n.event),
      ["promote-step", "rollback", "failure"],
    );
    const [, rollback, failure] = notifier.sent;
    assert.deepEqual(rollback.traffic, { blue: 100, green: 0 });
    assert.equal(rollback.reason, report.err[0].replace("promotion of green failed: ", ""));
    assert.equal(failure.exitCode, 1);
    assert.equal(failure.reason, report.err[0]);
    assert.equal(failure.version, "1.5.0");
  });

  it("does not pass when its last windows have too few requests: rolls back as inconclusive (exit 1)", async () => {
    // given: 20 requests a minute, 45% of them failing: no 2-minute window reaches minRequests (50)
    const world = await startWorld({ userRequestsPerMinute: 20 });
    world.model.setImageBehaviour(IMAGE_2, { errorRate: 0.45 });
    const workspace = await released(world);
    const notifier = recordingNotifier();
    const { deps, report } = engineDeps(world, workspace, { gates: STAGING, notifier });

    // when
    const code = await runRelease(SWITCH, deps);

    // then: the watch ran its 8 minutes, said the windows were inconclusive, and rolled back
    assert.equal(code, 1);
    assert.equal(world.clock.now(), Date.parse("2026-11-29T10:09:03Z"));
    assert.match(
      report.out.filter((line) => line.startsWith("watching green (1.5.0) until")).at(-1) ?? "",
      /^watching green \(1\.5\.0\) until 10:09:03 UTC: health ok, \d+\.\d% errors \(\d+ of (\d|[1-4]\d)\), p95 \d+ ms over the last 2 min, inconclusive: (\d|[1-4]\d) requests, fewer than the 50 a verdict needs \(450s of 480s\)$/,
    );
    assert.equal(report.out.filter((line) => line.includes("watch passed")).length, 0);
    assert.equal(report.err.length, 2);
    assert.match(
      report.err[0],
      /^promotion of green failed: post-promotion watch: inconclusive: the watch's last error-rate window \(10:04:03 to 10:06:03 UTC, 2 min\) has (\d|[1-4]\d) requests, fewer than the 50 a verdict needs; a window without enough requests never passes, so the watch ends without a verdict on the new version\. --no-watch skips the watch; `postPromotionWatchMinutes` sets its length$/,
    );
    assert.equal(
      report.err[1],
      "rolled back automatically: blue (1.4.2) serves 100% of traffic again",
    );
    // with one traffic write, as for a trigger
    assert.equal(
      world.wire.filter((request) => request.method === "PATCH").length,
      2,
      "the switch and the rollback",
    );
    assert.deepEqual(trafficByLabel(world), { blue: 100, green: 0 });
    assert.deepEqual(workspace.release, { ...BLUE_LIVE_GREEN_IDLE, generation: 4 });
    assert.deepEqual(
      notifier.sent.map((n) => n.event),
      ["promote-step", "rollback", "failure"],
    );
  });

  it("judges the p95 window too: enough requests for the error rate is not enough", async () => {
    // given: 40 requests a minute; the error-rate window is 5 min (200 requests), the p95 window 1 min (40)
    const world = await startWorld({ userRequestsPerMinute: 40 });
    const workspace = await released(world);
    const gates = { ...STAGING, rollbackErrorRateWindowMinutes: 5, rollbackP95WindowMinutes: 1 };
    const { deps, report } = engineDeps(world, workspace, { gates });

    // when
    const code = await runRelease(SWITCH, deps);

    // then: the progress lines judged the error rate, the end found the p95 window short
    assert.equal(code, 1);
    assert.match(
      report.out.filter((line) => line.startsWith("watching green (1.5.0) until")).at(-1) ?? "",
      /: health ok, 0\.0% errors \(0 of (1[5-9]\d|2\d\d)\), p95 \d+ ms over the last 5 min \(450s of 480s\)$/,
    );
    assert.match(
      report.err[0],
      /^promotion of green failed: post-promotion watch: inconclusive: the watch's last p95 window \(10:05:03 to 10:06:03 UTC, 1 min\) has (3\d|4\d) requests, fewer than the 50 a verdict needs; /,
    );
    assert.deepEqual(trafficByLabel(world), { blue: 100, green: 0 });
  });

  it("names a last window cut short by the watch's start by its length in seconds", async () => {
    // given: a 1-minute watch checked every 45 s: its last check reads requests up to 90 s after
    // the switch, so the 2-minute error-rate window is 90 s long; 20 requests a minute fill it with 30
    const world = await startWorld({ userRequestsPerMinute: 20 });
    const workspace = await released(world);
    const gates = { ...STAGING, postPromotionWatchMinutes: 1, checkIntervalSeconds: 45 };
    const { deps, report } = engineDeps(world, workspace, { gates });

    // when
    const code = await runRelease(SWITCH, deps);

    // then
    assert.equal(code, 1);
    assert.match(
      report.err[0],
      /^promotion of green failed: post-promotion watch: inconclusive: the watch's last error-rate window \(10:01:03 to 10:02:33 UTC, 90s\) has (2\d|3\d) requests, fewer than the 50 a verdict needs; /,
    );
    assert.deepEqual(trafficByLabel(world), { blue: 100, green: 0 });
  });

  it("does not pass on a check whose telemetry read failed: the last windows are judged first", async () => {
    // given: the Logs API fails once, on the check that reaches the end of the watched requests
    const world = await startWorld({ userRequestsPerMinute: 600 });
    const workspace = await released(world);
    const lines: string[] = [];
    const report: Reporter = {
      info: (line) => {
        lines.push(line);
        if (line.endsWith("(450s of 480s)")) {
          world.model.faults.fail({
            method: "POST",
            path: /\/v1\/workspaces\/[^/]+\/query$/,
            status: 403,
            code: "InsufficientAccessError",
            message:
              "The provided credentials have insufficient access to perform the requested operation",
          });
        }
      },
      error: (line) => lines.push(`ERR ${line}`),
    };
    const { deps } = engineDeps(world, workspace, { gates: STAGING, report });

    // when
    const code = await runRelease(SWITCH, deps);

    // then: the 480 s check could not judge its windows, so the watch went on one more check
    assert.equal(code, 0);
    const failed = lines.findIndex((line) => line.startsWith("telemetry read failed"));
    assert.ok(failed > 0, lines.join("\n"));
    assert.match(
      lines[failed + 1],
      /^watching green \(1\.5\.0\) until 10:09:03 UTC: .*\(480s of 480s\)$/,
    );
    assert.equal(
      lines[failed + 2],
      "post-promotion watch passed: no rollback trigger fired for green (1.5.0) in 5 min",
    );
    assert.equal(world.clock.now(), Date.parse("2026-11-29T10:09:33Z"));
  });

  it("keeps the promotion when interrupted during the watch, says so and exits 4", async () => {
    // given: Ctrl-C after the first progress line
    const world = await startWorld({ userRequestsPerMinute: 600 });
    const workspace = await released(world);
    const controller = new AbortController();
    const lines: string[] = [];
    const report: Reporter = {
      info: (line) => {
        lines.push(line);
        if (line.startsWith("watching green (1.5.0) until")) {
          controller.abort(new Error("SIGINT"));
        }
      },
      error: (line) => lines.push(`ERR ${line}`),
    };
    const notifier = recordingNotifier();
    const { deps } = engineDeps(world, workspace, {
      gates: STAGING,
      report,
      signal: controller.signal,
      notifier,
    });

    // when
    const code = await runRelease(SWITCH, deps);

    // then: green stays live at 100%, the stack file says so, nothing else changed
    assert.equal(code, 4);
    assert.equal(
      lines[lines.length - 1],
      "ERR interrupted (Error: SIGINT) during the post-promotion watch after 30s of 5 min: the promotion stands, green (1.5.0) serves 100% of traffic and the stack file says so; nothing watches it now. Roll back if needed with: npm run release -- rollback --stack prod",
    );
    assert.deepEqual(trafficByLabel(world), { blue: 0, green: 100 });
    assert.deepEqual(workspace.release, { ...BLUE_LIVE_GREEN_IDLE, live: "green", generation: 3 });
    // and the chat is told the promotion stands, not that it failed
    assert.deepEqual(
      notifier.sent.map((n) => [n.event, n.text]),
      [
        ["promote-step", "[prod] promote 1.5.0: step 100%, green is live; watched for 5 min"],
        [
          "promoted",
          "[prod] promoted 1.5.0: green is live; the post-promotion watch was interrupted after 30s of 5 min and nothing watches it now; blue (1.4.2) is idle",
        ],
      ],
    );
  });

  it("skips the watch with --no-watch and says what that means", async () => {
    // given
    const world = await startWorld();
    const workspace = await released(world);
    const { deps, report } = engineDeps(world, workspace, { gates: STAGING });

    // when
    const code = await runRelease({ ...SWITCH, watch: false }, deps);

    // then
    assert.equal(code, 0);
    assert.equal(report.out.filter((line) => line.startsWith("watching")).length, 0);
    assert.ok(
      report.out.includes(
        "post-promotion watch skipped (--no-watch): nothing watches green (1.5.0) now; roll back with: npm run release -- rollback --stack prod",
      ),
      report.out.join("\n"),
    );
    assert.deepEqual(trafficByLabel(world), { blue: 0, green: 100 });
  });

  it("takes the watch's length from the stack's environment: none in dev, 15 min in prod", async () => {
    // given: a dev stack file, no gate overrides
    const world = await startWorld();
    const dev = await released(world, "dev");
    const { deps, report } = engineDeps(world, dev);

    // when
    assert.equal(await runRelease(SWITCH, deps), 0);

    // then
    assert.ok(
      report.out.includes(
        "no post-promotion watch (`postPromotionWatchMinutes` is 0 on stack prod)",
      ),
      report.out.join("\n"),
    );
    assert.equal(gatesFor("prod").postPromotionWatchMinutes, 15);
    assert.equal(gatesFor("staging").postPromotionWatchMinutes, 5);
    assert.equal(gatesFor("dev").postPromotionWatchMinutes, 0);
    assert.equal(gatesFor("dev", { postPromotionWatchMinutes: 30 }).postPromotionWatchMinutes, 30);
  });

  it("watches health only, and says so, when the stack exports no Log Analytics workspace", async () => {
    // given: a stack created before the workspace output existed
    const world = await startWorld({ userRequestsPerMinute: 600 });
    const workspace = await released(world);
    workspace.outputMap = outputsWithout("logAnalyticsWorkspaceId");
    const { deps, report } = engineDeps(world, workspace, { gates: STAGING });

    // when
    assert.equal(await runRelease(SWITCH, deps), 0);

    // then
    assert.ok(
      report.out.includes(
        WATCH_START.replace(
          "error rate above 5% over 2 min, p95 above 2000 ms over 5 min",
          "no telemetry (the stack exports no `logAnalyticsWorkspaceId`: only health is watched)",
        ),
      ),
      report.out.join("\n"),
    );
    assert.deepEqual(trafficByLabel(world), { blue: 0, green: 100 });
  });

  it("exits 5 naming the command that finishes when the rollback after a trigger cannot be written", async () => {
    // given: green fails, and Azure refuses every traffic write once the watch has started
    const world = await startWorld({ userRequestsPerMinute: 600 });
    world.model.setImageBehaviour(IMAGE_2, { errorRate: 0.2 });
    const workspace = await released(world);
    const lines: string[] = [];
    const report: Reporter = {
      info: (line) => {
        lines.push(line);
        if (line.startsWith("watching green (1.5.0, ")) {
          world.model.faults.fail({
            method: "PATCH",
            path: /containerApps\/[^/]+$/,
            status: 400,
            code: "BadRequest",
            message: "the app is locked",
            times: 100,
          });
        }
      },
      error: (line) => lines.push(`ERR ${line}`),
    };
    const { deps } = engineDeps(world, workspace, { gates: STAGING, report });

    // when
    const code = await runRelease(SWITCH, deps);

    // then: green still serves everything; the person is told how to finish
    assert.equal(code, 5);
    assert.match(
      lines[lines.length - 1],
      /^ERR error: putting traffic back failed: .*the app is locked.*\. Traffic may still be split and the stack file still sends green \(1\.5\.0\) traffic, so a pulumi up would too\. Finish with: npm run release -- rollback --stack prod \(it retries the traffic write and records blue live in the stack file\)\. If it keeps failing, set the traffic by hand \(az containerapp ingress traffic set --name chatbot-api-prod --resource-group rg-chatbot-prod --label-weight blue=100 green=0\), then run the same rollback command to record it$/,
    );
    assert.deepEqual(trafficByLabel(world), { blue: 0, green: 100 });
  });
});
