// The release command line: every command and option, every usage error, and the options each
// command's --help lists.
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { parseArgs, parseDuration, parseSteps, RELEASE_COMMANDS } from "../../release/args";
import { ReleaseConfigError } from "../../release/state";
import { runCli } from "../../scripts/cli/program";

const DIGEST = `chatbotregistry.azurecr.io/chatbot-api@sha256:${"a".repeat(64)}`;

/** Expects `parseArgs(argv)` to throw a `ReleaseConfigError` with exactly this message. */
function refuses(argv: readonly string[], message: string): void {
  assert.throws(
    () => parseArgs(argv),
    (err: unknown) => {
      assert.ok(err instanceof ReleaseConfigError, `not a ReleaseConfigError: ${String(err)}`);
      assert.equal(err.message, message);
      return true;
    },
  );
}

const STEPS_ERROR = (text: string) =>
  `\`--steps\` must be ascending percentages, each but the last from 1 to 50 (the canary range), the last 100; got ${text}`;
const SMOKE_ERROR = (text: string) =>
  `\`--smoke-paths\` must be a comma-separated list of paths starting with /, got ${text}`;
const IMAGE_ERROR = (text: string) =>
  `\`--image\` must be <registry>/<repository>:<tag> or <registry>/<repository>@sha256:<digest> and not :latest, got ${text}`;
const VERSION_ERROR = (text: string) =>
  `\`--version\` must start with a letter or digit and use letters, digits, '.', '_', '+' and '-', got ${text}`;

describe("release command line: commands", () => {
  it("parses status and rollback with a short or an org-qualified stack", () => {
    // given / when / then
    assert.deepEqual(parseArgs(["status", "--stack", "dev"]), {
      stack: "dev",
      command: { kind: "status" },
      waitForLockMs: 0,
    });
    assert.deepEqual(parseArgs(["rollback", "--stack", "acme/prod"]), {
      stack: "acme/prod",
      command: { kind: "rollback" },
      waitForLockMs: 0,
    });
    assert.deepEqual(parseArgs(["status", "--stack", "acme/chatbot-platform/staging"]), {
      stack: "acme/chatbot-platform/staging",
      command: { kind: "status" },
      waitForLockMs: 0,
    });
  });

  it("parses deploy with its defaults: no slot (the idle one) and the default smoke paths", () => {
    // given
    const argv = [
      "deploy",
      "--stack",
      "staging",
      "--version",
      "1.5.0",
      "--image",
      "acr.io/api:1.5.0",
    ];

    // when
    const parsed = parseArgs(argv);

    // then
    assert.deepEqual(parsed, {
      stack: "staging",
      command: {
        kind: "deploy",
        version: "1.5.0",
        image: "acr.io/api:1.5.0",
        smokePaths: ["/health", "/ready"],
      },
      waitForLockMs: 0,
    });
  });

  it("parses deploy with a slot, smoke paths and a digest image, options in any order", () => {
    // given
    const argv = [
      "deploy",
      "--smoke-paths",
      "/healthz,/api/ping",
      "--slot",
      "green",
      "--image",
      DIGEST,
      "--version",
      "3f2a9c1",
      "--stack",
      "prod",
    ];

    // when
    const parsed = parseArgs(argv);

    // then
    assert.deepEqual(parsed, {
      stack: "prod",
      command: {
        kind: "deploy",
        version: "3f2a9c1",
        image: DIGEST,
        slot: "green",
        smokePaths: ["/healthz", "/api/ping"],
      },
      waitForLockMs: 0,
    });
  });

  it("parses deploy versions with '.', '_', '+' and '-' and tags with a registry port", () => {
    // given / when
    const parsed = parseArgs([
      "deploy",
      "--stack",
      "dev",
      "--version",
      "v2.0.0-rc.1+build_7",
      "--image",
      "localhost:5000/team/api:2.0.0-rc.1",
      "--slot",
      "blue",
    ]);

    // then
    assert.deepEqual(parsed.command, {
      kind: "deploy",
      version: "v2.0.0-rc.1+build_7",
      image: "localhost:5000/team/api:2.0.0-rc.1",
      slot: "blue",
      smokePaths: ["/health", "/ready"],
    });
  });

  it("parses promote with its defaults: gated canary steps 10, 50, 100, each observed 5 minutes", () => {
    // given / when / then
    assert.deepEqual(parseArgs(["promote", "--stack", "staging"]), {
      stack: "staging",
      command: {
        kind: "promote",
        steps: [10, 50, 100],
        pauseMs: 300_000,
        smokePaths: ["/health", "/ready"],
      },
      waitForLockMs: 0,
    });
  });

  it("parses promote steps, a pause in seconds, minutes or 0, and smoke paths", () => {
    // given / when / then
    assert.deepEqual(
      parseArgs(["promote", "--stack", "prod", "--steps", "10,50,100", "--pause", "90s"]).command,
      { kind: "promote", steps: [10, 50, 100], pauseMs: 90_000, smokePaths: ["/health", "/ready"] },
    );
    assert.deepEqual(
      parseArgs(["promote", "--stack", "prod", "--pause", "5m", "--smoke-paths", "/"]).command,
      { kind: "promote", steps: [10, 50, 100], pauseMs: 300_000, smokePaths: ["/"] },
    );
    assert.deepEqual(
      parseArgs(["promote", "--stack", "prod", "--steps", "1,100", "--pause", "0"]).command,
      { kind: "promote", steps: [1, 100], pauseMs: 0, smokePaths: ["/health", "/ready"] },
    );
  });

  it("parses --no-watch on promote: the post-promotion watch is skipped", () => {
    // given / when / then
    assert.deepEqual(
      parseArgs(["promote", "--stack", "prod", "--steps", "100", "--no-watch"]).command,
      {
        kind: "promote",
        steps: [100],
        pauseMs: 300_000,
        smokePaths: ["/health", "/ready"],
        watch: false,
      },
    );
    assert.throws(
      () => parseArgs(["deploy", "--stack", "prod", "--no-watch"]),
      /unknown option '--no-watch'/,
    );
  });

  it("waits for another release's lock as long as --wait-for-lock says, on changing commands", () => {
    // given / when / then
    assert.equal(
      parseArgs(["rollback", "--stack", "prod", "--wait-for-lock", "30m"]).waitForLockMs,
      1_800_000,
    );
    assert.equal(
      parseArgs(["promote", "--wait-for-lock", "90s", "--stack", "prod"]).waitForLockMs,
      90_000,
    );
    assert.equal(
      parseArgs([
        "deploy",
        "--stack",
        "dev",
        "--version",
        "1",
        "--image",
        "a.io/b:1",
        "--wait-for-lock",
        "0",
      ]).waitForLockMs,
      0,
    );
  });

  it("accepts exactly the options each command's --help lists", async () => {
    // given: a valid value for every option of any command
    const values: Record<string, string> = {
      "--stack": "staging",
      "--version": "1.5.0",
      "--image": "acr.io/api:1.5.0",
      "--slot": "blue",
      "--smoke-paths": "/health",
      "--steps": "10,100",
      "--pause": "1m",
      "--wait-for-lock": "5m",
      "--refresh-from": "origin/main",
      "--no-watch": "", // a flag: no value
    };
    const given = (flag: string) => (values[flag] === "" ? [flag] : [flag, values[flag]]);
    const listed = async (command: string): Promise<string[]> => {
      let help = "";
      await runCli(["release", command, "--help"], {
        stdout: (text) => (help += text),
        stderr: () => undefined,
      });
      const options = help.slice(help.indexOf("Options:"), help.indexOf("Exit codes:"));
      return (options.match(/^ {2}(--[a-z-]+)/gm) ?? []).map((flag) => flag.trim());
    };

    for (const command of RELEASE_COMMANDS) {
      // when: every listed option is given
      const options = await listed(command);
      const parsed = parseArgs([command, ...options.flatMap(given)]);

      // then: it parses, and every other option is refused
      assert.equal(parsed.command.kind, command);
      for (const flag of Object.keys(values).filter((item) => !options.includes(item))) {
        refuses([command, "--stack", "staging", ...given(flag)], `unknown option '${flag}'`);
      }
    }
    assert.deepEqual(await listed("status"), ["--stack"]);
    assert.deepEqual(await listed("rollback"), ["--stack", "--wait-for-lock", "--refresh-from"]);
    assert.deepEqual(await listed("deploy"), [
      "--stack",
      "--version",
      "--image",
      "--slot",
      "--smoke-paths",
      "--wait-for-lock",
      "--refresh-from",
    ]);
    assert.deepEqual(await listed("promote"), [
      "--stack",
      "--steps",
      "--pause",
      "--no-watch",
      "--smoke-paths",
      "--wait-for-lock",
      "--refresh-from",
    ]);
  });
});

describe("release command line: usage errors", () => {
  it("fails when the command is missing or unknown, suggesting the closest", () => {
    refuses([], "expected a command: status, deploy, promote, rollback");
    refuses(["deplo", "--stack", "dev"], "unknown command 'deplo'\n(Did you mean deploy?)");
    refuses(["--stack", "dev", "status"], "unknown option '--stack'");
  });

  it("fails when an option is not one of the command's or has no leading --", () => {
    refuses(["status", "--stack", "dev", "--version", "1.0"], "unknown option '--version'");
    refuses(["rollback", "--stack", "dev", "--slot", "blue"], "unknown option '--slot'");
    refuses(
      ["status", "stack", "dev"],
      "too many arguments for 'status'. Expected 0 arguments but got 2.",
    );
    refuses(["status", "-s", "dev"], "unknown option '-s'");
  });

  it("fails when an option has no value", () => {
    refuses(["status", "--stack"], "option '--stack <name>' argument missing");
    refuses(
      ["deploy", "--stack", "dev", "--version", "--image", "acr.io/api:1"],
      "option '--version <version>' argument '--image' is invalid. A value is needed, not the option --image.",
    );
  });

  it("fails when the stack is missing or not one of the repository's", () => {
    const message = (got: string) =>
      `\`--stack\` must be one of dev, prod, staging (a Pulumi.<stack>.yaml in this repository; optionally <org>/<stack>), got ${got}`;
    refuses(["status"], message("(none)"));
    refuses(["status", "--stack", "production"], message("production"));
    refuses(["rollback", "--stack", "acme/qa"], message("acme/qa"));
    refuses(["status", "--stack", "prod/"], message("prod/"));
    refuses(["status", "--stack", "a/b/c/prod"], message("a/b/c/prod"));
  });

  it("fails when the deploy version is missing or malformed", () => {
    const deploy = (version: string[]) => [
      "deploy",
      "--stack",
      "dev",
      ...version,
      "--image",
      "acr.io/api:1",
    ];
    refuses(deploy([]), VERSION_ERROR("(none)"));
    refuses(deploy(["--version", "-1.0"]), VERSION_ERROR("-1.0"));
    refuses(deploy(["--version", "1.0 beta"]), VERSION_ERROR("1.0 beta"));
    refuses(deploy(["--version", "1.0/2"]), VERSION_ERROR("1.0/2"));
  });

  it("fails when the deploy image is missing, untagged, :latest or has whitespace", () => {
    const deploy = (image: string[]) => ["deploy", "--stack", "dev", "--version", "1.0", ...image];
    refuses(deploy([]), IMAGE_ERROR("(none)"));
    refuses(deploy(["--image", "acr.io/api"]), IMAGE_ERROR("acr.io/api"));
    refuses(deploy(["--image", "localhost:5000/api"]), IMAGE_ERROR("localhost:5000/api"));
    refuses(deploy(["--image", "acr.io/api:latest"]), IMAGE_ERROR("acr.io/api:latest"));
    refuses(deploy(["--image", "acr.io/api:1 .0"]), IMAGE_ERROR("acr.io/api:1 .0"));
  });

  it("fails when the deploy slot is neither blue nor green", () => {
    refuses(
      ["deploy", "--stack", "dev", "--version", "1", "--image", "acr.io/api:1", "--slot", "red"],
      "`--slot` must be blue or green, got red",
    );
  });

  it("fails when a smoke path does not start with / or is empty", () => {
    const promote = (paths: string) => ["promote", "--stack", "dev", "--smoke-paths", paths];
    refuses(promote("health"), SMOKE_ERROR("health"));
    refuses(promote("/health,ready"), SMOKE_ERROR("/health,ready"));
    refuses(promote("/health,,/ready"), SMOKE_ERROR("/health,,/ready"));
    refuses(promote("/a b"), SMOKE_ERROR("/a b"));
    refuses(
      ["deploy", "--stack", "dev", "--version", "1", "--image", "a.io/b:1", "--smoke-paths", ""],
      SMOKE_ERROR(""),
    );
  });

  it("fails when the steps are not ascending canary shares ending at 100", () => {
    const promote = (steps: string) => ["promote", "--stack", "dev", "--steps", steps];
    for (const steps of ["10,50", "50,10,100", "10,10,100", "0,100", "51,100", "10,x,100", ""]) {
      refuses(promote(steps), STEPS_ERROR(steps));
    }
    refuses(promote("10,100,100"), STEPS_ERROR("10,100,100"));
    refuses(promote("1.5,100"), STEPS_ERROR("1.5,100"));
  });

  it("fails when --wait-for-lock is not seconds or minutes", () => {
    refuses(
      ["rollback", "--stack", "dev", "--wait-for-lock", "1h"],
      "`--wait-for-lock` must look like 90s or 2m, got 1h",
    );
  });

  it("fails when the pause is not seconds or minutes", () => {
    for (const pause of ["2h", "1.5m", "-1s", "m", ""]) {
      refuses(
        ["promote", "--stack", "dev", "--pause", pause],
        `\`--pause\` must look like 90s or 2m, got ${pause}`,
      );
    }
  });
});

describe("release command line: steps and durations", () => {
  it("parses any ascending canary shares from 1 to 50 followed by 100 as themselves", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 50 }), { maxLength: 6 }), (shares) => {
        // given
        const steps = [...[...shares].sort((a, b) => a - b), 100];

        // when / then
        assert.deepEqual(parseSteps(steps.join(",")), steps);
      }),
    );
  });

  it("reads a bare number as seconds, `s` as seconds and `m` as minutes", () => {
    fc.assert(
      fc.property(fc.nat({ max: 100_000 }), (n) => {
        assert.equal(parseDuration(`${n}`), n * 1000);
        assert.equal(parseDuration(`${n}s`), n * 1000);
        assert.equal(parseDuration(`${n}m`), n * 60_000);
      }),
    );
  });
});

describe("release command line: command names", () => {
  it("fails with a usage error on a command named like an object property", () => {
    for (const name of ["toString", "constructor", "__proto__"]) {
      assert.throws(() => parseArgs([name, "--stack", "dev"]), {
        name: "ReleaseConfigError",
        message: `unknown command '${name}'`,
      });
    }
  });
});
