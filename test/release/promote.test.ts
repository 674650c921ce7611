import * as assert from "node:assert/strict";
import { DEFAULT_SMOKE_PATHS, runRelease } from "../../release/orchestrator";
import { EXIT, StackLockedError } from "../../release/ports";
import { ReleaseState } from "../../release/state";
import {
  APP,
  BLUE_ONLY,
  BOTH,
  FakeBudget,
  FakeHttp,
  FakeWorkspace,
  GREEN_URL,
  HTTP_503,
  OUTPUTS,
  PROD_URL,
  harness,
} from "./fakes";

function promoteCommand(steps: number[] = [100], pauseMs = 120_000) {
  return { kind: "promote" as const, steps, pauseMs, smokePaths: DEFAULT_SMOKE_PATHS };
}

const PROMOTED: ReleaseState = { ...BOTH, live: "green", canaryPercent: 0 };
const canary = (percent: number): ReleaseState => ({ ...BOTH, canaryPercent: percent });

describe("release promote", () => {
  it("promotes the verified idle slot in one step: live flips, canary 0, marker cleared", async () => {
    // given green 1.5.0 verified
    const h = harness(new FakeWorkspace(BOTH, "green:1.5.0"));

    // when promoted without steps
    const code = await runRelease(promoteCommand(), h.deps);

    // then one up with green live, then a smoke check of the production URL
    assert.equal(code, EXIT.ok);
    assert.deepEqual(h.workspace.upConfigs, [PROMOTED]);
    assert.deepEqual(h.workspace.calls.slice(-1), ["verified (cleared)"]);
    assert.deepEqual(h.http.requests, [`${PROD_URL}/health`, `${PROD_URL}/ready`]);
    assert.deepEqual(h.budget.asked, []);
    assert.deepEqual(h.out, [
      "step 100%: green (1.5.0) gets 100% of traffic",
      `smoke check passed: GET ${PROD_URL}/health`,
      `smoke check passed: GET ${PROD_URL}/ready`,
      "promoted green (1.5.0) to live on stack prod; blue (1.4.2) is idle; undo with: npm run release -- rollback --stack prod",
    ]);
  });

  it("promotes in steps, observing health and the error budget between steps", async () => {
    // given green verified, steps 10,50,100 and a 2 minute pause
    const h = harness(new FakeWorkspace(BOTH, "green:1.5.0"));

    // when promoted
    const code = await runRelease(promoteCommand([10, 50, 100], 120_000), h.deps);

    // then three ups: canary 10, canary 50, green live
    assert.equal(code, EXIT.ok);
    assert.deepEqual(h.workspace.upConfigs, [canary(10), canary(50), PROMOTED]);
    assert.deepEqual(
      h.workspace.calls.filter((c) => c.startsWith("up ")),
      [
        "up release: promote green to 10%",
        "up release: promote green to 50%",
        "up release: promote green to 100%",
      ],
    );
    // four health checks 30 s apart per observed step, then the final smoke check
    assert.deepEqual(h.sleeps, Array(8).fill(30_000));
    assert.equal(h.http.requests.filter((u) => u === `${GREEN_URL}/health`).length, 8);
    assert.deepEqual(h.budget.asked, [
      `appi-id ${APP}--v1-5-0 2`,
      `appi-id ${APP}--v1-5-0 5`,
      `appi-id ${APP}--v1-5-0 2`,
      `appi-id ${APP}--v1-5-0 5`,
    ]);
    assert.equal(h.out[1], "error budget ok: 0.0% errors over 2 min, 120 ms average over 5 min");
  });

  it("fails when health checks fail more than 3 times in a row during a step, and rolls back on its own", async () => {
    // given green's /health fails from the start
    const http = new FakeHttp().answer(`${GREEN_URL}/health`, HTTP_503);
    const h = harness(new FakeWorkspace(BOTH, "green:1.5.0"), { http });

    // when promoted in steps with a 5 minute pause (10 checks)
    const code = await runRelease(promoteCommand([10, 100], 300_000), h.deps);

    // then it stopped at the 4th failure and put blue back at 100% with one up
    assert.equal(code, EXIT.checkFailed);
    assert.deepEqual(h.workspace.upConfigs, [canary(10), BOTH]);
    assert.equal(h.sleeps.length, 4);
    assert.deepEqual(h.workspace.release, BOTH);
    assert.equal(h.workspace.verified, undefined);
    assert.deepEqual(h.err, [
      `error: promotion of green failed at 10%: health check failed 4 times in a row (limit 3): GET ${GREEN_URL}/health -> HTTP 503`,
      "rolled back automatically after the 10% step: blue (1.4.2) serves 100% of traffic",
    ]);
  });

  it("fails when the step ends unhealthy even within the consecutive limit", async () => {
    // given /ready fails on every check and a pause of one interval
    const http = new FakeHttp().answer(`${GREEN_URL}/ready`, {
      ok: false,
      status: 0,
      error: "timeout",
    });
    const h = harness(new FakeWorkspace(BOTH, "green:1.5.0"), { http });

    // when promoted with a 0 s pause
    const code = await runRelease(promoteCommand([10, 100], 0), h.deps);

    // then
    assert.equal(code, EXIT.checkFailed);
    assert.deepEqual(h.sleeps, [0]);
    assert.equal(
      h.err[0],
      `error: promotion of green failed at 10%: health check failed at the end of the step: GET ${GREEN_URL}/ready -> timeout`,
    );
  });

  it("fails when the error rate is above 5% over 2 minutes, and rolls back", async () => {
    // given 6 of 100 requests failed
    const budget = new FakeBudget({
      2: { requests: 100, failedRequests: 6, averageDurationMs: 100 },
    });
    const h = harness(new FakeWorkspace(BOTH, "green:1.5.0"), { budget });

    // when promoted in steps
    const code = await runRelease(promoteCommand([10, 100]), h.deps);

    // then
    assert.equal(code, EXIT.checkFailed);
    assert.deepEqual(h.workspace.upConfigs, [canary(10), BOTH]);
    assert.equal(
      h.err[0],
      "error: promotion of green failed at 10%: error rate 6.0% over 2 min (6 of 100 requests) exceeds 5%",
    );
  });

  it("passes at exactly 5% errors and with no requests at all", async () => {
    // given 5 of 100 failed in 2 minutes; the second step sees no requests
    const budget = new FakeBudget({
      2: { requests: 100, failedRequests: 5, averageDurationMs: 0 },
    });
    const h = harness(new FakeWorkspace(BOTH, "green:1.5.0"), { budget });

    // when promoted
    const code = await runRelease(promoteCommand([10, 100]), h.deps);

    // then
    assert.equal(code, EXIT.ok);
  });

  it("fails when the average response time is above 2 s over 5 minutes, and rolls back", async () => {
    // given a 2.5 s average
    const budget = new FakeBudget({
      5: { requests: 40, failedRequests: 0, averageDurationMs: 2500 },
    });
    const h = harness(new FakeWorkspace(BOTH, "green:1.5.0"), { budget });

    // when promoted
    const code = await runRelease(promoteCommand([25, 100]), h.deps);

    // then
    assert.equal(code, EXIT.checkFailed);
    assert.equal(
      h.err[0],
      "error: promotion of green failed at 25%: average response time 2500 ms over 5 min exceeds 2000 ms",
    );
  });

  it("skips the error budget when the stack has no Application Insights output", async () => {
    // given outputs without appInsightsAppId
    const outputs = { ...OUTPUTS, appInsightsAppId: "" };
    const h = harness(new FakeWorkspace(BOTH, "green:1.5.0", outputs));

    // when promoted in steps
    const code = await runRelease(promoteCommand([10, 100]), h.deps);

    // then
    assert.equal(code, EXIT.ok);
    assert.deepEqual(h.budget.asked, []);
    assert.equal(h.out[1], "error budget: skipped (the stack has no `appInsightsAppId` output)");
  });

  it("fails when the production URL fails after the final step, and rolls back", async () => {
    // given the production URL answers 502
    const http = new FakeHttp().answer(`${PROD_URL}/health`, { ok: false, status: 502 });
    const h = harness(new FakeWorkspace(BOTH, "green:1.5.0"), { http });

    // when promoted in one step
    const code = await runRelease(promoteCommand(), h.deps);

    // then blue is live again
    assert.equal(code, EXIT.checkFailed);
    assert.deepEqual(h.workspace.upConfigs, [PROMOTED, BOTH]);
    assert.deepEqual(h.err, [
      `error: promotion of green failed at 100%: smoke check failed: GET ${PROD_URL}/health -> HTTP 502 after 3 attempts`,
      "rolled back automatically after the 100% step: blue (1.4.2) serves 100% of traffic",
    ]);
  });

  it("fails with exit 5 when the automatic rollback's up fails", async () => {
    // given the final smoke check fails and the rollback up fails too
    const http = new FakeHttp().answer(`${PROD_URL}/health`, HTTP_503);
    const workspace = new FakeWorkspace(BOTH, "green:1.5.0");
    workspace.upFailures = [undefined, new Error("network")];
    const h = harness(workspace, { http });

    // when promoted
    const code = await runRelease(promoteCommand(), h.deps);

    // then the config says blue and a person is told what to run
    assert.equal(code, EXIT.rollbackFailed);
    assert.deepEqual(h.workspace.release, BOTH);
    assert.equal(
      h.err[1],
      "error: automatic rollback on stack prod failed: network; the stack config says blue is live: run npm run release -- rollback --stack prod or pulumi up --stack prod",
    );
  });

  it("fails with exit 4 when a step's up fails, after rolling back", async () => {
    // given the second step's up fails
    const workspace = new FakeWorkspace(BOTH, "green:1.5.0");
    workspace.upFailures = [undefined, new Error("ServerBusy")];
    const h = harness(workspace);

    // when promoted
    const code = await runRelease(promoteCommand([10, 50, 100]), h.deps);

    // then the rollback up ran with the original release
    assert.equal(code, EXIT.upFailed);
    assert.deepEqual(h.workspace.upConfigs, [canary(10), canary(50), BOTH]);
    assert.deepEqual(h.err, [
      "error: pulumi up failed on stack prod: ServerBusy; the release config was restored",
      "rolled back automatically after the 50% step: blue (1.4.2) serves 100% of traffic",
    ]);
  });

  it("refuses when up hits the stack lock during a step and restores the config", async () => {
    // given a concurrent update takes the lock
    const workspace = new FakeWorkspace(BOTH, "green:1.5.0");
    workspace.upFailures = [new StackLockedError("[409] Conflict")];
    const h = harness(workspace);

    // when promoted
    const code = await runRelease(promoteCommand(), h.deps);

    // then
    assert.equal(code, EXIT.refused);
    assert.deepEqual(h.workspace.release, BOTH);
    assert.equal(h.workspace.upConfigs.length, 1);
  });

  it("rolls back when up hits the stack lock after a step was applied", async () => {
    // given the 10% step applies, then a concurrent update holds the lock for the 100% step
    const workspace = new FakeWorkspace(BOTH, "green:1.5.0");
    workspace.upFailures = [undefined, new StackLockedError("[409] Conflict")];
    const h = harness(workspace);

    // when promoted in steps
    const code = await runRelease(promoteCommand([10, 100], 30_000), h.deps);

    // then the 10% canary does not stay behind a config that says 0%: one more up puts BOTH back
    assert.equal(code, EXIT.upFailed);
    assert.deepEqual(h.workspace.upConfigs, [canary(10), PROMOTED, BOTH]);
    assert.deepEqual(h.workspace.release, BOTH);
    assert.equal(
      h.err[h.err.length - 1],
      "rolled back automatically after the 100% step: blue (1.4.2) serves 100% of traffic",
    );
  });

  it("refuses a promote with no verified idle slot (deployed but not verified) and changes nothing", async () => {
    // given green deployed but its smoke check failed (no marker)
    const h = harness(new FakeWorkspace(BOTH));

    // when promoted
    const code = await runRelease(promoteCommand(), h.deps);

    // then
    assert.equal(code, EXIT.refused);
    assert.deepEqual(h.workspace.calls, []);
    assert.deepEqual(h.err, [
      "refused: no verified idle slot on stack prod: green (1.5.0) has not passed a deploy's checks; run deploy first; nothing changed",
    ]);
  });

  it("refuses a promote when the marker names another version", async () => {
    // given a stale marker for an older green
    const h = harness(new FakeWorkspace(BOTH, "green:1.4.9"));

    // when promoted
    const code = await runRelease(promoteCommand(), h.deps);

    // then
    assert.equal(code, EXIT.refused);
    assert.deepEqual(h.workspace.calls, []);
  });

  it("refuses a promote when the idle slot is empty", async () => {
    // given only blue
    const h = harness(new FakeWorkspace(BLUE_ONLY));

    // when promoted
    const code = await runRelease(promoteCommand(), h.deps);

    // then
    assert.equal(code, EXIT.refused);
    assert.deepEqual(h.err, [
      "refused: no verified idle slot on stack prod: the idle slot is empty; run deploy first; nothing changed",
    ]);
  });

  it("refuses a promote when there is no release at all", async () => {
    // given no release block
    const h = harness(new FakeWorkspace(undefined));

    // when / then
    assert.equal(await runRelease(promoteCommand(), h.deps), EXIT.refused);
  });

  it("holds the release lock through every step and pause, and releases it at the end", async () => {
    // given green verified
    const h = harness(new FakeWorkspace(BOTH, "green:1.5.0"));

    // when promoted in steps
    const code = await runRelease(promoteCommand([10, 100], 60_000), h.deps);

    // then each up ran under the lock, taken once and released once
    assert.equal(code, EXIT.ok);
    assert.deepEqual(h.workspace.upLocks, ["promote by ci run 42", "promote by ci run 42"]);
    assert.deepEqual(h.workspace.locks, ["promote by ci run 42", undefined]);
  });

  it("refuses a concurrent release that starts while a promotion pauses between steps", async () => {
    // given a promotion of green in two steps, and a second release (a deploy) started in its pause
    const workspace = new FakeWorkspace(BOTH, "green:1.5.0");
    const h = harness(workspace);
    const second = harness(workspace);
    const secondCodes: number[] = [];
    const deps = {
      ...h.deps,
      clock: {
        sleep: async () => {
          if (secondCodes.length === 0) {
            const deploy = {
              kind: "deploy" as const,
              version: "1.6.0",
              image: `acr.azurecr.io/chatbot-api@sha256:${"c".repeat(64)}`,
              smokePaths: DEFAULT_SMOKE_PATHS,
            };
            secondCodes.push(await runRelease(deploy, second.deps));
          }
        },
      },
    };

    // when promoted
    const code = await runRelease(promoteCommand([10, 100], 30_000), deps);

    // then the second release was refused without touching the stack, and the promotion finished
    assert.deepEqual(secondCodes, [EXIT.refused]);
    assert.deepEqual(second.err, [
      "refused: another release holds stack prod (promote by ci run 42); nothing changed; if that release is no longer running, remove its lock with: pulumi stack tag rm chatbot:release-lock --stack prod",
    ]);
    assert.equal(code, EXIT.ok);
    assert.deepEqual(workspace.upConfigs, [canary(10), PROMOTED]);
    assert.equal(workspace.lock, undefined);
  });

  it("releases the lock after an automatic rollback", async () => {
    // given the production URL fails after the final step
    const http = new FakeHttp().answer(`${PROD_URL}/health`, HTTP_503);
    const h = harness(new FakeWorkspace(BOTH, "green:1.5.0"), { http });

    // when promoted
    const code = await runRelease(promoteCommand(), h.deps);

    // then
    assert.equal(code, EXIT.checkFailed);
    assert.deepEqual(h.workspace.locks, ["promote by ci run 42", undefined]);
  });

  it("refuses a promote while another release holds the stack lock", async () => {
    // given an update in progress
    const workspace = new FakeWorkspace(BOTH, "green:1.5.0");
    workspace.inProgress = true;
    const h = harness(workspace);

    // when promoted
    const code = await runRelease(promoteCommand(), h.deps);

    // then
    assert.equal(code, EXIT.refused);
    assert.deepEqual(h.workspace.calls, []);
  });
});

describe("release rollback", () => {
  it("puts the previous slot back at 100% with one up and clears the marker", async () => {
    // given green live after a promotion
    const h = harness(new FakeWorkspace(PROMOTED));

    // when rolled back
    const code = await runRelease({ kind: "rollback" }, h.deps);

    // then
    assert.equal(code, EXIT.ok);
    assert.deepEqual(h.workspace.upConfigs, [{ ...PROMOTED, live: "blue" }]);
    assert.deepEqual(h.workspace.calls, [
      `write ${JSON.stringify({ ...PROMOTED, live: "blue" })}`,
      "up release: rollback to blue",
      "verified (cleared)",
    ]);
    assert.deepEqual(h.out, [
      "rolled back stack prod: blue (1.4.2) is live at 100%; green (1.5.0) is idle",
    ]);
  });

  it("ends a canary: blue stays live at 100%, the unpromoted green gets 0%", async () => {
    // given blue live with 20% on green (deployed, never promoted)
    const h = harness(new FakeWorkspace(canary(20), "green:1.5.0"));

    // when rolled back
    const code = await runRelease({ kind: "rollback" }, h.deps);

    // then blue keeps live and gets everything: green is not promoted by a rollback
    assert.equal(code, EXIT.ok);
    assert.deepEqual(h.workspace.upConfigs, [{ ...BOTH, live: "blue", canaryPercent: 0 }]);
    assert.equal(h.workspace.verified, undefined);
    assert.deepEqual(h.out, [
      "rolled back stack prod: the canary of green (1.5.0) ended; blue (1.4.2) is live at 100%",
    ]);
  });

  it("refuses when the other slot was deployed but never promoted, and changes nothing", async () => {
    // given blue live at 100% and green deployed (latest) but not promoted
    const h = harness(new FakeWorkspace(BOTH, "green:1.5.0"));

    // when rolled back
    const code = await runRelease({ kind: "rollback" }, h.deps);

    // then green is not made live: it never served production
    assert.equal(code, EXIT.refused);
    assert.deepEqual(h.workspace.calls, []);
    assert.equal(h.workspace.verified, "green:1.5.0");
    assert.deepEqual(h.err, [
      "refused: nothing to roll back on stack prod: blue (1.4.2) already serves 100% and green (1.5.0) was never promoted; nothing changed",
    ]);
  });

  it("refuses a second rollback (it would put the rolled-back version live again)", async () => {
    // given green promoted, then rolled back
    const h = harness(new FakeWorkspace(PROMOTED));
    assert.equal(await runRelease({ kind: "rollback" }, h.deps), EXIT.ok);

    // when rolled back again
    const code = await runRelease({ kind: "rollback" }, h.deps);

    // then blue stays live
    assert.equal(code, EXIT.refused);
    assert.deepEqual(h.workspace.release, { ...PROMOTED, live: "blue" });
    assert.equal(h.workspace.upConfigs.length, 1);
  });

  it("refuses when there is no release at all", async () => {
    // given no release block
    const h = harness(new FakeWorkspace(undefined));

    // when rolled back
    const code = await runRelease({ kind: "rollback" }, h.deps);

    // then
    assert.equal(code, EXIT.refused);
    assert.deepEqual(h.workspace.calls, []);
    assert.deepEqual(h.err, [
      "refused: nothing to roll back to on stack prod: no release yet; nothing changed",
    ]);
  });

  it("refuses when the other slot is empty and changes nothing", async () => {
    // given only blue
    const h = harness(new FakeWorkspace(BLUE_ONLY));

    // when rolled back
    const code = await runRelease({ kind: "rollback" }, h.deps);

    // then
    assert.equal(code, EXIT.refused);
    assert.deepEqual(h.workspace.calls, []);
    assert.deepEqual(h.err, [
      "refused: nothing to roll back to on stack prod: the slot that is not live is empty; nothing changed",
    ]);
  });

  it("refuses while another release holds the release lock, and changes nothing", async () => {
    // given a release lock left by a running promotion
    const workspace = new FakeWorkspace(PROMOTED);
    workspace.lock = "promote by alice@laptop pid 7";
    const h = harness(workspace);

    // when rolled back
    const code = await runRelease({ kind: "rollback" }, h.deps);

    // then
    assert.equal(code, EXIT.refused);
    assert.deepEqual(h.workspace.calls, []);
    assert.deepEqual(h.workspace.locks, []);
    assert.equal(h.workspace.lock, "promote by alice@laptop pid 7");
    assert.deepEqual(h.err, [
      "refused: another release holds stack prod (promote by alice@laptop pid 7); nothing changed; if that release is no longer running, remove its lock with: pulumi stack tag rm chatbot:release-lock --stack prod",
    ]);
  });

  it("refuses while another update holds the stack lock", async () => {
    // given an update in progress
    const workspace = new FakeWorkspace(PROMOTED);
    workspace.inProgress = true;
    const h = harness(workspace);

    // when / then
    assert.equal(await runRelease({ kind: "rollback" }, h.deps), EXIT.refused);
    assert.deepEqual(h.workspace.calls, []);
  });

  it("fails when up fails and restores the config", async () => {
    // given up fails
    const workspace = new FakeWorkspace(PROMOTED);
    workspace.upFailures = [new Error("boom")];
    const h = harness(workspace);

    // when rolled back
    const code = await runRelease({ kind: "rollback" }, h.deps);

    // then
    assert.equal(code, EXIT.upFailed);
    assert.deepEqual(h.workspace.release, PROMOTED);
  });
});

describe("release status", () => {
  it("shows both slots with version, weight, image, label URL and markers", async () => {
    // given blue live with a 10% canary on green, green verified
    const h = harness(new FakeWorkspace(canary(10), "green:1.5.0"));

    // when
    const code = await runRelease({ kind: "status" }, h.deps);

    // then
    assert.equal(code, EXIT.ok);
    assert.deepEqual(h.out, [
      "stack prod: live blue, latest green",
      `blue: version 1.4.2, weight 90%, image ${BOTH.blue?.image}, url https://chatbot-api-prod---blue.example.azurecontainerapps.io [live]`,
      `green: version 1.5.0, weight 10%, image ${BOTH.green?.image}, url ${GREEN_URL} [latest, verified]`,
    ]);
    assert.deepEqual(h.workspace.calls, []);
  });

  it("shows an empty slot and a slot without a URL", async () => {
    // given only blue and no outputs yet
    const h = harness(new FakeWorkspace(BLUE_ONLY, undefined, {}));

    // when
    await runRelease({ kind: "status" }, h.deps);

    // then
    assert.deepEqual(h.out, [
      "stack prod: live blue, latest blue",
      `blue: version 1.4.2, weight 100%, image ${BLUE_ONLY.blue?.image}, url (none) [live, latest]`,
      "green: empty",
    ]);
  });

  it("says when the stack has no release", async () => {
    // given no release block
    const h = harness(new FakeWorkspace(undefined));

    // when
    await runRelease({ kind: "status" }, h.deps);

    // then
    assert.deepEqual(h.out, ["stack prod: no release yet (run deploy)"]);
  });
});
