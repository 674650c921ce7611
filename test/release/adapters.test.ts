import * as assert from "node:assert/strict";
import * as os from "node:os";
import * as path from "node:path";
import type { ConfigMap, OutputMap, TagMap, UpdateSummary } from "@pulumi/pulumi/automation";
import {
  AutomationReleaseWorkspace,
  AutomationStack,
  VERIFIED_TAG,
} from "../../release/automation";
import {
  AppInsightsErrorBudget,
  AzRevisionReadiness,
  CommandRunner,
  requestsQuery,
} from "../../release/azure";
import { FetchHttpChecker } from "../../release/http";
import { main, releaseOwner, REPO_ROOT } from "../../release/main";
import { RELEASE_LOCK_TAG, StackLockedError } from "../../release/ports";
import { RELEASE_CONFIG_KEY } from "../../release/state";
import { BLUE_ONLY, FakeBudget, FakeHttp, FakeReadiness } from "./fakes";

/** An Automation API stack double that records calls. */
class FakeStack {
  readonly calls: unknown[][] = [];
  config: ConfigMap = {};
  tags: TagMap = {};
  history: UpdateSummary["result"][] = ["succeeded"];
  upError: Error | undefined;
  outputMap: OutputMap = {};

  asStack(): AutomationStack {
    return {
      getAllConfig: async () => this.config,
      setAllConfigJson: async (json: string) =>
        void this.calls.push(["setAllConfigJson", JSON.parse(json)]),
      removeConfig: async (key: string) => void this.calls.push(["removeConfig", key]),
      up: async (opts?: object) => {
        this.calls.push([
          "up",
          { ...opts, onOutput: typeof (opts as { onOutput?: unknown }).onOutput },
        ]);
        if (this.upError) throw this.upError;
        return {} as never;
      },
      outputs: async () => this.outputMap,
      history: async (pageSize?: number) => {
        this.calls.push(["history", pageSize]);
        return this.history.map((result) => ({ result }) as UpdateSummary);
      },
      listTags: async () => this.tags,
      setTag: async (key: string, value: string) => void this.calls.push(["setTag", key, value]),
      removeTag: async (key: string) => void this.calls.push(["removeTag", key]),
    };
  }
}

const OPTIONS = {
  stackName: "prod",
  policyPack: "/repo/policy",
  policyPackConfig: "/repo/policy/config/prod.json",
  onOutput: () => undefined,
};

describe("release Automation API workspace", () => {
  it("reads the structured release block from the stack config", async () => {
    // given the config as `pulumi config --json` gives it
    const stack = new FakeStack();
    stack.config = { [RELEASE_CONFIG_KEY]: { value: JSON.stringify(BLUE_ONLY), secret: false } };

    // when / then
    assert.deepEqual(
      await new AutomationReleaseWorkspace(stack.asStack(), OPTIONS).readRelease(),
      BLUE_ONLY,
    );
  });

  it("reads undefined when the key is not set, and fails when it is not JSON", async () => {
    // given
    const stack = new FakeStack();
    const workspace = new AutomationReleaseWorkspace(stack.asStack(), OPTIONS);

    // when / then
    assert.equal(await workspace.readRelease(), undefined);
    stack.config = { [RELEASE_CONFIG_KEY]: { value: "blue" } };
    await assert.rejects(workspace.readRelease(), {
      name: "ReleaseConfigError",
      message: "`chatbot-platform:release` must be a structured object, got blue",
    });
  });

  it("writes the block as a structured object with set-all --json, and removes it for undefined", async () => {
    // given
    const stack = new FakeStack();
    const workspace = new AutomationReleaseWorkspace(stack.asStack(), OPTIONS);

    // when
    await workspace.writeRelease(BLUE_ONLY);
    await workspace.writeRelease(undefined);

    // then
    assert.deepEqual(stack.calls, [
      [
        "setAllConfigJson",
        {
          [RELEASE_CONFIG_KEY]: {
            value: JSON.stringify(BLUE_ONLY),
            objectValue: BLUE_ONLY,
            secret: false,
          },
        },
      ],
      ["removeConfig", RELEASE_CONFIG_KEY],
    ]);
  });

  it("runs up with the policy pack and the stack's policy config", async () => {
    // given
    const stack = new FakeStack();

    // when
    await new AutomationReleaseWorkspace(stack.asStack(), OPTIONS).up("release: rollback to blue");

    // then
    assert.deepEqual(stack.calls, [
      [
        "up",
        {
          message: "release: rollback to blue",
          policyPacks: ["/repo/policy"],
          policyPackConfigs: ["/repo/policy/config/prod.json"],
          onOutput: "function",
        },
      ],
    ]);
  });

  it("fails with StackLockedError when up meets a ConcurrentUpdateError", async () => {
    // given the Automation API's error for a held lock
    const stack = new FakeStack();
    stack.upError = Object.assign(
      new Error("[409] Conflict: Another update is currently in progress."),
      { name: "ConcurrentUpdateError" },
    );
    const workspace = new AutomationReleaseWorkspace(stack.asStack(), OPTIONS);

    // when / then
    await assert.rejects(
      workspace.up("x"),
      (err: Error) =>
        err instanceof StackLockedError &&
        err.message === "[409] Conflict: Another update is currently in progress.",
    );
    stack.upError = new Error("other");
    await assert.rejects(workspace.up("x"), { name: "Error", message: "other" });
  });

  it("flattens outputs to strings", async () => {
    // given
    const stack = new FakeStack();
    stack.outputMap = {
      productionUrl: { value: "https://x", secret: false },
      replicas: { value: 3, secret: false },
    };

    // when / then
    assert.deepEqual(await new AutomationReleaseWorkspace(stack.asStack(), OPTIONS).outputs(), {
      productionUrl: "https://x",
      replicas: "3",
    });
  });

  it("sees an update in progress in the last history entry only", async () => {
    // given
    const stack = new FakeStack();
    const workspace = new AutomationReleaseWorkspace(stack.asStack(), OPTIONS);

    // when / then
    assert.equal(await workspace.updateInProgress(), false);
    stack.history = ["in-progress"];
    assert.equal(await workspace.updateInProgress(), true);
    stack.history = [];
    assert.equal(await workspace.updateInProgress(), false);
    assert.deepEqual(stack.calls[0], ["history", 1]);
  });

  it("keeps the release lock in a stack tag", async () => {
    // given a stack without the lock
    const stack = new FakeStack();
    const workspace = new AutomationReleaseWorkspace(stack.asStack(), OPTIONS);

    // when the lock is read, taken and released
    const before = await workspace.readLock();
    await workspace.writeLock("deploy by ci");
    stack.tags = { [RELEASE_LOCK_TAG]: "deploy by ci" };
    const held = await workspace.readLock();
    await workspace.writeLock(undefined);

    // then
    assert.equal(before, undefined);
    assert.equal(held, "deploy by ci");
    assert.deepEqual(stack.calls, [
      ["setTag", "chatbot:release-lock", "deploy by ci"],
      ["removeTag", "chatbot:release-lock"],
    ]);
  });

  it("keeps the verified marker in a stack tag", async () => {
    // given a stack with the tag
    const stack = new FakeStack();
    stack.tags = { [VERIFIED_TAG]: "green:1.5.0" };
    const workspace = new AutomationReleaseWorkspace(stack.asStack(), OPTIONS);

    // when
    const marker = await workspace.readVerified();
    await workspace.writeVerified("blue:1.6.0");
    await workspace.writeVerified(undefined);
    stack.tags = {};
    await workspace.writeVerified(undefined);

    // then the tag is removed only when present
    assert.equal(marker, "green:1.5.0");
    assert.deepEqual(stack.calls, [
      ["setTag", "chatbot:verified", "blue:1.6.0"],
      ["removeTag", "chatbot:verified"],
    ]);
  });
});

describe("release Azure readers", () => {
  it("reads a revision's state with az containerapp revision show", async () => {
    // given
    const calls: (readonly string[])[] = [];
    const run: CommandRunner = async (file, args) => {
      calls.push([file, ...args]);
      return JSON.stringify({ provisioningState: "Provisioned", runningState: "Running" });
    };

    // when
    const state = await new AzRevisionReadiness(run).state({
      resourceGroup: "rg",
      appName: "app",
      revision: "app--v1",
    });

    // then
    assert.deepEqual(state, { provisioningState: "Provisioned", runningState: "Running" });
    assert.deepEqual(calls, [
      [
        "az",
        "containerapp",
        "revision",
        "show",
        "--name",
        "app",
        "--resource-group",
        "rg",
        "--revision",
        "app--v1",
        "--query",
        "{provisioningState: properties.provisioningState, runningState: properties.runningState}",
        "--output",
        "json",
      ],
    ]);
  });

  it("reports Unknown for missing states", async () => {
    // given / when
    const state = await new AzRevisionReadiness(async () => "{}").state({
      resourceGroup: "rg",
      appName: "a",
      revision: "a--v1",
    });

    // then
    assert.deepEqual(state, { provisioningState: "Unknown", runningState: "Unknown" });
  });

  it("samples requests with az monitor app-insights query", async () => {
    // given a query answer
    const calls: (readonly string[])[] = [];
    const run: CommandRunner = async (file, args) => {
      calls.push([file, ...args]);
      return JSON.stringify({
        tables: [
          {
            columns: [{ name: "requests" }, { name: "failed" }, { name: "avgMs" }],
            rows: [[200, 3, 143.5]],
          },
        ],
      });
    };

    // when
    const sample = await new AppInsightsErrorBudget(run).sample("appid", "app--v1-5-0", 2);

    // then
    assert.deepEqual(sample, { requests: 200, failedRequests: 3, averageDurationMs: 143.5 });
    assert.deepEqual(calls, [
      [
        "az",
        "monitor",
        "app-insights",
        "query",
        "--app",
        "appid",
        "--analytics-query",
        "requests | where timestamp > ago(2m) | where cloud_RoleInstance startswith 'app--v1-5-0' | summarize requests = count(), failed = countif(success == false), avgMs = avg(duration)",
        "--offset",
        "2m",
        "--output",
        "json",
      ],
    ]);
    assert.equal(requestsQuery("r", 5).includes("ago(5m)"), true);
  });

  it("reads zeros from an empty answer (avg of nothing is null)", async () => {
    // given
    const run: CommandRunner = async () =>
      JSON.stringify({
        tables: [
          {
            columns: [{ name: "requests" }, { name: "failed" }, { name: "avgMs" }],
            rows: [[0, 0, null]],
          },
        ],
      });

    // when / then
    assert.deepEqual(await new AppInsightsErrorBudget(run).sample("id", "app--v1", 5), {
      requests: 0,
      failedRequests: 0,
      averageDurationMs: 0,
    });
    assert.deepEqual(
      await new AppInsightsErrorBudget(async () => '{"tables":[]}').sample("id", "app--v1", 5),
      { requests: 0, failedRequests: 0, averageDurationMs: 0 },
    );
  });

  it("fails when the revision name could break the query", async () => {
    // given / when / then
    await assert.rejects(new AppInsightsErrorBudget(async () => "").sample("id", "x' or 1==1", 2), {
      message: "revision name x' or 1==1 is not a valid Container App revision name",
    });
  });
});

describe("release HTTP checker", () => {
  it("maps 2xx to ok, other statuses to not ok, and network errors to status 0", async () => {
    // given a fetch double
    const seen: string[] = [];
    const fetchFn = (async (url: string) => {
      seen.push(url);
      if (url.endsWith("/down")) throw new Error("ECONNREFUSED");
      return { status: url.endsWith("/ok") ? 204 : 503 } as Response;
    }) as unknown as typeof fetch;
    const checker = new FetchHttpChecker(1000, fetchFn);

    // when / then
    assert.deepEqual(await checker.get("https://x/ok"), { ok: true, status: 204 });
    assert.deepEqual(await checker.get("https://x/bad"), { ok: false, status: 503 });
    assert.deepEqual(await checker.get("https://x/down"), {
      ok: false,
      status: 0,
      error: "ECONNREFUSED",
    });
    assert.deepEqual(seen, ["https://x/ok", "https://x/bad", "https://x/down"]);
  });
});

describe("release main", () => {
  function capture() {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      report: { info: (l: string) => void out.push(l), error: (l: string) => void err.push(l) },
    };
  }

  it("fails with exit 2 and the usage on a bad command line", async () => {
    // given
    const io = capture();

    // when
    const code = await main(["deploy", "--stack", "prod"], { report: io.report });

    // then
    assert.equal(code, 2);
    assert.equal(
      io.err[0],
      "error: `--version` must start with a letter or digit and use letters, digits, '.', '_', '+' and '-', got (none)",
    );
    assert.match(
      io.err[1],
      /^usage: npm run release -- <command> --stack <dev\|staging\|prod> \[options\]/,
    );
  });

  it("opens the stack in the repository root and runs the command", async () => {
    // given a stack with blue live
    const io = capture();
    const stack = new FakeStack();
    stack.config = { [RELEASE_CONFIG_KEY]: { value: JSON.stringify(BLUE_ONLY) } };
    const opened: string[] = [];

    // when
    const code = await main(["status", "--stack", "org/staging"], {
      report: io.report,
      http: new FakeHttp(),
      readiness: new FakeReadiness(),
      budget: new FakeBudget(),
      clock: { sleep: async () => undefined },
      openStack: async (name, dir) => {
        opened.push(name, dir);
        return stack.asStack();
      },
    });

    // then
    assert.equal(code, 0);
    assert.deepEqual(opened, ["org/staging", REPO_ROOT]);
    assert.equal(REPO_ROOT, path.resolve(__dirname, "..", ".."));
    assert.equal(io.out[0], "stack org/staging: live blue, latest blue");
  });

  it("names the workflow run, or user@host and pid, as the lock owner", () => {
    // given a GitHub Actions environment, then none
    const ci = releaseOwner({
      GITHUB_RUN_ID: "991",
      GITHUB_REPOSITORY: "acme/chatbot-platform",
      GITHUB_SERVER_URL: "https://github.com",
    });
    const local = releaseOwner({});

    // then
    assert.equal(ci, "https://github.com/acme/chatbot-platform/actions/runs/991");
    assert.equal(local, `${os.userInfo().username}@${os.hostname()} pid ${process.pid}`);
  });

  it("fails with exit 1 when the stack cannot be opened", async () => {
    // given
    const io = capture();

    // when
    const code = await main(["status", "--stack", "dev"], {
      report: io.report,
      openStack: async () => {
        throw new Error("no stack named 'dev' found");
      },
    });

    // then
    assert.equal(code, 1);
    assert.deepEqual(io.err, ["error: no stack named 'dev' found"]);
  });
});
