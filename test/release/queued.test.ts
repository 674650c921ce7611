// A release queued on the release lock (the release workflow: --wait-for-lock 60m) runs from a job
// checkout made before the release ahead of it committed the stack file. The release ahead keeps
// its lock until its job pushed the file (--keep-lock, then `release unlock`); once the queued one
// holds the lock, the engine updates the checkout once (--refresh-from origin/main: git pull
// --ff-only), refuses when that brought other dependencies than the job installed, and refuses
// truthfully when the file is still behind.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs, parseRefreshFrom } from "../../release/args";
import { DEPENDENCY_FILES, gitRefresh, keepLockIn, main } from "../../release/main";
import { runRelease, unlock } from "../../release/orchestrator";
import { CheckoutRefresh, Clock, DependenciesChanged, ExitCode } from "../../release/ports";
import { ReleaseState } from "../../release/state";
import {
  APP,
  BLUE_LIVE_GREEN_IDLE,
  BLUE_REVISION,
  GREEN_REVISION,
  IMAGE_3,
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

const PULL = "git fetch origin main && git merge --ff-only FETCH_HEAD";
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
 * Job A runs as the release workflow does: promote green to 100% with --keep-lock, then its commit
 * step pushes A's stack file to `origin` (unless `push` is false), then its last step unlocks.
 * Job B (rollback), whose checkout was made before A started, waits for the lock; each of B's
 * sleeps lets A's job go one step further (its command ends, it pushes, it unlocks), as if those
 * steps took a poll interval each. `pull` is B's checkout update.
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
  const events: string[] = [];
  let kept: () => void = () => undefined;
  const aLocked = new Promise<void>((resolve) => (kept = resolve));
  const holderFile: string[] = [];
  const a = engineDeps(world, checkoutA, {
    owner: "run A",
    keepLock: async (holder) => {
      holderFile.push(holder);
      kept();
    },
  });
  const aCommand: Promise<ExitCode> = runRelease(PROMOTE, a.deps).then((exit) => {
    events.push(`A's command ended (exit ${exit}), lock ${tags.lock ?? "free"}`);
    return exit;
  });
  await aLocked;
  const aSteps = [
    async () => void (await aCommand),
    async () => {
      if (options.push !== false) {
        origin.release = structuredClone(checkoutA.release);
        events.push("A pushed its stack file");
      }
    },
    async () => {
      const exit = await unlock(checkoutA, holderFile[0], new Recorder());
      events.push(`A unlocked (exit ${exit})`);
    },
  ];
  const clockB: Clock = {
    now: () => world.clock.now(),
    sleep: async (ms, signal) => {
      await aSteps.shift()?.();
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
            events.push(
              `B pulled (origin's generation ${(origin.release as ReleaseState).generation})`,
            );
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
    events,
    aExit: await aCommand,
    a: a.report,
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
  it("waits until the promotion ahead pushed its stack file and unlocked (--keep-lock), then pulls once and rolls back from that file", async () => {
    // given / when: B's checkout predates A's promotion (generation 2: blue live)
    const run = await queuedBehindPromote({ pull: fastForward });

    // then: A's lock outlived its command and covered its push; B pulled only after that
    assert.deepEqual(run.events, [
      `A's command ended (exit 0), lock ${HOLDER_A}`,
      "A pushed its stack file",
      "A unlocked (exit 0)",
      "B pulled (origin's generation 3)",
    ]);
    assert.equal(run.aExit, 0);
    assert.equal(
      run.a.out.at(-1),
      `the release lock of stack prod stays held by ${HOLDER_A} (--keep-lock): once the stack file is committed, remove it with: npm run release -- unlock --stack prod --holder '${HOLDER_A}'`,
    );
    assert.equal(run.bExit, 0);
    assert.equal(run.pulls(), 1);
    assert.deepEqual(run.b.out.slice(0, 4), [run.waited, run.waited, run.waited, run.b.out[3]]);
    assert.notEqual(run.b.out[3], run.waited);
    assert.deepEqual(run.b.err, []);
    // A promoted green (generation 3), B rolled back to blue (generation 4) and removed its lock
    assert.deepEqual(trafficByLabel(run.world), { blue: 100, green: 0 });
    const release = run.checkoutB.release as ReleaseState;
    assert.deepEqual([release.live, release.generation], ["blue", 4]);
    assert.deepEqual(run.checkoutB.calls.at(-1), "writeLock (released)");
  });

  it("fails (refused) saying so when the stack file of the release it waited for is not on the branch after its one pull; nothing changes", async () => {
    // given: A's commit step could not push
    const run = await queuedBehindPromote({ push: false, pull: fastForward });

    // then: one pull after A unlocked, then refused
    assert.equal(run.bExit, 3);
    assert.equal(run.pulls(), 1);
    assert.deepEqual(run.events.slice(-2), [
      "A unlocked (exit 0)",
      "B pulled (origin's generation 2)",
    ]);
    assert.deepEqual(run.b.err, [
      `refused: ${GAP}, also after ${PULL}: that release's stack file is not on the branch (a release workflow whose push failed keeps it as its run's artifact release-state-prod; a release run by hand commits it itself). Commit it, then run the command again; nothing changed`,
    ]);
    assert.deepEqual(trafficByLabel(run.world), { blue: 0, green: 100 });
    assert.deepEqual(run.checkoutB.calls, ["writeLock rollback by run B", "writeLock (released)"]);
  });

  it("fails (refused) when the stack file is behind and the pull failed, naming the failed pull", async () => {
    // given: B's pull fails
    const run = await queuedBehindPromote({
      pull: () => {
        throw new Error("fatal: unable to access 'https://github.com/o/r/'");
      },
    });

    // then
    assert.equal(run.bExit, 3);
    assert.deepEqual(run.b.err, [
      `warning: could not update the checkout (${PULL}): fatal: unable to access 'https://github.com/o/r/'`,
      `refused: ${GAP}, and ${PULL} failed (the warning above). Update the checkout, then run the command again; nothing changed`,
    ]);
    assert.deepEqual(trafficByLabel(run.world), { blue: 0, green: 100 });
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

describe("a promotion whose pause the stack's own window refuses", () => {
  it("exits 2 before it looks at the lock, so it never waits the lock's hour to be refused; a switch at once (steps 100) has no pause to judge", async () => {
    // given: another release holds the lock; the stack's error-rate window is 10 min
    const world = await startWorld();
    const workspace = new MemoryWorkspace("prod", {
      release: BLUE_LIVE_GREEN_IDLE,
      gates: { rollbackErrorRateWindowMinutes: 10 },
      outputs: { ...STACK_OUTPUTS },
      lock: HOLDER_A,
    });
    let lockReads = 0;
    const readLock = workspace.readLock.bind(workspace);
    workspace.readLock = async () => {
      lockReads += 1;
      return readLock();
    };
    const start = world.clock.now();
    const { deps, report } = engineDeps(world, workspace, {
      owner: "run B",
      lockWaitMs: 3_600_000,
      keepLock: async () => assert.fail("no holder may be recorded"),
    });

    // when
    const code = await runRelease({ ...PROMOTE, steps: [10, 100], pauseMs: 300_000 }, deps);

    // then: the message promote itself gives, before any lock read or wait
    assert.equal(code, 2);
    assert.deepEqual(report.err, [
      "error: `--pause` 300s is shorter than stack prod's error-rate trigger window (releaseGates.rollbackErrorRateWindowMinutes: 10 min): each step would be judged on less data than the trigger looks at; use --pause 10m or more",
    ]);
    assert.deepEqual(report.out, []);
    assert.equal(lockReads, 0);
    assert.equal(world.clock.now(), start);
    assert.deepEqual(workspace.calls, []);

    // when: a switch at once with the same pause goes on to the lock (and, without a wait, is
    // refused by it)
    const at100 = engineDeps(world, workspace, { owner: "run B" });
    assert.equal(await runRelease({ ...PROMOTE, steps: [100], pauseMs: 300_000 }, at100.deps), 3);
    assert.equal(lockReads, 1);
    assert.match(
      at100.report.err[0],
      /^refused: another release holds stack prod \(promote by run A\)/,
    );
  });

  it("is judged again on the stack file the update brought: a window lengthened on main exits 2 once the lock is held, before any change", async () => {
    // given: the checkout's file has the design's 2-min window; main's lengthens it to 10 min
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    const workspace = new MemoryWorkspace("prod", {
      release: BLUE_LIVE_GREEN_IDLE,
      outputs: { ...STACK_OUTPUTS },
      verified: `green:${GREEN_REVISION}`,
    });
    const refresh: CheckoutRefresh = {
      command: PULL,
      run: async () => void (workspace.gates = { rollbackErrorRateWindowMinutes: 10 }),
    };
    const { deps, report } = engineDeps(world, workspace, { owner: "run B", refresh });

    // when
    const code = await runRelease({ ...PROMOTE, steps: [10, 100], pauseMs: 150_000 }, deps);

    // then
    assert.equal(code, 2);
    assert.deepEqual(report.err, [
      "error: `--pause` 150s is shorter than stack prod's error-rate trigger window (releaseGates.rollbackErrorRateWindowMinutes: 10 min): each step would be judged on less data than the trigger looks at; use --pause 10m or more",
    ]);
    assert.deepEqual(workspace.calls, ["writeLock promote by run B", "writeLock (released)"]);
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

  it("is passed to the engine as an update from that branch; a rollback does not refuse other dependencies", async () => {
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
        return {
          command: PULL,
          run: async (options) => void made.push(`pulled ${JSON.stringify(options)}`),
        };
      },
    });

    // then
    assert.deepEqual(report.err, []);
    assert.equal(code, 0);
    assert.deepEqual(made, ["origin main", 'pulled {"refuseDependencyChanges":false}']);
    assert.deepEqual(trafficByLabel(world), { blue: 100, green: 0 });
  });

  it("git fetch + merge --ff-only brings a shallow checkout up to the branch's newer stack file, and fails on local changes", async () => {
    // given: origin's main, a job's shallow checkout of it, then a later commit of the stack file
    const repos = repositories();
    try {
      repos.commit({ "Pulumi.prod.yaml": "generation: 3\n" });
      const refresh = gitRefresh("origin", "main", repos.job);

      // when
      await refresh.run({ refuseDependencyChanges: true });

      // then
      assert.equal(refresh.command, PULL);
      const file = () => fs.readFileSync(path.join(repos.job, "Pulumi.prod.yaml"), "utf8");
      assert.equal(file(), "generation: 3\n");

      // and a checkout with a local change to the file is left alone, with git's reason
      repos.commit({ "Pulumi.prod.yaml": "generation: 4\n" });
      fs.writeFileSync(path.join(repos.job, "Pulumi.prod.yaml"), "generation: 3 edited\n");
      await assert.rejects(refresh.run({ refuseDependencyChanges: false }), /^Error: Aborting$/);
      assert.equal(file(), "generation: 3 edited\n");
    } finally {
      repos.remove();
    }
  });
});

/** origin's main and a job's shallow checkout of it, in a temp folder; `commit` changes origin. */
function repositories() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "refresh-deps-"));
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
    execFileSync("git", args, { cwd, env, stdio: "pipe", encoding: "utf8" }).trim();
  const commit = (files: Record<string, string>) => {
    for (const [file, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(origin, file)), { recursive: true });
      fs.writeFileSync(path.join(origin, file), text);
    }
    git(origin, "add", ".");
    git(origin, "commit", "-qm", Object.keys(files).join(" "));
    return git(origin, "rev-parse", "HEAD");
  };
  git(dir, "init", "-q", "-b", "main", origin);
  commit({
    "Pulumi.prod.yaml": "generation: 2\n",
    "package.json": '{"name":"p"}\n',
    "package-lock.json": '{"lockfileVersion":3}\n',
    "policy/package.json": '{"name":"policy"}\n',
    "README.md": "old\n",
  });
  git(dir, "clone", "-q", "--depth", "1", "-b", "main", `file://${origin}`, job);
  return {
    job,
    commit,
    head: () => git(job, "rev-parse", "HEAD"),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

describe("--refresh-from: dependencies changed on the branch", () => {
  it("names the root's and the policy pack's manifests and lockfiles", () => {
    assert.deepEqual(DEPENDENCY_FILES, [
      "package.json",
      "package-lock.json",
      "policy/package.json",
      "policy/package-lock.json",
    ]);
  });

  it("refuses a branch whose package-lock.json or policy/package.json differ, naming those files and both commits, without moving the checkout; other files pass", async () => {
    const repos = repositories();
    try {
      // given: a later commit of the stack file and the README only
      const refresh = gitRefresh("origin", "main", repos.job);
      repos.commit({ "Pulumi.prod.yaml": "generation: 3\n", "README.md": "new\n" });

      // when / then: updated, no refusal
      await refresh.run({ refuseDependencyChanges: true });
      const before = repos.head();
      const file = () => fs.readFileSync(path.join(repos.job, "Pulumi.prod.yaml"), "utf8");
      assert.equal(file(), "generation: 3\n");

      // given: then commits of the lockfile and of the policy pack's manifest (and the stack file)
      repos.commit({ "package-lock.json": '{"lockfileVersion":3,"x":1}\n' });
      const after = repos.commit({
        "policy/package.json": '{"name":"policy","v":2}\n',
        "Pulumi.prod.yaml": "generation: 4\n",
      });

      // when
      const err = await refresh.run({ refuseDependencyChanges: true }).then(
        () => undefined,
        (e: unknown) => e,
      );

      // then: the change is reported and the checkout did not move (its sources match node_modules)
      assert.ok(err instanceof DependenciesChanged);
      assert.deepEqual(
        [err.files, err.from, err.to, err.source],
        [["package-lock.json", "policy/package.json"], before, after, "origin/main"],
      );
      assert.equal(repos.head(), before);
      assert.equal(file(), "generation: 3\n");
      assert.equal(
        fs.readFileSync(path.join(repos.job, "package-lock.json"), "utf8"),
        '{"lockfileVersion":3}\n',
      );

      // when: the same update without the refusal (promote, rollback)
      await refresh.run({ refuseDependencyChanges: false });

      // then: fast-forwarded to the branch
      assert.equal(repos.head(), after);
      assert.equal(file(), "generation: 4\n");
    } finally {
      repos.remove();
    }
  });

  it("refuses a deploy (exit 3) before any change, and before the checkout moves, when main's package.json differs from the checkout's: run the workflow again", async () => {
    // given: green live (generation 3); main's package.json changed after the job's checkout
    const { world, workspace } = await greenLive();
    const repos = repositories();
    try {
      const before = repos.head();
      const after = repos.commit({
        "package.json": '{"name":"p","dependencies":{"x":"1.0.0"}}\n',
        "Pulumi.prod.yaml": "generation: 3\n",
      });
      const report = new Recorder();

      // when
      const code = await main(
        [
          "deploy",
          "--stack",
          "prod",
          "--version",
          "1.6.0",
          "--image",
          IMAGE_3,
          "--refresh-from",
          "origin/main",
        ],
        {
          report,
          openWorkspace: async () => workspace,
          azurePorts: () => ({ azure: world.azure, telemetry: world.telemetry }),
          deps: { clock: world.clock, http: world.http, owner: "run B" },
          refresh: (remote, branch) => gitRefresh(remote, branch, repos.job),
        },
      );

      // then: refused, the checkout still at the commit node_modules was installed from
      assert.equal(code, 3);
      assert.deepEqual(report.err, [
        `refused: the dependencies on origin/main differ from this job's checkout: package.json changed between the checkout (${before.slice(0, 12)}) and origin/main (${after.slice(0, 12)}), but node_modules was installed and audited (npm ci) from the checkout's, and the deploy would run origin/main's newer program (pulumi up) with them; the checkout was left as it is. Run the release workflow again: it installs and audits the new ones (by hand: git pull --ff-only origin main, npm ci, then the same command); nothing changed`,
      ]);
      assert.equal(repos.head(), before);
      assert.equal(
        fs.readFileSync(path.join(repos.job, "Pulumi.prod.yaml"), "utf8"),
        "generation: 2\n",
      );
      assert.deepEqual(trafficByLabel(world), { blue: 0, green: 100 });
      assert.deepEqual(workspace.calls, ["writeLock deploy by run B", "writeLock (released)"]);
    } finally {
      repos.remove();
    }
  });

  it("a rollback (traffic only, the engine already loaded) updates the checkout and runs when main's package.json changed", async () => {
    // given: green live (generation 3); main's package.json changed after the job's checkout
    const { world, workspace } = await greenLive();
    const repos = repositories();
    try {
      const after = repos.commit({ "package.json": '{"name":"p","dependencies":{"x":"1.0.0"}}\n' });
      const report = new Recorder();

      // when
      const code = await main(["rollback", "--stack", "prod", "--refresh-from", "origin/main"], {
        report,
        openWorkspace: async () => workspace,
        azurePorts: () => ({ azure: world.azure, telemetry: world.telemetry }),
        deps: { clock: world.clock, http: world.http, owner: "run B" },
        refresh: (remote, branch) => gitRefresh(remote, branch, repos.job),
      });

      // then: rolled back, from the updated checkout
      assert.deepEqual(report.err, []);
      assert.equal(code, 0);
      assert.equal(repos.head(), after);
      assert.deepEqual(trafficByLabel(world), { blue: 100, green: 0 });
    } finally {
      repos.remove();
    }
  });
});

describe("--keep-lock and unlock", () => {
  it("parses --keep-lock <file> on deploy, promote and rollback, and unlock's --holder", () => {
    assert.equal(
      parseArgs(["rollback", "--stack", "prod", "--keep-lock", "/tmp/holder"]).keepLockFile,
      "/tmp/holder",
    );
    assert.equal(parseArgs(["rollback", "--stack", "prod"]).keepLockFile, undefined);
    assert.deepEqual(parseArgs(["unlock", "--stack", "prod", "--holder", "promote by run A"]), {
      stack: "prod",
      command: { kind: "unlock", holder: "promote by run A" },
      waitForLockMs: 0,
    });
    for (const argv of [
      ["unlock", "--stack", "prod"],
      ["unlock", "--stack", "prod", "--holder", " "],
    ]) {
      assert.throws(
        () => parseArgs(argv),
        /^ReleaseConfigError: `--holder` is required: the holder the command with --keep-lock wrote to its file and printed \(e\.g\. 'promote by https:\/\/github\.com\/<owner>\/<repo>\/actions\/runs\/<id>\/attempts\/<n>'\)$/,
      );
    }
  });

  it("writes the holder to the file once the lock is held and leaves the lock; unlock with that holder removes it, without Azure", async () => {
    // given: green live; a holder file
    const { world, workspace } = await greenLive();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keep-lock-"));
    const file = path.join(dir, "release-lock-holder");
    const report = new Recorder();
    const options = {
      report,
      openWorkspace: async () => workspace,
      deps: { clock: world.clock, http: world.http, owner: "run A" },
    };
    try {
      // when
      const code = await main(["rollback", "--stack", "prod", "--keep-lock", file], {
        ...options,
        azurePorts: () => ({ azure: world.azure, telemetry: world.telemetry }),
      });

      // then: rolled back, the lock stays and its holder is in the file
      assert.equal(code, 0);
      assert.equal(fs.readFileSync(file, "utf8"), "rollback by run A\n");
      assert.equal(workspace.lock, "rollback by run A");
      assert.equal(
        report.out.at(-1),
        "the release lock of stack prod stays held by rollback by run A (--keep-lock): once the stack file is committed, remove it with: npm run release -- unlock --stack prod --holder 'rollback by run A'",
      );

      // when: the workflow's last step
      const holder = fs.readFileSync(file, "utf8").trim();
      const unlocked = await main(["unlock", "--stack", "prod", "--holder", holder], {
        ...options,
        azurePorts: () => {
          throw new Error("unlock must not reach Azure");
        },
      });

      // then
      assert.equal(unlocked, 0);
      assert.equal(workspace.lock, undefined);
      assert.equal(report.out.at(-1), "removed the release lock of stack prod (rollback by run A)");
      assert.deepEqual(report.err, []);
      assert.deepEqual(
        workspace.calls.filter((call) => call.startsWith("writeLock")),
        ["writeLock rollback by run A", "writeLock (released)"],
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("records the holder before it writes the lock, keeps the lock also when the command is refused, and takes no lock when the holder cannot be written", async () => {
    // given: a refused command (the stack file is behind Azure: generation 2, deployed 3)
    const { world, workspace } = await greenLive();
    workspace.release = { ...BLUE_LIVE_GREEN_IDLE };
    const holders: string[] = [];
    const refused = engineDeps(world, workspace, {
      owner: "run A",
      keepLock: async (holder) =>
        void holders.push(`${holder} (lock: ${workspace.lock ?? "free"})`),
    });

    // when / then: the holder was recorded while the lock was still free (a job cancelled before
    // the tag write finds its holder); refused, the lock stays for the workflow's unlock step
    assert.equal(await runRelease({ kind: "rollback" }, refused.deps), 3);
    assert.deepEqual(holders, ["rollback by run A (lock: free)"]);
    assert.equal(workspace.lock, "rollback by run A");

    // given: the lock is free; the holder file cannot be written
    workspace.lock = undefined;
    workspace.calls.length = 0;
    const { deps, report } = engineDeps(world, workspace, {
      owner: "run A",
      keepLock: keepLockIn(path.join(os.tmpdir(), "no-such-dir-for-release", "holder")),
    });

    // when
    const code = await runRelease({ kind: "rollback" }, deps);

    // then: refused before any change, and no lock was written
    assert.equal(code, 3);
    assert.match(
      report.err[0],
      /^refused: cannot record the release lock's holder for --keep-lock \(ENOENT: no such file or directory, open '.*holder'\), so nothing could remove the lock after the command; the lock was not taken; nothing changed$/,
    );
    assert.deepEqual(workspace.calls, []);
    assert.equal(workspace.lock, undefined);
    assert.deepEqual(trafficByLabel(world), { blue: 0, green: 100 });
  });

  it("unlock: 0 when there is no lock, 3 leaving another holder's lock, 4 when the tag cannot be removed", async () => {
    // given
    const workspace = new MemoryWorkspace("acme/prod");
    const report = new Recorder();

    // when / then: no lock
    assert.equal(await unlock(workspace, "deploy by run A", report), 0);
    assert.deepEqual(report.out, ["stack acme/prod has no release lock; nothing to remove"]);

    // another release's lock is left as it is
    workspace.lock = "promote by run B";
    assert.equal(await unlock(workspace, "deploy by run A", report), 3);
    assert.equal(workspace.lock, "promote by run B");

    // the tag cannot be removed
    workspace.lock = "deploy by run A";
    workspace.writeLock = async () => {
      throw new Error("[403] Forbidden.");
    };
    assert.equal(await unlock(workspace, "deploy by run A", report), 4);

    // the removal did not take
    workspace.writeLock = async () => undefined;
    assert.equal(await unlock(workspace, "deploy by run A", report), 4);
    assert.deepEqual(report.err, [
      "refused: the release lock of stack acme/prod is held by promote by run B, not by deploy by run A; left as it is",
      "error: cannot remove the release lock of stack acme/prod: [403] Forbidden; run the same unlock again, or: pulumi stack tag rm chatbot:release-lock --stack acme/prod",
      "error: cannot remove the release lock of stack acme/prod: it is still there after removing it; run the same unlock again, or: pulumi stack tag rm chatbot:release-lock --stack acme/prod",
    ]);
  });

  it("unlock --help prints its options and exit codes and exits 0", async () => {
    // given
    const report = new Recorder();

    // when
    const code = await main(["unlock", "--help"], { report });

    // then
    assert.equal(code, 0);
    assert.equal(report.out[0], "Usage: chatbot-platform release unlock [options]");
    const help = report.out.join("\n");
    assert.match(help, /--holder <holder> +the lock's holder/);
    assert.match(
      help,
      /Exit codes:\n  0  the lock was removed, or the stack had none\n  2  usage error \(a missing --holder, a bad --stack\), or the Pulumi CLI is missing\n  3  refused: another holder has the lock \(left as it is\), or the stack cannot be opened\n  4  the lock could not be read or removed\n/,
    );
  });
});
