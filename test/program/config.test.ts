import * as assert from "assert";
import { ConfigError, parseConfig, PlatformConfig, RawConfig } from "../../lib/config";
import { DEFAULT_GATES, GATE_RANGES, GateThresholds, gatesFor } from "../../lib/gates";

const BLUE = { version: "1.4.2", image: "acr.azurecr.io/chatbot-api:1.4.2" };
const DIGEST = "a".repeat(64);
const GREEN = { version: "3f2a9c1", image: `acr.azurecr.io/chatbot-api@sha256:${DIGEST}` };

/** A valid dev config with one slot; `overrides` replace whole keys (objects are JSON-encoded). */
function raw(overrides: Record<string, unknown> = {}): RawConfig {
  const values: Record<string, unknown> = {
    environment: "dev",
    release: { live: "blue", blue: BLUE },
    ...overrides,
  };
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(values)) {
    out[key] =
      value === undefined ? undefined : typeof value === "string" ? value : JSON.stringify(value);
  }
  return out;
}

/** The problems `parseConfig` reports for this raw config. */
function problems(config: RawConfig): readonly string[] {
  try {
    parseConfig(config, "test");
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail("expected parseConfig to throw a ConfigError");
}

function parse(config: RawConfig): PlatformConfig {
  return parseConfig(config, "test");
}

describe("config: valid values", () => {
  it("applies the dev profile and defaults for a minimal config", () => {
    // given a dev stack with only blue
    const config = parse(raw());
    // then
    assert.strictEqual(config.environment, "dev");
    assert.strictEqual(config.location, "eastus2");
    assert.deepStrictEqual(config.release, {
      live: "blue",
      latest: "blue",
      canaryPercent: 0,
      generation: 0,
      blue: { ...BLUE, suffix: "v1-4-2" },
    });
    assert.deepStrictEqual(
      {
        cpu: config.app.cpu,
        memory: config.app.memory,
        min: config.app.minReplicas,
        max: config.app.maxReplicas,
      },
      { cpu: 0.5, memory: "1Gi", min: 1, max: 2 },
    );
    assert.deepStrictEqual(config.tags, {
      environment: "dev",
      service: "chatbot-api",
      owner: "platform-team",
    });
    assert.deepStrictEqual(config.secrets, [
      { envName: "OPENAI_API_KEY", secretName: "openai-api-key" },
    ]);
    // every environment gets the private network (the app reaches PostgreSQL only inside it)
    assert.deepStrictEqual(config.subnets, {
      containerApps: "10.40.0.0/23",
      postgres: "10.40.2.0/24",
      privateEndpoints: "10.40.3.0/24",
    });
    assert.strictEqual(config.names.containerApp, "chatbot-api-dev");
    assert.strictEqual(config.names.keyVaultBase, "kv-chatbot-dev-");
  });

  it("sizes staging and prod from the design documents", () => {
    const staging = parse(raw({ environment: "staging" }));
    const prod = parse(raw({ environment: "prod" }));
    assert.deepStrictEqual(
      [staging.app.cpu, staging.app.memory, staging.app.minReplicas, staging.app.maxReplicas],
      [1, "2Gi", 2, 4],
    );
    assert.deepStrictEqual(
      [prod.app.cpu, prod.app.memory, prod.app.minReplicas, prod.app.maxReplicas],
      [2, "4Gi", 3, 10],
    );
    assert.deepStrictEqual(prod.subnets, {
      containerApps: "10.40.0.0/23",
      postgres: "10.40.2.0/24",
      privateEndpoints: "10.40.3.0/24",
    });
    assert.strictEqual(prod.names.keyVaultBase, "kv-chatbot-prd-");
    assert.strictEqual(staging.names.keyVaultBase, "kv-chatbot-stg-");
  });

  it("accepts both slots, a canary share, a digest image and a commit-hash version", () => {
    const config = parse(
      raw({
        release: { live: "blue", latest: "green", canaryPercent: 10, blue: BLUE, green: GREEN },
      }),
    );
    assert.deepStrictEqual(config.release, {
      live: "blue",
      latest: "green",
      canaryPercent: 10,
      generation: 0,
      blue: { ...BLUE, suffix: "v1-4-2" },
      green: { ...GREEN, suffix: "v3f2a9c1" },
    });
  });

  it("accepts stack overrides of the app, database and secrets", () => {
    const config = parse(
      raw({
        environment: "staging",
        app: {
          cpu: 1.5,
          memory: "3Gi",
          minReplicas: 0,
          maxReplicas: 6,
          settings: { LOG_LEVEL: "DEBUG", WORKERS: 4 },
        },
        postgres: {
          skuName: "Standard_E2ds_v5",
          tier: "MemoryOptimized",
          highAvailability: "SameZone",
          version: 17,
        },
        appSecrets: ["OPENAI_API_KEY", "SEARCH_API_KEY"],
        secretValues: { OPENAI_API_KEY: "sk-test" },
      }),
    );
    assert.deepStrictEqual(
      [config.app.cpu, config.app.memory, config.app.minReplicas, config.app.maxReplicas],
      [1.5, "3Gi", 0, 6],
    );
    assert.deepStrictEqual(config.app.settings, { LOG_LEVEL: "DEBUG", WORKERS: "4" });
    assert.deepStrictEqual(
      [
        config.postgres.skuName,
        config.postgres.tier,
        config.postgres.highAvailability,
        config.postgres.version,
      ],
      ["Standard_E2ds_v5", "MemoryOptimized", "SameZone", "17"],
    );
    assert.deepStrictEqual(config.secrets, [
      { envName: "OPENAI_API_KEY", secretName: "openai-api-key", value: "sk-test" },
      { envName: "SEARCH_API_KEY", secretName: "search-api-key" },
    ]);
  });

  it("reads a whole-number version (as `pulumi config set --path` stores it) as a string", () => {
    const config = parse(raw({ release: { live: "blue", blue: { ...BLUE, version: 142 } } }));
    assert.deepStrictEqual(config.release.blue, { ...BLUE, version: "142", suffix: "v142" });
  });

  it("lets the latest slot omit its image when the stack builds it", () => {
    const config = parse(
      raw({
        release: { live: "blue", blue: { version: "1.4.2" } },
        imageBuild: { context: "app" },
      }),
    );
    assert.deepStrictEqual(config.release.blue, { version: "1.4.2", suffix: "v1-4-2" });
    assert.deepStrictEqual(config.imageBuild, {
      context: "app",
      dockerfile: "Dockerfile",
      repository: "chatbot-api",
      platform: "linux/amd64",
    });
  });
});

describe("config: release errors", () => {
  it("fails when live names an unknown slot", () => {
    assert.deepStrictEqual(problems(raw({ release: { live: "purple", blue: BLUE } })), [
      'Invalid `chatbot-platform:release.live`: received "purple"; allowed: "blue", "green".',
    ]);
  });

  it("fails when latest names an unknown slot", () => {
    assert.deepStrictEqual(
      problems(raw({ release: { live: "blue", latest: "red", blue: BLUE } })),
      ['Invalid `chatbot-platform:release.latest`: received "red"; allowed: "blue", "green".'],
    );
  });

  it("fails when live points at an empty slot", () => {
    assert.deepStrictEqual(problems(raw({ release: { live: "green", blue: BLUE } })), [
      'Invalid `chatbot-platform:release.live`: received "green"; the slot `green` holds no version; set `release.green` first.',
    ]);
  });

  it("fails when latest points at an empty slot", () => {
    assert.deepStrictEqual(
      problems(raw({ release: { live: "blue", latest: "green", blue: BLUE } })),
      [
        'Invalid `chatbot-platform:release.latest`: received "green"; the slot `green` holds no version; set `release.green` first.',
      ],
    );
  });

  it("fails when both slots hold a version and latest is missing", () => {
    assert.deepStrictEqual(problems(raw({ release: { live: "blue", blue: BLUE, green: GREEN } })), [
      'Invalid `chatbot-platform:release.latest`: received nothing; required when both slots hold a version; allowed: "blue", "green".',
    ]);
  });

  for (const canary of [51, -1, 12.5, "ten"]) {
    it(`fails when canaryPercent is ${JSON.stringify(canary)}`, () => {
      const release = {
        live: "blue",
        latest: "green",
        canaryPercent: canary,
        blue: BLUE,
        green: GREEN,
      };
      assert.deepStrictEqual(problems(raw({ release })), [
        `Invalid \`chatbot-platform:release.canaryPercent\`: received ${JSON.stringify(canary)}; expected an integer from 0 to 50.`,
      ]);
    });
  }

  it("fails when canaryPercent is above 0 with only one slot", () => {
    assert.deepStrictEqual(
      problems(raw({ release: { live: "blue", canaryPercent: 10, blue: BLUE } })),
      [
        "Invalid `chatbot-platform:release.canaryPercent`: received 10; must be 0 while only one slot holds a version (there is no other slot to send traffic to).",
      ],
    );
  });

  for (const version of ["1.4 beta", "-1.0", ".."]) {
    it(`fails when a version cannot become a revision suffix: ${JSON.stringify(version)}`, () => {
      assert.deepStrictEqual(
        problems(raw({ release: { live: "blue", blue: { ...BLUE, version } } })),
        [
          `Invalid \`chatbot-platform:release.blue.version\`: received ${JSON.stringify(version)}; expected a version of letters, digits, '.', '_', '+' and '-' that starts with a letter or digit (it names the revision).`,
        ],
      );
    });
  }

  it("fails when a version is a fractional number (an unquoted YAML version), with a hint to quote it", () => {
    assert.deepStrictEqual(
      problems(raw({ release: { live: "blue", blue: { ...BLUE, version: 1.5 } } })),
      [
        'Invalid `chatbot-platform:release.blue.version`: received 1.5; a version must be a string: YAML reads the unquoted 1.5 as a number; quote it: `version: "1.5"`.',
      ],
    );
  });

  const images: [string, string][] = [
    [
      "acr.azurecr.io/chatbot-api",
      "expected a tag or a digest (`:<tag>` or `@sha256:<digest>`); an untagged image means `latest`",
    ],
    [
      "localhost:5000/chatbot-api",
      "expected a tag or a digest (`:<tag>` or `@sha256:<digest>`); an untagged image means `latest`",
    ],
    [
      "acr.azurecr.io/chatbot-api:latest",
      "the `latest` tag is mutable; pin a version tag or a digest",
    ],
    [
      "acr.azurecr.io/chatbot-api@sha256:abc",
      "a digest must be `@sha256:` followed by 64 lowercase hex characters",
    ],
    [
      "acr.azurecr.io/Chatbot-API:1.4.2",
      "a repository name must be lowercase (Docker refuses the reference): use `acr.azurecr.io/chatbot-api:1.4.2`",
    ],
  ];
  for (const [image, why] of images) {
    it(`fails when the image is not pinned: ${image}`, () => {
      assert.deepStrictEqual(
        problems(raw({ release: { live: "blue", blue: { ...BLUE, image } } })),
        [`Invalid \`chatbot-platform:release.blue.image\`: received "${image}"; ${why}.`],
      );
    });
  }

  it("fails when the release is missing", () => {
    assert.deepStrictEqual(problems(raw({ release: undefined })), [
      'Invalid `chatbot-platform:release`: received nothing; expected an object with `live` and at least the `blue` slot, e.g. { live: blue, blue: { version: "1.0.0", image: "<registry>/chatbot-api:1.0.0" } }.',
    ]);
  });

  it("fails when the release has a misspelt key", () => {
    assert.deepStrictEqual(problems(raw({ release: { live: "blue", blue: BLUE, gren: GREEN } })), [
      `Invalid \`chatbot-platform:release.gren\`: received ${JSON.stringify(GREEN)}; not a known key (did you mean \`release.green\`?); allowed keys: "live", "latest", "canaryPercent", "generation", "blue", "green".`,
    ]);
  });
});

describe("config: release generation and recorded revisions", () => {
  it("reads the generation and each slot's recorded revision", () => {
    // given a release block the release command wrote after deploying green
    const release = {
      live: "blue",
      latest: "green",
      generation: 12,
      blue: { ...BLUE, revision: "v1-4-2-3f9a2cg11" },
      green: { ...GREEN, revision: "v3f2a9c1-0b1c2dg12" },
    };
    // when
    const config = parse(raw({ release }));
    // then
    assert.deepStrictEqual(config.release, {
      live: "blue",
      latest: "green",
      canaryPercent: 0,
      generation: 12,
      blue: { ...BLUE, suffix: "v1-4-2", revision: "v1-4-2-3f9a2cg11" },
      green: { ...GREEN, suffix: "v3f2a9c1", revision: "v3f2a9c1-0b1c2dg12" },
    });
  });

  it("reads a generation written as a string", () => {
    const config = parse(raw({ release: { live: "blue", generation: "7", blue: BLUE } }));
    assert.strictEqual(config.release.generation, 7);
  });

  it("accepts the same version in both slots: their revisions differ by template and generation", () => {
    const release = {
      live: "blue",
      latest: "green",
      blue: BLUE,
      green: { ...GREEN, version: "1.4.2" },
    };
    assert.deepStrictEqual(parse(raw({ release })).release.green, {
      ...GREEN,
      version: "1.4.2",
      suffix: "v1-4-2",
    });
  });

  it("accepts a version too long for a revision name: the new revision's suffix shortens it", () => {
    const sha = "0123456789abcdef0123456789abcdef01234567";
    const config = parse(raw({ release: { live: "blue", blue: { ...BLUE, version: sha } } }));
    assert.deepStrictEqual(config.release.blue, { ...BLUE, version: sha, suffix: `v${sha}` });
  });

  it("accepts a recorded revision whose name is exactly 54 characters", () => {
    // given chatbot-api-dev (15) + "--" (2) + 37
    const revision = `v${"a".repeat(27)}-3f9a2cg1`;
    const config = parse(raw({ release: { live: "blue", blue: { ...BLUE, revision } } }));
    assert.strictEqual(config.release.blue?.revision, revision);
  });

  for (const generation of [-1, 1_000_001, 2.5, "next"]) {
    it(`fails when the generation is ${JSON.stringify(generation)}`, () => {
      assert.deepStrictEqual(problems(raw({ release: { live: "blue", generation, blue: BLUE } })), [
        `Invalid \`chatbot-platform:release.generation\`: received ${JSON.stringify(generation)}; expected an integer from 0 to 1000000.`,
      ]);
    });
  }

  for (const revision of ["V1-4-2-3f9a2cg1", "1-4-2-3f9a2cg1", "v1-4-2-", "v1_4_2", "", 42]) {
    it(`fails when a recorded revision is not a revision suffix: ${JSON.stringify(revision)}`, () => {
      assert.deepStrictEqual(
        problems(raw({ release: { live: "blue", blue: { ...BLUE, revision } } })),
        [
          `Invalid \`chatbot-platform:release.blue.revision\`: received ${JSON.stringify(revision)}; expected the revision suffix the release command recorded: lowercase letters, digits and '-', starting with a letter.`,
        ],
      );
    });
  }

  it("fails when a recorded revision's name is longer than Azure allows", () => {
    const revision = `v${"a".repeat(28)}-3f9a2cg1`;
    assert.deepStrictEqual(
      problems(raw({ release: { live: "blue", blue: { ...BLUE, revision } } })),
      [
        `Invalid \`chatbot-platform:release.blue.revision\`: received "${revision}"; the revision name \`chatbot-api-dev--${revision}\` is longer than the 54 characters Azure allows.`,
      ],
    );
  });

  it("fails when both slots record the same revision", () => {
    const release = {
      live: "blue",
      latest: "green",
      blue: { ...BLUE, revision: "v1-4-2-3f9a2cg3" },
      green: { ...GREEN, revision: "v1-4-2-3f9a2cg3" },
    };
    assert.deepStrictEqual(problems(raw({ release })), [
      'Invalid `chatbot-platform:release.green.revision`: received "v1-4-2-3f9a2cg3"; is the revision of `release.blue` as well; each slot holds its own revision.',
    ]);
  });
});

describe("config: release gates", () => {
  it("applies the design's gates when the stack sets none", () => {
    assert.deepStrictEqual(parse(raw()).gates, {
      promoteMaxP95Ms: 500,
      promoteMaxErrorRatePercent: 1,
      rollbackErrorRatePercent: 5,
      rollbackErrorRateWindowMinutes: 2,
      rollbackP95Ms: 2000,
      rollbackP95WindowMinutes: 5,
      maxConsecutiveHealthFailures: 3,
      minRequests: 50,
      inconclusiveMaxWaitMinutes: 10,
      ingestionLagMinutes: 3,
      checkIntervalSeconds: 30,
      postPromotionWatchMinutes: 0,
    });
  });

  it("takes the post-promotion watch from the environment: dev off, staging 5 min, prod 15 min; an override wins", () => {
    const watch = (overrides: Record<string, unknown>) =>
      parse(raw(overrides)).gates.postPromotionWatchMinutes;
    assert.equal(watch({}), 0);
    assert.equal(watch({ environment: "staging" }), 5);
    assert.equal(watch({ environment: "prod" }), 15);
    assert.equal(
      watch({ environment: "prod", releaseGates: { postPromotionWatchMinutes: 30 } }),
      30,
    );
    assert.equal(watch({ releaseGates: { postPromotionWatchMinutes: "10" } }), 10);
  });

  it("every default lies within the range an override may take", () => {
    for (const [key, range] of Object.entries(GATE_RANGES)) {
      const value = DEFAULT_GATES[key as keyof GateThresholds];
      assert.ok(value >= range.min && value <= range.max, `${key}: ${value}`);
    }
    assert.deepStrictEqual(Object.keys(GATE_RANGES), Object.keys(DEFAULT_GATES));
  });

  it("applies a stack's overrides, numbers written as strings included", () => {
    const config = parse(
      raw({ releaseGates: { minRequests: 200, promoteMaxP95Ms: "400", checkIntervalSeconds: 10 } }),
    );
    assert.deepStrictEqual(config.gates, {
      ...gatesFor("dev"),
      minRequests: 200,
      promoteMaxP95Ms: 400,
      checkIntervalSeconds: 10,
    });
  });

  it("fails when an override names an unknown gate", () => {
    assert.deepStrictEqual(problems(raw({ releaseGates: { minRequest: 10 } })), [
      'Invalid `chatbot-platform:releaseGates.minRequest`: received 10; not a known key (did you mean `releaseGates.minRequests`?); allowed keys: "promoteMaxP95Ms", "promoteMaxErrorRatePercent", "rollbackErrorRatePercent", "rollbackErrorRateWindowMinutes", "rollbackP95Ms", "rollbackP95WindowMinutes", "maxConsecutiveHealthFailures", "minRequests", "inconclusiveMaxWaitMinutes", "ingestionLagMinutes", "checkIntervalSeconds", "postPromotionWatchMinutes".',
    ]);
  });

  const outOfRange: [string, unknown, string][] = [
    ["rollbackErrorRatePercent", 150, "a number from 0 to 100"],
    ["checkIntervalSeconds", 1, "a number from 5 to 600"],
    ["minRequests", 0, "an integer from 1 to 1000000"],
    ["minRequests", 2.5, "an integer from 1 to 1000000"],
    ["maxConsecutiveHealthFailures", 3.5, "an integer from 1 to 100"],
    ["promoteMaxP95Ms", "fast", "a number from 1 to 60000"],
    ["ingestionLagMinutes", -1, "a number from 0 to 30"],
  ];
  for (const [key, value, range] of outOfRange) {
    it(`fails when the gate ${key} is ${JSON.stringify(value)}`, () => {
      assert.deepStrictEqual(problems(raw({ releaseGates: { [key]: value } })), [
        `Invalid \`chatbot-platform:releaseGates.${key}\`: received ${JSON.stringify(value)}; expected ${range}.`,
      ]);
    });
  }

  it("fails when the promotion error rate is above the rollback error rate", () => {
    assert.deepStrictEqual(problems(raw({ releaseGates: { promoteMaxErrorRatePercent: 6 } })), [
      "Invalid `chatbot-platform:releaseGates.promoteMaxErrorRatePercent`: received 6; must not be above `rollbackErrorRatePercent` (5).",
    ]);
  });

  it("fails when the rollback latency is lowered below the promotion latency", () => {
    assert.deepStrictEqual(problems(raw({ releaseGates: { rollbackP95Ms: 400 } })), [
      "Invalid `chatbot-platform:releaseGates.promoteMaxP95Ms`: received 500; must not be above `rollbackP95Ms` (400).",
    ]);
  });

  it("fails when the gates are not an object of overrides", () => {
    assert.deepStrictEqual(problems(raw({ releaseGates: [500] })), [
      "Invalid `chatbot-platform:releaseGates`: received [500]; expected an object of overrides.",
    ]);
  });
});

describe("config: platform errors", () => {
  it("fails when the environment is missing", () => {
    assert.deepStrictEqual(problems(raw({ environment: undefined })), [
      'Invalid `chatbot-platform:environment`: received nothing; required; allowed: "dev", "staging", "prod".',
    ]);
  });

  it("fails when the environment is unknown, listing dev, staging and prod", () => {
    assert.deepStrictEqual(problems(raw({ environment: "qa" })), [
      'Invalid `chatbot-platform:environment`: received "qa"; not an environment of this project; allowed: "dev", "staging", "prod".',
    ]);
  });

  it("fails when the environment is a near miss, naming the closest", () => {
    assert.deepStrictEqual(problems(raw({ environment: "prd" })), [
      'Invalid `chatbot-platform:environment`: received "prd"; not an environment of this project; allowed: "dev", "staging", "prod" (did you mean `prod`?).',
    ]);
  });

  it("fails when min replicas are above max replicas", () => {
    assert.deepStrictEqual(problems(raw({ app: { minReplicas: 5, maxReplicas: 2 } })), [
      "Invalid `chatbot-platform:app.minReplicas`: received 5; must not be above `app.maxReplicas` (2).",
    ]);
  });

  it("fails when high availability is asked of a Burstable server", () => {
    assert.deepStrictEqual(problems(raw({ postgres: { highAvailability: "ZoneRedundant" } })), [
      'Invalid `chatbot-platform:postgres.highAvailability`: received "ZoneRedundant"; high availability is not available on the Burstable tier; use "Disabled" or a GeneralPurpose/MemoryOptimized SKU.',
    ]);
  });

  it("fails when the SKU does not match the tier", () => {
    assert.deepStrictEqual(problems(raw({ postgres: { skuName: "Standard_D2ds_v5" } })), [
      'Invalid `chatbot-platform:postgres.skuName`: received "Standard_D2ds_v5"; the Burstable tier takes `Standard_B*` SKUs (set `postgres.tier` to match).',
    ]);
  });

  it("fails when a name prefix is longer than the 10 characters the Key Vault name leaves room for", () => {
    assert.deepStrictEqual(problems(raw({ namePrefix: "chatbotpla1" })), [
      'Invalid `chatbot-platform:namePrefix`: received "chatbotpla1"; expected 2-10 lowercase letters and digits, starting with a letter (the Key Vault name `kv-<prefix>-<env>-` plus 6 random characters must fit in 24).',
    ]);
    assert.strictEqual(
      parse(raw({ environment: "staging", namePrefix: "chatbotpla" })).namePrefix,
      "chatbotpla",
    );
  });

  it("fails when the name prefix is not lowercase letters and digits", () => {
    assert.deepStrictEqual(problems(raw({ namePrefix: "Chat-Bot" })), [
      'Invalid `chatbot-platform:namePrefix`: received "Chat-Bot"; expected 2-10 lowercase letters and digits, starting with a letter (the Key Vault name `kv-<prefix>-<env>-` plus 6 random characters must fit in 24).',
    ]);
  });

  it("fails when memory does not match the vCPU on the Consumption profile", () => {
    assert.deepStrictEqual(problems(raw({ app: { cpu: 1, memory: "1Gi" } })), [
      'Invalid `chatbot-platform:app.memory`: received "1Gi"; Container Apps on the Consumption profile pair 1 vCPU with 2Gi (2 GiB per vCPU).',
    ]);
  });

  it("fails when a plain setting has a secret-looking name, without echoing the value", () => {
    assert.deepStrictEqual(problems(raw({ app: { settings: { OPENAI_API_KEY: "sk-live" } } })), [
      "Invalid `chatbot-platform:app.settings.OPENAI_API_KEY`: received \"[secret]\"; a secret-looking name must not hold a plain value; declare it in `chatbot-platform:appSecrets` and set it with `pulumi config set --secret --path 'secretValues.OPENAI_API_KEY' <value>`.",
    ]);
  });

  it("fails when a plain setting has the name of a declared app secret, without echoing the value", () => {
    assert.deepStrictEqual(
      problems(raw({ appSecrets: ["SENTRY_DSN"], app: { settings: { SENTRY_DSN: "https://x" } } })),
      [
        'Invalid `chatbot-platform:app.settings.SENTRY_DSN`: received "[secret]"; `SENTRY_DSN` is declared in `chatbot-platform:appSecrets` and reaches the app from Key Vault; remove the plain setting.',
      ],
    );
  });

  it("fails when a secret value is set for an undeclared secret, without echoing the value", () => {
    assert.deepStrictEqual(problems(raw({ secretValues: { STRIPE_KEY: "sk-live-123" } })), [
      'Invalid `chatbot-platform:secretValues.STRIPE_KEY`: received "[secret]"; not declared in `chatbot-platform:appSecrets` (declared: "OPENAI_API_KEY").',
    ]);
  });

  it("fails when an app secret reuses a name the program manages", () => {
    assert.deepStrictEqual(problems(raw({ appSecrets: ["DATABASE_URL"] })), [
      'Invalid `chatbot-platform:appSecrets[0]`: received "DATABASE_URL"; the program manages "DATABASE_URL", "APPLICATIONINSIGHTS_CONNECTION_STRING" itself; remove it.',
    ]);
  });

  it("fails when the private address space cannot hold the subnets", () => {
    assert.deepStrictEqual(
      problems(raw({ environment: "prod", network: { addressSpace: "10.40.0.0/24" } })),
      [
        'Invalid `chatbot-platform:network.addressSpace`: received "10.40.0.0/24"; expected an aligned IPv4 CIDR block from /8 to /22, e.g. `10.40.0.0/16`.',
      ],
    );
  });

  it("fails when a key is not one of the project's", () => {
    assert.deepStrictEqual(problems(raw({ replicas: "3" })), [
      'Invalid `chatbot-platform:replicas`: received "3"; not a key of this project; known keys: "environment", "location", "namePrefix", "owner", "target", "aksClusterOnly", "release", "releaseGates", "app", "postgres", "appSecrets", "secretValues", "alerts", "alertWebhooks", "imageBuild", "network".',
    ]);
  });

  it("reports every problem at once", () => {
    const all = problems(
      raw({
        environment: "qa",
        release: { live: "purple", blue: BLUE },
        app: { minReplicas: 3, maxReplicas: 1 },
      }),
    );
    assert.deepStrictEqual(all, [
      'Invalid `chatbot-platform:environment`: received "qa"; not an environment of this project; allowed: "dev", "staging", "prod".',
      'Invalid `chatbot-platform:release.live`: received "purple"; allowed: "blue", "green".',
      "Invalid `chatbot-platform:app.minReplicas`: received 3; must not be above `app.maxReplicas` (1).",
    ]);
  });

  it("puts every problem in the error message, one per line", () => {
    assert.throws(
      () => parseConfig(raw({ environment: "qa", namePrefix: "X" }), "test"),
      (err: Error) =>
        err.message ===
        'Invalid `chatbot-platform:environment`: received "qa"; not an environment of this project; allowed: "dev", "staging", "prod".\n' +
          'Invalid `chatbot-platform:namePrefix`: received "X"; expected 2-10 lowercase letters and digits, starting with a letter (the Key Vault name `kv-<prefix>-<env>-` plus 6 random characters must fit in 24).',
    );
  });
});
