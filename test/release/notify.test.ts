// Release notifications (release/notify.ts, release/webhook.ts, releaseNotifier in main.ts): the
// payload, the queue that never fails or holds up a release, the webhook adapter's retries and
// Retry-After, where the URL comes from, and the events a command sends.
import * as assert from "node:assert/strict";
import { releaseNotifier } from "../../release/main";
import { NotificationQueue, releaseNotification } from "../../release/notify";
import { runRelease } from "../../release/orchestrator";
import { ReleaseNotification } from "../../release/ports";
import {
  WEBHOOK_MAX_RETRY_AFTER_MS,
  WebhookNotifier,
  retryAfterMs,
  webhookHost,
} from "../../release/webhook";
import {
  BLUE_LIVE_GREEN_IDLE,
  BLUE_SUFFIX,
  GREEN_REVISION,
  GREEN_SUFFIX,
  IMAGE_1,
  IMAGE_2,
  MemoryWorkspace,
  Recorder,
  STACK_OUTPUTS,
  blueLiveGreenIdle,
  closeWorlds,
  engineDeps,
  outputsWithout,
  startWorld,
} from "./helpers";

afterEach(closeWorlds);

const URL_ = "https://hooks.slack.com/services/T000/B000/secretpart";
const AT = Date.parse("2026-11-29T10:05:00Z");
const SAMPLE = releaseNotification(
  "promote-step",
  "prod",
  { ...BLUE_LIVE_GREEN_IDLE, canaryPercent: 10, generation: 3 },
  { version: "1.5.0", text: "promote 1.5.0: step 10%, green gets 10% of traffic", step: 10 },
  AT,
);

/** A fetch that answers from a list and records each request. */
function scriptedFetch(answers: (Response | Error)[]) {
  const requests: { url: string; init: RequestInit }[] = [];
  const fetchFn = (async (url: string, init: RequestInit) => {
    requests.push({ url, init });
    const next = answers.shift();
    if (next === undefined) {
      throw new Error("unexpected request");
    }
    if (next instanceof Error) {
      throw next;
    }
    return next;
  }) as unknown as typeof fetch;
  return { requests, fetchFn };
}

describe("release notifications: payload", () => {
  it("carries the event, stack, version, slots, traffic, reason, timestamp and a Slack text", () => {
    assert.deepEqual(SAMPLE, {
      event: "promote-step",
      stack: "prod",
      version: "1.5.0",
      slots: {
        live: "blue",
        blue: { version: "1.4.2", image: IMAGE_1, revision: BLUE_SUFFIX },
        green: { version: "1.5.0", image: IMAGE_2, revision: GREEN_SUFFIX },
      },
      traffic: { blue: 90, green: 10 },
      reason: null,
      step: 10,
      timestamp: "2026-11-29T10:05:00.000Z",
      text: "[prod] promote 1.5.0: step 10%, green gets 10% of traffic",
    });
  });

  it("shows an empty slot as null with no traffic, and a failure's exit code and reason", () => {
    const failure = releaseNotification(
      "failure",
      "dev",
      { live: "blue", canaryPercent: 0, generation: 0, blue: { version: "1.0", image: IMAGE_1 } },
      { version: "1.0", text: "deploy 1.0 failed (exit 1): x", reason: "x", exitCode: 1 },
      AT,
    );
    assert.deepEqual(failure.slots, {
      live: "blue",
      blue: { version: "1.0", image: IMAGE_1 },
      green: null,
    });
    assert.deepEqual(failure.traffic, { blue: 100, green: 0 });
    assert.equal(failure.exitCode, 1);
    assert.equal(failure.reason, "x");
  });
});

describe("release notifications: the queue", () => {
  it("posts in order without holding up the caller, and a failed post is a warning", async () => {
    // given: a webhook that is slow (held until released) and whose second post fails
    const posted: string[] = [];
    let calls = 0;
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const report = new Recorder();
    const queue = new NotificationQueue(
      {
        send: async (n) => {
          await held;
          calls++;
          if (calls === 2) {
            throw new Error("hooks.slack.com answered 500 after 3 attempts");
          }
          posted.push(n.text);
        },
      },
      report,
    );

    // when
    await queue.send({ ...SAMPLE, text: "one" });
    await queue.send({ ...SAMPLE, event: "rollback", text: "two" });
    await queue.send({ ...SAMPLE, text: "three" });
    // then: the sender went on while the webhook held the first post
    assert.deepEqual(posted, []);
    release();
    const left = await queue.flush(5_000);

    // then
    assert.equal(left, 0);
    assert.deepEqual(posted, ["one", "three"]);
    assert.deepEqual(report.err, [
      "warning: the rollback notification was not delivered (hooks.slack.com answered 500 after 3 attempts); the release goes on",
    ]);
  });

  it("gives up waiting after the flush time and says how many were not delivered", async () => {
    const report = new Recorder();
    const queue = new NotificationQueue({ send: () => new Promise<void>(() => undefined) }, report);
    await queue.send(SAMPLE);
    await queue.send(SAMPLE);
    assert.equal(await queue.flush(10), 2);
    assert.deepEqual(report.err, [
      "warning: 2 release notification(s) not delivered within 0s; the release is not affected",
    ]);
  });
});

describe("release notifications: the webhook adapter", () => {
  it("POSTs the notification as JSON, once, when the webhook answers 200", async () => {
    const { requests, fetchFn } = scriptedFetch([new Response("ok", { status: 200 })]);
    await new WebhookNotifier(URL_, { fetch: fetchFn }).send(SAMPLE);
    assert.equal(requests.length, 1);
    assert.equal(requests[0].url, URL_);
    assert.equal(requests[0].init.method, "POST");
    assert.deepEqual(requests[0].init.headers, { "content-type": "application/json" });
    assert.deepEqual(JSON.parse(String(requests[0].init.body)), SAMPLE);
    assert.ok(requests[0].init.signal instanceof AbortSignal);
  });

  it("retries a 429 after its Retry-After (seconds, or an HTTP date), capped", async () => {
    const slept: number[] = [];
    const { requests, fetchFn } = scriptedFetch([
      new Response("", { status: 429, headers: { "Retry-After": "3" } }),
      new Response("", {
        status: 429,
        headers: { "Retry-After": new Date(AT + 120_000).toUTCString() },
      }),
      new Response("ok", { status: 200 }),
    ]);
    const notifier = new WebhookNotifier(URL_, {
      fetch: fetchFn,
      sleep: async (ms) => void slept.push(ms),
      now: () => AT,
    });
    await notifier.send(SAMPLE);
    assert.equal(requests.length, 3);
    assert.deepEqual(slept, [3_000, WEBHOOK_MAX_RETRY_AFTER_MS]);
  });

  it("fails after 2 retries of a 5xx, backing off 1 s then 2 s, naming only the host", async () => {
    const slept: number[] = [];
    const { requests, fetchFn } = scriptedFetch([
      new Response("", { status: 503 }),
      new Response("", { status: 500 }),
      new Response("", { status: 502 }),
    ]);
    const notifier = new WebhookNotifier(URL_, {
      fetch: fetchFn,
      sleep: async (ms) => void slept.push(ms),
    });
    await assert.rejects(notifier.send(SAMPLE), {
      message: "hooks.slack.com answered 502 after 3 attempts",
    });
    assert.equal(requests.length, 3);
    assert.deepEqual(slept, [1_000, 2_000]);
  });

  it("fails at once on another answer or a network error, without retrying", async () => {
    const notFound = scriptedFetch([new Response("no_service", { status: 404 })]);
    await assert.rejects(new WebhookNotifier(URL_, { fetch: notFound.fetchFn }).send(SAMPLE), {
      message: "hooks.slack.com answered 404",
    });
    const down = scriptedFetch([new TypeError("fetch failed")]);
    await assert.rejects(new WebhookNotifier(URL_, { fetch: down.fetchFn }).send(SAMPLE), {
      message: "POST to hooks.slack.com failed: fetch failed",
    });
    assert.equal(notFound.requests.length + down.requests.length, 2);
  });

  it("refuses a URL that is not https, without showing it", () => {
    assert.throws(() => new WebhookNotifier("http://hooks.example.com/secret"), {
      message: "the release webhook must be an https:// URL, got one for hooks.example.com",
    });
    assert.equal(webhookHost("not a url"), "(not a URL)");
  });

  it("reads Retry-After as seconds or an HTTP date; anything else is no value", () => {
    assert.equal(retryAfterMs("7", AT), 7_000);
    assert.equal(retryAfterMs(new Date(AT + 4_000).toUTCString(), AT), 4_000);
    assert.equal(retryAfterMs(new Date(AT - 4_000).toUTCString(), AT), 0);
    assert.equal(retryAfterMs("soon", AT), undefined);
    assert.equal(retryAfterMs(null, AT), undefined);
  });
});

describe("release notifications: where the webhook comes from", () => {
  const workspace = (url?: string) => new MemoryWorkspace("prod", { chatWebhook: url });

  it("takes CHATBOT_RELEASE_WEBHOOK_URL first, then the stack's alertWebhooks.slack, else none", async () => {
    const report = new Recorder();
    const fromEnv = await releaseNotifier(
      { CHATBOT_RELEASE_WEBHOOK_URL: URL_ },
      workspace("https://other.example.com/x"),
      report,
    );
    assert.ok(fromEnv instanceof WebhookNotifier);
    assert.ok(
      (await releaseNotifier({}, workspace("https://hooks.slack.com/x"), report)) instanceof
        WebhookNotifier,
    );
    assert.equal(await releaseNotifier({}, workspace(), report), undefined);
    assert.deepEqual(report.err, []);
  });

  it("turns notifications off with a warning when the webhook cannot be read or is not https", async () => {
    const report = new Recorder();
    const broken = workspace();
    broken.readChatWebhook = async () => {
      throw new Error("pulumi config failed");
    };
    assert.equal(await releaseNotifier({}, broken, report), undefined);
    assert.equal(
      await releaseNotifier({ CHATBOT_RELEASE_WEBHOOK_URL: "http://x.example/y" }, broken, report),
      undefined,
    );
    assert.deepEqual(report.err, [
      "warning: cannot read the stack's chat webhook (pulumi config failed); release notifications are off",
      "warning: the release webhook must be an https:// URL, got one for x.example; release notifications are off",
    ]);
  });
});

describe("release notifications: what a command sends", () => {
  it("a rollback command sends one rollback event with the state it left", async () => {
    // given: green was promoted (live), blue idle
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    await world.azure.setTraffic(
      { resourceGroup: "rg-chatbot-prod", appName: "chatbot-api-prod" },
      [
        { revisionName: GREEN_REVISION, weight: 100, label: "green" },
        { revisionName: `chatbot-api-prod--${BLUE_SUFFIX}`, weight: 0, label: "blue" },
      ],
      3,
    );
    const workspace = new MemoryWorkspace("prod", {
      release: { ...BLUE_LIVE_GREEN_IDLE, live: "green", generation: 3 },
      outputs: { ...STACK_OUTPUTS },
    });
    const sent: ReleaseNotification[] = [];
    const { deps } = engineDeps(world, workspace, {
      notifier: { send: async (n) => void sent.push(n) },
    });

    // when
    assert.equal(await runRelease({ kind: "rollback" }, deps), 0);

    // then
    assert.deepEqual(
      sent.map((n) => [n.event, n.version, n.traffic, n.reason, n.text]),
      [
        [
          "rollback",
          "1.4.2",
          { blue: 100, green: 0 },
          "rollback command",
          "[prod] rolled back by command: blue (1.4.2) is live at 100%",
        ],
      ],
    );
  });

  it("a failed promotion sends its step, the automatic rollback and the failure (exit 1)", async () => {
    // given: the gates cannot read telemetry, so the 10% step fails
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    const workspace = new MemoryWorkspace("prod", {
      release: BLUE_LIVE_GREEN_IDLE,
      outputs: outputsWithout("logAnalyticsWorkspaceId"),
      verified: `green:${GREEN_REVISION}`,
    });
    const sent: ReleaseNotification[] = [];
    const { deps } = engineDeps(world, workspace, {
      notifier: { send: async (n) => void sent.push(n) },
    });

    // when
    const code = await runRelease(
      { kind: "promote", steps: [10, 100], pauseMs: 120_000, smokePaths: ["/health"] },
      deps,
    );

    // then
    assert.equal(code, 1);
    const why =
      "the stack exports no `logAnalyticsWorkspaceId`: the gates cannot read the candidate's requests (run pulumi up once to add the output)";
    assert.deepEqual(
      sent.map((n) => [n.event, n.traffic, n.reason, n.exitCode]),
      [
        ["promote-step", { blue: 90, green: 10 }, null, undefined],
        ["rollback", { blue: 100, green: 0 }, why, undefined],
        ["failure", { blue: 100, green: 0 }, `promotion of green failed: ${why}`, 1],
      ],
    );
    assert.equal(
      sent[2].text,
      `[prod] promote 1.5.0 failed (exit 1): promotion of green failed: ${why}`,
    );
  });
});
