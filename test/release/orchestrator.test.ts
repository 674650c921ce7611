// The release runbook (release/orchestrator.ts) over the model of Azure and an in-memory stack:
// every outcome's exit code and printed lines, the release lock, and status.
import * as assert from "node:assert/strict";
import { GENERATION_TAG } from "../../lib/guard";
import { runRelease } from "../../release/orchestrator";
import { ReleaseState } from "../../release/state";
import {
  APP,
  BLUE_LIVE_GREEN_IDLE,
  BLUE_REVISION,
  DOMAIN,
  GREEN_REVISION,
  IMAGE_1,
  IMAGE_2,
  IMAGE_3,
  MemoryWorkspace,
  RG,
  STACK_OUTPUTS,
  World,
  armLog,
  blueLiveGreenIdle,
  closeWorlds,
  outputsWithout,
  engineDeps,
  putApp,
  startWorld,
} from "./helpers";

afterEach(closeWorlds);

const OWNER = "tester@host pid 42";
const VERIFIED_GREEN = `green:${GREEN_REVISION}`;
const HOLDER = "promote by https://github.com/acme/chatbot/actions/runs/7";
const LOCK_REFUSED = (holder: string, waited = "") =>
  `refused: another release holds stack prod (${holder})${waited}; if that release is no longer running, remove its lock with: pulumi stack tag rm chatbot:release-lock --stack prod; nothing changed`;

/** The app's traffic by label in the model. */
function trafficByLabel(world: World): Record<string, number> {
  const traffic = world.model.app(RG, APP)?.properties.configuration.ingress?.traffic ?? [];
  return Object.fromEntries(traffic.map((entry) => [entry.label ?? "", entry.weight ?? 0]));
}

/** ARM writes the model received (anything but GET). */
function armWrites(world: World, from = 0): string[] {
  return armLog(world, from).filter((line) => !line.startsWith("GET"));
}

/** Blue live, green deployed and verified, the stack file and tags to match. */
async function releasedStack(
  world: World,
  init: {
    release?: unknown;
    verified?: string;
    lock?: string;
    outputs?: Record<string, string>;
  } = {},
): Promise<MemoryWorkspace> {
  await blueLiveGreenIdle(world);
  return new MemoryWorkspace("prod", {
    release: BLUE_LIVE_GREEN_IDLE,
    outputs: { ...STACK_OUTPUTS },
    ...init,
  });
}

/** Blue live at 90%, green canary at 10% (generation 3), in Azure and in the stack file. */
async function canaryStack(world: World): Promise<MemoryWorkspace> {
  const workspace = await releasedStack(world, {
    release: { ...BLUE_LIVE_GREEN_IDLE, canaryPercent: 10, generation: 3 },
  });
  await world.azure.setTraffic(
    { resourceGroup: RG, appName: APP },
    [
      { revisionName: BLUE_REVISION, weight: 90, label: "blue" },
      { revisionName: GREEN_REVISION, weight: 10, label: "green" },
    ],
    3,
  );
  return workspace;
}

const LOCK_CALLS = (command: string) => [
  `writeLock ${command} by ${OWNER}`,
  "writeLock (released)",
];

describe("runRelease: exit codes", () => {
  it("exits 5 with the exact command that records the state when the stack file cannot be written after traffic moved", async () => {
    // given: a canary at 10%, and a stack file that can no longer be written
    const world = await startWorld();
    const workspace = await canaryStack(world);
    workspace.writeRelease = async () => {
      throw new Error("pulumi config set-all failed: permission denied.");
    };
    const { deps, report } = engineDeps(world, workspace);

    // when the rollback ends the canary
    const code = await runRelease({ kind: "rollback" }, deps);

    // then traffic moved (blue 100%), and the user is told exactly how to record it
    assert.equal(code, 5);
    assert.deepEqual(trafficByLabel(world), { blue: 100, green: 0 });
    const recorded = { ...BLUE_LIVE_GREEN_IDLE, canaryPercent: 0, generation: 4 };
    assert.deepEqual(report.err, [
      `error: Azure now serves generation 4 (live blue, canary 0%), but the stack file could not be written: pulumi config set-all failed: permission denied. Record it before anything else (until then every pulumi up and release command of the stack is refused as behind): pulumi config set-all --stack prod --json '${JSON.stringify(
        {
          "chatbot-platform:release": {
            value: JSON.stringify(recorded),
            objectValue: recorded,
            secret: false,
          },
        },
      )}'`,
    ]);
  });

  it("exits 0 when the command is done (a canary rolled back)", async () => {
    // given
    const world = await startWorld();
    const workspace = await canaryStack(world);
    const { deps, report } = engineDeps(world, workspace);

    // when
    const code = await runRelease({ kind: "rollback" }, deps);

    // then
    assert.equal(code, 0);
    assert.deepEqual(report.err, []);
    assert.deepEqual(report.out, [
      `rolled back stack prod: the canary of green (1.5.0) ended; blue (1.4.2, ${BLUE_REVISION}) is live at 100%`,
    ]);
    assert.deepEqual(trafficByLabel(world), { blue: 100, green: 0 });
    assert.deepEqual(workspace.release, {
      ...BLUE_LIVE_GREEN_IDLE,
      canaryPercent: 0,
      generation: 4,
    });
    assert.equal(world.model.app(RG, APP)?.tags?.[GENERATION_TAG], "4");
  });

  it("exits 3 and prints the refusal when a precondition does not hold; nothing changes", async () => {
    // given: green was never promoted, blue already serves everything
    const world = await startWorld();
    const workspace = await releasedStack(world);
    const from = world.model.faults.log.length;
    const { deps, report } = engineDeps(world, workspace);

    // when
    const code = await runRelease({ kind: "rollback" }, deps);

    // then
    assert.equal(code, 3);
    assert.deepEqual(report.err, [
      "refused: nothing to roll back on stack prod: blue (1.4.2) already serves 100% and green (1.5.0) was never promoted; nothing changed",
    ]);
    assert.deepEqual(workspace.calls, LOCK_CALLS("rollback"));
    assert.deepEqual(armWrites(world, from), []);
  });

  it("exits 1 and prints the failed check when a deployed revision does not start", async () => {
    // given: the new version's container never starts
    const world = await startWorld();
    world.model.setImageBehaviour(IMAGE_3, { failsToStart: true });
    const workspace = await releasedStack(world);
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
    const { deps, report } = engineDeps(world, workspace);

    // when
    const code = await runRelease(
      { kind: "deploy", version: "1.6.0", image: IMAGE_3, smokePaths: ["/health", "/ready"] },
      deps,
    );

    // then
    assert.equal(code, 1);
    assert.deepEqual(report.err, [
      `check failed: revision ${revision} failed (provisioningState Failed, runningState Failed, active true, error: Container of revision '${revision}' (image '${IMAGE_3}') exited before it became ready: startup probe failed); green is not verified and gets no traffic (live stays blue)`,
    ]);
    const next: ReleaseState = {
      ...BLUE_LIVE_GREEN_IDLE,
      generation: 3,
      green: { version: "1.6.0", image: IMAGE_3 },
    };
    assert.deepEqual(workspace.calls, [
      `writeLock deploy by ${OWNER}`,
      `writeRelease ${JSON.stringify(next)}`,
      "writeVerified (cleared)",
      "up app release: deploy 1.6.0 to green (generation 3)",
      `writeRelease ${JSON.stringify({ ...next, green: { ...next.green, revision: "v1-6-0-ccccccg3" } })}`,
      "writeLock (released)",
    ]);
    assert.equal(workspace.verified, undefined);
    assert.deepEqual(trafficByLabel(world), { blue: 100, green: 0 });
  });

  it("exits 2 and prints the problem when the release block is malformed", async () => {
    // given
    const world = await startWorld();
    const workspace = await releasedStack(world, {
      release: { ...BLUE_LIVE_GREEN_IDLE, live: "red" },
    });
    const { deps, report } = engineDeps(world, workspace);

    // when
    const code = await runRelease({ kind: "rollback" }, deps);

    // then
    assert.equal(code, 2);
    assert.deepEqual(report.err, [
      'error: Invalid `chatbot-platform:release.live`: received "red"; allowed: "blue", "green".',
    ]);
    assert.deepEqual(workspace.calls, LOCK_CALLS("rollback"));
  });

  it("exits 2 when a deploy to prod names an image by tag, before any change", async () => {
    // given
    const world = await startWorld();
    const workspace = await releasedStack(world);
    const { deps, report } = engineDeps(world, workspace);

    // when
    const code = await runRelease(
      {
        kind: "deploy",
        version: "1.6.0",
        image: "chatbotregistry.azurecr.io/chatbot-api:1.6.0",
        smokePaths: ["/health"],
      },
      deps,
    );

    // then
    assert.equal(code, 2);
    assert.deepEqual(report.err, [
      "error: `--image` must be a digest (<registry>/<repository>@sha256:<64 hex>) on stack prod, got chatbotregistry.azurecr.io/chatbot-api:1.6.0",
    ]);
    assert.deepEqual(workspace.calls, LOCK_CALLS("deploy"));
  });

  it("exits 3 when the stack file has no release block but the app is deployed; nothing changes", async () => {
    // given: blue live in Azure, and a stack file that lost its block (a deploy from nothing
    // would put the new version live at generation 1)
    const world = await startWorld();
    const workspace = await releasedStack(world);
    workspace.release = undefined;
    const from = world.model.faults.log.length;
    const { deps, report } = engineDeps(world, workspace);

    // when
    const code = await runRelease(
      { kind: "deploy", version: "1.6.0", image: IMAGE_3, smokePaths: ["/health"] },
      deps,
    );

    // then
    assert.equal(code, 3);
    assert.deepEqual(report.err, [
      `refused: Pulumi.prod.yaml has no release block (chatbot-platform:release), but ${APP} is deployed (generation 2, serving blue=${BLUE_REVISION}:100). Restore the block the last release committed (git log -p -- Pulumi.prod.yaml) before releasing; nothing changed`,
    ]);
    assert.deepEqual(workspace.calls, LOCK_CALLS("deploy"));
    assert.deepEqual(armWrites(world, from), []);
    assert.deepEqual(trafficByLabel(world), { blue: 100, green: 0 });
  });

  it("exits 3 when the stack file's live slot was flipped by hand at the deployed generation; status warns", async () => {
    // given: generation 2 released with blue live (recorded with its traffic), and a stack file
    // whose `live` was changed to green without a release
    const world = await startWorld();
    const workspace = await releasedStack(world, {
      release: { ...BLUE_LIVE_GREEN_IDLE, live: "green" },
    });
    await world.azure.setTraffic(
      { resourceGroup: RG, appName: APP },
      [
        { revisionName: BLUE_REVISION, weight: 100, label: "blue" },
        { revisionName: GREEN_REVISION, weight: 0, label: "green" },
      ],
      2,
      "blue",
    );
    const from = world.model.faults.log.length;
    const edited =
      "Pulumi.prod.yaml's release block says live green (canary 0%) at generation 2, but generation 2 was released with live blue (canary 0%): the block was edited without the release command. Put the block back as the last release committed it (git log -p -- Pulumi.prod.yaml) before releasing";

    // when
    const promote = engineDeps(world, workspace);
    const code = await runRelease({ kind: "rollback" }, promote.deps);
    const status = engineDeps(world, workspace);
    const statusCode = await runRelease({ kind: "status" }, status.deps);

    // then
    assert.equal(code, 3);
    assert.deepEqual(promote.report.err, [`refused: ${edited}; nothing changed`]);
    assert.deepEqual(armWrites(world, from), []);
    assert.deepEqual(trafficByLabel(world), { blue: 100, green: 0 });
    assert.equal(statusCode, 0);
    assert.deepEqual(status.report.err, [
      `warning: ${edited}; below, the slots as the stack file has them and what Azure serves`,
    ]);
  });

  it("ends a leftover canary with one recorded traffic write before the deploy's update", async () => {
    // given: green at 10% (generation 3); the update fails, so the test sees what it started from
    const world = await startWorld();
    const workspace = await canaryStack(world);
    let atUpdate: Record<string, number> = {};
    workspace.onUp = async () => {
      atUpdate = trafficByLabel(world);
      throw new Error("update failed");
    };
    const { deps, report } = engineDeps(world, workspace);

    // when
    const code = await runRelease(
      { kind: "deploy", version: "1.6.0", image: IMAGE_3, smokePaths: ["/health"] },
      deps,
    );

    // then: blue served 100% before the update began, and the stack file said so first
    assert.deepEqual(atUpdate, { blue: 100, green: 0 });
    const reset = { ...BLUE_LIVE_GREEN_IDLE, canaryPercent: 0, generation: 4 };
    assert.deepEqual(workspace.calls.slice(1, 4), [
      `writeRelease ${JSON.stringify(reset)}`,
      `writeRelease ${JSON.stringify({ ...reset, latest: "green", generation: 5, green: { version: "1.6.0", image: IMAGE_3 } })}`,
      "writeVerified (cleared)",
    ]);
    assert.equal(workspace.calls[4], "up app release: deploy 1.6.0 to green (generation 5)");
    assert.equal(
      report.out[0],
      "the canary of green (10%) ends: blue serves 100% before green gets the new version at 0%",
    );
    assert.equal(code, 4);
    assert.deepEqual(report.err, [
      "error: pulumi up of the deploy failed: update failed; live traffic did not move; the stack file keeps the previous slots at generation 5",
    ]);
    assert.deepEqual(workspace.release, { ...reset, generation: 5 });
  });

  it("exits 2 when the pause is shorter than the stack's own error-rate window, before any change", async () => {
    // given a stack whose releaseGates lengthen the error-rate trigger's window to 10 min
    const world = await startWorld();
    const workspace = await releasedStack(world, { verified: VERIFIED_GREEN });
    workspace.gates = { rollbackErrorRateWindowMinutes: 10 };
    const from = world.model.faults.log.length;
    const { deps, report } = engineDeps(world, workspace);

    // when
    const code = await runRelease(
      { kind: "promote", steps: [10, 100], pauseMs: 300_000, smokePaths: ["/health"] },
      deps,
    );

    // then
    assert.equal(code, 2);
    assert.deepEqual(report.err, [
      "error: `--pause` 300s is shorter than stack prod's error-rate trigger window (releaseGates.rollbackErrorRateWindowMinutes: 10 min): each step would be judged on less data than the trigger looks at; use --pause 10m or more",
    ]);
    assert.deepEqual(armWrites(world, from), []);
    assert.deepEqual(trafficByLabel(world), { blue: 100, green: 0 });
  });

  it("exits 4 and prints Azure's error when a call fails; traffic did not move", async () => {
    // given
    const world = await startWorld();
    const workspace = await canaryStack(world);
    world.model.faults.fail({
      method: "GET",
      path: /\/containerApps\/chatbot-api-prod$/,
      status: 403,
      code: "AuthorizationFailed",
      message: "The client does not have authorization to perform action 'read'.",
    });
    const { deps, report } = engineDeps(world, workspace);

    // when
    const code = await runRelease({ kind: "rollback" }, deps);

    // then
    assert.equal(code, 4);
    assert.deepEqual(report.err, [
      "error: The client does not have authorization to perform action 'read'; live traffic did not move",
    ]);
    assert.deepEqual(workspace.calls, LOCK_CALLS("rollback"));
    assert.deepEqual(trafficByLabel(world), { blue: 90, green: 10 });
  });

  it("exits 4 and says it was interrupted when the command is cancelled before traffic moves", async () => {
    // given
    const world = await startWorld();
    const workspace = await releasedStack(world, { verified: VERIFIED_GREEN });
    const controller = new AbortController();
    controller.abort(new Error("SIGTERM"));
    const { deps, report } = engineDeps(world, workspace, { signal: controller.signal });
    const from = world.model.faults.log.length;

    // when
    const code = await runRelease(
      { kind: "promote", steps: [10, 100], pauseMs: 120_000, smokePaths: ["/health"] },
      deps,
    );

    // then
    assert.equal(code, 4);
    assert.deepEqual(report.err, [
      "error: interrupted (Error: SIGTERM); live traffic did not move",
    ]);
    assert.deepEqual(workspace.calls, LOCK_CALLS("promote"));
    assert.deepEqual(armWrites(world, from), []);
  });

  it("exits 1 after putting traffic back when a promotion's check fails", async () => {
    // given: no Log Analytics workspace output, so the step's gates cannot be read
    const world = await startWorld();
    const outputs = outputsWithout("logAnalyticsWorkspaceId");
    const workspace = await releasedStack(world, { verified: VERIFIED_GREEN, outputs });
    const { deps, report } = engineDeps(world, workspace);

    // when
    const code = await runRelease(
      { kind: "promote", steps: [10, 100], pauseMs: 120_000, smokePaths: ["/health"] },
      deps,
    );

    // then
    assert.equal(code, 1);
    assert.deepEqual(report.err, [
      "promotion of green failed: the stack exports no `logAnalyticsWorkspaceId`: the gates cannot read the candidate's requests (run pulumi up once to add the output)",
      "rolled back automatically: blue (1.4.2) serves 100% of traffic again",
    ]);
    assert.deepEqual(trafficByLabel(world), { blue: 100, green: 0 });
    assert.deepEqual(workspace.release, { ...BLUE_LIVE_GREEN_IDLE, generation: 4 });
    assert.equal(workspace.verified, undefined);
    assert.deepEqual(workspace.calls.at(-1), "writeLock (released)");
  });

  it("exits 5 and names the command that finishes when putting traffic back fails", async () => {
    // given: the gates cannot be read, and Azure refuses the write that puts traffic back
    const world = await startWorld();
    const outputs = outputsWithout("logAnalyticsWorkspaceId");
    const workspace = await releasedStack(world, { verified: VERIFIED_GREEN, outputs });
    workspace.onWriteRelease = () =>
      world.model.faults.fail({
        method: "PATCH",
        path: /\/containerApps\/chatbot-api-prod$/,
        status: 400,
        code: "ContainerAppOperationError",
        message: "Failed to update traffic.",
      });
    const { deps, report } = engineDeps(world, workspace);

    // when
    const code = await runRelease(
      { kind: "promote", steps: [10, 100], pauseMs: 120_000, smokePaths: ["/health"] },
      deps,
    );

    // then: traffic stays split, the stack file records the split, and the lock is released
    assert.equal(code, 5);
    assert.deepEqual(report.err, [
      "promotion of green failed: the stack exports no `logAnalyticsWorkspaceId`: the gates cannot read the candidate's requests (run pulumi up once to add the output)",
      "error: putting traffic back failed: Failed to update traffic. Traffic may still be split and the stack file still sends green (1.5.0) traffic, so a pulumi up would too. Finish with: npm run release -- rollback --stack prod (it retries the traffic write and records blue live in the stack file). If it keeps failing, set the traffic by hand (az containerapp ingress traffic set --name chatbot-api-prod --resource-group rg-chatbot-prod --label-weight blue=100 green=0), then run the same rollback command to record it",
    ]);
    assert.deepEqual(trafficByLabel(world), { blue: 90, green: 10 });
    assert.deepEqual(workspace.release, {
      ...BLUE_LIVE_GREEN_IDLE,
      canaryPercent: 10,
      generation: 3,
    });
    assert.equal(workspace.lock, undefined);
  });
});

/**
 * The real adapter, except that its first traffic write lands and its answer is lost, and from
 * then on Azure does not answer (reads and writes time out).
 */
function goneAfterFirstWrite(world: World): World["azure"] {
  let landed = false;
  const unreachable = () => Promise.reject(new Error("connect ETIMEDOUT"));
  return Object.assign(Object.create(world.azure) as World["azure"], {
    getApp: (ref: Parameters<World["azure"]["getApp"]>[0]) =>
      landed ? unreachable() : world.azure.getApp(ref),
    setTraffic: async (...args: Parameters<World["azure"]["setTraffic"]>) => {
      if (landed) return unreachable();
      await world.azure.setTraffic(...args);
      landed = true;
      return unreachable();
    },
  });
}

describe("runRelease: a first traffic write whose answer is lost", () => {
  it("exits 5 without offering rollback when no step was recorded: status, then traffic by hand and the exact record command", async () => {
    // given: the first step's write lands, then Azure stops answering (its answer is lost)
    const world = await startWorld();
    const workspace = await releasedStack(world, { verified: VERIFIED_GREEN });
    const { deps, report } = engineDeps(world, workspace, { azure: goneAfterFirstWrite(world) });

    // when
    const code = await runRelease(
      { kind: "promote", steps: [10, 100], pauseMs: 120_000, smokePaths: ["/health"] },
      deps,
    );

    // then: Azure carries the step, the stack file the state before it; the message says both
    assert.equal(code, 5);
    const back = { ...BLUE_LIVE_GREEN_IDLE, generation: 4 };
    assert.deepEqual(report.err, [
      "promotion of green failed: error: connect ETIMEDOUT",
      `error: putting traffic back failed: connect ETIMEDOUT. The stack file still holds generation 2 as before this promotion, but its traffic writes may have landed unanswered (Azure may carry generation 3 or 4). See what Azure serves with: npm run release -- status --stack prod. Unless it serves the stack file's traffic, set it back by hand (az containerapp ingress traffic set --name chatbot-api-prod --resource-group rg-chatbot-prod --label-weight blue=100 green=0). Then, in every case, record it with: pulumi config set-all --stack prod --json '${JSON.stringify(
        {
          "chatbot-platform:release": {
            value: JSON.stringify(back),
            objectValue: back,
            secret: false,
          },
        },
      )}'`,
    ]);
    assert.deepEqual(trafficByLabel(world), { blue: 90, green: 10 });
    assert.deepEqual(workspace.release, BLUE_LIVE_GREEN_IDLE);
  });
  it("names the canary's weights by hand and records the canary when the promotion started from one", async () => {
    // given: green at 10% (generation 3), verified; the first write lands, then Azure is gone
    const world = await startWorld();
    const workspace = await canaryStack(world);
    workspace.verified = VERIFIED_GREEN;
    const { deps, report } = engineDeps(world, workspace, { azure: goneAfterFirstWrite(world) });

    // when
    const code = await runRelease(
      { kind: "promote", steps: [100], pauseMs: 120_000, smokePaths: ["/health"], watch: false },
      deps,
    );

    // then: the weights by hand and the recorded block agree (blue 90, green 10)
    assert.equal(code, 5);
    const back = { ...BLUE_LIVE_GREEN_IDLE, canaryPercent: 10, generation: 5 };
    assert.match(
      report.err[1],
      /--label-weight blue=90 green=10\)\. Then, in every case, record it with: /,
    );
    assert.ok(
      report.err[1].endsWith(
        `'${JSON.stringify({ "chatbot-platform:release": { value: JSON.stringify(back), objectValue: back, secret: false } })}'`,
      ),
    );
    assert.deepEqual(trafficByLabel(world), { blue: 0, green: 100 });
  });
});

describe("runRelease: the release lock", () => {
  it("fails (refused) when another release holds the lock, and leaves that lock alone", async () => {
    // given
    const world = await startWorld();
    const workspace = await canaryStack(world);
    workspace.lock = HOLDER;
    const { deps, report } = engineDeps(world, workspace);

    // when
    const code = await runRelease({ kind: "rollback" }, deps);

    // then
    assert.equal(code, 3);
    assert.deepEqual(report.err, [LOCK_REFUSED(HOLDER)]);
    assert.deepEqual(workspace.calls, []);
    assert.equal(workspace.lock, HOLDER);
    assert.deepEqual(trafficByLabel(world), { blue: 90, green: 10 });
  });

  it("fails (refused) while another update holds Pulumi's stack lock", async () => {
    // given
    const world = await startWorld();
    const workspace = await canaryStack(world);
    workspace.inProgress = true;
    const { deps, report } = engineDeps(world, workspace);

    // when
    const code = await runRelease({ kind: "rollback" }, deps);

    // then
    assert.equal(code, 3);
    assert.deepEqual(report.err, [
      "refused: another update is in progress on stack prod (stack lock); nothing changed",
    ]);
    assert.deepEqual(workspace.calls, []);
  });

  it("waits up to lockWaitMs for another release to finish, then takes the lock", async () => {
    // given: the other release ends 60 s from now
    const world = await startWorld();
    const workspace = await canaryStack(world);
    workspace.lock = HOLDER;
    const released = world.clock.now() + 60_000;
    const readLock = workspace.readLock.bind(workspace);
    workspace.readLock = async () => {
      if (world.clock.now() >= released && workspace.lock === HOLDER) {
        workspace.lock = undefined;
      }
      return readLock();
    };
    const { deps, report } = engineDeps(world, workspace, { lockWaitMs: 120_000 });

    // when
    const code = await runRelease({ kind: "rollback" }, deps);

    // then: looked every 30 s
    assert.equal(code, 0);
    assert.deepEqual(report.out.slice(0, 2), [
      `waiting for another release of prod to finish (${HOLDER})`,
      `waiting for another release of prod to finish (${HOLDER})`,
    ]);
    assert.deepEqual(
      workspace.calls.filter((call) => call.startsWith("writeLock")),
      LOCK_CALLS("rollback"),
    );
    assert.deepEqual(trafficByLabel(world), { blue: 100, green: 0 });
  });

  it("fails (refused) when the lock is still held after lockWaitMs", async () => {
    // given
    const world = await startWorld();
    const workspace = await canaryStack(world);
    workspace.lock = HOLDER;
    const start = world.clock.now();
    const { deps, report } = engineDeps(world, workspace, { lockWaitMs: 60_000 });

    // when
    const code = await runRelease({ kind: "rollback" }, deps);

    // then
    assert.equal(code, 3);
    assert.equal(world.clock.now() - start, 60_000);
    assert.deepEqual(report.out, [
      `waiting for another release of prod to finish (${HOLDER})`,
      `waiting for another release of prod to finish (${HOLDER})`,
    ]);
    assert.deepEqual(report.err, [LOCK_REFUSED(HOLDER, " after waiting 60s")]);
    assert.deepEqual(workspace.calls, []);
  });

  it("fails (refused) when another release wins the race for the lock, and leaves its lock", async () => {
    // given: another release's write lands right after this one's
    const world = await startWorld();
    const workspace = await canaryStack(world);
    const other = "deploy by someone@else pid 7";
    const writeLock = workspace.writeLock.bind(workspace);
    workspace.writeLock = async (holder) => {
      await writeLock(holder);
      if (holder !== undefined) {
        workspace.lock = other;
      }
    };
    const { deps, report } = engineDeps(world, workspace);

    // when
    const code = await runRelease({ kind: "rollback" }, deps);

    // then
    assert.equal(code, 3);
    assert.deepEqual(report.err, [LOCK_REFUSED(other)]);
    assert.deepEqual(workspace.calls, [`writeLock rollback by ${OWNER}`]);
    assert.equal(workspace.lock, other);
    assert.deepEqual(trafficByLabel(world), { blue: 90, green: 10 });
  });

  it("leaves a lock that another release took while this one ran", async () => {
    // given: another release overwrites the lock while this command reads the stack
    const world = await startWorld();
    const workspace = await canaryStack(world);
    const other = "deploy by someone@else pid 7";
    const outputs = workspace.outputs.bind(workspace);
    workspace.outputs = async () => {
      workspace.lock = other;
      return outputs();
    };
    const { deps } = engineDeps(world, workspace);

    // when
    await runRelease({ kind: "rollback" }, deps);

    // then: the other release's lock is still there
    assert.equal(workspace.lock, other);
  });

  it("releases the lock when the command fails unexpectedly", async () => {
    // given: the stack outputs cannot be read
    const world = await startWorld();
    const workspace = await canaryStack(world);
    workspace.outputs = async () => {
      throw new Error("pulumi stack output failed");
    };
    const { deps, report } = engineDeps(world, workspace);

    // when
    const code = await runRelease({ kind: "rollback" }, deps);

    // then
    assert.equal(code, 4);
    assert.deepEqual(report.err, ["error: pulumi stack output failed; live traffic did not move"]);
    assert.deepEqual(workspace.calls, LOCK_CALLS("rollback"));
    assert.equal(workspace.lock, undefined);
  });
});

describe("runRelease: status", () => {
  it("prints each slot next to what Azure serves, without taking the lock", async () => {
    // given: another release holds the lock; green is verified
    const world = await startWorld();
    const workspace = await releasedStack(world, { verified: VERIFIED_GREEN, lock: HOLDER });
    const { deps, report } = engineDeps(world, workspace);

    // when
    const code = await runRelease({ kind: "status" }, deps);

    // then
    assert.equal(code, 0);
    assert.deepEqual(report.out, [
      "stack prod: live blue, latest green, generation 2 (Azure: 2)",
      `blue: version 1.4.2, revision ${BLUE_REVISION}, weight 100%, active, Provisioned/Running, 2 replicas, image ${IMAGE_1}, url https://chatbot-api-prod---blue.${DOMAIN} [live]`,
      `green: version 1.5.0, revision ${GREEN_REVISION}, weight 0%, active, Provisioned/Running, 2 replicas, image ${IMAGE_2}, url https://chatbot-api-prod---green.${DOMAIN} [latest, verified]`,
      "active revisions: 2; next: npm run release -- promote --stack prod",
    ]);
    assert.deepEqual(workspace.calls, []);
  });

  it("warns when the stack file is behind Azure, and still shows it", async () => {
    // given: a release ran after this stack file was written
    const world = await startWorld();
    const workspace = await releasedStack(world, {
      release: { ...BLUE_LIVE_GREEN_IDLE, generation: 1 },
    });
    const { deps, report } = engineDeps(world, workspace);

    // when
    const code = await runRelease({ kind: "status" }, deps);

    // then
    assert.equal(code, 0);
    assert.deepEqual(report.err, [
      `warning: Pulumi.prod.yaml is behind what is deployed: its release block has generation 1, the Container App ${APP} carries generation 2 (a later release's stack file was not committed). Bring the stack file up to date first: the release workflow commits it; below, the slots as the stack file has them and what Azure serves`,
    ]);
    assert.equal(report.out[0], "stack prod: live blue, latest green, generation 1 (Azure: 2)");
    assert.equal(report.out.length, 4);
  });

  it("shows the revision Azure's label points at when it is not the stack file's", async () => {
    // given: the stack file's green is another revision than the one labelled green
    const world = await startWorld();
    const workspace = await releasedStack(world, {
      release: {
        ...BLUE_LIVE_GREEN_IDLE,
        green: { ...BLUE_LIVE_GREEN_IDLE.green, revision: "v1-5-0-ffffffg2" },
      },
    });
    const { deps, report } = engineDeps(world, workspace);

    // when
    const code = await runRelease({ kind: "status" }, deps);

    // then
    assert.equal(code, 0);
    assert.equal(
      report.out[2],
      `green: version 1.5.0, revision ${APP}--v1-5-0-ffffffg2 (Azure's green label: ${GREEN_REVISION}), weight 0%, not in Azure, image ${IMAGE_2}, url https://chatbot-api-prod---green.${DOMAIN} [latest]`,
    );
  });

  it("warns on a stack without a release block whose app is deployed", async () => {
    // given
    const world = await startWorld();
    const workspace = await releasedStack(world, { release: undefined });
    workspace.release = undefined;
    const { deps, report } = engineDeps(world, workspace);

    // when
    const code = await runRelease({ kind: "status" }, deps);

    // then: the app is deployed, so "no release yet" would be false
    assert.equal(code, 0);
    assert.deepEqual(report.out, []);
    assert.deepEqual(report.err, [
      `warning: Pulumi.prod.yaml has no release block (chatbot-platform:release), but ${APP} is deployed (generation 2, serving blue=${BLUE_REVISION}:100). Restore the block the last release committed (git log -p -- Pulumi.prod.yaml) before releasing`,
    ]);
  });

  it("says there is no release yet on a stack without a release block or an app", async () => {
    // given
    const world = await startWorld();
    const workspace = new MemoryWorkspace("prod", { outputs: { ...STACK_OUTPUTS } });
    const { deps, report } = engineDeps(world, workspace);

    // when
    const code = await runRelease({ kind: "status" }, deps);

    // then
    assert.equal(code, 0);
    assert.deepEqual(report.out, ["stack prod: no release yet (run deploy)"]);
  });
});
