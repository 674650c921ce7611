// The release command line: every command and option, every usage error, and the options each
// command's --help lists.
import * as assert from "node:assert/strict";
import fc from "fast-check";
import {
  MIN_PAUSE_MINUTES,
  parseArgs,
  parseDuration,
  parseSteps,
  RELEASE_COMMANDS,
} from "../../release/args";
import { DEFAULT_GATES } from "../../lib/gates";
import { ReleaseConfigError } from "../../release/state";
import { imageProblem } from "../../lib/config";
import { revisionSuffix } from "../../lib/naming";
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
/** The program's image rules (lib/config/messages.ts), word for word. */
const IMAGE = {
  reference:
    "expected an image reference such as `<registry>/<repository>:<tag>` or `<registry>/<repository>@sha256:<digest>`",
  untagged:
    "expected a tag or a digest (`:<tag>` or `@sha256:<digest>`); an untagged image means `latest`",
  latest: "the `latest` tag is mutable; pin a version tag or a digest",
  digest: "a digest must be `@sha256:` followed by 64 lowercase hex characters",
  tag: "expected a valid tag after `:`",
  lowercase: (name: string) =>
    `a repository name must be lowercase (Docker refuses the reference): use \`${name}\``,
};
const IMAGE_ERROR = (problem: string, text: string) => `\`--image\`: ${problem}; got ${text}`;
const VERSION_ERROR = (text: string) =>
  `\`--version\` must start with a letter or digit and use letters, digits, '.', '_', '+' and '-' (it names the revision), got ${text}`;
const PAUSE_TOO_SHORT = (text: string) =>
  `\`--pause\` must be at least 2m, got ${text}: the error-rate rollback trigger judges the last 2 min of the candidate's requests (rollbackErrorRateWindowMinutes), and a shorter step would be judged on less data than that (the 3 min ingestion lag is waited for after the pause anyway)`;

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

  it("parses promote steps, a pause in seconds or minutes from 2m up, and smoke paths", () => {
    // given / when / then
    assert.deepEqual(
      parseArgs(["promote", "--stack", "prod", "--steps", "10,50,100", "--pause", "150s"]).command,
      {
        kind: "promote",
        steps: [10, 50, 100],
        pauseMs: 150_000,
        smokePaths: ["/health", "/ready"],
      },
    );
    assert.deepEqual(
      parseArgs(["promote", "--stack", "prod", "--pause", "5m", "--smoke-paths", "/"]).command,
      { kind: "promote", steps: [10, 50, 100], pauseMs: 300_000, smokePaths: ["/"] },
    );
    assert.deepEqual(
      parseArgs(["promote", "--stack", "prod", "--steps", "1,100", "--pause", "2m"]).command,
      { kind: "promote", steps: [1, 100], pauseMs: 120_000, smokePaths: ["/health", "/ready"] },
    );
    assert.equal(
      (parseArgs(["promote", "--stack", "prod", "--pause", "120s"]).command as { pauseMs: number })
        .pauseMs,
      120_000,
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
        "0s",
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
      "--pause": "2m",
      "--wait-for-lock": "5m",
      "--refresh-from": "origin/main",
      "--keep-lock": "/tmp/release-lock-holder",
      "--holder": "deploy by run 1",
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
    assert.deepEqual(await listed("rollback"), [
      "--stack",
      "--wait-for-lock",
      "--refresh-from",
      "--keep-lock",
    ]);
    assert.deepEqual(await listed("unlock"), ["--stack", "--holder"]);
    assert.deepEqual(await listed("deploy"), [
      "--stack",
      "--version",
      "--image",
      "--slot",
      "--smoke-paths",
      "--wait-for-lock",
      "--refresh-from",
      "--keep-lock",
    ]);
    assert.deepEqual(await listed("promote"), [
      "--stack",
      "--steps",
      "--pause",
      "--no-watch",
      "--smoke-paths",
      "--wait-for-lock",
      "--refresh-from",
      "--keep-lock",
    ]);
  });
});

describe("release command line: exit codes in --help", () => {
  /** The `Exit codes:` lines of `release <command> --help`. */
  async function exitCodes(command: readonly string[]): Promise<string[]> {
    let help = "";
    await runCli(["release", ...command, "--help"], {
      stdout: (text) => (help += text),
      stderr: () => undefined,
    });
    const lines = help.split("\n");
    return lines.slice(lines.indexOf("Exit codes:") + 1, lines.indexOf("Examples:") - 1);
  }
  const USAGE =
    "  2  usage error, a malformed release block, the Pulumi CLI is missing or Azure is not signed in";

  it("lists for status only what status returns: no failed check, no traffic, nothing to put back", async () => {
    assert.deepEqual(await exitCodes(["status"]), [
      "  0  done (a stale or missing release block is a warning)",
      USAGE,
      "  3  refused: the stack cannot be opened, exports no subscription or has no app yet",
      "  4  an error, timeout or interruption while reading the stack or Azure",
    ]);
  });

  it("lists for deploy that live traffic never moves", async () => {
    assert.deepEqual(await exitCodes(["deploy"]), [
      "  0  done: the version is verified in the idle slot at 0% (on a first release, live)",
      "  1  a check failed: the revision is not ready or not verified; live traffic did not move",
      USAGE,
      "  3  refused before any change (the slot is live, stale stack file, Azure's traffic differs from the file, locked)",
      "  4  an error, timeout or interruption; live traffic did not move",
      "  5  the stack file could not record what Azure now serves: the message names the command that records it",
    ]);
  });

  it("lists for promote every code, and for rollback no failed check", async () => {
    assert.deepEqual(await exitCodes(["promote"]), [
      "  0  done",
      "  1  a check or gate failed; traffic is back where it was",
      USAGE,
      "  3  refused before any change (nothing verified, stale stack file, Azure's traffic differs from the file, locked)",
      "  4  an error, timeout or interruption; traffic is back where it was (interrupted during the post-promotion watch: the promotion stands)",
      "  5  putting traffic back failed, or the stack file could not record a traffic change: the message names the command that finishes it",
    ]);
    assert.deepEqual(await exitCodes(["rollback"]), [
      "  0  done",
      USAGE,
      "  3  refused before any change (nothing to roll back to, the target revision cannot be made ready, stale stack file, locked)",
      "  4  an error, timeout or interruption; traffic is where it was",
      "  5  the stack file could not record the traffic change: the message names the command that records it",
    ]);
    assert.deepEqual(
      (await exitCodes([])).map((line) => line.slice(0, 3)),
      ["  0", "  1", "  2", "  3", "  4", "  5"],
    );
  });
});

describe("release command line: usage errors", () => {
  it("fails when the command is missing or unknown, suggesting the closest", () => {
    refuses([], "expected a command: status, deploy, promote, rollback, unlock");
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

  it("takes exactly the versions the program takes (a version names the revision)", () => {
    fc.assert(
      fc.property(
        fc
          .oneof(fc.string({ maxLength: 12 }), fc.stringMatching(/^[A-Za-z0-9._+\/ -]{1,12}$/))
          // commander reads `-h`, `--x` as options, not as the value
          .filter((version) => !/^-[-A-Za-z]/.test(version)),
        (version) => {
          // given
          const argv = ["deploy", "--stack", "dev", "--version", version, "--image", "a.io/b:1"];

          // when / then: the schema's rule, revisionSuffix (lib/naming.ts)
          if (revisionSuffix(version) === undefined) {
            refuses(argv, VERSION_ERROR(version));
          } else {
            assert.equal((parseArgs(argv).command as { version: string }).version, version);
          }
        },
      ),
    );
  });

  it("fails when the deploy image is missing, untagged, :latest or has whitespace", () => {
    const deploy = (image: string[]) => ["deploy", "--stack", "dev", "--version", "1.0", ...image];
    refuses(deploy([]), IMAGE_ERROR(IMAGE.reference, "(none)"));
    refuses(deploy(["--image", ""]), IMAGE_ERROR(IMAGE.reference, ""));
    refuses(deploy(["--image", "acr.io/api"]), IMAGE_ERROR(IMAGE.untagged, "acr.io/api"));
    refuses(
      deploy(["--image", "localhost:5000/api"]),
      IMAGE_ERROR(IMAGE.untagged, "localhost:5000/api"),
    );
    refuses(
      deploy(["--image", "acr.io/api:latest"]),
      IMAGE_ERROR(IMAGE.latest, "acr.io/api:latest"),
    );
    refuses(
      deploy(["--image", "acr.io/api:1 .0"]),
      IMAGE_ERROR(IMAGE.reference, "acr.io/api:1 .0"),
    );
  });

  it("fails when the deploy image breaks the program's rule: uppercase, a bad digest or tag", () => {
    // given: what the program (lib/config imageProblem) refuses at `pulumi up`
    const deploy = (image: string) => [
      "deploy",
      "--stack",
      "staging",
      "--version",
      "1.6.0",
      "--image",
      image,
    ];

    // when / then: refused while the arguments are parsed, with the program's words
    refuses(
      deploy("ChatbotRegistry.azurecr.io/chatbot-api:1.6.0"),
      IMAGE_ERROR(
        IMAGE.lowercase("chatbotregistry.azurecr.io/chatbot-api:1.6.0"),
        "ChatbotRegistry.azurecr.io/chatbot-api:1.6.0",
      ),
    );
    refuses(
      deploy(`acr.io/Chatbot-API@sha256:${"a".repeat(64)}`),
      IMAGE_ERROR(
        IMAGE.lowercase(`acr.io/chatbot-api@sha256:${"a".repeat(64)}`),
        `acr.io/Chatbot-API@sha256:${"a".repeat(64)}`,
      ),
    );
    refuses(deploy("acr.io/api@sha256:abc"), IMAGE_ERROR(IMAGE.digest, "acr.io/api@sha256:abc"));
    refuses(
      deploy(`acr.io/api@sha256:${"A".repeat(64)}`),
      IMAGE_ERROR(IMAGE.digest, `acr.io/api@sha256:${"A".repeat(64)}`),
    );
    refuses(deploy("acr.io/api:.1"), IMAGE_ERROR(IMAGE.tag, "acr.io/api:.1"));
    refuses(deploy("acr.io/api:"), IMAGE_ERROR(IMAGE.tag, "acr.io/api:"));
  });

  it("takes exactly the images the program takes", () => {
    // given: images the program accepts and refuses
    const images = [
      "acr.io/api:1.6.0",
      "localhost:5000/team/api:2.0.0-rc.1",
      DIGEST,
      "ChatbotRegistry.azurecr.io/chatbot-api:1.6.0",
      "acr.io/api",
      "acr.io/api:latest",
      "acr.io/api@sha256:abc",
      "acr.io/api:-x",
    ];
    for (const image of images) {
      // when
      const problem = imageProblem(image);
      const argv = ["deploy", "--stack", "dev", "--version", "1", "--image", image];

      // then
      if (problem === undefined) {
        assert.equal((parseArgs(argv).command as { image: string }).image, image);
      } else {
        refuses(argv, IMAGE_ERROR(problem, image));
      }
    }
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
    refuses(
      ["rollback", "--stack", "dev", "--wait-for-lock", "30"],
      "`--wait-for-lock` needs a unit, s or m (30s or 30m), got 30",
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

  it("fails when the pause has no unit: 5 could mean seconds or minutes", () => {
    for (const pause of ["5", "0", "300"]) {
      refuses(
        ["promote", "--stack", "prod", "--pause", pause],
        `\`--pause\` needs a unit, s or m (${pause}s or ${pause}m), got ${pause}`,
      );
    }
  });

  it("fails when the pause is shorter than the error-rate trigger's window (2 min)", () => {
    // given: the minimum is the gates' shortest trailing window
    assert.equal(MIN_PAUSE_MINUTES, DEFAULT_GATES.rollbackErrorRateWindowMinutes);
    assert.equal(MIN_PAUSE_MINUTES, 2);

    // when / then
    for (const pause of ["0s", "5s", "119s", "1m", "0m"]) {
      refuses(["promote", "--stack", "prod", "--pause", pause], PAUSE_TOO_SHORT(pause));
    }
    refuses(
      ["promote", "--stack", "dev", "--steps", "100", "--pause", "30s"],
      PAUSE_TOO_SHORT("30s"),
    );
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

  it("reads `s` as seconds and `m` as minutes, and refuses a bare number", () => {
    fc.assert(
      fc.property(fc.nat({ max: 100_000 }), (n) => {
        assert.equal(parseDuration(`${n}s`), n * 1000);
        assert.equal(parseDuration(`${n}m`), n * 60_000);
        assert.throws(
          () => parseDuration(`${n}`),
          new ReleaseConfigError(`\`--pause\` needs a unit, s or m (${n}s or ${n}m), got ${n}`),
        );
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
