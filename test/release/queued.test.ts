// A release queued on the release lock (the release workflow: --wait-for-lock 60m) runs from a job
// checkout made before the release ahead of it committed the stack file. Once it holds the lock,
// the engine updates the checkout (--refresh-from origin/main: git pull --ff-only), after a wait
// until that release's commit is there, and refuses truthfully when it never comes.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseRefreshFrom } from "../../release/args";
import { gitRefresh, main } from "../../release/main";
import { REFRESH_WAIT_MS, runRelease } from "../../release/orchestrator";
import { CheckoutRefresh, Clock, ExitCode } from "../../release/ports";
import { ReleaseState } from "../../release/state";
import {
  APP,
  BLUE_LIVE_GREEN_IDLE,
  BLUE_REVISION,
  GREEN_REVISION,
  MemoryWorkspace,
  RG,
  Recorder,
  STACK_OUTPUTS,
  World,
  blueLiveGreenIdle,
  closeWorlds,
  engineDeps,
  startWorld,
} from "./helpers";

afterEach(closeWorlds);

const PULL = "git pull --ff-only origin main";
const HOLDER_A = "promote by run A";
const PROMOTE = {
  kind: "promote",
  steps: [100],
  pauseMs: 0,
  smokePaths: ["/health", "/ready"],
  watch: false,
} as const;

/** The stack's tags (Pulumi Cloud): one for every checkout of the stack. */
interface Tags {
  lock?: string;
  verified?: string;
}

/** One job's checkout: its own copy of the stack file, the stack's shared tags. */
class Checkout extends MemoryWorkspace {
  constructor(
    private readonly tags: Tags,
    release: unknown,
  ) {
    super("prod", { release, outputs: { ...STACK_OUTPUTS } });
  }
  override async readLock(): Promise<string | undefined> {
    return this.tags.lock;
  }
  override async writeLock(holder: string | undefined): Promise<void> {
    this.calls.push(`writeLock ${holder ?? "(released)"}`);
    this.tags.lock = holder;
  }
  override async readVerified(): Promise<string | undefined> {
    return this.tags.verified;
  }
  override async writeVerified(marker: string | undefined): Promise<void> {
    this.calls.push(`writeVerified ${marker ?? "(cleared)"}`);
    this.tags.verified = marker;
  }
}

function trafficByLabel(world: World): Record<string, number> {
  const traffic = world.model.app(RG, APP)?.properties.configuration.ingress?.traffic ?? [];
  return Object.fromEntries(traffic.map((entry) => [entry.label ?? "", entry.weight ?? 0]));
}

/**
 * Run A (promote green to 100%) holds the lock; run B (rollback), whose checkout was made before
 * A started, waits for it: each of B's waits lasts until A's job is done (its commit step pushed
 * A's stack file to `origin`, unless `push` is false). `pull` is B's checkout update.
 */
async function queuedBehindPromote(
  options: {
    pull?: (origin: { release: unknown }, checkout: Checkout, pulls: number) => void;
    push?: boolean;
  } = {},
) {
  const world = await startWorld();
  await blueLiveGreenIdle(world);
  const tags: Tags = { verified: `green:${GREEN_REVISION}` };
  const origin: { release: unknown } = { release: structuredClone(BLUE_LIVE_GREEN_IDLE) };
  const checkoutA = new Checkout(tags, origin.release);
  const checkoutB = new Checkout(tags, origin.release);
  let locked: () => void = () => undefined;
  const aLocked = new Promise<void>((resolve) => (locked = resolve));
  const writeLockA = checkoutA.writeLock.bind(checkoutA);
  checkoutA.writeLock = async (holder) => {
    await writeLockA(holder);
    locked();
  };
  const a = engineDeps(world, checkoutA, { owner: "run A" });
  const aDone: Promise<ExitCode> = runRelease(PROMOTE, a.deps).then((exit) => {
    if (options.push !== false) {
      origin.release = structuredClone(checkoutA.release); // the commit step
    }
    return exit;
  });
  await aLocked;
  const clockB: Clock = {
    now: () => world.clock.now(),
    sleep: async (ms, signal) => {
      await aDone;
      await world.clock.sleep(ms, signal);
    },
  };
  let pulls = 0;
  const refresh: CheckoutRefresh | undefined =
    options.pull === undefined
      ? undefined
      : {
          command: PULL,
          run: async () => {
            pulls += 1;
            options.pull?.(origin, checkoutB, pulls);
          },
        };
  const b = engineDeps(world, checkoutB, {
    owner: "run B",
    clock: clockB,
    lockWaitMs: 3_600_000,
    ...(refresh === undefined ? {} : { refresh }),
  });
  const bExit = await runRelease({ kind: "rollback" }, b.deps);
  return {
    world,
    checkoutB,
    aExit: await aDone,
    bExit,
    b: b.report,
    pulls: () => pulls,
    waited: `waiting for another release of prod to finish (${HOLDER_A})`,
  };
}

/** `git pull`: the checkout gets origin's stack file. */
const fastForward = (origin: { release: unknown }, checkout: Checkout) => {
  checkout.release = structuredClone(origin.release);
};

/** Green live at 100% (generation 3), in Azure and in the stack file. */
async function greenLive(): Promise<{ world: World; workspace: MemoryWorkspace }> {
  const world = await startWorld();
  await blueLiveGreenIdle(world);
  await world.azure.setTraffic(
    { resourceGroup: RG, appName: APP },
    [
      { revisionName: BLUE_REVISION, weight: 0, label: "blue" },
      { revisionName: GREEN_REVISION, weight: 100, label: "green" },
    ],
    3,
  );
  const workspace = new MemoryWorkspace("prod", {
    release: { ...BLUE_LIVE_GREEN_IDLE, live: "green", generation: 3 },
    outputs: { ...STACK_OUTPUTS },
  });
  return { world, workspace };
}

const GAP = `another release of stack prod (${HOLDER_A}) changed it while this one waited for the lock: what is deployed went from generation 2 to 3, and this checkout's Pulumi.prod.yaml is older than that release's commit (its release block has generation 2)`;

describe("a release queued on the release lock", () => {
  it("rolls back from the stack file the promotion ahead of it pushed: the checkout is pulled once the lock is held", async () => {
    // given / when: B's checkout predates A's promotion (generation 2: blue live)
    const run = await queuedBehindPromote({ pull: fastForward });

    // then: A promoted green (generation 3), B pulled it and rolled back to blue (generation 4)
    assert.equal(run.aExit, 0);
    assert.equal(run.bExit, 0);
    assert.equal(run.pulls(), 1);
    assert.equal(run.b.out[0], run.waited);
    assert.deepEqual(run.b.err, []);
    assert.deepEqual(trafficByLabel(run.world), { blue: 100, green: 0 });
    const release = run.checkoutB.release as ReleaseState;
    assert.deepEqual([release.live, release.generation], ["blue", 4]);
  });

  it("keeps pulling while the commit of the release it waited for is on its way, then rolls back", async () => {
    // given: A's commit reaches origin only after B's first pull
    const run = await queuedBehindPromote({
      push: false,
      pull: (origin, checkout, pulls) => {
        if (pulls === 2) {
          origin.release = { ...BLUE_LIVE_GREEN_IDLE, live: "green", generation: 3 };
        }
        fastForward(origin, checkout);
      },
    });

    // then
    assert.equal(run.bExit, 0);
    assert.equal(run.pulls(), 2);
    assert.deepEqual(run.b.out.slice(1, 2), [
      `waiting for the stack file of the release before this one (${HOLDER_A}) to reach this checkout (${PULL}): Pulumi.prod.yaml has generation 2, Azure 3 (0s of 180s)`,
    ]);
    assert.deepEqual(trafficByLabel(run.world), { blue: 100, green: 0 });
  });

  it("fails (refused) saying so when that release's stack file never reaches the checkout; nothing changes", async () => {
    // given: A's commit step could not push
    const run = await queuedBehindPromote({ push: false, pull: fastForward });

    // then: pulled every 15 s for 3 min, then refused
    assert.equal(run.bExit, 3);
    assert.equal(run.pulls(), REFRESH_WAIT_MS / 15_000 + 1);
    assert.deepEqual(run.b.err, [
      `refused: ${GAP}, also after 180s of ${PULL}: that release's stack file has not been pushed (the release workflow keeps a file it could not push as its run's artifact release-state-prod). Push it, then run the command again; nothing changed`,
    ]);
    assert.deepEqual(trafficByLabel(run.world), { blue: 0, green: 100 });
    assert.deepEqual(run.checkoutB.calls, ["writeLock rollback by run B", "writeLock (released)"]);
  });

  it("fails (refused) naming the other release's commit when it cannot update the checkout (no --refresh-from)", async () => {
    // given / when
    const run = await queuedBehindPromote();

    // then
    assert.equal(run.bExit, 3);
    assert.deepEqual(run.b.err, [
      `refused: ${GAP}. Pull that commit (git pull --ff-only) and run the command again; nothing changed`,
    ]);
    assert.deepEqual(trafficByLabel(run.world), { blue: 0, green: 100 });
  });

  it("warns when the checkout cannot be updated, and releases from the stack file it has when that is current", async () => {
    // given: green live (generation 3), no other release; the pull fails
    const { world, workspace } = await greenLive();
    const refresh: CheckoutRefresh = {
      command: PULL,
      run: async () => {
        throw new Error("fatal: Not possible to fast-forward, aborting.");
      },
    };
    const { deps, report } = engineDeps(world, workspace, { refresh });

    // when
    const code = await runRelease({ kind: "rollback" }, deps);

    // then
    assert.deepEqual(report.err, [
      `warning: could not update the checkout (${PULL}): fatal: Not possible to fast-forward, aborting`,
    ]);
    assert.equal(code, 0);
    assert.deepEqual(trafficByLabel(world), { blue: 100, green: 0 });
  });
});

describe("--refresh-from", () => {
  it("parses <remote>/<branch>, the branch may contain /", () => {
    assert.deepEqual(parseRefreshFrom("origin/main"), { remote: "origin", branch: "main" });
    assert.deepEqual(parseRefreshFrom("upstream/release/2026"), {
      remote: "upstream",
      branch: "release/2026",
    });
    for (const bad of ["main", "origin/", "-x/main", "origin/-main", "origin/a..b", "origin/a b"]) {
      assert.throws(
        () => parseRefreshFrom(bad),
        new RegExp(
          `^ReleaseConfigError: \`--refresh-from\` must be <remote>/<branch>, e\\.g\\. origin/main, got ${bad.replace(/\./g, "\\.")}$`,
        ),
      );
    }
  });

  it("is passed to the engine as a git pull of that branch", async () => {
    // given
    const { world, workspace } = await greenLive();
    const report = new Recorder();
    const made: string[] = [];

    // when
    const code = await main(["rollback", "--stack", "prod", "--refresh-from", "origin/main"], {
      report,
      openWorkspace: async () => workspace,
      azurePorts: () => ({ azure: world.azure, telemetry: world.telemetry }),
      deps: { clock: world.clock, http: world.http },
      refresh: (remote, branch) => {
        made.push(`${remote} ${branch}`);
        return { command: PULL, run: async () => void made.push("pulled") };
      },
    });

    // then
    assert.deepEqual(report.err, []);
    assert.equal(code, 0);
    assert.deepEqual(made, ["origin main", "pulled"]);
    assert.deepEqual(trafficByLabel(world), { blue: 100, green: 0 });
  });

  it("git pull --ff-only brings a shallow checkout up to the branch's newer stack file, and fails on local changes", async () => {
    // given: origin's main, a job's shallow checkout of it, then a later commit of the stack file
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "refresh-"));
    const env = {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.com",
    };
    const origin = path.join(dir, "origin");
    const job = path.join(dir, "job");
    const git = (cwd: string, ...args: string[]) =>
      execFileSync("git", args, { cwd, env, stdio: "pipe" });
    const commit = (generation: string) => {
      fs.writeFileSync(path.join(origin, "Pulumi.prod.yaml"), `generation: ${generation}\n`);
      git(origin, "commit", "-qam", `release ${generation}`);
    };
    try {
      git(dir, "init", "-q", "-b", "main", origin);
      fs.writeFileSync(path.join(origin, "Pulumi.prod.yaml"), "generation: 2\n");
      git(origin, "add", ".");
      git(origin, "commit", "-qm", "release 2");
      git(dir, "clone", "-q", "--depth", "1", "-b", "main", `file://${origin}`, job);
      commit("3");
      const refresh = gitRefresh("origin", "main", job);

      // when
      await refresh.run();

      // then
      assert.equal(refresh.command, PULL);
      const file = () => fs.readFileSync(path.join(job, "Pulumi.prod.yaml"), "utf8");
      assert.equal(file(), "generation: 3\n");

      // and a checkout with a local change to the file is left alone, with git's reason
      commit("4");
      fs.writeFileSync(path.join(job, "Pulumi.prod.yaml"), "generation: 3 edited\n");
      await assert.rejects(refresh.run(), /^Error: Aborting$/);
      assert.equal(file(), "generation: 3 edited\n");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
