import * as assert from "assert";
import * as fc from "fast-check";
import { MAX_REVISION_NAME_LENGTH, revisionName, revisionSuffix } from "../../lib/naming";
import {
  candidateSuffix,
  computeTraffic,
  latestSuffix,
  otherSlot,
  parseSuffix,
  recordedSuffix,
  Release,
  RevisionChangedError,
  SlotRelease,
  templateFingerprint,
} from "../../lib/release";
import { AppTemplateInput, revisionTemplate, templateSpec } from "../../lib/template";

/** Promoting and rolling back are the same change: `live` moves to the other slot. */
function flipLive(release: Release): Release {
  return { ...release, live: otherSlot(release.live) };
}

const APP = "chatbot-api-prod";
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

/** Azure's revision suffix rule: lowercase letters, digits and '-', starting with a letter. */
const AZURE_SUFFIX = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;

describe("revision suffixes", () => {
  it("names a new revision <version slug>-<template fingerprint>g<generation>", () => {
    assert.strictEqual(candidateSuffix(APP, "v1-4-2", "3f9a2c", 7), "v1-4-2-3f9a2cg7");
  });

  it("shortens a long version slug so that the revision name is exactly 54 characters", () => {
    // given a 40-character commit hash as the version
    const slug = "v0123456789abcdef0123456789abcdef01234567";
    // when
    const suffix = candidateSuffix("chatbot-api-dev", slug, "abcdef", 0);
    // then
    assert.strictEqual(suffix, "v0123456789abcdef0123456789a-abcdefg0");
    assert.strictEqual(revisionName("chatbot-api-dev", suffix).length, MAX_REVISION_NAME_LENGTH);
  });

  it("leaves room for a seven-digit generation", () => {
    const slug = "v0123456789abcdef0123456789abcdef01234567";
    const suffix = candidateSuffix("chatbot-api-dev", slug, "abcdef", 1_000_000);
    assert.strictEqual(suffix, "v0123456789abcdef01234-abcdefg1000000");
    assert.strictEqual(revisionName("chatbot-api-dev", suffix).length, MAX_REVISION_NAME_LENGTH);
  });

  it("drops the '-' a shortened slug would end with (Azure refuses '--')", () => {
    const suffix = candidateSuffix(
      "chatbot-api-dev",
      "v1-2-3-4-5-6-7-8-9-10-11-12-13-14",
      "abcdef",
      0,
    );
    assert.strictEqual(suffix, "v1-2-3-4-5-6-7-8-9-10-11-12-abcdefg0");
  });

  it("never shortens the slug below its first character", () => {
    assert.strictEqual(candidateSuffix("a".repeat(50), "v1-4-2", "abcdef", 0), "v-abcdefg0");
  });

  it("every new suffix fits Azure's rules and carries its fingerprint and generation", () => {
    fc.assert(
      fc.property(
        fc
          .stringMatching(/^[a-z][a-z0-9]{0,9}(-[a-z0-9]{1,8}){0,3}$/)
          .filter((n) => n.length <= 32),
        fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,60}$/),
        fc.stringMatching(/^[0-9a-f]{6}$/),
        fc.integer({ min: 0, max: 1_000_000 }),
        (appName, version, fingerprint, generation) => {
          const slug = revisionSuffix(version) as string;
          const suffix = candidateSuffix(appName, slug, fingerprint, generation);
          assert.ok(AZURE_SUFFIX.test(suffix), suffix);
          assert.ok(!suffix.includes("--"), suffix);
          assert.ok(revisionName(appName, suffix).length <= MAX_REVISION_NAME_LENGTH, suffix);
          assert.ok(slug.startsWith(suffix.slice(0, suffix.lastIndexOf("-"))), suffix);
          assert.deepStrictEqual(parseSuffix(suffix), { fingerprint, generation });
        },
      ),
    );
  });

  const parsed: [string, ReturnType<typeof parseSuffix>][] = [
    ["v1-4-2-3f9a2cg7", { fingerprint: "3f9a2c", generation: 7 }],
    ["v-abcdefg1000000", { fingerprint: "abcdef", generation: 1_000_000 }],
    ["v1-4-2", undefined],
    ["v1-4-2-3F9A2Cg7", undefined],
    ["v1-4-2-3f9a2g7", undefined],
    ["v1-4-2-3f9a2cg", undefined],
    ["v1-4-2-3f9a2cg7x", undefined],
  ];
  for (const [suffix, expected] of parsed) {
    it(`reads ${JSON.stringify(expected)} from the suffix ${suffix}`, () => {
      assert.deepStrictEqual(parseSuffix(suffix), expected);
    });
  }

  it("names a slot by its recorded revision, or by its version slug when none is recorded", () => {
    assert.strictEqual(recordedSuffix({ ...blue, revision: "v1-4-2-3f9a2cg7" }), "v1-4-2-3f9a2cg7");
    assert.strictEqual(recordedSuffix(blue), "v1-4-2");
  });
});

describe("template fingerprint", () => {
  const input: AppTemplateInput = {
    cpu: 1,
    memory: "2Gi",
    minReplicas: 2,
    maxReplicas: 4,
    concurrentRequests: 50,
    targetPort: 8000,
    healthPath: "/health",
    readyPath: "/ready",
    settings: { LOG_LEVEL: "INFO" },
    secrets: [{ envName: "OPENAI_API_KEY", secretName: "openai-api-key" }],
  };
  const image = "acr.azurecr.io/chatbot-api:1.5.0";
  const fingerprint = (changed: AppTemplateInput, changedImage = image) =>
    templateFingerprint(revisionTemplate(templateSpec(changed, changedImage)));

  it("is 6 hex characters of the template's SHA-256, the same on every run", () => {
    // A change here renames every revision a stack has recorded: each would be refused as changed.
    assert.strictEqual(fingerprint(input), "bcec72");
    assert.strictEqual(templateFingerprint({ a: 1 }), "015abd");
  });

  it("ignores the order of object keys and undefined fields", () => {
    assert.strictEqual(
      templateFingerprint({ b: { d: [1, { f: 2, e: 3 }], c: "x" }, a: 1, z: undefined }),
      templateFingerprint({ a: 1, b: { c: "x", d: [1, { e: 3, f: 2 }] } }),
    );
  });

  it("any key order gives the same fingerprint", () => {
    const reversed = (value: unknown): unknown => {
      if (Array.isArray(value)) {
        return value.map(reversed);
      }
      if (typeof value === "object" && value !== null) {
        return Object.fromEntries(
          Object.entries(value)
            .reverse()
            .map(([key, item]) => [key, reversed(item)]),
        );
      }
      return value;
    };
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        assert.strictEqual(templateFingerprint(reversed(value)), templateFingerprint(value));
      }),
    );
  });

  it("keeps the order of array items (the order of env entries is part of the template)", () => {
    assert.notStrictEqual(templateFingerprint([1, 2]), templateFingerprint([2, 1]));
  });

  const changes: [string, string][] = [
    ["another image", fingerprint(input, "acr.azurecr.io/chatbot-api:1.5.1")],
    ["another CPU and memory", fingerprint({ ...input, cpu: 1.5, memory: "3Gi" })],
    ["another memory", fingerprint({ ...input, memory: "3Gi" })],
    ["other minimum replicas", fingerprint({ ...input, minReplicas: 3 })],
    ["other maximum replicas", fingerprint({ ...input, maxReplicas: 5 })],
    ["another scale-rule concurrency", fingerprint({ ...input, concurrentRequests: 60 })],
    ["another port (the probes')", fingerprint({ ...input, targetPort: 8080 })],
    ["another health path (liveness, startup)", fingerprint({ ...input, healthPath: "/healthz" })],
    ["another readiness path", fingerprint({ ...input, readyPath: "/readyz" })],
    ["another setting value", fingerprint({ ...input, settings: { LOG_LEVEL: "DEBUG" } })],
    ["a renamed setting", fingerprint({ ...input, settings: { LOGLEVEL: "INFO" } })],
    ["an added setting", fingerprint({ ...input, settings: { LOG_LEVEL: "INFO", WORKERS: "4" } })],
    [
      "another secret reference",
      fingerprint({ ...input, secrets: [{ envName: "OPENAI_API_KEY", secretName: "openai-key" }] }),
    ],
    ["a removed secret reference", fingerprint({ ...input, secrets: [] })],
  ];
  for (const [what, changed] of changes) {
    it(`changes with ${what}`, () => {
      assert.match(changed, /^[0-9a-f]{6}$/);
      assert.notStrictEqual(changed, fingerprint(input));
    });
  }
});

describe("latest suffix", () => {
  /** Prod at generation 7: blue live with a recorded revision, green deployed at 0%. */
  const release: Release = {
    live: "blue",
    latest: "green",
    canaryPercent: 0,
    generation: 7,
    blue: { ...blue, revision: "v1-4-2-aaaaaag3" },
    green,
  };

  it("gives a slot with no recorded revision a new suffix at the release's generation", () => {
    assert.strictEqual(latestSuffix(release, APP, "3f9a2c", "prod"), "v1-5-0-3f9a2cg7");
  });

  it("keeps the recorded revision while the template is unchanged", () => {
    // given green recorded at generation 4 and the same template now
    const recorded = { ...release, green: { ...green, revision: "v1-5-0-3f9a2cg4" } };
    // then the suffix is the recorded one, not a generation-7 candidate
    assert.strictEqual(latestSuffix(recorded, APP, "3f9a2c", "prod"), "v1-5-0-3f9a2cg4");
  });

  it("keeps a revision recorded before suffixes carried a fingerprint (it cannot be checked)", () => {
    const legacy = { ...release, green: { ...green, revision: "v1-5-0" } };
    assert.strictEqual(latestSuffix(legacy, APP, "3f9a2c", "prod"), "v1-5-0");
  });

  it("fails when the template of the idle latest slot changed since its revision was recorded", () => {
    // given green recorded with template 3f9a2c
    const recorded = { ...release, green: { ...green, revision: "v1-5-0-3f9a2cg4" } };
    // when the config gives template 0b1c2d
    assert.throws(
      () => latestSuffix(recorded, APP, "0b1c2d", "prod"),
      (err: Error) => {
        assert.ok(err instanceof RevisionChangedError);
        assert.strictEqual(err.name, "RevisionChangedError");
        assert.strictEqual(
          err.message,
          "this configuration changes the revision template of slot green (idle): revision " +
            "chatbot-api-prod--v1-5-0-3f9a2cg4 was deployed with template 3f9a2c, the config now " +
            "gives template 0b1c2d (an image, app setting, secret reference, CPU, memory, probe or " +
            "scale change). Azure refuses a revision suffix reused with another template, and a " +
            "template change must not move traffic by itself, so nothing was changed. Ship it as " +
            "a new candidate in the idle slot: npm run release -- deploy --stack prod --version " +
            "1.5.0 --image acr.azurecr.io/chatbot-api:1.5.0",
        );
        return true;
      },
    );
  });

  it("fails when the template of the live latest slot changed, naming its share of traffic", () => {
    const live: Release = {
      live: "blue",
      latest: "blue",
      canaryPercent: 0,
      generation: 5,
      blue: { ...blue, revision: "v1-4-2-3f9a2cg5" },
    };
    assert.throws(() => latestSuffix(live, "chatbot-api-staging", "0b1c2d", "staging"), {
      name: "RevisionChangedError",
      message:
        "this configuration changes the revision template of slot blue (100% of traffic): revision " +
        "chatbot-api-staging--v1-4-2-3f9a2cg5 was deployed with template 3f9a2c, the config now " +
        "gives template 0b1c2d (an image, app setting, secret reference, CPU, memory, probe or " +
        "scale change). Azure refuses a revision suffix reused with another template, and a " +
        "template change must not move traffic by itself, so nothing was changed. Ship it as " +
        "a new candidate in the idle slot: npm run release -- deploy --stack staging --version " +
        "1.4.2 --image acr.azurecr.io/chatbot-api:1.4.2",
    });
  });

  it("fails when the template of a canary changed, naming its share and a placeholder for a built image", () => {
    const canary: Release = {
      ...release,
      canaryPercent: 10,
      green: { version: "1.5.0", suffix: "v1-5-0", revision: "v1-5-0-3f9a2cg4" },
    };
    assert.throws(() => latestSuffix(canary, APP, "0b1c2d", "prod"), {
      name: "RevisionChangedError",
      message:
        "this configuration changes the revision template of slot green (10% of traffic): revision " +
        "chatbot-api-prod--v1-5-0-3f9a2cg4 was deployed with template 3f9a2c, the config now " +
        "gives template 0b1c2d (an image, app setting, secret reference, CPU, memory, probe or " +
        "scale change). Azure refuses a revision suffix reused with another template, and a " +
        "template change must not move traffic by itself, so nothing was changed. Ship it as " +
        "a new candidate in the idle slot: npm run release -- deploy --stack prod --version " +
        "1.5.0 --image <image>",
    });
  });

  it("fails when the latest slot holds no version", () => {
    const empty: Release = { live: "blue", latest: "green", canaryPercent: 0, generation: 0, blue };
    assert.throws(() => latestSuffix(empty, APP, "3f9a2c", "prod"), {
      message: "`release.latest` is green, a slot with no version",
    });
  });
});

describe("traffic", () => {
  /** Both slots, each with or without a recorded revision; the latest slot's suffix. */
  const slotArbitrary = (slot: SlotRelease, slug: string) =>
    fc
      .option(fc.stringMatching(/^[0-9a-f]{6}$/), { nil: undefined })
      .map((fingerprint) =>
        fingerprint === undefined ? slot : { ...slot, revision: `${slug}-${fingerprint}g3` },
      );
  const releases: fc.Arbitrary<Release> = fc.record({
    live: fc.constantFrom("blue" as const, "green" as const),
    latest: fc.constantFrom("blue" as const, "green" as const),
    canaryPercent: fc.integer({ min: 0, max: 50 }),
    generation: fc.integer({ min: 0, max: 1_000_000 }),
    blue: slotArbitrary(blue, "v1-4-2"),
    green: slotArbitrary(green, "v1-5-0"),
  });
  const latest = fc.stringMatching(/^v[0-9]-[0-9a-f]{6}g[0-9]{1,3}$/);

  it("sends everything to blue on the first deploy", () => {
    const first: Release = { live: "blue", latest: "blue", canaryPercent: 0, generation: 0, blue };
    assert.deepStrictEqual(computeTraffic(first, APP, "v1-4-2-3f9a2cg0"), [
      { revisionName: "chatbot-api-prod--v1-4-2-3f9a2cg0", label: "blue", weight: 100 },
    ]);
  });

  it("gives the live slot 100 - canary and the other slot the canary share, in slot order", () => {
    // given green latest and live, blue recorded
    const release: Release = {
      live: "green",
      latest: "green",
      canaryPercent: 20,
      generation: 4,
      blue: { ...blue, revision: "v1-4-2-aaaaaag2" },
      green,
    };
    // then blue is named by its recorded revision, green by the suffix given
    assert.deepStrictEqual(computeTraffic(release, APP, "v1-5-0-bbbbbbg3"), [
      { revisionName: "chatbot-api-prod--v1-4-2-aaaaaag2", label: "blue", weight: 20 },
      { revisionName: "chatbot-api-prod--v1-5-0-bbbbbbg3", label: "green", weight: 80 },
    ]);
  });

  it("names a slot written before revisions were recorded by its version slug", () => {
    const release: Release = {
      live: "blue",
      latest: "green",
      canaryPercent: 0,
      generation: 1,
      blue,
      green,
    };
    assert.deepStrictEqual(computeTraffic(release, APP, "v1-5-0-bbbbbbg1"), [
      { revisionName: "chatbot-api-prod--v1-4-2", label: "blue", weight: 100 },
      { revisionName: "chatbot-api-prod--v1-5-0-bbbbbbg1", label: "green", weight: 0 },
    ]);
  });

  it("names the latest slot by the suffix given, not by its recorded revision", () => {
    const release: Release = {
      live: "blue",
      latest: "blue",
      canaryPercent: 0,
      generation: 1,
      blue: { ...blue, revision: "v1-4-2-aaaaaag0" },
    };
    assert.deepStrictEqual(computeTraffic(release, APP, "v1-4-2-ccccccg1"), [
      { revisionName: "chatbot-api-prod--v1-4-2-ccccccg1", label: "blue", weight: 100 },
    ]);
  });

  it("gives an empty slot no traffic, even with a canary share", () => {
    const release: Release = {
      live: "green",
      latest: "green",
      canaryPercent: 30,
      generation: 0,
      green,
    };
    assert.deepStrictEqual(computeTraffic(release, APP, "v1-5-0-bbbbbbg0"), [
      { revisionName: "chatbot-api-prod--v1-5-0-bbbbbbg0", label: "green", weight: 100 },
    ]);
  });

  it("names the latest slot by the suffix given and the other slot by its recorded suffix", () => {
    fc.assert(
      fc.property(releases, latest, (release, suffix) => {
        const other = release[otherSlot(release.latest)] as SlotRelease;
        assert.deepStrictEqual(
          computeTraffic(release, APP, suffix).map(({ label, revisionName: name }) => [
            label,
            name,
          ]),
          (["blue", "green"] as const).map((slot) => [
            slot,
            revisionName(APP, slot === release.latest ? suffix : recordedSuffix(other)),
          ]),
        );
      }),
    );
  });

  it("weights always sum to 100", () => {
    fc.assert(
      fc.property(releases, latest, (release, suffix) => {
        const entries = computeTraffic(release, APP, suffix);
        return entries.reduce((sum, entry) => sum + entry.weight, 0) === 100;
      }),
    );
  });

  it("the live slot always keeps at least 50%", () => {
    fc.assert(
      fc.property(releases, latest, (release, suffix) => {
        const live = computeTraffic(release, APP, suffix).find(
          (entry) => entry.label === release.live,
        );
        return live !== undefined && live.weight >= 50;
      }),
    );
  });

  it("a freshly deployed idle latest slot gets exactly 0%", () => {
    fc.assert(
      fc.property(releases, latest, (release, suffix) => {
        const idle = { ...release, live: otherSlot(release.latest), canaryPercent: 0 };
        const entry = computeTraffic(idle, APP, suffix).find((e) => e.label === release.latest);
        assert.deepStrictEqual(entry, {
          revisionName: revisionName(APP, suffix),
          label: release.latest,
          weight: 0,
        });
      }),
    );
  });

  it("promote then rollback restores the original traffic", () => {
    fc.assert(
      fc.property(releases, latest, (release, suffix) => {
        const before = computeTraffic(release, APP, suffix);
        assert.deepStrictEqual(computeTraffic(flipLive(flipLive(release)), APP, suffix), before);
      }),
    );
  });

  it("promote moves the weights and nothing else", () => {
    fc.assert(
      fc.property(releases, latest, (release, suffix) => {
        const before = computeTraffic(release, APP, suffix);
        const after = computeTraffic(flipLive(release), APP, suffix);
        assert.deepStrictEqual(
          after.map(({ revisionName: name, label }) => ({ name, label })),
          before.map(({ revisionName: name, label }) => ({ name, label })),
        );
        assert.deepStrictEqual(
          after.map((entry) => entry.weight),
          before.map((entry) => entry.weight).reverse(),
        );
      }),
    );
  });

  it("names the other slot", () => {
    assert.strictEqual(otherSlot("blue"), "green");
    assert.strictEqual(otherSlot("green"), "blue");
  });
});
