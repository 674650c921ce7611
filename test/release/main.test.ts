// The command's entry point (release/main.ts): help, usage errors, opening the stack, the
// subscription output, wiring to the engine, and SIGINT/SIGTERM.
import * as assert from "node:assert/strict";
import * as os from "node:os";
import {
  AzurePorts,
  azureSignInProblem,
  main,
  missingPulumiCli,
  realClock,
  releaseOwner,
} from "../../release/main";
import {
  BLUE_REVISION,
  DOMAIN,
  GREEN_REVISION,
  IMAGE_1,
  IMAGE_2,
  MemoryWorkspace,
  Recorder,
  BLUE_LIVE_GREEN_IDLE,
  STACK_OUTPUTS,
  SUBSCRIPTION,
  World,
  blueLiveGreenIdle,
  closeWorlds,
  outputsWithout,
  startWorld,
} from "./helpers";

afterEach(closeWorlds);

/** The subscription variables `main` falls back to; cleared for each test, then put back. */
const SUBSCRIPTION_VARIABLES = ["ARM_SUBSCRIPTION_ID", "AZURE_SUBSCRIPTION_ID"] as const;
const savedEnv: Partial<Record<string, string>> = {};
beforeEach(() => {
  for (const name of SUBSCRIPTION_VARIABLES) {
    savedEnv[name] = process.env[name];
    delete process.env[name];
  }
});
afterEach(() => {
  for (const name of SUBSCRIPTION_VARIABLES) {
    if (savedEnv[name] === undefined) {
      delete process.env[name];
    } else {
      process.env[name] = savedEnv[name];
    }
  }
});

const NO_SUBSCRIPTION = (stack: string) =>
  `refused: no Azure subscription: stack ${stack} exports no \`subscriptionId\` (run pulumi up --stack ${stack} once to add the output) and ARM_SUBSCRIPTION_ID is not set; nothing changed`;

const HOLDER = "promote by https://github.com/acme/chatbot/actions/runs/7";

/** `main`'s overrides over a world; records which stacks were opened and the subscriptions used. */
function overrides(world: World | undefined, workspace: MemoryWorkspace) {
  const report = new Recorder();
  const opened: string[] = [];
  const subscriptions: string[] = [];
  return {
    report,
    opened,
    subscriptions,
    options: {
      report,
      openWorkspace: async (stack: string) => {
        opened.push(stack);
        return workspace;
      },
      azurePorts: (subscriptionId: string): AzurePorts => {
        subscriptions.push(subscriptionId);
        if (world === undefined) {
          throw new Error("no Azure in this test");
        }
        return { azure: world.azure, telemetry: world.telemetry };
      },
      deps:
        world === undefined
          ? {}
          : { clock: world.clock, http: world.http, owner: "tester@host pid 42" },
    },
  };
}

describe("release main: help and usage", () => {
  it("prints the help and exits 0 for --help or -h, without opening the stack", async () => {
    for (const [argv, usage] of [
      [["--help"], "Usage: chatbot-platform release [options] [command]"],
      [["deploy", "--stack", "prod", "-h"], "Usage: chatbot-platform release deploy [options]"],
    ] as const) {
      // given
      const run = overrides(undefined, new MemoryWorkspace("prod"));

      // when
      const code = await main(argv, run.options);

      // then
      assert.equal(code, 0);
      assert.equal(run.report.out[0], usage);
      assert.deepEqual(run.report.err, []);
      assert.deepEqual(run.opened, []);
    }
  });

  it("exits 2 with the problem, a suggestion and the way to the help for a bad command line, without opening the stack", async () => {
    // given
    const run = overrides(undefined, new MemoryWorkspace("prod"));

    // when
    const code = await main(["deplo", "--stack", "prod"], run.options);

    // then
    assert.equal(code, 2);
    assert.deepEqual(run.report.err, [
      "error: unknown command 'deplo'",
      "(Did you mean deploy?)",
      "(add --help for usage and examples)",
    ]);
    assert.deepEqual(run.opened, []);
  });
});

describe("release main: values the program would refuse", () => {
  it("exits 2 with the program's image rule for an uppercase --image, before the lock or any change", async () => {
    // given: a reference `pulumi up` would refuse (Docker: repository names are lowercase)
    const workspace = new MemoryWorkspace("staging");
    const run = overrides(undefined, workspace);
    const image = "ChatbotRegistry.azurecr.io/chatbot-api:1.6.0";

    // when
    const code = await main(
      ["deploy", "--stack", "staging", "--version", "1.6.0", "--image", image],
      run.options,
    );

    // then: nothing opened, no lock, nothing written
    assert.equal(code, 2);
    assert.deepEqual(run.report.err, [
      `error: \`--image\`: a repository name must be lowercase (Docker refuses the reference): use \`chatbotregistry.azurecr.io/chatbot-api:1.6.0\`; got ${image}`,
      "(add --help for usage and examples)",
    ]);
    assert.deepEqual(run.opened, []);
    assert.deepEqual(run.subscriptions, []);
  });

  it("exits 2 for a --pause without a unit or shorter than the error-rate window, before the lock", async () => {
    for (const [pause, message] of [
      ["5", "`--pause` needs a unit, s or m (5s or 5m), got 5"],
      [
        "30s",
        "`--pause` must be at least 2m, got 30s: the error-rate rollback trigger judges the last 2 min of the candidate's requests (rollbackErrorRateWindowMinutes), and a shorter step would be judged on less data than that (the 3 min ingestion lag is waited for after the pause anyway)",
      ],
    ]) {
      // given
      const run = overrides(undefined, new MemoryWorkspace("prod"));

      // when
      const code = await main(["promote", "--stack", "prod", "--pause", pause], run.options);

      // then
      assert.equal(code, 2);
      assert.deepEqual(run.report.err, [
        `error: ${message}`,
        "(add --help for usage and examples)",
      ]);
      assert.deepEqual(run.opened, []);
    }
  });
});

describe("release main: opening the stack", () => {
  it("exits 3 when neither the stack nor the environment names a subscription, before connecting to Azure", async () => {
    // given
    const outputs = outputsWithout("subscriptionId");
    const workspace = new MemoryWorkspace("prod", { release: BLUE_LIVE_GREEN_IDLE, outputs });
    const run = overrides(undefined, workspace);

    // when
    const code = await main(["rollback", "--stack", "prod"], run.options);

    // then
    assert.equal(code, 3);
    assert.deepEqual(run.report.err, [NO_SUBSCRIPTION("prod")]);
    assert.deepEqual(run.subscriptions, []);
    assert.deepEqual(workspace.calls, []);
  });

  it("exits 3 when the subscriptionId output is not a subscription id", async () => {
    // given
    const workspace = new MemoryWorkspace("staging", {
      outputs: { ...STACK_OUTPUTS, subscriptionId: "my-subscription" },
    });
    const run = overrides(undefined, workspace);

    // when
    const code = await main(["status", "--stack", "staging"], run.options);

    // then
    assert.equal(code, 3);
    assert.deepEqual(run.report.err, [NO_SUBSCRIPTION("staging")]);
    assert.deepEqual(run.subscriptions, []);
  });

  it("falls back to ARM_SUBSCRIPTION_ID, then AZURE_SUBSCRIPTION_ID, when the stack exports none", async () => {
    const other = "11111111-2222-3333-4444-555555555555";
    const cases: [Record<string, string>, string][] = [
      [{ ARM_SUBSCRIPTION_ID: SUBSCRIPTION, AZURE_SUBSCRIPTION_ID: other }, SUBSCRIPTION],
      [{ AZURE_SUBSCRIPTION_ID: other }, other],
    ];
    for (const [env, expected] of cases) {
      // given
      Object.assign(process.env, env);
      const outputs = outputsWithout("subscriptionId");
      const run = overrides(undefined, new MemoryWorkspace("prod", { outputs }));

      // when: the Azure ports are asked for (and fail: no Azure in this test)
      await assert.rejects(main(["status", "--stack", "prod"], run.options), {
        message: "no Azure in this test",
      });

      // then
      assert.deepEqual(run.subscriptions, [expected]);
      for (const name of SUBSCRIPTION_VARIABLES) {
        delete process.env[name];
      }
    }
  });

  it("exits 2 and names the Pulumi CLI install when the CLI is missing", async () => {
    // given: the Automation API's error when `pulumi` is not on PATH
    const run = overrides(undefined, new MemoryWorkspace("prod"));
    const options = {
      ...run.options,
      openWorkspace: async () => {
        throw Object.assign(
          new Error(
            "code: -2\n stdout: \n stderr: Command failed with ENOENT: pulumi version\nspawn pulumi ENOENT\n err?: Error: Command failed with ENOENT: pulumi version\nspawn pulumi ENOENT\n",
          ),
          { name: "CommandError" },
        );
      },
    };

    // when
    const code = await main(["status", "--stack", "prod"], options);

    // then
    assert.equal(code, 2);
    assert.deepEqual(run.report.err, [
      "error: the Pulumi CLI is not installed or not on PATH (spawn pulumi ENOENT): install it (https://www.pulumi.com/docs/iac/download-install/), then pulumi login; nothing changed",
    ]);
  });

  it("exits 3 naming the stack when it cannot be opened for another reason", async () => {
    // given
    const workspace = new MemoryWorkspace("acme/prod");
    workspace.outputs = async () => {
      throw new Error("no stack named 'acme/prod' found");
    };
    const run = overrides(undefined, workspace);

    // when
    const code = await main(["status", "--stack", "acme/prod"], run.options);

    // then
    assert.equal(code, 3);
    assert.deepEqual(run.opened, ["acme/prod"]);
    assert.deepEqual(run.report.err, [
      "error: cannot open stack acme/prod: no stack named 'acme/prod' found",
    ]);
  });
});

describe("release main: signing in to Azure", () => {
  /** `main`'s overrides whose Azure sign-in fails with `error`. */
  function signInFails(error: Error) {
    const workspace = new MemoryWorkspace("prod", {
      release: BLUE_LIVE_GREEN_IDLE,
      outputs: { ...STACK_OUTPUTS },
    });
    const run = overrides(undefined, workspace);
    const options = {
      ...run.options,
      azurePorts: (): AzurePorts => ({
        azure: undefined as never,
        telemetry: undefined as never,
        signIn: async () => {
          throw error;
        },
      }),
    };
    return { run, workspace, options };
  }

  it("exits 2 naming az login and OIDC when DefaultAzureCredential finds no sign-in, before any change", async () => {
    // given: what DefaultAzureCredential throws on a machine without az login
    const error = Object.assign(
      new Error(
        "ChainedTokenCredential authentication failed.\nCredentialUnavailableError: EnvironmentCredential is unavailable.\nCredentialUnavailableError: AzureCliCredential: Azure CLI could not be found.",
      ),
      { name: "AggregateAuthenticationError" },
    );
    const { run, workspace, options } = signInFails(error);

    // when
    const code = await main(["rollback", "--stack", "prod"], options);

    // then
    assert.equal(code, 2);
    assert.deepEqual(run.report.err, [
      "error: not signed in to Azure (AggregateAuthenticationError: ChainedTokenCredential authentication failed. CredentialUnavailableError: AzureCliCredential: Azure CLI could not be found.): run az login (and az account set --subscription <id>), or in CI sign in by OIDC (azure/login with client-id, tenant-id and subscription-id, or ARM_CLIENT_ID, ARM_TENANT_ID and ARM_USE_OIDC=true); nothing changed",
    ]);
    assert.deepEqual(workspace.calls, []);
  });

  it("names az login for a CredentialUnavailableError or an AuthenticationError, and for no other error", () => {
    for (const name of ["CredentialUnavailableError", "AuthenticationError"]) {
      const error = Object.assign(new Error("AzureCliCredential: Please run 'az login'."), {
        name,
      });
      assert.equal(
        azureSignInProblem(error),
        `error: not signed in to Azure (${name}: AzureCliCredential: Please run 'az login'.): run az login (and az account set --subscription <id>), or in CI sign in by OIDC (azure/login with client-id, tenant-id and subscription-id, or ARM_CLIENT_ID, ARM_TENANT_ID and ARM_USE_OIDC=true); nothing changed`,
      );
    }
    assert.equal(azureSignInProblem(new Error("socket hang up")), undefined);
    assert.equal(missingPulumiCli(new Error("no stack named 'prod' found")), undefined);
  });

  it("exits 4 when signing in fails for another reason, before any change", async () => {
    // given
    const { run, workspace, options } = signInFails(new Error("socket hang up"));

    // when
    const code = await main(["status", "--stack", "prod"], options);

    // then
    assert.equal(code, 4);
    assert.deepEqual(run.report.err, [
      "error: cannot sign in to Azure: socket hang up; nothing changed",
    ]);
    assert.deepEqual(workspace.calls, []);
  });
});

describe("release main: running the engine", () => {
  it("connects to the stack's subscription, not the environment's, and runs the command", async () => {
    // given
    process.env.ARM_SUBSCRIPTION_ID = "11111111-2222-3333-4444-555555555555";
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    const workspace = new MemoryWorkspace("prod", {
      release: BLUE_LIVE_GREEN_IDLE,
      outputs: { ...STACK_OUTPUTS },
    });
    const run = overrides(world, workspace);

    // when
    const code = await main(["status", "--stack", "prod"], run.options);

    // then
    assert.equal(code, 0);
    assert.deepEqual(run.opened, ["prod"]);
    assert.deepEqual(run.subscriptions, [SUBSCRIPTION]);
    assert.deepEqual(run.report.out, [
      "stack prod: live blue, latest green, generation 2 (Azure: 2)",
      `blue: version 1.4.2, revision ${BLUE_REVISION}, weight 100%, active, Provisioned/Running, 2 replicas, image ${IMAGE_1}, url https://chatbot-api-prod---blue.${DOMAIN} [live]`,
      `green: version 1.5.0, revision ${GREEN_REVISION}, weight 0%, active, Provisioned/Running, 2 replicas, image ${IMAGE_2}, url https://chatbot-api-prod---green.${DOMAIN} [latest]`,
      "active revisions: 2; next: npm run release -- deploy --stack prod --version <V> --image <I> (green holds a candidate that is not verified)",
    ]);
  });

  it("passes --wait-for-lock to the release lock", async () => {
    // given: another release holds the lock throughout
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    const workspace = new MemoryWorkspace("prod", {
      release: BLUE_LIVE_GREEN_IDLE,
      outputs: { ...STACK_OUTPUTS },
      lock: HOLDER,
    });
    const run = overrides(world, workspace);
    const start = world.clock.now();

    // when
    const code = await main(["rollback", "--stack", "prod", "--wait-for-lock", "1m"], run.options);

    // then
    assert.equal(code, 3);
    assert.equal(world.clock.now() - start, 60_000);
    assert.deepEqual(run.report.err, [
      `refused: another release holds stack prod (${HOLDER}) after waiting 60s; if that release is no longer running, remove its lock with: pulumi stack tag rm chatbot:release-lock --stack prod; nothing changed`,
    ]);
  });

  it("stops on SIGTERM, says so, exits 4, and removes its signal handlers", async () => {
    // given: SIGTERM arrives while the command reads the stack history
    const world = await startWorld();
    await blueLiveGreenIdle(world);
    const workspace = new MemoryWorkspace("prod", {
      release: BLUE_LIVE_GREEN_IDLE,
      outputs: { ...STACK_OUTPUTS },
    });
    workspace.updateInProgress = async () => {
      process.emit("SIGTERM", "SIGTERM");
      throw new Error("pulumi stack history failed");
    };
    const run = overrides(world, workspace);
    const listeners = [process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")];

    // when
    const code = await main(["rollback", "--stack", "prod"], run.options);

    // then
    assert.equal(code, 4);
    assert.deepEqual(run.report.err, [
      "received SIGTERM: stopping; traffic that moved is put back before the command exits (during the post-promotion watch the promotion stands)",
      "error: interrupted (Error: SIGTERM); live traffic did not move",
    ]);
    assert.deepEqual(
      [process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")],
      listeners,
    );
    assert.deepEqual(
      world.model.app("rg-chatbot-prod", "chatbot-api-prod")?.properties.configuration.ingress
        ?.traffic,
      [
        { revisionName: BLUE_REVISION, weight: 100, label: "blue" },
        { revisionName: GREEN_REVISION, weight: 0, label: "green" },
      ],
    );
  });
});

describe("release main: owner and clock", () => {
  it("names the workflow run as the owner in GitHub Actions", () => {
    assert.equal(
      releaseOwner({ GITHUB_RUN_ID: "7", GITHUB_REPOSITORY: "acme/chatbot" }),
      "https://github.com/acme/chatbot/actions/runs/7",
    );
    assert.equal(
      releaseOwner({
        GITHUB_RUN_ID: "7",
        GITHUB_REPOSITORY: "acme/chatbot",
        GITHUB_SERVER_URL: "https://github.example.com",
      }),
      "https://github.example.com/acme/chatbot/actions/runs/7",
    );
  });

  it("names the run's attempt, so a re-run of a killed job never holds the killed attempt's lock", () => {
    const run = { GITHUB_RUN_ID: "7", GITHUB_REPOSITORY: "acme/chatbot" };
    assert.equal(
      releaseOwner({ ...run, GITHUB_RUN_ATTEMPT: "1" }),
      "https://github.com/acme/chatbot/actions/runs/7/attempts/1",
    );
    assert.equal(
      releaseOwner({ ...run, GITHUB_RUN_ATTEMPT: "2" }),
      "https://github.com/acme/chatbot/actions/runs/7/attempts/2",
    );
  });

  it("names the user, host and process as the owner elsewhere", () => {
    assert.equal(releaseOwner({}), `${os.userInfo().username}@${os.hostname()} pid ${process.pid}`);
  });

  it("ends a real sleep at once when the signal is aborted", async () => {
    // given
    const controller = new AbortController();
    controller.abort(new Error("SIGINT"));
    const started = Date.now();

    // when / then: it rejects with the signal's reason, as the Clock contract says
    await assert.rejects(realClock.sleep(60_000, controller.signal), { message: "SIGINT" });
    assert.ok(Date.now() - started < 1_000);
  });
});
