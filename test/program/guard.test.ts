import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import {
  DeployedApp,
  DeployedRelease,
  deployedGeneration,
  deployedRelease,
  GENERATION_TAG,
  TRAFFIC_TAG,
  ReleaseEditedError,
  parseTrafficTag,
  releasedTraffic,
  trafficOfWeights,
  trafficTagValue,
  GuardTarget,
  isNotFound,
  readDeployedRelease,
  reconcileRelease,
  ReleaseBehindError,
} from "../../lib/guard";
import { parseSuffix, Release, SlotRelease } from "../../lib/release";
import { invokeError, simulateStack } from "../../simulator/simulate";
import {
  appTemplate,
  appTraffic,
  containerAppFound,
  GET_CONTAINER_APP,
  inventory,
  newRevisionSuffix,
  platformApp,
  releaseOf,
  runDeployedStack,
  runProgram,
  runStack,
  stackConfig,
} from "../helpers/simulation";

const TARGET: GuardTarget = {
  stack: "prod",
  resourceGroup: "rg-chatbot-prod",
  appName: "chatbot-api-prod",
};
const blue: SlotRelease = {
  version: "1.4.2",
  image: "acr.azurecr.io/chatbot-api:1.4.2",
  suffix: "v1-4-2",
};
const green: SlotRelease = {
  version: "1.5.0",
  image: "acr.azurecr.io/chatbot-api:1.5.0",
  suffix: "v1-5-0",
};

/** Runs `read` under the mocks, `getContainerApp` answered by `call` (default: not found). */
async function underMocks<T>(
  read: () => Promise<T>,
  call?: (args: pulumi.runtime.MockCallArgs) => Promise<Record<string, unknown>> | undefined,
): Promise<T> {
  let value: T | undefined;
  await simulateStack({
    stack: "prod",
    config: { config: {}, secretKeys: [] },
    call,
    program: async () => {
      value = await read();
      return {};
    },
  });
  return value as T;
}

describe("release guard", () => {
  it("reads the generation the Container App's tag carries", () => {
    assert.strictEqual(deployedGeneration({ environment: "prod", [GENERATION_TAG]: "5" }), 5);
    assert.strictEqual(deployedGeneration({ [GENERATION_TAG]: "0" }), 0);
  });

  const untagged: (Record<string, string> | undefined)[] = [
    undefined,
    {},
    { [GENERATION_TAG]: "v5" },
    { [GENERATION_TAG]: "" },
  ];
  for (const tags of untagged) {
    it(`reads no generation from the tags ${JSON.stringify(tags)}`, () => {
      assert.strictEqual(deployedGeneration(tags), undefined);
    });
  }

  for (const value of ["-1", "5.0", " 5"]) {
    it(`reads no generation from the tag value ${JSON.stringify(value)}`, () => {
      assert.strictEqual(deployedGeneration({ [GENERATION_TAG]: value }), undefined);
    });
  }

  it("reads the revision each label points at and the generation of a deployed app", () => {
    // given an app with both labels, an unlabelled revision and labels it does not own
    const deployed: DeployedApp = {
      tags: { environment: "prod", [GENERATION_TAG]: "5" },
      configuration: {
        ingress: {
          traffic: [
            { revisionName: "chatbot-api-prod--v1-4-2-3f9a2cg4", label: "blue" },
            { revisionName: "chatbot-api-prod--v1-5-0-0b1c2dg5", label: "green" },
            { revisionName: "chatbot-api-prod--v1-3-0" },
            { revisionName: "chatbot-api-prod--v1-2-0", label: "purple" },
          ],
        },
      },
    };
    // then
    assert.deepStrictEqual(deployedRelease("chatbot-api-prod", deployed), {
      generation: 5,
      labels: { blue: "v1-4-2-3f9a2cg4", green: "v1-5-0-0b1c2dg5" },
    });
  });

  it("ignores a label on another app's revision or on an entry without a revision name", () => {
    const deployed: DeployedApp = {
      configuration: {
        ingress: {
          traffic: [
            { revisionName: "chatbot-api-staging--v1-4-2", label: "blue" },
            { label: "green" },
          ],
        },
      },
    };
    assert.deepStrictEqual(deployedRelease("chatbot-api-prod", deployed), {
      generation: undefined,
      labels: {},
    });
  });

  it("reads nothing from an app without tags or ingress", () => {
    assert.deepStrictEqual(deployedRelease("chatbot-api-prod", {}), {
      generation: undefined,
      labels: {},
    });
  });

  const notFound: [string, unknown][] = [
    [
      "the offline mocks' answer",
      invokeError(
        "ResourceNotFound: The Resource 'Microsoft.App/containerApps/chatbot-api-prod' under resource group 'rg-chatbot-prod' was not found.",
      ),
    ],
    [
      "a missing resource group",
      new Error("ResourceGroupNotFound: Resource group 'rg-chatbot-prod' could not be found."),
    ],
    ["an HTTP 404", new Error("GET https://management.azure.com/...: 404 Not Found")],
    ["a thrown string", "ResourceNotFound"],
  ];
  for (const [what, err] of notFound) {
    it(`takes ${what} for a new stack`, () => {
      assert.strictEqual(isNotFound(err), true);
    });
  }

  const otherErrors: [string, unknown][] = [
    ["a denied read", new Error("AuthorizationFailed: The client does not have authorization")],
    ["a network failure", new Error("connect ETIMEDOUT 20.0.0.1:443")],
    ["a throttled read", new Error("TooManyRequests: 429")],
  ];
  for (const [what, err] of otherErrors) {
    it(`does not take ${what} for a new stack`, () => {
      assert.strictEqual(isNotFound(err), false);
    });
  }

  describe("reconciling the release block with the deployed app", () => {
    const release: Release = {
      live: "blue",
      latest: "green",
      canaryPercent: 0,
      generation: 5,
      blue: { ...blue, revision: "v1-4-2-3f9a2cg4" },
      green,
    };

    it("applies the block unchanged to a new stack", () => {
      assert.strictEqual(reconcileRelease(release, undefined, TARGET), release);
    });

    it("fails when the block's generation is lower than the deployed one", () => {
      // given an app a release took to generation 6
      const deployed: DeployedRelease = { generation: 6, labels: {} };
      // when / then
      assert.throws(
        () => reconcileRelease(release, deployed, TARGET),
        (err: Error) => {
          assert.ok(err instanceof ReleaseBehindError);
          assert.strictEqual(err.name, "ReleaseBehindError");
          assert.strictEqual(
            err.message,
            "Pulumi.prod.yaml is behind what is deployed: its release block has generation 5, " +
              "the Container App chatbot-api-prod carries generation 6 (a release ran after this " +
              "stack file was written: its commit back failed, or this is an older commit). " +
              "Applying it would move traffic back or overwrite a slot, so nothing was changed. " +
              "Bring the stack file up to date (the release workflow commits it; npm run release " +
              "-- status --stack prod shows what is deployed) and run again.",
          );
          return true;
        },
      );
    });

    it("at the same generation, gives each slot without a recorded revision its label's", () => {
      // given both labels deployed at generation 5; blue's revision recorded in the block
      const deployed: DeployedRelease = {
        generation: 5,
        labels: { blue: "v1-4-2-aaaaaag2", green: "v1-5-0-0b1c2dg5" },
      };
      // when
      const reconciled = reconcileRelease(release, deployed, TARGET);
      // then green takes its label's revision; blue keeps the recorded one
      assert.deepStrictEqual(reconciled, {
        ...release,
        blue: { ...blue, revision: "v1-4-2-3f9a2cg4" },
        green: { ...green, revision: "v1-5-0-0b1c2dg5" },
      });
    });

    it("at the same generation, leaves a slot without a label unrecorded", () => {
      const deployed: DeployedRelease = { generation: 5, labels: { blue: "v1-4-2-3f9a2cg4" } };
      assert.deepStrictEqual(reconcileRelease(release, deployed, TARGET), release);
    });

    it("keeps a newer block's latest slot unrecorded: its new slot gets a new revision", () => {
      const deployed: DeployedRelease = {
        generation: 4,
        labels: { blue: "v1-4-2-3f9a2cg4", green: "v1-3-0-0b1c2dg3" },
      };
      assert.deepStrictEqual(reconcileRelease(release, deployed, TARGET), release);
    });

    it("gives a newer block's other slot its label's revision when it has none recorded", () => {
      // given a newer block (a deploy of green) whose live blue slot is not recorded
      const unrecorded: Release = { ...release, blue: { ...blue, revision: undefined } };
      const deployed: DeployedRelease = {
        generation: 4,
        labels: { blue: "v1-4-2-3f9a2cg4", green: "v1-3-0-0b1c2dg3" },
      };
      // when / then blue keeps serving the revision its label points at; green stays new
      assert.deepStrictEqual(reconcileRelease(unrecorded, deployed, TARGET), {
        ...release,
        blue: { ...blue, revision: "v1-4-2-3f9a2cg4" },
      });
    });

    it("fails when, at the same generation, the block's live slot is not the one released (edited by hand)", () => {
      // given generation 5 released with blue live; the block flipped to green without a release
      const deployed: DeployedRelease = {
        generation: 5,
        labels: {},
        traffic: { live: "blue", canaryPercent: 0 },
      };
      // when / then
      assert.throws(
        () => reconcileRelease({ ...release, live: "green" }, deployed, TARGET),
        (err: Error) => {
          assert.ok(err instanceof ReleaseEditedError);
          assert.ok(err instanceof ReleaseBehindError);
          assert.strictEqual(err.name, "ReleaseEditedError");
          assert.strictEqual(
            err.message,
            "Pulumi.prod.yaml's release block says live green (canary 0%) at generation 5, but " +
              "generation 5 was released with live blue (canary 0%) (the Container App " +
              "chatbot-api-prod, tag chatbot-release-traffic): the block was edited without the " +
              "release command. Applying it would move traffic to a slot no release checked, so " +
              "nothing was changed. Put the block back as the last release committed it (git " +
              "log -p -- Pulumi.prod.yaml), then move traffic with npm run release -- promote " +
              "or rollback --stack prod (they check the slot first).",
          );
          return true;
        },
      );
    });

    it("fails when, at the same generation, the block's canary share is not the one released", () => {
      const deployed: DeployedRelease = {
        generation: 5,
        labels: {},
        traffic: { live: "blue", canaryPercent: 0 },
        carrier: "the HTTPRoute chatbot/chatbot-api on cluster aks-chatbot-prod",
      };
      assert.throws(
        () => reconcileRelease({ ...release, canaryPercent: 30 }, deployed, TARGET),
        /^ReleaseEditedError: Pulumi\.prod\.yaml's release block says live blue \(canary 30%\) at generation 5, but generation 5 was released with live blue \(canary 0%\) \(the HTTPRoute chatbot\/chatbot-api on cluster aks-chatbot-prod\)/,
      );
    });

    it("applies the released traffic, a newer block's traffic, and a block for an app without the traffic tag", () => {
      const released = { live: "blue", canaryPercent: 0 } as const;
      const same: DeployedRelease = { generation: 5, labels: {}, traffic: released };
      const older: DeployedRelease = { generation: 4, labels: {}, traffic: released };
      const untagged: DeployedRelease = { generation: 5, labels: {} };
      const promoted: Release = { ...release, live: "green" };
      assert.deepStrictEqual(reconcileRelease(release, same, TARGET), release);
      assert.deepStrictEqual(reconcileRelease(promoted, older, TARGET), promoted);
      assert.deepStrictEqual(reconcileRelease(promoted, untagged, TARGET), promoted);
    });

    it("reads the released traffic from the tag and derives it from label weights as the release command does", () => {
      assert.deepStrictEqual(
        deployedRelease("chatbot-api-prod", {
          tags: { [GENERATION_TAG]: "5", [TRAFFIC_TAG]: "g=5,live=green,canary=10" },
        }),
        { generation: 5, labels: {}, traffic: { live: "green", canaryPercent: 10 } },
      );
      // A record of another generation (carried forward by a writer that did not rewrite it)
      // is not this generation's traffic.
      assert.deepStrictEqual(
        deployedRelease("chatbot-api-prod", {
          tags: { [GENERATION_TAG]: "6", [TRAFFIC_TAG]: "g=5,live=blue,canary=0" },
        }),
        { generation: 6, labels: {} },
      );
      for (const value of [
        "g=5,live=purple,canary=0",
        "g=5,live=blue",
        "live=blue,canary=0",
        "",
        "g=5,live=blue,canary=-1",
      ]) {
        assert.strictEqual(parseTrafficTag(value), undefined, value);
      }
      assert.deepStrictEqual(trafficOfWeights({ blue: 90, green: 10 }, "blue"), {
        live: "blue",
        canaryPercent: 10,
      });
      assert.deepStrictEqual(trafficOfWeights({ blue: 0, green: 100 }, "blue"), {
        live: "green",
        canaryPercent: 0,
      });
      assert.deepStrictEqual(trafficOfWeights({ blue: 50, green: 50 }, "green"), {
        live: "green",
        canaryPercent: 50,
      });
      assert.strictEqual(
        trafficTagValue(releasedTraffic({ ...release, live: "green", canaryPercent: 20 }), 5),
        "g=5,live=green,canary=20",
      );
      assert.strictEqual(
        trafficTagValue(releasedTraffic({ ...release, green: undefined, canaryPercent: 20 }), 5),
        "g=5,live=blue,canary=0",
      );
    });

    it("never refuses a block for an app deployed before the guard (no generation tag)", () => {
      const deployed: DeployedRelease = { generation: undefined, labels: { green: "v1-5-0" } };
      assert.deepStrictEqual(reconcileRelease(release, deployed, TARGET), {
        ...release,
        green: { ...green, revision: "v1-5-0" },
      });
    });
  });

  describe("reading the deployed app", () => {
    it("reads the app by the stack's resource group and name", async () => {
      // given the deployed app
      const calls: pulumi.runtime.MockCallArgs[] = [];
      const deployed: DeployedApp = {
        tags: { [GENERATION_TAG]: "7" },
        configuration: {
          ingress: {
            traffic: [{ revisionName: "chatbot-api-prod--v1-4-2-3f9a2cg7", label: "blue" }],
          },
        },
      };
      // when
      const read = await underMocks(
        () => readDeployedRelease(TARGET),
        containerAppFound(deployed, calls),
      );
      // then
      assert.deepStrictEqual(read, { generation: 7, labels: { blue: "v1-4-2-3f9a2cg7" } });
      assert.deepStrictEqual(
        calls.map((call) => [call.token, call.inputs]),
        [
          [
            GET_CONTAINER_APP,
            { resourceGroupName: "rg-chatbot-prod", containerAppName: "chatbot-api-prod" },
          ],
        ],
      );
    });

    it("finds no app on a new stack", async () => {
      assert.strictEqual(await underMocks(() => readDeployedRelease(TARGET)), undefined);
    });

    it("fails when the app cannot be read for another reason", async () => {
      // given a read Azure refuses
      const denied = (args: pulumi.runtime.MockCallArgs) =>
        args.token === GET_CONTAINER_APP
          ? Promise.reject(invokeError("AuthorizationFailed: the client cannot read the app"))
          : undefined;
      // when / then: the update stops rather than guess the app is new
      await assert.rejects(
        underMocks(() => readDeployedRelease(TARGET), denied),
        {
          message: "AuthorizationFailed: the client cannot read the app",
        },
      );
    });
  });
});

describe("stacks: the release guard", () => {
  /** The committed staging release block at `generation`. */
  function stagingAt(generation: number): Record<string, unknown> {
    return { ...releaseOf(stackConfig("staging")), generation };
  }

  /** The staging app at generation 5: blue live on `revision`. */
  function liveApp(revision: string): DeployedApp {
    return {
      tags: { environment: "staging", [GENERATION_TAG]: "5" },
      configuration: {
        ingress: { traffic: [{ revisionName: `chatbot-api-staging--${revision}`, label: "blue" }] },
      },
    };
  }

  /** The refusal of a staging block at `generation` against the app at generation 5. */
  function behind(generation: number): string {
    return (
      `Pulumi.staging.yaml is behind what is deployed: its release block has generation ${generation}, the ` +
      "Container App chatbot-api-staging carries generation 5 (a release ran after this stack " +
      "file was written: its commit back failed, or this is an older commit). Applying it " +
      "would move traffic back or overwrite a slot, so nothing was changed. Bring the stack " +
      "file up to date (the release workflow commits it; npm run release -- status --stack " +
      "staging shows what is deployed) and run again."
    );
  }

  // Blue's revision: created by a generation-3 update of the committed staging stack (releases
  // took the app to generation 5 since; the stack file, written before revisions were recorded,
  // does not name it).
  let deployed = "";
  before(async () => {
    const first = await runStack("staging", { release: stagingAt(3) });
    deployed = String(appTemplate(first).revisionSuffix);
  });

  it("fails when the stack file's release block is older than the deployed one, registering nothing", async () => {
    // given the app at generation 5 and the stack file of generation 3
    // when
    const { result, error } = await runProgram(
      "staging",
      { release: stagingAt(3) },
      { deployed: liveApp(deployed) },
    );
    // then
    assert.strictEqual(error?.name, "ReleaseBehindError");
    assert.strictEqual(error?.message, behind(3));
    assert.deepStrictEqual(result.resources, []);
  });

  it("fails in preview too when the release block is older (npm run plan)", async () => {
    const { result, error } = await runProgram(
      "staging",
      { release: stagingAt(3) },
      { deployed: liveApp(deployed), preview: true },
    );
    assert.strictEqual(error?.name, "ReleaseBehindError");
    assert.strictEqual(error?.message, behind(3));
    assert.deepStrictEqual(result.resources, []);
  });

  it("fails when a config change would rewrite the live revision's template, registering no custom resource", async () => {
    // given an app setting changed without a release, and the template it gives
    const changed = { release: stagingAt(5), app: { settings: { LOG_LEVEL: "DEBUG" } } };
    const asNewStack = await runStack("staging", changed);
    const now = parseSuffix(String(appTemplate(asNewStack).revisionSuffix))?.fingerprint;
    // when it is applied to the app at generation 5
    const { result, error } = await runProgram("staging", changed, {
      deployed: liveApp(deployed),
    });
    // then
    assert.strictEqual(error?.name, "RevisionChangedError");
    assert.strictEqual(
      error?.message,
      "this configuration changes the revision template of slot blue (100% of traffic): " +
        `revision chatbot-api-staging--${deployed} was deployed with template ` +
        `${parseSuffix(deployed)?.fingerprint}, the config now gives template ${now} (an image, ` +
        "app setting, secret reference, CPU, memory, probe or scale change). Azure refuses a " +
        "revision suffix reused with another template, and a template change must not move " +
        "traffic by itself, so nothing was changed. Ship it as a new candidate in the idle " +
        "slot: npm run release -- deploy --stack staging --version 1.4.2 --image " +
        "chatbotregistry.azurecr.io/chatbot-api:1.4.2",
    );
    assert.notStrictEqual(now, parseSuffix(deployed)?.fingerprint);
    assert.deepStrictEqual(inventory(result), ["chatbot:platform:ChatbotPlatform chatbot"]);
  });

  it("keeps the live revision when the stack file at the deployed generation is applied again, and tags the app with it", async () => {
    // given the app at generation 5, blue on its generation-3 revision
    assert.strictEqual(parseSuffix(deployed)?.generation, 3);
    const calls: pulumi.runtime.MockCallArgs[] = [];
    // when the stack file at generation 5 (blue's revision not recorded) is applied again
    const result = await runDeployedStack(
      "staging",
      liveApp(deployed),
      { release: stagingAt(5) },
      calls,
    );
    // then no new revision: the template carries the deployed suffix, not a generation-5 one
    assert.strictEqual(appTemplate(result).revisionSuffix, deployed);
    assert.deepStrictEqual(appTraffic(result), [
      { revisionName: `chatbot-api-staging--${deployed}`, label: "blue", weight: 100 },
    ]);
    assert.deepStrictEqual(platformApp(result).inputs.tags, {
      environment: "staging",
      service: "chatbot-api",
      owner: "platform-team",
      [GENERATION_TAG]: "5",
      [TRAFFIC_TAG]: "g=5,live=blue,canary=0",
    });
    assert.deepStrictEqual(
      [result.outputs.latestRevision, result.outputs.releaseGeneration],
      [`chatbot-api-staging--${deployed}`, 5],
    );
    assert.deepStrictEqual(
      calls.map((call) => call.inputs),
      [{ resourceGroupName: "rg-chatbot-staging", containerAppName: "chatbot-api-staging" }],
    );
  });

  it("deploys a newer block's new slot as a new revision at 0%, keeping the live revision", async () => {
    // given the release command's block at generation 6: blue's revision recorded, green new
    const release = {
      ...stagingAt(6),
      latest: "green",
      blue: { ...(stagingAt(6).blue as object), revision: deployed },
      green: { version: "1.5.0", image: "chatbotregistry.azurecr.io/chatbot-api:1.5.0" },
    };
    // when it is applied to the app at generation 5
    const result = await runDeployedStack("staging", liveApp(deployed), { release });
    // then green is a new generation-6 revision at 0%, and blue's revision is the live one
    const suffix = String(appTemplate(result).revisionSuffix);
    assert.match(suffix, /^v1-5-0-[0-9a-f]{6}g6$/);
    assert.strictEqual(suffix, newRevisionSuffix(result, "v1-5-0", 6));
    assert.deepStrictEqual(appTraffic(result), [
      { revisionName: `chatbot-api-staging--${deployed}`, label: "blue", weight: 100 },
      { revisionName: `chatbot-api-staging--${suffix}`, label: "green", weight: 0 },
    ]);
    assert.strictEqual(
      (platformApp(result).inputs.tags as Record<string, unknown>)[GENERATION_TAG],
      "6",
    );
    assert.deepStrictEqual(
      [result.outputs.latestRevision, result.outputs.releaseGeneration],
      [`chatbot-api-staging--${suffix}`, 6],
    );
  });

  it("keeps the revision of an app deployed before revisions carried a fingerprint", async () => {
    // given an app with no generation tag whose blue label is on the legacy revision v1-4-2
    const legacy: DeployedApp = {
      configuration: {
        ingress: { traffic: [{ revisionName: "chatbot-api-staging--v1-4-2", label: "blue" }] },
      },
    };
    // when the committed stack file (no generation) is applied
    const result = await runDeployedStack("staging", legacy);
    // then the app keeps that revision and starts carrying generation 0
    assert.strictEqual(appTemplate(result).revisionSuffix, "v1-4-2");
    assert.deepStrictEqual(appTraffic(result), [
      { revisionName: "chatbot-api-staging--v1-4-2", label: "blue", weight: 100 },
    ]);
    assert.strictEqual(
      (platformApp(result).inputs.tags as Record<string, unknown>)[GENERATION_TAG],
      "0",
    );
  });
});
