import * as assert from "node:assert/strict";
import { DEFAULT_SMOKE_PATHS, runRelease } from "../../release/orchestrator";
import { EXIT, StackLockedError } from "../../release/ports";
import {
  APP,
  BLUE_ONLY,
  BLUE_URL,
  BOTH,
  DIGEST,
  DIGEST2,
  FakeHttp,
  FakeReadiness,
  FakeWorkspace,
  GREEN_URL,
  HTTP_503,
  PROVISIONING,
  RG,
  harness,
} from "./fakes";

const DIGEST3 = `acr.azurecr.io/chatbot-api@sha256:${"c".repeat(64)}`;

function deployCommand(version: string, image: string, slot?: "blue" | "green") {
  return {
    kind: "deploy" as const,
    version,
    image,
    ...(slot === undefined ? {} : { slot }),
    smokePaths: DEFAULT_SMOKE_PATHS,
  };
}

describe("release deploy", () => {
  it("first deploy: writes blue as live and latest, runs up, checks blue, leaves no verified marker", async () => {
    // given a stack with no release block
    const h = harness(new FakeWorkspace(undefined));

    // when 1.0.0 is deployed
    const code = await runRelease(deployCommand("1.0.0", DIGEST), h.deps);

    // then blue holds 1.0.0 at 100% and was smoke-checked
    assert.equal(code, EXIT.ok);
    const written = {
      live: "blue",
      latest: "blue",
      canaryPercent: 0,
      blue: { version: "1.0.0", image: DIGEST },
    };
    assert.deepEqual(h.workspace.calls, [
      `write ${JSON.stringify(written)}`,
      "up release: deploy 1.0.0 to blue",
      "verified (cleared)",
    ]);
    assert.deepEqual(h.readiness.asked, [
      { resourceGroup: RG, appName: APP, revision: `${APP}--v1-0-0` },
    ]);
    assert.deepEqual(h.http.requests, [`${BLUE_URL}/health`, `${BLUE_URL}/ready`]);
    assert.deepEqual(h.out, [
      `revision ${APP}--v1-0-0 is ready`,
      `smoke check passed: GET ${BLUE_URL}/health`,
      `smoke check passed: GET ${BLUE_URL}/ready`,
      "deployed 1.0.0 to blue: first release, blue is live at 100%",
    ]);
    assert.equal(h.workspace.verified, undefined);
  });

  it("deploys to the idle slot: green gets the version, becomes latest, live traffic unchanged, verified", async () => {
    // given blue live and green empty
    const h = harness(new FakeWorkspace(BLUE_ONLY));

    // when 3f2a9c1 is deployed
    const code = await runRelease(deployCommand("3f2a9c1", DIGEST2), h.deps);

    // then green holds it at 0% and carries the verified marker
    assert.equal(code, EXIT.ok);
    assert.deepEqual(h.workspace.release, {
      ...BLUE_ONLY,
      latest: "green",
      green: { version: "3f2a9c1", image: DIGEST2 },
    });
    assert.equal(h.workspace.calls.filter((c) => c.startsWith("up ")).length, 1);
    assert.deepEqual(
      h.readiness.asked.map((r) => r.revision),
      [`${APP}--v3f2a9c1`],
    );
    assert.deepEqual(h.http.requests, [`${GREEN_URL}/health`, `${GREEN_URL}/ready`]);
    assert.equal(h.workspace.verified, "green:3f2a9c1");
    assert.deepEqual(h.workspace.upLocks, ["deploy by ci run 42"]);
    assert.deepEqual(h.workspace.locks, ["deploy by ci run 42", undefined]);
    assert.equal(
      h.out[h.out.length - 1],
      "deployed 3f2a9c1 to green: verified at 0% traffic; live stays blue (1.4.2); next: npm run release -- promote --stack prod",
    );
  });

  it("deploys over a previously deployed idle slot (blue live, green holds an older version)", async () => {
    // given green holds 1.5.0 (not live)
    const h = harness(new FakeWorkspace(BOTH));

    // when 1.6.0 is deployed
    const code = await runRelease(deployCommand("1.6.0", DIGEST3), h.deps);

    // then green is replaced and blue untouched
    assert.equal(code, EXIT.ok);
    assert.deepEqual(h.workspace.release, { ...BOTH, green: { version: "1.6.0", image: DIGEST3 } });
  });

  it("waits for the revision with the injected clock until it is ready", async () => {
    // given a revision that is provisioning for two polls
    const readiness = new FakeReadiness([
      PROVISIONING,
      PROVISIONING,
      { provisioningState: "Provisioned", runningState: "RunningAtMaxScale" },
    ]);
    const h = harness(new FakeWorkspace(BLUE_ONLY), { readiness });

    // when deployed
    const code = await runRelease(deployCommand("1.5.0", DIGEST2), h.deps);

    // then it polled three times, sleeping 15 s between polls
    assert.equal(code, EXIT.ok);
    assert.equal(readiness.asked.length, 3);
    assert.deepEqual(h.sleeps, [15_000, 15_000]);
  });

  it("fails when the smoke check fails: exit 1, no verified marker, live and canary unchanged", async () => {
    // given green's /ready answers 503 every time
    const http = new FakeHttp().answer(`${GREEN_URL}/ready`, HTTP_503);
    const h = harness(new FakeWorkspace(BLUE_ONLY), { http });

    // when deployed
    const code = await runRelease(deployCommand("1.5.0", DIGEST2), h.deps);

    // then three attempts, 10 s apart, and a clear error; no promotion
    assert.equal(code, EXIT.checkFailed);
    assert.deepEqual(h.http.requests, [
      `${GREEN_URL}/health`,
      `${GREEN_URL}/ready`,
      `${GREEN_URL}/ready`,
      `${GREEN_URL}/ready`,
    ]);
    assert.deepEqual(h.sleeps, [10_000, 10_000]);
    assert.deepEqual(h.err, [
      `error: smoke check failed: GET ${GREEN_URL}/ready -> HTTP 503 after 3 attempts; green is not verified and gets no more traffic than before (live stays blue)`,
    ]);
    assert.equal(h.workspace.verified, undefined);
    assert.deepEqual(h.workspace.release, {
      ...BLUE_ONLY,
      latest: "green",
      green: { version: "1.5.0", image: DIGEST2 },
    });
  });

  it("passes the smoke check after a cold-start failure", async () => {
    // given green's /health fails once with a network error, then answers 200
    const http = new FakeHttp().answer(
      `${GREEN_URL}/health`,
      { ok: false, status: 0, error: "ECONNRESET" },
      { ok: true, status: 200 },
    );
    const h = harness(new FakeWorkspace(BLUE_ONLY), { http });

    // when deployed
    const code = await runRelease(deployCommand("1.5.0", DIGEST2), h.deps);

    // then it is verified
    assert.equal(code, EXIT.ok);
    assert.equal(h.workspace.verified, "green:1.5.0");
  });

  it("fails when the first release's smoke check fails", async () => {
    // given blue's /health answers 500
    const http = new FakeHttp().answer(`${BLUE_URL}/health`, { ok: false, status: 500 });
    const h = harness(new FakeWorkspace(undefined), { http });

    // when the first release is deployed
    const code = await runRelease(deployCommand("1.0.0", DIGEST), h.deps);

    // then
    assert.equal(code, EXIT.checkFailed);
    assert.deepEqual(h.err, [
      `error: smoke check failed: GET ${BLUE_URL}/health -> HTTP 500 after 3 attempts; the first release in blue is not verified`,
    ]);
  });

  it("fails when the revision does not become ready in time", async () => {
    // given a revision that never leaves provisioning
    const h = harness(new FakeWorkspace(BLUE_ONLY), {
      readiness: new FakeReadiness([PROVISIONING]),
    });

    // when deployed
    const code = await runRelease(deployCommand("1.5.0", DIGEST2), h.deps);

    // then it gave up after 600 s (40 polls of 15 s) and never smoke-checked
    assert.equal(code, EXIT.checkFailed);
    assert.equal(h.sleeps.length, 40);
    assert.deepEqual(h.http.requests, []);
    assert.deepEqual(h.err, [
      `error: revision ${APP}--v1-5-0 not ready after 600s (provisioningState Provisioning, runningState Processing); green is not verified and gets no more traffic than before (live stays blue)`,
    ]);
  });

  it("fails when Azure reports the revision failed", async () => {
    // given a failed revision
    const readiness = new FakeReadiness([{ provisioningState: "Failed", runningState: "Unknown" }]);
    const h = harness(new FakeWorkspace(BLUE_ONLY), { readiness });

    // when deployed
    const code = await runRelease(deployCommand("1.5.0", DIGEST2), h.deps);

    // then
    assert.equal(code, EXIT.checkFailed);
    assert.deepEqual(h.err, [
      `error: revision ${APP}--v1-5-0 failed (provisioningState Failed, runningState Unknown); green is not verified and gets no more traffic than before (live stays blue)`,
    ]);
  });

  it("fails when a stack output the release needs is missing", async () => {
    // given outputs without containerAppName
    const h = harness(new FakeWorkspace(BLUE_ONLY, undefined, { resourceGroupName: RG }));

    // when deployed
    const code = await runRelease(deployCommand("1.5.0", DIGEST2), h.deps);

    // then
    assert.equal(code, EXIT.checkFailed);
    assert.deepEqual(h.err, [
      "error: stack output `containerAppName` is missing; run `pulumi up` for the stack first; green is not verified and gets no more traffic than before (live stays blue)",
    ]);
  });

  it("fails when the idle slot has no label URL", async () => {
    // given an empty greenLabelUrl output
    const h = harness(
      new FakeWorkspace(BLUE_ONLY, undefined, {
        containerAppName: APP,
        resourceGroupName: RG,
        greenLabelUrl: "",
      }),
    );

    // when deployed
    const code = await runRelease(deployCommand("1.5.0", DIGEST2), h.deps);

    // then
    assert.equal(code, EXIT.checkFailed);
    assert.deepEqual(h.err, [
      "error: stack output `greenLabelUrl` is empty; green is not verified and gets no more traffic than before (live stays blue)",
    ]);
  });

  it("refuses a deploy over the live slot and changes nothing", async () => {
    // given blue live
    const h = harness(new FakeWorkspace(BOTH, "green:1.5.0"));

    // when deploying explicitly to blue
    const code = await runRelease(deployCommand("1.6.0", DIGEST3, "blue"), h.deps);

    // then
    assert.equal(code, EXIT.refused);
    assert.deepEqual(h.workspace.calls, []);
    assert.deepEqual(h.err, [
      "refused: slot blue is live (version 1.4.2); deploy to the idle slot green; nothing changed",
    ]);
  });

  for (const [version, slot, suffix] of [
    ["1.4.2", "blue", "v1-4-2"],
    ["1.5.0", "green", "v1-5-0"],
    ["1.5_0", "green", "v1-5-0"],
  ] as const) {
    it(`refuses version ${version}, already deployed in ${slot}, and changes nothing`, async () => {
      // given blue 1.4.2 and green 1.5.0
      const h = harness(new FakeWorkspace(BOTH));

      // when the version is deployed again
      const code = await runRelease(deployCommand(version, DIGEST3), h.deps);

      // then
      assert.equal(code, EXIT.refused);
      assert.deepEqual(h.workspace.calls, []);
      assert.deepEqual(h.err, [
        `refused: version ${version} is already deployed in slot ${slot} (revision suffix ${suffix}); Azure keeps a revision suffix for the app's lifetime, so release a new version; nothing changed`,
      ]);
    });
  }

  it("refuses when another update holds the stack lock and changes nothing", async () => {
    // given an update in progress
    const workspace = new FakeWorkspace(BLUE_ONLY);
    workspace.inProgress = true;
    const h = harness(workspace);

    // when deployed
    const code = await runRelease(deployCommand("1.5.0", DIGEST2), h.deps);

    // then
    assert.equal(code, EXIT.refused);
    assert.deepEqual(h.workspace.calls, []);
    assert.deepEqual(h.workspace.locks, []);
    assert.deepEqual(h.err, [
      "refused: another update is in progress on stack prod (stack lock); nothing changed",
    ]);
  });

  it("refuses when up hits the stack lock (concurrent release) and restores the config", async () => {
    // given a concurrent update that takes the lock between the check and up, green verified
    const workspace = new FakeWorkspace(BOTH, "green:1.5.0");
    workspace.upFailures = [new StackLockedError("[409] Conflict")];
    const h = harness(workspace);

    // when deployed
    const code = await runRelease(deployCommand("1.6.0", DIGEST3), h.deps);

    // then the release block and the verified marker are back as they were
    assert.equal(code, EXIT.refused);
    assert.deepEqual(h.workspace.release, BOTH);
    assert.equal(h.workspace.verified, "green:1.5.0");
    assert.equal(h.workspace.calls[h.workspace.calls.length - 1], `write ${JSON.stringify(BOTH)}`);
    assert.deepEqual(h.err, [
      "refused: another update is in progress on stack prod (stack lock); the release config was restored",
    ]);
  });

  it("fails when up fails and restores the config", async () => {
    // given up fails
    const workspace = new FakeWorkspace(BLUE_ONLY);
    workspace.upFailures = [new Error("AuthorizationFailed")];
    const h = harness(workspace);

    // when deployed
    const code = await runRelease(deployCommand("1.5.0", DIGEST2), h.deps);

    // then
    assert.equal(code, EXIT.upFailed);
    assert.deepEqual(h.workspace.release, BLUE_ONLY);
    assert.deepEqual(h.err, [
      "error: pulumi up failed on stack prod: AuthorizationFailed; the release config was restored",
    ]);
  });

  it("restores the absent release block when the first deploy's up fails", async () => {
    // given no release and a failing up
    const workspace = new FakeWorkspace(undefined);
    workspace.upFailures = [new Error("boom")];
    const h = harness(workspace);

    // when deployed
    const code = await runRelease(deployCommand("1.0.0", DIGEST), h.deps);

    // then the key is removed again
    assert.equal(code, EXIT.upFailed);
    assert.equal(h.workspace.release, undefined);
    assert.equal(h.workspace.calls[h.workspace.calls.length - 1], "write undefined");
  });

  it("fails when prod gets an image that is not a digest", async () => {
    // given the prod stack
    const h = harness(new FakeWorkspace(BLUE_ONLY));

    // when a tag is deployed
    const code = await runRelease(
      deployCommand("1.5.0", "acr.azurecr.io/chatbot-api:1.5.0"),
      h.deps,
    );

    // then
    assert.equal(code, EXIT.usage);
    assert.deepEqual(h.workspace.calls, []);
    assert.deepEqual(h.err, [
      "error: `--image` must be a digest (<registry>/<repository>@sha256:<64 hex>) on stack prod, got acr.azurecr.io/chatbot-api:1.5.0",
    ]);
  });

  it("accepts a tag outside prod", async () => {
    // given the dev stack
    const h = harness(new FakeWorkspace(BLUE_ONLY, undefined, undefined, "dev"));

    // when a tag is deployed
    const code = await runRelease(
      deployCommand("1.5.0", "acr.azurecr.io/chatbot-api:1.5.0"),
      h.deps,
    );

    // then
    assert.equal(code, EXIT.ok);
  });

  it("fails when the release block is malformed and changes nothing", async () => {
    // given live names an empty slot
    const h = harness(new FakeWorkspace({ live: "green", blue: { version: "1", image: DIGEST } }));

    // when deployed
    const code = await runRelease(deployCommand("1.5.0", DIGEST2), h.deps);

    // then
    assert.equal(code, EXIT.usage);
    assert.deepEqual(h.workspace.calls, []);
    assert.deepEqual(h.err, [
      'error: Invalid `chatbot-platform:release.live`: received "green"; the slot `green` holds no version; set `release.green` first.',
    ]);
  });

  it("lets unexpected errors through", async () => {
    // given a workspace whose outputs call throws a non-check error
    const workspace = new FakeWorkspace(BLUE_ONLY);
    workspace.outputs = async () => {
      throw new TypeError("backend unreachable");
    };
    const h = harness(workspace);

    // when / then
    await assert.rejects(
      runRelease(deployCommand("1.5.0", DIGEST2), h.deps),
      /backend unreachable/,
    );
    assert.equal(h.workspace.lock, undefined);
  });
});
