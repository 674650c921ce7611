// The release gates: the Logs query over one revision's requests and the verdicts the design's
// thresholds give.
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { parseGateQuery } from "../../drill/model";
import { DEFAULT_GATES, GateThresholds } from "../../lib/gates";
import {
  describeStats,
  errorRatePercent,
  gateQuery,
  promotionVerdict,
  tooFewRequests,
  triggerReason,
} from "../../release/gates";
import { RequestStats, StatsQuery, probeNames } from "../../release/ports";

const REVISION = "chatbot-api-prod--v1-5-0-bbbbbbg2";
const FROM = Date.parse("2026-11-29T10:00:00Z");

const QUERY: StatsQuery = {
  workspaceId: "ws",
  revisionName: REVISION,
  fromMs: FROM,
  toMs: FROM + 120_000,
  excludeNames: probeNames(["/health", "/ready"]),
};

const stats = (requests: number, failed: number, p95Ms?: number): RequestStats => ({
  requests,
  failed,
  p95Ms,
});

/** The `matches regex` pattern of a gate query, as a RegExp. */
function rolePattern(query: string): RegExp {
  const match = /matches regex "([^"]+)"/.exec(query);
  assert.ok(match !== null, "the query has no AppRoleInstance pattern");
  return new RegExp(match[1]);
}

describe("release gates: the Logs query", () => {
  it("is exactly the gate query over the window, the revision's own replicas and users' requests", () => {
    // given / when
    const text = gateQuery(QUERY);

    // then
    assert.equal(
      text,
      [
        "AppRequests",
        "| where TimeGenerated >= datetime(2026-11-29T10:00:00.000Z) and TimeGenerated < datetime(2026-11-29T10:02:00.000Z)",
        `| where AppRoleInstance matches regex "^chatbot-api-prod--v1-5-0-bbbbbbg2-[0-9a-f]{8,10}-[0-9a-z]{5}$"`,
        `| where isempty(OperationSyntheticSource) and Name !in ("GET /health", "GET /ready")`,
        "| summarize requests = sum(ItemCount), failed = sumif(ItemCount, Success == false), p95 = percentilew(DurationMs, ItemCount, 95)",
      ].join("\n"),
    );
  });

  it("excludes only synthetic requests when no request name is excluded", () => {
    // given / when
    const lines = gateQuery({ ...QUERY, excludeNames: [] }).split("\n");

    // then
    assert.equal(lines[3], "| where isempty(OperationSyntheticSource)");
  });

  it("is the shape the model of the Logs API parses, with the same window, revision and names", () => {
    // given / when
    const parsed = parseGateQuery(gateQuery(QUERY));

    // then
    assert.deepEqual(
      {
        fromMs: parsed.fromMs,
        toMs: parsed.toMs,
        revisionName: parsed.revisionName,
        excludedNames: parsed.excludedNames,
      },
      {
        fromMs: FROM,
        toMs: FROM + 120_000,
        revisionName: REVISION,
        excludedNames: ["GET /health", "GET /ready"],
      },
    );
  });

  it("matches the revision's replica names, not those of a revision whose name extends it", () => {
    // given
    const pattern = rolePattern(gateQuery(QUERY));

    // then
    assert.equal(pattern.test(`${REVISION}-5d9774cff-5wnd8`), true);
    assert.equal(pattern.test(`${REVISION}-5d9774cf-5wnd8`), true);
    assert.equal(pattern.test(`${REVISION}0-5d9774cf-5wnd8`), false);
    assert.equal(pattern.test(`${REVISION}-1-5d9774cf-5wnd8`), false);
    assert.equal(pattern.test(`x${REVISION}-5d9774cf-5wnd8`), false);
  });

  it("never counts the replicas of a revision whose name starts with the candidate's", () => {
    const alnum = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789".split(""));
    const extension = fc
      .array(fc.oneof(alnum, fc.constant("-")), { minLength: 1, maxLength: 12 })
      .map((chars) => chars.join(""))
      .filter((text) => /[a-z0-9]$/.test(text) && !text.includes("--"));
    const hash = fc.stringMatching(/^[0-9a-f]{8,10}$/);
    const pod = fc.stringMatching(/^[0-9a-z]{5}$/);
    fc.assert(
      fc.property(extension, hash, pod, (more, replicaSet, podId) => {
        // given: a revision named like the candidate plus more characters
        const other = `${REVISION}${more}`;
        const pattern = rolePattern(gateQuery(QUERY));

        // then: its replicas are not the candidate's
        assert.equal(pattern.test(`${other}-${replicaSet}-${podId}`), false);
      }),
    );
  });

  it("fails when the revision name is not a Container App revision name", () => {
    for (const name of ["Chatbot-API--v1", "app--v1-", "a", `app--v1" or true or "`, "app--v1.2"]) {
      assert.throws(() => gateQuery({ ...QUERY, revisionName: name }), {
        message: `not a Container App revision name: ${name}`,
      });
    }
  });

  it("fails when an excluded name is not a request name", () => {
    for (const name of ["/health", "get /health", `GET /health", "x`, "GET /a b", "GET health"]) {
      assert.throws(() => gateQuery({ ...QUERY, excludeNames: ["GET /ready", name] }), {
        message: `not a request name: ${name}`,
      });
    }
  });
});

describe("release gates: promotion criteria", () => {
  it("has one definition of a window with too few requests, shared with the watch's end", () => {
    assert.equal(
      tooFewRequests(stats(49, 49, 9000), DEFAULT_GATES),
      "49 requests, fewer than the 50 a verdict needs",
    );
    assert.equal(tooFewRequests(stats(50, 50, 9000), DEFAULT_GATES), undefined);
    assert.equal(
      tooFewRequests(stats(0, 0), { ...DEFAULT_GATES, minRequests: 1 }),
      "0 requests, fewer than the 1 a verdict needs",
    );
  });

  it("is inconclusive with exactly minRequests - 1 requests, even without errors", () => {
    assert.deepEqual(promotionVerdict(stats(49, 0, 100), DEFAULT_GATES), {
      kind: "inconclusive",
      detail: "49 requests, fewer than the 50 a verdict needs",
    });
  });

  it("passes with exactly minRequests requests below both limits", () => {
    assert.deepEqual(promotionVerdict(stats(50, 0, 499), DEFAULT_GATES), {
      kind: "pass",
      detail: "0.0% errors (0 of 50), p95 499 ms",
    });
    assert.deepEqual(promotionVerdict(stats(200, 1, 120), DEFAULT_GATES), {
      kind: "pass",
      detail: "0.5% errors (1 of 200), p95 120 ms",
    });
  });

  it("fails when the error rate equals the limit", () => {
    assert.deepEqual(promotionVerdict(stats(200, 2, 100), DEFAULT_GATES), {
      kind: "fail",
      detail: "error rate 1.0% (2 of 200) is not below 1%",
    });
  });

  it("fails when the p95 latency equals the limit", () => {
    assert.deepEqual(promotionVerdict(stats(50, 0, 500), DEFAULT_GATES), {
      kind: "fail",
      detail: "p95 latency 500 ms is not below 500 ms",
    });
  });

  it("fails on the error rate first when both limits are exceeded", () => {
    assert.deepEqual(promotionVerdict(stats(100, 30, 5000), DEFAULT_GATES), {
      kind: "fail",
      detail: "error rate 30.0% (30 of 100) is not below 1%",
    });
  });

  it("judges by the stack's thresholds, not the design's", () => {
    // given
    const gates: GateThresholds = {
      ...DEFAULT_GATES,
      minRequests: 10,
      promoteMaxErrorRatePercent: 5,
      promoteMaxP95Ms: 800,
    };

    // when / then
    assert.equal(promotionVerdict(stats(10, 0, 700), gates).kind, "pass");
    assert.equal(promotionVerdict(stats(9, 0, 700), gates).kind, "inconclusive");
    assert.deepEqual(promotionVerdict(stats(100, 5, 100), gates), {
      kind: "fail",
      detail: "error rate 5.0% (5 of 100) is not below 5%",
    });
    assert.deepEqual(promotionVerdict(stats(100, 4, 800), gates), {
      kind: "fail",
      detail: "p95 latency 800 ms is not below 800 ms",
    });
  });

  it("never passes a window with fewer than minRequests requests, whatever it holds", () => {
    const thin = fc.integer({ min: 1, max: 1_000_000 }).chain((minRequests) =>
      fc.record({
        minRequests: fc.constant(minRequests),
        requests: fc.integer({ min: 0, max: minRequests - 1 }),
        failedShare: fc.double({ min: 0, max: 1, noNaN: true }),
        p95Ms: fc.option(fc.double({ min: 0, max: 120_000, noNaN: true }), { nil: undefined }),
      }),
    );
    fc.assert(
      fc.property(thin, ({ minRequests, requests, failedShare, p95Ms }) => {
        // given
        const gates = { ...DEFAULT_GATES, minRequests };
        const window = stats(requests, Math.floor(requests * failedShare), p95Ms);

        // when / then
        assert.equal(promotionVerdict(window, gates).kind, "inconclusive");
        assert.equal(triggerReason(window, window, gates), undefined);
      }),
    );
  });
});

describe("release gates: automatic rollback triggers", () => {
  const quiet = stats(100, 0, 100);

  it("does not trigger at exactly the error-rate limit, triggers above it", () => {
    assert.equal(triggerReason(stats(100, 5, 100), quiet, DEFAULT_GATES), undefined);
    assert.equal(
      triggerReason(stats(100, 6, 100), quiet, DEFAULT_GATES),
      "error rate 6.0% (6 of 100) over 2 min is above 5%",
    );
  });

  it("does not trigger at exactly the p95 limit, triggers above it", () => {
    assert.equal(triggerReason(quiet, stats(50, 0, 2000), DEFAULT_GATES), undefined);
    assert.equal(
      triggerReason(quiet, stats(50, 0, 2001), DEFAULT_GATES),
      "p95 latency 2001 ms over 5 min is above 2000 ms",
    );
  });

  it("reads the error rate from the error window and the p95 from the latency window", () => {
    // given: a bad latency in the error window and a bad error rate in the latency window
    const errorWindow = stats(100, 0, 9000);
    const latencyWindow = stats(100, 90, 100);

    // when / then
    assert.equal(triggerReason(errorWindow, latencyWindow, DEFAULT_GATES), undefined);
  });

  it("names the error rate first when both triggers fire", () => {
    assert.equal(
      triggerReason(stats(60, 30, 100), stats(60, 0, 3000), DEFAULT_GATES),
      "error rate 50.0% (30 of 60) over 2 min is above 5%",
    );
  });

  it("does not trigger on fewer than minRequests requests, however bad", () => {
    assert.equal(triggerReason(stats(49, 49, 9000), stats(49, 49, 9000), DEFAULT_GATES), undefined);
    assert.equal(
      triggerReason(stats(50, 50, 100), quiet, DEFAULT_GATES),
      "error rate 100.0% (50 of 50) over 2 min is above 5%",
    );
  });
});

describe("release gates: describing a window", () => {
  it("says when there were no requests, and the rate, counts and p95 otherwise", () => {
    assert.equal(errorRatePercent(stats(0, 0)), undefined);
    assert.equal(describeStats(stats(0, 0)), "no requests");
    assert.equal(errorRatePercent(stats(500, 16, 412.4)), 3.2);
    assert.equal(describeStats(stats(500, 16, 412.4)), "3.2% errors (16 of 500), p95 412 ms");
    assert.equal(describeStats(stats(3, 0)), "0.0% errors (0 of 3), p95 n/a");
  });
});
