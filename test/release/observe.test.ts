// The checks a canary step makes (release/observe.ts, through promote) when the Logs API fails:
// failures are counted per check, not per read, so a check that made one, two or three reads
// counts once, and three failed checks in a row are the error the README documents.
import * as assert from "node:assert/strict";
import { gatesFor } from "../../lib/gates";
import { runRelease } from "../../release/orchestrator";
import { PromoteCommand } from "../../release/promote";
import { StatsQuery, TelemetryPort } from "../../release/ports";
import {
  APP,
  BLUE_LIVE_GREEN_IDLE,
  GREEN_REVISION,
  MemoryWorkspace,
  RG,
  STACK_OUTPUTS,
  World,
  blueLiveGreenIdle,
  closeWorlds,
  engineDeps,
  startWorld,
} from "./helpers";

afterEach(closeWorlds);

/** One canary step of a minute at 10%, then 100% without the watch. */
const CANARY: PromoteCommand = {
  kind: "promote",
  steps: [10, 100],
  pauseMs: 60_000,
  smokePaths: ["/health", "/ready"],
  watch: false,
};
/**
 * Staging's gates (3 minutes of ingestion lag, a check every 30 s) with a one-minute error-rate
 * window, so that a one-minute step is allowed and the checks stay few.
 */
const STAGING = { ...gatesFor("staging"), rollbackErrorRateWindowMinutes: 1 };
const FAILURE = "Logs API 503 ServiceUnavailable (after the SDK's retries)";

function trafficByLabel(world: World): Record<string, number> {
  const traffic = world.model.app(RG, APP)?.properties.configuration.ingress?.traffic ?? [];
  return Object.fromEntries(traffic.map((entry) => [entry.label ?? "", entry.weight ?? 0]));
}

/**
 * The world's Logs reads, grouped by check (the virtual instant they were made at): `ok` or
 * `fail`. `fails(check, read)` says which reads fail: the check's index among the checks that
 * read telemetry, and the read's index within that check.
 */
function flakyTelemetry(
  world: World,
  fails: (check: number, read: number) => boolean,
): { port: TelemetryPort; checks: string[][] } {
  const checks: string[][] = [];
  let instant: number | undefined;
  const port: TelemetryPort = {
    requestStats: async (query: StatsQuery) => {
      if (instant !== world.clock.now()) {
        instant = world.clock.now();
        checks.push([]);
      }
      const reads = checks[checks.length - 1];
      if (fails(checks.length - 1, reads.length)) {
        reads.push("fail");
        throw new Error(FAILURE);
      }
      reads.push("ok");
      return world.telemetry.requestStats(query);
    },
  };
  return { port, checks };
}

async function promoteWith(fails: (check: number, read: number) => boolean) {
  const world = await startWorld({ userRequestsPerMinute: 600 });
  await blueLiveGreenIdle(world);
  const workspace = new MemoryWorkspace("prod", {
    release: BLUE_LIVE_GREEN_IDLE,
    outputs: { ...STACK_OUTPUTS },
    verified: `green:${GREEN_REVISION}`,
  });
  const telemetry = flakyTelemetry(world, fails);
  const { deps, report } = engineDeps(world, workspace, {
    gates: STAGING,
    telemetry: telemetry.port,
  });
  const code = await runRelease(CANARY, deps);
  return { world, workspace, report, code, checks: telemetry.checks };
}

const told = (left: number) =>
  `telemetry read failed (${FAILURE}); ${left} more failed check(s) allowed before the promotion is rolled back`;

describe("telemetry failures during a canary step", () => {
  it("counts a check whose reads failed once: two failed checks, then a good one, promote (exit 0)", async () => {
    // given: every read of the first two checks that read telemetry fails; the second is the
    // one that also reads the whole step (its window is ingested then)
    const { world, report, code, checks } = await promoteWith((check) => check < 2);

    // then: each failed check made one read (its others were skipped) and counted once
    assert.equal(code, 0);
    assert.deepEqual(checks, [["fail"], ["fail"], ["ok", "ok", "ok"]]);
    assert.deepEqual(
      report.out.filter((line) => line.startsWith("telemetry read failed")),
      [told(2), told(1)],
    );
    assert.ok(
      report.out.some((line) => line.startsWith("promotion criteria met: ")),
      report.out.join("\n"),
    );
    assert.deepEqual(report.err, []);
    assert.deepEqual(trafficByLabel(world), { blue: 0, green: 100 });
  });

  it("rolls back as an error (exit 4) on the third failed check in a row", async () => {
    // given: the first three checks that read telemetry fail
    const { world, workspace, report, code, checks } = await promoteWith((check) => check < 3);

    // then
    assert.equal(code, 4);
    assert.deepEqual(checks, [["fail"], ["fail"], ["fail"]]);
    assert.deepEqual(
      report.out.filter((line) => line.startsWith("telemetry read failed")),
      [told(2), told(1)],
    );
    assert.deepEqual(report.err, [
      `promotion of green failed: error: ${FAILURE}`,
      "rolled back automatically: blue (1.4.2) serves 100% of traffic again",
    ]);
    assert.deepEqual(trafficByLabel(world), { blue: 100, green: 0 });
    assert.deepEqual(workspace.release, { ...BLUE_LIVE_GREEN_IDLE, generation: 4 });
  });

  it("counts a check as failed when any of its reads failed, even after one succeeded", async () => {
    // given: in each of the first three checks the first read succeeds and the second fails
    const { code, checks, report } = await promoteWith((check, read) => check < 3 && read === 1);

    // then: three failed checks in a row, whatever their first reads said
    assert.equal(code, 4);
    assert.deepEqual(checks, [
      ["ok", "fail"],
      ["ok", "fail"],
      ["ok", "fail"],
    ]);
    assert.equal(report.err[0], `promotion of green failed: error: ${FAILURE}`);
  });
});
