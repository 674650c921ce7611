import * as assert from "node:assert/strict";
import fc from "fast-check";
import { parseArgs, parseDuration, parseSteps } from "../../release/args";
import { parseReleaseState, revisionSuffix, slotWeight } from "../../release/state";

describe("release command line", () => {
  it("parses deploy with its defaults", () => {
    // given / when
    const parsed = parseArgs([
      "deploy",
      "--stack",
      "prod",
      "--version",
      "1.5.0",
      "--image",
      "acr.io/api:1.5.0",
    ]);

    // then
    assert.deepEqual(parsed, {
      stack: "prod",
      command: {
        kind: "deploy",
        version: "1.5.0",
        image: "acr.io/api:1.5.0",
        smokePaths: ["/health", "/ready"],
      },
    });
  });

  it("parses deploy with a slot and smoke paths", () => {
    // given / when
    const parsed = parseArgs([
      "deploy",
      "--stack",
      "org/dev",
      "--version",
      "3f2a9c1",
      "--image",
      "acr.io/api@sha256:abc",
      "--slot",
      "green",
      "--smoke-paths",
      "/healthz,/api/ping",
    ]);

    // then
    assert.deepEqual(parsed.command, {
      kind: "deploy",
      version: "3f2a9c1",
      image: "acr.io/api@sha256:abc",
      slot: "green",
      smokePaths: ["/healthz", "/api/ping"],
    });
    assert.equal(parsed.stack, "org/dev");
  });

  it("parses promote with defaults (one step, 2 minute pause) and with steps", () => {
    // given / when / then
    assert.deepEqual(parseArgs(["promote", "--stack", "staging"]).command, {
      kind: "promote",
      steps: [100],
      pauseMs: 120_000,
      smokePaths: ["/health", "/ready"],
    });
    assert.deepEqual(
      parseArgs(["promote", "--stack", "prod", "--steps", "10,50,100", "--pause", "90s"]).command,
      {
        kind: "promote",
        steps: [10, 50, 100],
        pauseMs: 90_000,
        smokePaths: ["/health", "/ready"],
      },
    );
  });

  it("parses status and rollback", () => {
    // given / when / then
    assert.deepEqual(parseArgs(["status", "--stack", "dev"]), {
      stack: "dev",
      command: { kind: "status" },
    });
    assert.deepEqual(parseArgs(["rollback", "--stack", "prod"]), {
      stack: "prod",
      command: { kind: "rollback" },
    });
  });

  const failures: [string, string[], string][] = [
    [
      "there is no command",
      [],
      "unknown command (none); expected status, deploy, promote or rollback",
    ],
    [
      "the command is unknown",
      ["ship"],
      "unknown command ship; expected status, deploy, promote or rollback",
    ],
    [
      "the stack is missing",
      ["status"],
      "`--stack` must be one of dev, staging, prod (optionally <org>/<stack>), got (none)",
    ],
    [
      "the stack is unknown",
      ["status", "--stack", "qa"],
      "`--stack` must be one of dev, staging, prod (optionally <org>/<stack>), got qa",
    ],
    [
      "an option does not belong to the command",
      ["status", "--stack", "dev", "--version", "1"],
      "unknown option --version for status",
    ],
    ["an argument is not an option", ["status", "dev"], "unknown option dev for status"],
    ["an option has no value", ["rollback", "--stack"], "option --stack needs a value"],
    [
      "an option is followed by another option",
      ["rollback", "--stack", "--x"],
      "option --stack needs a value",
    ],
    [
      "the version is missing",
      ["deploy", "--stack", "dev", "--image", "a/b:1"],
      "`--version` must start with a letter or digit and use letters, digits, '.', '_', '+' and '-', got (none)",
    ],
    [
      "the version has a slash",
      ["deploy", "--stack", "dev", "--version", "a/b", "--image", "a/b:1"],
      "`--version` must start with a letter or digit and use letters, digits, '.', '_', '+' and '-', got a/b",
    ],
    [
      "the image is missing",
      ["deploy", "--stack", "dev", "--version", "1"],
      "`--image` must be <registry>/<repository>:<tag> or <registry>/<repository>@sha256:<digest> and not :latest, got (none)",
    ],
    [
      "the image is untagged",
      ["deploy", "--stack", "dev", "--version", "1", "--image", "acr.io/api"],
      "`--image` must be <registry>/<repository>:<tag> or <registry>/<repository>@sha256:<digest> and not :latest, got acr.io/api",
    ],
    [
      "the image is latest",
      ["deploy", "--stack", "dev", "--version", "1", "--image", "acr.io/api:latest"],
      "`--image` must be <registry>/<repository>:<tag> or <registry>/<repository>@sha256:<digest> and not :latest, got acr.io/api:latest",
    ],
    [
      "the slot is unknown",
      ["deploy", "--stack", "dev", "--version", "1", "--image", "a/b:1", "--slot", "red"],
      "`--slot` must be blue or green, got red",
    ],
    [
      "a smoke path is relative",
      ["deploy", "--stack", "dev", "--version", "1", "--image", "a/b:1", "--smoke-paths", "health"],
      "`--smoke-paths` must be a comma-separated list of paths starting with /, got health",
    ],
  ];
  for (const [when, argv, message] of failures) {
    it(`fails when ${when}`, () => {
      // given / when / then
      assert.throws(() => parseArgs(argv), { name: "ReleaseConfigError", message });
    });
  }

  it("fails when steps are not ascending, exceed the canary range or do not end at 100", () => {
    // given / when / then
    for (const text of ["50,10,100", "10,60,100", "10,50", "0,100", "a,100", "10,,100"]) {
      assert.throws(() => parseSteps(text), {
        message: `\`--steps\` must be ascending percentages, each but the last from 1 to 50 (the canary range), the last 100; got ${text}`,
      });
    }
  });

  it("parses durations and fails when a duration has another unit", () => {
    // given / when / then
    assert.equal(parseDuration("0"), 0);
    assert.equal(parseDuration("45s"), 45_000);
    assert.equal(parseDuration("2m"), 120_000);
    assert.throws(() => parseDuration("1h"), {
      message: "`--pause` must look like 90s or 2m, got 1h",
    });
  });
});

describe("release state", () => {
  it("parses a full release block", () => {
    // given / when / then
    const raw = {
      live: "green",
      latest: "green",
      canaryPercent: 10,
      blue: { version: "1", image: "a:1" },
      green: { version: "2", image: "a:2" },
    };
    assert.deepEqual(parseReleaseState(raw), raw);
  });

  const bad: [string, unknown, string][] = [
    [
      "the block is not an object",
      "blue",
      'Invalid `chatbot-platform:release`: received "blue"; expected an object.',
    ],
    [
      "live is missing",
      { blue: { version: "1", image: "a:1" } },
      'Invalid `chatbot-platform:release.live`: received nothing; allowed: "blue", "green".',
    ],
    [
      "a slot has no image",
      { live: "blue", blue: { version: "1" } },
      "Invalid `chatbot-platform:release.blue.image`: received nothing; expected an image reference string.",
    ],
    [
      "latest is unknown",
      { live: "blue", latest: "red", blue: { version: "1", image: "a:1" } },
      'Invalid `chatbot-platform:release.latest`: received "red"; allowed: "blue", "green".',
    ],
    [
      "canaryPercent is above 50",
      { live: "blue", canaryPercent: 60, blue: { version: "1", image: "a:1" } },
      "Invalid `chatbot-platform:release.canaryPercent`: received 60; expected an integer from 0 to 50.",
    ],
    [
      "canaryPercent is not a number",
      { live: "blue", canaryPercent: "five", blue: { version: "1", image: "a:1" } },
      'Invalid `chatbot-platform:release.canaryPercent`: received "five"; expected an integer from 0 to 50.',
    ],
  ];
  for (const [when, raw, message] of bad) {
    it(`fails when ${when}`, () => {
      // given / when / then
      assert.throws(() => parseReleaseState(raw), { name: "ReleaseConfigError", message });
    });
  }

  it("fails when a version gives no revision suffix", () => {
    // given / when / then
    assert.throws(() => revisionSuffix("-1"), {
      name: "ReleaseConfigError",
      message: 'version "-1" gives no valid revision suffix',
    });
  });

  it("gives revision suffixes that are valid revision-name parts (property)", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,20}[A-Za-z0-9]$/), (version) => {
        assert.match(revisionSuffix(version), /^[a-z][a-z0-9-]*[a-z0-9]$/);
      }),
    );
  });

  it("splits traffic to 100 between two slots for every canary share (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 50 }),
        fc.constantFrom("blue", "green"),
        (canaryPercent, live) => {
          const release = parseReleaseState({
            live,
            latest: live,
            canaryPercent,
            blue: { version: "1", image: "a:1" },
            green: { version: "2", image: "a:2" },
          });
          assert.ok(release !== undefined);
          assert.equal(slotWeight(release, "blue") + slotWeight(release, "green"), 100);
        },
      ),
    );
  });
});
