// Verification over HTTP (release/verify.ts): every smoke path must answer 2xx; a cold start is
// retried for coldStartMs, then verification fails with the exact message.
import * as assert from "node:assert/strict";
import { HttpChecker, HttpResult } from "../../release/ports";
import { CheckFailed } from "../../release/traffic";
import { healthOnce, verifyUrl } from "../../release/verify";
import {
  DOMAIN,
  GREEN_REVISION,
  START,
  bareDeps,
  blueLiveGreenIdle,
  closeWorlds,
  engineDeps,
  putApp,
  startWorld,
  BLUE_REVISION,
  BLUE_SUFFIX,
  GREEN_SUFFIX,
  IMAGE_2,
} from "./helpers";

afterEach(closeWorlds);

const GREEN_URL = `https://chatbot-api-prod---green.${DOMAIN}`;
const WHAT = `green (${GREEN_REVISION})`;
const PATHS = ["/health", "/ready"];
const OK: HttpResult = { ok: true, status: 200 };
const TIMEOUT: HttpResult = { ok: false, status: 0, error: "timeout" };
const UNAVAILABLE: HttpResult = { ok: false, status: 503 };

/** Answers by URL and virtual time; keeps every request as `<seconds since start>s <url>`. */
function scripted(answer: (url: string, sinceStartMs: number) => HttpResult) {
  const requests: string[] = [];
  const make = (clock: { now(): number }): HttpChecker => ({
    get: async (url) => {
      const since = clock.now() - START;
      requests.push(`${since / 1000}s ${url}`);
      return answer(url, since);
    },
  });
  return { requests, make };
}

describe("verifyUrl", () => {
  it("passes when every path answers 2xx, joining the paths to the URL", async () => {
    // given: a base URL with a trailing slash
    const http = scripted(() => OK);
    const { deps, report } = bareDeps(http.make);

    // when
    await verifyUrl(deps, WHAT, `${GREEN_URL}/`, PATHS);

    // then
    assert.deepEqual(http.requests, [`0s ${GREEN_URL}/health`, `0s ${GREEN_URL}/ready`]);
    assert.deepEqual(report.out, [
      `verified ${WHAT}: GET ${GREEN_URL}/health, GET ${GREEN_URL}/ready answered 2xx`,
    ]);
  });

  it("retries every verifyRetryMs while a revision wakes up, then passes", async () => {
    // given: no answer for the first 25 s
    const http = scripted((_url, since) => (since < 25_000 ? TIMEOUT : OK));
    const { deps, report, clock } = bareDeps(http.make);
    const waking = (waited: number) =>
      `${WHAT} not answering yet (GET ${GREEN_URL}/health -> timeout, GET ${GREEN_URL}/ready -> timeout); a scaled-to-zero revision is waking up: retry in 10s (${waited}s of 180s)`;

    // when
    await verifyUrl(deps, WHAT, GREEN_URL, PATHS);

    // then
    assert.equal(clock.now(), START + 30_000);
    assert.deepEqual(report.out, [
      waking(0),
      waking(10),
      waking(20),
      `verified ${WHAT}: GET ${GREEN_URL}/health, GET ${GREEN_URL}/ready answered 2xx`,
    ]);
  });

  it("fails after coldStartMs of failed attempts with the exact message", async () => {
    // given: /health never answers, /ready answers 503
    const http = scripted((url) => (url.endsWith("/health") ? TIMEOUT : UNAVAILABLE));
    const { deps, clock } = bareDeps(http.make);

    // when / then: attempts at 0, 10, ..., 180 s
    await assert.rejects(verifyUrl(deps, WHAT, GREEN_URL, PATHS), (err: unknown) => {
      assert.ok(err instanceof CheckFailed);
      assert.equal(
        err.message,
        `verification of ${WHAT} failed after 19 attempts over 180s: GET ${GREEN_URL}/health -> timeout, GET ${GREEN_URL}/ready -> HTTP 503`,
      );
      return true;
    });
    assert.equal(clock.now(), START + 180_000);
    assert.equal(http.requests.length, 38);
  });

  it("fails without a request when there is no URL", async () => {
    // given
    const http = scripted(() => OK);
    const { deps } = bareDeps(http.make);

    // when / then
    await assert.rejects(verifyUrl(deps, WHAT, "", PATHS), (err: unknown) => {
      assert.ok(err instanceof CheckFailed);
      assert.equal(err.message, `${WHAT} has no URL (the app reports no ingress FQDN)`);
      return true;
    });
    assert.deepEqual(http.requests, []);
  });

  it("stops retrying when the command is interrupted", async () => {
    // given
    const controller = new AbortController();
    const reason = new Error("SIGTERM");
    const http = scripted(() => {
      controller.abort(reason);
      return TIMEOUT;
    });
    const { deps } = bareDeps(http.make, { signal: controller.signal });

    // when / then
    await assert.rejects(verifyUrl(deps, WHAT, GREEN_URL, PATHS), (err: unknown) => err === reason);
    assert.deepEqual(http.requests, [`0s ${GREEN_URL}/health`, `0s ${GREEN_URL}/ready`]);
  });

  it("waits out the cold start of a scaled-to-zero revision in the model", async () => {
    // given: green scales to zero; the model's cold start takes 20 s
    const world = await startWorld({ coldStartMs: 20_000 });
    await putApp(world, {
      suffix: BLUE_SUFFIX,
      traffic: [{ revisionName: BLUE_REVISION, weight: 100, label: "blue" }],
    });
    await putApp(world, {
      suffix: GREEN_SUFFIX,
      image: IMAGE_2,
      minReplicas: 0,
      traffic: [
        { revisionName: BLUE_REVISION, weight: 100, label: "blue" },
        { revisionName: GREEN_REVISION, weight: 0, label: "green" },
      ],
    });
    world.clock.advance(60_000);
    const { deps, report } = engineDeps(world);

    // when
    await verifyUrl(deps, WHAT, GREEN_URL, PATHS);

    // then: the first request wakes it, the third attempt finds it awake
    assert.equal(world.clock.now(), START + 80_000);
    assert.equal(report.out.length, 3);
    assert.equal(
      report.out[2],
      `verified ${WHAT}: GET ${GREEN_URL}/health, GET ${GREEN_URL}/ready answered 2xx`,
    );
  });
});

describe("healthOnce", () => {
  it("returns one failure per path that did not answer 2xx, in path order", async () => {
    // given
    const http = scripted((url) =>
      url.endsWith("/a") ? UNAVAILABLE : url.endsWith("/b") ? OK : TIMEOUT,
    );
    const { deps } = bareDeps(http.make);

    // when
    const failures = await healthOnce(deps, GREEN_URL, ["/a", "/b", "/c"]);

    // then
    assert.deepEqual(failures, [`GET ${GREEN_URL}/a -> HTTP 503`, `GET ${GREEN_URL}/c -> timeout`]);
  });

  it("returns no failure when the model's running revision answers", async () => {
    // given
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    const { deps } = engineDeps(world);

    // when / then
    assert.deepEqual(await healthOnce(deps, GREEN_URL, PATHS), []);
  });
});
