/**
 * Release faults beyond the built-in drill, each run end to end against the model of Azure (the
 * real program, engine and SDK clients): the exit code, where traffic ends and what is printed.
 */
import * as assert from "node:assert/strict";
import { runScenario } from "../../drill/runner";
import { Scenario, ScenarioStep } from "../../drill/scenario";

const IMAGE = (version: string) => `chatbotregistry.azurecr.io/chatbot-api:${version}`;
const CREATE: ScenarioStep = { up: {}, expect: { exit: 0 } };
const DEPLOY: ScenarioStep = {
  release: `deploy --version 1.5.0 --image ${IMAGE("1.5.0")}`,
  expect: { exit: 0 },
};

function scenario(id: string, rest: Omit<Scenario, "id" | "title" | "before">): Scenario {
  return { id, title: id, before: "", ...rest };
}

describe("release faults", function () {
  this.timeout(60_000);

  it("rides out throttled telemetry reads (429 twice) and still promotes", async () => {
    const result = await runScenario(
      scenario("throttled-telemetry", {
        steps: [
          CREATE,
          DEPLOY,
          {
            release: "promote --steps 10,100 --pause 5m",
            faults: [
              {
                method: "POST",
                path: "/query$",
                status: 429,
                code: "TooManyRequests",
                times: 6,
                retryAfterMs: 1,
              },
            ],
            expect: { exit: 0, output: "telemetry read failed" },
          },
        ],
        expect: { traffic: { blue: 0, green: 100 }, live: "green", activeRevisions: 2 },
      }),
    );
    assert.deepEqual(result.problems, []);
    assert.equal(result.exit, 0);
  });

  it("retries a 409 Conflict on a traffic write and still promotes", async () => {
    const result = await runScenario(
      scenario("conflict-on-traffic", {
        steps: [
          CREATE,
          DEPLOY,
          {
            release: "promote --steps 100",
            faults: [
              {
                method: "PATCH",
                path: "/containerApps/[^/]+$",
                status: 409,
                code: "Conflict",
                message: "Another operation is in progress.",
                times: 2,
              },
            ],
            expect: { exit: 0, output: "409 Conflict" },
          },
        ],
        expect: { traffic: { blue: 0, green: 100 }, live: "green" },
      }),
    );
    assert.deepEqual(result.problems, []);
  });

  it("gates a plain promote: the default canary steps roll a failing version back (exit 1)", async () => {
    const result = await runScenario(
      scenario("default-promote-is-gated", {
        images: { [IMAGE("1.5.0")]: { errorRate: 0.3 } },
        steps: [
          CREATE,
          DEPLOY,
          { release: "promote", expect: { exit: 1, output: "rollback trigger: error rate" } },
        ],
        expect: { traffic: { blue: 100, green: 0 }, live: "blue" },
      }),
    );
    assert.deepEqual(result.problems, []);
    assert.equal(result.exit, 1);
    assert.match(result.summary, /^promotion of green failed: rollback trigger: error rate/);
    assert.ok(result.output.some((line) => line.includes("step 10%")));
  });

  it("fails (refused, exit 3) a deploy when Azure's traffic is not what the stack file says", async () => {
    const result = await runScenario(
      scenario("deploy-after-outside-change", {
        steps: [
          CREATE,
          DEPLOY,
          // A canary share set in the file by hand: Azure still serves 100/0, and the
          // generation was released with no canary.
          { config: { "release.canaryPercent": 20 } },
          {
            release: `deploy --version 1.6.0 --image ${IMAGE("1.6.0")}`,
            expect: { exit: 3, output: "the block was edited without the release command" },
          },
        ],
        expect: { traffic: { blue: 100, green: 0 }, live: "blue", activeRevisions: 2 },
      }),
    );
    assert.deepEqual(result.problems, []);
  });

  it("keeps serving the live slot when a rollback's target cannot serve (refused, exit 3)", async () => {
    const result = await runScenario(
      scenario("rollback-to-failed-revision", {
        steps: [
          CREATE,
          DEPLOY,
          { release: "promote --steps 100", expect: { exit: 0 } },
          { images: { [IMAGE("1.4.2")]: { failsToStart: true } } },
          { deactivate: "blue" },
          { release: "rollback", expect: { exit: 3, output: "cannot serve" } },
        ],
        expect: { traffic: { blue: 0, green: 100 }, live: "green" },
      }),
    );
    assert.deepEqual(result.problems, [], result.output.join("\n"));
  });

  it("rolls back when traffic is changed outside the release during a step (exit 1)", async () => {
    const result = await runScenario(
      scenario("traffic-changed-during-canary", {
        steps: [
          CREATE,
          DEPLOY,
          {
            release: "promote --steps 10,100 --pause 5m",
            during: { after: "step 10%", do: [{ traffic: { blue: 50, green: 50 } }] },
            expect: { exit: 1, output: "traffic was changed outside the release" },
          },
        ],
        expect: { traffic: { blue: 100, green: 0 }, live: "blue" },
      }),
    );
    assert.deepEqual(result.problems, [], result.output.join("\n"));
  });
});
