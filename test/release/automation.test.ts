// The Pulumi adapter (release/automation.ts) over an in-memory Automation API stack that keeps
// config, tags, outputs, history and state the way the Automation API hands them over.
import * as assert from "node:assert/strict";
import type {
  ConfigMap,
  Deployment,
  OutputMap,
  TagMap,
  UpOptions,
  UpResult,
  UpdateSummary,
} from "@pulumi/pulumi/automation";
import { ConcurrentUpdateError } from "@pulumi/pulumi/automation";
import {
  AutomationOptions,
  AutomationReleaseWorkspace,
  AutomationStack,
  VERIFIED_TAG,
} from "../../release/automation";
import { RELEASE_LOCK_TAG, StackLockedError } from "../../release/ports";
import { ReleaseConfigError } from "../../release/state";
import { BLUE_LIVE_GREEN_IDLE } from "./helpers";

const PREFIX = "urn:pulumi:prod::chatbot-platform::";
const CONTAINER_APP = `${PREFIX}chatbot:app:BlueGreenApp$azure-native:app:ContainerApp::chatbot-api`;
const IMAGE = `${PREFIX}chatbot:app:BlueGreenApp$docker:index/image:Image::chatbot-api-image`;
const RESOURCES = [
  { urn: `${PREFIX}pulumi:pulumi:Stack::chatbot-platform-prod`, type: "pulumi:pulumi:Stack" },
  { urn: `${PREFIX}azure-native:keyvault:Vault::kv`, type: "azure-native:keyvault:Vault" },
  { urn: CONTAINER_APP, type: "azure-native:app:ContainerApp" },
  {
    urn: `${PREFIX}azure-native:app:ContainerAppsAuthConfig::auth`,
    type: "azure-native:app:ContainerAppsAuthConfig",
  },
  { urn: IMAGE, type: "docker:index/image:Image" },
];

/** The Automation API calls the adapter makes, on state held in memory. */
class FakeStack implements AutomationStack {
  readonly calls: string[] = [];
  readonly ups: UpOptions[] = [];
  config: ConfigMap = {};
  tags: TagMap = {};
  outputMap: OutputMap = {};
  history_: Partial<UpdateSummary>[] = [];
  resources: unknown[] = RESOURCES;
  upError: Error | undefined;

  async getAllConfig(): Promise<ConfigMap> {
    return { ...this.config };
  }

  async setAllConfigJson(configJson: string): Promise<void> {
    this.calls.push(`setAllConfigJson ${configJson}`);
    for (const [key, entry] of Object.entries(
      JSON.parse(configJson) as Record<string, { value: string; secret: boolean }>,
    )) {
      this.config[key] = { value: entry.value, secret: entry.secret };
    }
  }

  async up(opts?: UpOptions): Promise<UpResult> {
    this.ups.push(opts ?? {});
    if (this.upError !== undefined) {
      throw this.upError;
    }
    return {} as UpResult;
  }

  async outputs(): Promise<OutputMap> {
    return this.outputMap;
  }

  async history(pageSize?: number): Promise<UpdateSummary[]> {
    this.calls.push(`history ${pageSize}`);
    return this.history_.slice(0, pageSize) as UpdateSummary[];
  }

  async listTags(): Promise<TagMap> {
    return { ...this.tags };
  }

  async setTag(key: string, value: string): Promise<void> {
    this.calls.push(`setTag ${key} ${value}`);
    this.tags[key] = value;
  }

  async removeTag(key: string): Promise<void> {
    this.calls.push(`removeTag ${key}`);
    delete this.tags[key];
  }

  async exportStack(): Promise<Deployment> {
    return { version: 3, deployment: { resources: this.resources } };
  }
}

const onOutput = (): void => undefined;
const OPTIONS: AutomationOptions = {
  stackName: "prod",
  policyPack: "/repo/policy",
  policyPackConfig: "/repo/policy/config/prod.json",
  onOutput,
};

function workspaceOver(stack: FakeStack): AutomationReleaseWorkspace {
  return new AutomationReleaseWorkspace(stack, OPTIONS);
}

describe("AutomationReleaseWorkspace: pulumi up", () => {
  it("targets exactly the Container App and the image it builds for an app deploy", async () => {
    // given
    const stack = new FakeStack();

    // when
    await workspaceOver(stack).up("release: deploy 1.5.0 to green (generation 3)", "app");

    // then
    assert.deepEqual(stack.ups, [
      {
        message: "release: deploy 1.5.0 to green (generation 3)",
        target: [CONTAINER_APP, IMAGE],
        targetDependents: false,
        policyPacks: ["/repo/policy"],
        policyPackConfigs: ["/repo/policy/config/prod.json"],
        onOutput,
      },
    ]);
  });

  it("updates the whole stack, with the policy pack, for a stack deploy", async () => {
    // given
    const stack = new FakeStack();

    // when
    await workspaceOver(stack).up("release: deploy 1.0.0 to blue (generation 1)", "stack");

    // then
    assert.deepEqual(stack.ups, [
      {
        message: "release: deploy 1.0.0 to blue (generation 1)",
        policyPacks: ["/repo/policy"],
        policyPackConfigs: ["/repo/policy/config/prod.json"],
        onOutput,
      },
    ]);
  });

  it("fails, without an update, when the stack's state has an image but no Container App", async () => {
    // given
    const stack = new FakeStack();
    stack.resources = RESOURCES.filter((resource) => resource.urn !== CONTAINER_APP);

    // when / then
    await assert.rejects(workspaceOver(stack).up("release: deploy", "app"), {
      message: "the stack's state has no Container App: run pulumi up for the stack first",
    });
    assert.deepEqual(stack.ups, []);
  });

  it("fails, without an update, when the stack's state has no Container App and no image", async () => {
    // given
    const stack = new FakeStack();
    stack.resources = RESOURCES.filter(
      (resource) => ![CONTAINER_APP, IMAGE].includes(resource.urn),
    );

    // when / then
    await assert.rejects(workspaceOver(stack).up("release: deploy", "app"), {
      message: "the stack's state has no Container App: run pulumi up for the stack first",
    });
    assert.deepEqual(stack.ups, []);
  });

  it("fails with StackLockedError when another update holds the stack", async () => {
    // given
    const stack = new FakeStack();
    stack.upError = new ConcurrentUpdateError(
      "error: [409] Conflict: Another update is currently in progress.",
    );

    // when / then
    await assert.rejects(workspaceOver(stack).up("release: deploy", "app"), (err: unknown) => {
      assert.ok(err instanceof StackLockedError);
      assert.equal(err.message, "error: [409] Conflict: Another update is currently in progress.");
      return true;
    });
  });

  it("passes any other failure of the update through unchanged", async () => {
    // given
    const stack = new FakeStack();
    const failure = new Error("policy violation: container-app-digest-image");
    stack.upError = failure;

    // when / then
    await assert.rejects(
      workspaceOver(stack).up("release: deploy", "stack"),
      (err) => err === failure,
    );
  });
});

describe("AutomationReleaseWorkspace: the stack file", () => {
  it("reads no release block and no gates when the keys are not set", async () => {
    // given
    const workspace = workspaceOver(new FakeStack());

    // when / then
    assert.equal(await workspace.readRelease(), undefined);
    assert.equal(await workspace.readGates(), undefined);
  });

  it("writes the release block as structured config and reads it back", async () => {
    // given
    const stack = new FakeStack();
    const workspace = workspaceOver(stack);

    // when
    await workspace.writeRelease(BLUE_LIVE_GREEN_IDLE);

    // then
    assert.deepEqual(stack.calls, [
      `setAllConfigJson ${JSON.stringify({
        "chatbot-platform:release": {
          value: JSON.stringify(BLUE_LIVE_GREEN_IDLE),
          objectValue: BLUE_LIVE_GREEN_IDLE,
          secret: false,
        },
      })}`,
    ]);
    assert.deepEqual(await workspace.readRelease(), BLUE_LIVE_GREEN_IDLE);
  });

  it("reads the gate overrides as structured config", async () => {
    // given
    const stack = new FakeStack();
    stack.config["chatbot-platform:releaseGates"] = { value: '{"minRequests":20}', secret: false };

    // when / then
    assert.deepEqual(await workspaceOver(stack).readGates(), { minRequests: 20 });
  });

  it("reads the environment and the alerts' Slack webhook (decrypted by --show-secrets)", async () => {
    // given
    const stack = new FakeStack();
    const workspace = workspaceOver(stack);
    assert.equal(await workspace.readEnvironment(), undefined);
    assert.equal(await workspace.readChatWebhook(), undefined);
    stack.config["chatbot-platform:environment"] = { value: "prod", secret: false };
    stack.config["chatbot-platform:alertWebhooks"] = {
      value: '{"slack":"https://hooks.slack.com/services/T/B/x","teams":"https://t.example/y"}',
      secret: true,
    };

    // when / then
    assert.equal(await workspace.readEnvironment(), "prod");
    assert.equal(await workspace.readChatWebhook(), "https://hooks.slack.com/services/T/B/x");
  });

  it("fails with ReleaseConfigError when the release block is not structured", async () => {
    // given
    const stack = new FakeStack();
    stack.config["chatbot-platform:release"] = { value: "live: blue", secret: false };

    // when / then
    await assert.rejects(workspaceOver(stack).readRelease(), (err: unknown) => {
      assert.ok(err instanceof ReleaseConfigError);
      assert.equal(
        err.message,
        "`chatbot-platform:release` must be a structured object, got live: blue",
      );
      return true;
    });
  });

  it("fails with ReleaseConfigError when the gate overrides are not structured", async () => {
    // given
    const stack = new FakeStack();
    stack.config["chatbot-platform:releaseGates"] = { value: "{minRequests: 20", secret: false };

    // when / then
    await assert.rejects(workspaceOver(stack).readGates(), (err: unknown) => {
      assert.ok(err instanceof ReleaseConfigError);
      assert.equal(
        err.message,
        "`chatbot-platform:releaseGates` must be a structured object, got {minRequests: 20",
      );
      return true;
    });
  });
});

describe("AutomationReleaseWorkspace: outputs and history", () => {
  it("gives string outputs as they are and others as JSON", async () => {
    // given
    const stack = new FakeStack();
    stack.outputMap = {
      containerAppName: { value: "chatbot-api-prod", secret: false },
      replicas: { value: 2, secret: false },
      labels: { value: { blue: "https://blue" }, secret: false },
    };

    // when / then
    assert.deepEqual(await workspaceOver(stack).outputs(), {
      containerAppName: "chatbot-api-prod",
      replicas: "2",
      labels: '{"blue":"https://blue"}',
    });
  });

  it("reports an update in progress only when the last update's result is in-progress", async () => {
    const cases: [Partial<UpdateSummary>[], boolean][] = [
      [[], false],
      [[{ result: "in-progress" }], true],
      [[{ result: "succeeded" }, { result: "in-progress" }], false],
      [[{ result: "failed" }], false],
    ];
    for (const [history, expected] of cases) {
      // given
      const stack = new FakeStack();
      stack.history_ = history;

      // when / then
      assert.equal(await workspaceOver(stack).updateInProgress(), expected);
      assert.deepEqual(stack.calls, ["history 1"]);
    }
  });
});

describe("AutomationReleaseWorkspace: stack tags", () => {
  it("sets, reads and removes the verified marker as a stack tag", async () => {
    // given
    const stack = new FakeStack();
    const workspace = workspaceOver(stack);

    // when / then
    await workspace.writeVerified("green:chatbot-api-prod--v1-5-0-bbbbbbg2");
    assert.equal(await workspace.readVerified(), "green:chatbot-api-prod--v1-5-0-bbbbbbg2");
    await workspace.writeVerified(undefined);
    assert.equal(await workspace.readVerified(), undefined);
    assert.deepEqual(stack.calls, [
      `setTag ${VERIFIED_TAG} green:chatbot-api-prod--v1-5-0-bbbbbbg2`,
      `removeTag ${VERIFIED_TAG}`,
    ]);
    assert.equal(VERIFIED_TAG, "chatbot:verified");
  });

  it("takes, reads and releases the release lock as a stack tag", async () => {
    // given
    const stack = new FakeStack();
    const workspace = workspaceOver(stack);

    // when / then
    await workspace.writeLock("promote by tester@host pid 42");
    assert.equal(await workspace.readLock(), "promote by tester@host pid 42");
    await workspace.writeLock(undefined);
    assert.equal(await workspace.readLock(), undefined);
    assert.deepEqual(stack.calls, [
      `setTag ${RELEASE_LOCK_TAG} promote by tester@host pid 42`,
      `removeTag ${RELEASE_LOCK_TAG}`,
    ]);
    assert.equal(RELEASE_LOCK_TAG, "chatbot:release-lock");
  });

  it("does not remove a tag that is not set", async () => {
    // given
    const stack = new FakeStack();
    const workspace = workspaceOver(stack);

    // when
    await workspace.writeLock(undefined);
    await workspace.writeVerified(undefined);

    // then
    assert.deepEqual(stack.calls, []);
  });
});
