/**
 * Progress of long work: the release's waits (a Reporter over the terminal) and the benchmark's
 * runs. Off a terminal every update is a plain line, exactly; on a terminal (a fake stream with
 * `isTTY`) the progress line rewrites itself and a permanent line clears it first.
 */
import * as assert from "node:assert/strict";
import { Case, measure, runBench } from "../../scripts/bench";
import {
  CLEAR_LINE,
  formatSeconds,
  Progress,
  ProgressReporter,
  waitRemaining,
} from "../../scripts/cli/progress";

/** A stream that records what is written; a terminal when `isTTY`. */
function stream(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, written, write: (text: string) => written.push(text) };
}

const WAIT_REVISION =
  "waiting for revision chatbot-api-prod--v1-5-0-7e8985g3: provisioningState Provisioning, runningState Activating, active true (15s of 600s)";
const RETRY_409 =
  "Azure answered 409 Conflict (another operation on chatbot-api-prod); retry 2/6 in 10s";
const COLD_START =
  "label URL of green not answering yet (GET /health: 503); a scaled-to-zero revision is waking up: retry in 10s (20s of 180s)";
const ROLE_WAIT =
  "revision r cannot pull its image or read Key Vault yet (role assignments take minutes to take effect); restarting it in 15s";
const INCONCLUSIVE = "inconclusive: 12 requests, at least 50 needed; waiting 30s for more";

describe("progress: which engine lines are waits, and how long is left", () => {
  it("reads the bound of a bounded wait and the next attempt of a retry", () => {
    assert.deepEqual(
      [WAIT_REVISION, RETRY_409, COLD_START, ROLE_WAIT, INCONCLUSIVE].map(waitRemaining),
      [
        "up to 9m45s left",
        "next attempt in 10s",
        "up to 2m40s left",
        "next attempt in 15s",
        "next attempt in 30s",
      ],
    );
    assert.equal(waitRemaining("waiting for another release of prod to finish (x)"), "waiting");
    assert.equal(waitRemaining("revision r is ready (2 replicas)"), undefined);
    assert.equal(waitRemaining("step 10%: green gets 10% of traffic"), undefined);
  });

  it("formats seconds as minutes and seconds", () => {
    assert.deepEqual([0, 9, 60, 75, 600.4, -3].map(formatSeconds), [
      "0s",
      "9s",
      "1m00s",
      "1m15s",
      "10m00s",
      "0s",
    ]);
  });
});

describe("progress: the release's Reporter", () => {
  it("prints every line as the engine wrote it when stdout is not a terminal", () => {
    // given
    const out = stream(false);
    const err = stream(false);
    const report = new ProgressReporter(out, err);

    // when
    report.info("deploying 1.5.0 into slot green");
    report.info(WAIT_REVISION);
    report.info(RETRY_409);
    report.error("check failed: revision not ready");
    report.info("revision r is ready (2 replicas)");

    // then
    assert.deepEqual(out.written, [
      "deploying 1.5.0 into slot green\n",
      `${WAIT_REVISION}\n`,
      `${RETRY_409}\n`,
      "revision r is ready (2 replicas)\n",
    ]);
    assert.deepEqual(err.written, ["check failed: revision not ready\n"]);
  });

  it("rewrites one progress line with how long is left on a terminal, and clears it before other lines", () => {
    // given
    const out = stream(true);
    const err = stream(true);
    const report = new ProgressReporter(out, err);

    // when
    report.info("deploying 1.5.0 into slot green");
    report.info(WAIT_REVISION);
    report.info(RETRY_409);
    report.write("Updating (prod)\n");
    report.info(INCONCLUSIVE);
    report.error("check failed: inconclusive");
    report.info("revision r is ready (2 replicas)");

    // then
    assert.deepEqual(out.written, [
      "deploying 1.5.0 into slot green\n",
      `${CLEAR_LINE}${WAIT_REVISION} [up to 9m45s left]`,
      `${CLEAR_LINE}${RETRY_409} [next attempt in 10s]`,
      CLEAR_LINE,
      "Updating (prod)\n",
      `${CLEAR_LINE}${INCONCLUSIVE} [next attempt in 30s]`,
      CLEAR_LINE,
      "revision r is ready (2 replicas)\n",
    ]);
    assert.deepEqual(err.written, ["check failed: inconclusive\n"]);
  });

  it("clears nothing when no progress line is showing", () => {
    const out = stream(true);
    const progress = new Progress(out);
    progress.clear();
    progress.line("done");
    assert.deepEqual(out.written, ["done\n"]);
  });
});

describe("progress: the benchmark's runs", () => {
  const CASES: Case[] = [
    { label: "plan a", command: ["a"] },
    { label: "plan b", command: ["b"] },
  ];
  /** A clock of run times: each call takes the next. */
  function times(...seconds: number[]) {
    return () => {
      const next = seconds.shift();
      assert.ok(next !== undefined, "more runs than expected");
      return next;
    };
  }

  it("prints one line per run with the time left, then the case's times, when stderr is not a terminal", () => {
    // given
    const err = stream(false);

    // when
    const medians = measure(CASES, 2, { time: times(3, 1, 2, 5, 4, 6), progress: err });

    // then
    assert.deepEqual(medians, [
      { label: "plan a", seconds: 1.5 },
      { label: "plan b", seconds: 5 },
    ]);
    assert.deepEqual(err.written, [
      "[1/2] plan a: warm-up run took 3.00 s; about 6s left in this measurement\n",
      "[1/2] plan a: run 1/2 took 1.00 s; about 1s left in this measurement\n",
      "[1/2] plan a: run 2/2 took 2.00 s; about 0s left in this measurement\n",
      "plan a: 1.00 2.00\n",
      "[2/2] plan b: warm-up run took 5.00 s; about 10s left in this measurement\n",
      "[2/2] plan b: run 1/2 took 4.00 s; about 4s left in this measurement\n",
      "[2/2] plan b: run 2/2 took 6.00 s; about 0s left in this measurement\n",
      "plan b: 4.00 6.00\n",
    ]);
  });

  it("rewrites the progress line before and after each run on a terminal", () => {
    // given
    const err = stream(true);

    // when
    measure(CASES.slice(0, 1), 1, { time: times(2, 1), progress: err });

    // then
    assert.deepEqual(err.written, [
      `${CLEAR_LINE}[1/1] plan a: warm-up run...`,
      `${CLEAR_LINE}[1/1] plan a: warm-up run took 2.00 s; about 2s left in this measurement`,
      `${CLEAR_LINE}[1/1] plan a: run 1/1...`,
      `${CLEAR_LINE}[1/1] plan a: run 1/1 took 1.00 s; about 0s left in this measurement`,
      CLEAR_LINE,
      "plan a: 1.00\n",
    ]);
  });

  it("prints only JSON on stdout with --json, and the medians of the measurements --only names", async () => {
    // given
    const io = {
      out: "",
      err: "",
      stdout: (t: string) => void (io.out += t),
      stderr: (t: string) => void (io.err += t),
    };
    const progress = stream(false);

    // when
    const code = await runBench({ runs: "1", only: "plan b", json: true }, io, {
      cases: () => CASES,
      time: times(2, 1),
      progress,
      readme: "/nonexistent",
    });

    // then
    assert.equal(code, 0);
    const document = JSON.parse(io.out);
    assert.deepEqual(document.medians, [{ label: "plan b", seconds: 1 }]);
    assert.equal(io.err, "");
    assert.equal(progress.written.length, 3);
  });

  it("fails with exit 2 when --runs is not a positive whole number or --only matches nothing", async () => {
    for (const [options, message] of [
      [{ runs: "0" }, "error: --runs must be a whole number of runs, at least 1, got 0\n"],
      [{ runs: "x" }, "error: --runs must be a whole number of runs, at least 1, got x\n"],
      [{ only: "deploy" }, "error: --only deploy matches no measurement\n"],
    ] as const) {
      const io = {
        out: "",
        err: "",
        stdout: (t: string) => void (io.out += t),
        stderr: (t: string) => void (io.err += t),
      };
      const code = await runBench(options, io, {
        cases: () => CASES,
        time: () => assert.fail("nothing runs"),
        progress: stream(false),
        readme: "/nonexistent",
      });
      assert.equal(code, 2);
      assert.deepEqual([io.out, io.err], ["", message]);
    }
  });

  it("fails with exit 4 naming the measurement when a measured command fails", async () => {
    const io = {
      out: "",
      err: "",
      stdout: (t: string) => void (io.out += t),
      stderr: (t: string) => void (io.err += t),
    };
    const code = await runBench({ runs: "1" }, io, {
      cases: () => CASES,
      time: () => {
        throw new Error("plan a failed (1):\nboom");
      },
      progress: stream(false),
      readme: "/nonexistent",
    });
    assert.equal(code, 4);
    assert.equal(io.err, "error: plan a failed (1):\nboom\n");
  });
});
