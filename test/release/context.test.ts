// What every release command reads first (release/context.ts): the stack file against the
// deployed Container App's generation, slots' revisions recorded from Azure's labels, the gates.
import * as assert from "node:assert/strict";
import { DEFAULT_GATES } from "../../lib/gates";
import {
  assertTrafficMatches,
  labelUrl,
  loadContext,
  productionUrl,
  StackNotCreated,
} from "../../release/context";
import { ReleaseConfigError } from "../../release/state";
import { Refused } from "../../release/traffic";
import {
  APP,
  BLUE_LIVE_GREEN_IDLE,
  BLUE_REVISION,
  BLUE_SUFFIX,
  DOMAIN,
  GREEN_REVISION,
  GREEN_SUFFIX,
  MemoryWorkspace,
  REF,
  RG,
  STACK_OUTPUTS,
  WORKSPACE_ID,
  blueLiveGreenIdle,
  closeWorlds,
  engineDeps,
  startWorld,
} from "./helpers";

afterEach(closeWorlds);

const UNRECORDED = {
  ...BLUE_LIVE_GREEN_IDLE,
  blue: { version: "1.4.2", image: BLUE_LIVE_GREEN_IDLE.blue?.image },
  green: { version: "1.5.0", image: BLUE_LIVE_GREEN_IDLE.green?.image },
};

describe("loadContext", () => {
  it("refuses an AKS stack that has only its cluster (aksClusterOnly), naming how to finish the first deploy", async () => {
    // given: the outputs of a cluster-only AKS stack
    const world = await startWorld();
    const workspace = new MemoryWorkspace("acme/prod", {
      release: BLUE_LIVE_GREEN_IDLE,
      outputs: { ...STACK_OUTPUTS, target: "aks", containerAppName: "", gatewayUrl: "" },
    });
    const { deps } = engineDeps(world, workspace);

    // when / then
    await assert.rejects(
      loadContext(deps),
      (err: unknown) =>
        err instanceof Refused &&
        err.message ===
          'stack acme/prod runs with `aksClusterOnly` (the first deploy of an AKS stack): it has a cluster but no gateway, route or slots yet; finish the first deploy (README "First deploy of an AKS stack": pulumi config rm aksClusterOnly --stack prod, then pulumi up) before releasing',
    );
  });

  it("reads the stack file, the outputs, the gates and the deployed app", async () => {
    // given
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    const workspace = new MemoryWorkspace("acme/prod", {
      release: BLUE_LIVE_GREEN_IDLE,
      gates: { minRequests: 20 },
      outputs: { ...STACK_OUTPUTS },
    });
    const { deps } = engineDeps(world, workspace);

    // when
    const ctx = await loadContext(deps);

    // then
    assert.deepEqual(
      { ...ctx, app: undefined },
      {
        stack: "acme/prod",
        ref: REF,
        workspaceId: WORKSPACE_ID,
        gates: { ...DEFAULT_GATES, minRequests: 20 },
        release: BLUE_LIVE_GREEN_IDLE,
        app: undefined,
      },
    );
    assert.equal(ctx.app?.generation, 2);
    assert.equal(labelUrl(ctx, "green"), `https://${APP}---green.${DOMAIN}`);
    assert.equal(productionUrl(ctx), `https://${APP}.${DOMAIN}`);
  });

  it("fails (refused) when the stack file is behind the generation Azure carries", async () => {
    // given: a release ran after this stack file was written
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    const workspace = new MemoryWorkspace("prod", {
      release: { ...BLUE_LIVE_GREEN_IDLE, generation: 1 },
      outputs: { ...STACK_OUTPUTS },
    });
    const { deps } = engineDeps(world, workspace);

    // when / then
    await assert.rejects(loadContext(deps), (err: unknown) => {
      assert.ok(err instanceof Refused);
      assert.equal(
        err.message,
        `Pulumi.prod.yaml is behind what is deployed: its release block has generation 1, the Container App ${APP} carries generation 2 (a later release's stack file was not committed). Bring the stack file up to date first: the release workflow commits it`,
      );
      return true;
    });
  });

  it("reports, for a read-only command, a stack file behind Azure instead of refusing", async () => {
    // given
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    const workspace = new MemoryWorkspace("prod", {
      release: { ...UNRECORDED, generation: 1 },
      outputs: { ...STACK_OUTPUTS },
    });
    const { deps } = engineDeps(world, workspace);

    // when
    const ctx = await loadContext(deps, { readOnly: true });

    // then: the block as the stack file has it, revisions not recorded from labels
    assert.equal(
      ctx.behind,
      `Pulumi.prod.yaml is behind what is deployed: its release block has generation 1, the Container App ${APP} carries generation 2 (a later release's stack file was not committed). Bring the stack file up to date first: the release workflow commits it`,
    );
    assert.deepEqual(ctx.release, { ...UNRECORDED, generation: 1 });
  });

  it("records each slot's revision from Azure's label at the same generation", async () => {
    // given: a block that has not recorded its revisions
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    const workspace = new MemoryWorkspace("prod", {
      release: UNRECORDED,
      outputs: { ...STACK_OUTPUTS },
    });
    const { deps } = engineDeps(world, workspace);

    // when
    const ctx = await loadContext(deps);

    // then
    assert.deepEqual(ctx.release?.blue?.revision, BLUE_SUFFIX);
    assert.deepEqual(ctx.release?.green?.revision, GREEN_SUFFIX);
    assert.deepEqual(workspace.calls, []);
  });

  it("does not record revisions from labels when the stack file is ahead of Azure", async () => {
    // given
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    const workspace = new MemoryWorkspace("prod", {
      release: { ...UNRECORDED, generation: 3 },
      outputs: { ...STACK_OUTPUTS },
    });
    const { deps } = engineDeps(world, workspace);

    // when
    const ctx = await loadContext(deps);

    // then
    assert.deepEqual(
      [ctx.release?.blue?.revision, ctx.release?.green?.revision],
      [undefined, undefined],
    );
  });

  it("fails (StackNotCreated) when the stack exports no Container App", async () => {
    // given
    const world = await startWorld();
    const workspace = new MemoryWorkspace("acme/staging", { outputs: {} });
    const { deps } = engineDeps(world, workspace);

    // when / then
    await assert.rejects(loadContext(deps), (err: unknown) => {
      assert.ok(err instanceof StackNotCreated);
      assert.ok(err instanceof Refused);
      assert.equal(
        err.message,
        "stack acme/staging has no outputs `containerAppName` and `resourceGroupName`: it has not been created; deploy creates it, or run pulumi up --stack staging",
      );
      return true;
    });
  });

  it("fails with ReleaseConfigError naming every bad gate override", async () => {
    // given
    const gates = { minRequests: 0, pauseMinutes: 5 };
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    const workspace = new MemoryWorkspace("prod", {
      release: BLUE_LIVE_GREEN_IDLE,
      gates,
      outputs: { ...STACK_OUTPUTS },
    });
    const { deps } = engineDeps(world, workspace);

    // when / then
    await assert.rejects(loadContext(deps), (err: unknown) => {
      assert.ok(err instanceof ReleaseConfigError);
      // each problem, as the program reports it (lib/config's gates schema)
      assert.equal(
        err.message,
        [
          "Invalid `chatbot-platform:releaseGates.minRequests`: received 0; expected an integer from 1 to 1000000.",
          `Invalid \`chatbot-platform:releaseGates.pauseMinutes\`: received 5; not a known key; allowed keys: ${Object.keys(
            DEFAULT_GATES,
          )
            .map((key) => `"${key}"`)
            .join(", ")}.`,
        ].join("\n"),
      );
      return true;
    });
  });
});

describe("assertTrafficMatches", () => {
  it("passes when Azure serves the stack file's traffic", async () => {
    // given
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    const workspace = new MemoryWorkspace("prod", {
      release: BLUE_LIVE_GREEN_IDLE,
      outputs: { ...STACK_OUTPUTS },
    });
    const ctx = await loadContext(engineDeps(world, workspace).deps);

    // when / then
    assert.doesNotThrow(() => assertTrafficMatches(ctx));
  });

  it("fails (refused) when the traffic was changed outside the release command", async () => {
    // given: someone moved 30% to green in the portal (a PATCH of the traffic only: the tags
    // the release wrote stay)
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    await world.arm.containerApps.update(RG, APP, {
      location: "eastus2",
      configuration: {
        ingress: {
          traffic: [
            { revisionName: BLUE_REVISION, weight: 70, label: "blue" },
            { revisionName: GREEN_REVISION, weight: 30, label: "green" },
          ],
        },
      },
    });
    const workspace = new MemoryWorkspace("prod", {
      release: BLUE_LIVE_GREEN_IDLE,
      outputs: { ...STACK_OUTPUTS },
    });
    const ctx = await loadContext(engineDeps(world, workspace).deps);

    // when / then
    assert.throws(
      () => assertTrafficMatches(ctx),
      (err: unknown) => {
        assert.ok(err instanceof Refused);
        assert.equal(
          err.message,
          `Azure's traffic on ${APP} (blue=${BLUE_REVISION}:70, green=${GREEN_REVISION}:30) is not what the stack file says (blue=${BLUE_REVISION}:100, green=${GREEN_REVISION}:0); it was changed outside the release command. Decide which is right before anything else: pulumi up --stack prod puts the stack file's traffic back (blue (1.4.2) 100%, green (1.5.0) 0%); npm run release -- rollback --stack prod records a rollback instead (after traffic was set by hand following a failed rollback)`,
        );
        return true;
      },
    );
  });
});
