import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, parseConfig, ParseOptions, RawConfig } from "../../lib/config";
import { stackConfigJsonSchemaFile } from "../../scripts/stackSchema";
import {
  MAX_CONTAINER_APP_NAME_LENGTH,
  MAX_KEY_VAULT_NAME_LENGTH,
  MAX_NAME_PREFIX_LENGTH,
  MAX_POSTGRES_SERVER_NAME_LENGTH,
  MAX_REGISTRY_NAME_LENGTH,
  resourceNames,
  UNIQUE_SUFFIX_LENGTH,
} from "../../lib/naming";
import {
  AVAILABILITY_ZONE_REGIONS,
  CONTAINER_APPS_REGIONS,
  hasAvailabilityZones,
  POSTGRES_FLEXIBLE_REGIONS,
} from "../../lib/regions";
import { loadStackConfig } from "../../simulator/simulate";

const ROOT = path.resolve(__dirname, "..", "..");
const RELEASE = `  chatbot-platform:release:
    live: blue
    blue:
      version: "1.4.2"
      image: acr.azurecr.io/chatbot-api:1.4.2
`;

/** What Pulumi hands the program for a stack file, and the file itself (as `loadConfig` reads it). */
function fromStackFile(text: string, file = "Pulumi.dev.yaml"): [RawConfig, ParseOptions] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-"));
  fs.writeFileSync(path.join(dir, file), text);
  const stack = loadStackConfig(path.join(dir, file), path.join(dir, "Pulumi.yaml"));
  const strip = (key: string) => key.replace(/^chatbot-platform:/, "");
  const raw = Object.fromEntries(Object.entries(stack.config).map(([k, v]) => [strip(k), v]));
  return [
    raw,
    { source: { file, text }, secretKeys: stack.secretKeys.map(strip), projectDir: ROOT },
  ];
}

function problems(text: string, file?: string): readonly string[] {
  const [raw, options] = fromStackFile(text, file);
  try {
    parseConfig(raw, "dev", options);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail("expected parseConfig to throw a ConfigError");
}

describe("config: rejections name the stack file, line and column", () => {
  it("fails on an uppercase image reference", () => {
    const text = `config:\n  chatbot-platform:environment: dev\n${RELEASE.replace("chatbot-api:1.4.2", "Chatbot-Api:1.4.2")}`;
    assert.deepStrictEqual(problems(text), [
      'Pulumi.dev.yaml:7:7: Invalid `chatbot-platform:release.blue.image`: received "acr.azurecr.io/Chatbot-Api:1.4.2"; a repository name must be lowercase (Docker refuses the reference): use `acr.azurecr.io/chatbot-api:1.4.2`.',
    ]);
  });

  it("fails once on a region written in capitals or with spaces, naming it in lowercase", () => {
    for (const [written, shown] of [
      ["EastUS2", '"EastUS2"'],
      ['"East US 2"', '"East US 2"'],
    ]) {
      const text = `config:\n  chatbot-platform:environment: dev\n  chatbot-platform:location: ${written}\n${RELEASE}`;
      assert.deepStrictEqual(problems(text), [
        `Pulumi.dev.yaml:3:3: Invalid \`chatbot-platform:location\`: received ${shown}; expected an Azure region name such as \`eastus2\` (did you mean \`eastus2\`?).`,
      ]);
    }
  });

  it("fails on a region that does not exist, naming the closest", () => {
    const text = `config:\n  chatbot-platform:environment: dev\n  chatbot-platform:location: eastus3\n${RELEASE}`;
    assert.deepStrictEqual(problems(text), [
      'Pulumi.dev.yaml:3:3: Invalid `chatbot-platform:location`: received "eastus3"; not an Azure region (did you mean `eastus2`?); the regions this project knows are in lib/regions.ts.',
    ]);
  });

  it("fails on prod (zone-redundant) in a region without availability zones", () => {
    const text = `config:\n  chatbot-platform:environment: prod\n  chatbot-platform:location: westus\n${RELEASE}`;
    assert.deepStrictEqual(problems(text, "Pulumi.prod.yaml"), [
      'Pulumi.prod.yaml:3:3: Invalid `chatbot-platform:location`: received "westus"; the prod environment is zone-redundant (Container Apps environment and PostgreSQL ZoneRedundant high availability) and this region has no availability zones; choose a region with zones (did you mean `westus2`?) (lib/regions.ts, from https://learn.microsoft.com/azure/reliability/regions-list of 2025-03-21).',
    ]);
  });

  it("fails on ZoneRedundant PostgreSQL high availability in a region without zones outside prod", () => {
    const text = `config:\n  chatbot-platform:environment: staging\n  chatbot-platform:location: westus\n  chatbot-platform:postgres:\n    highAvailability: ZoneRedundant\n${RELEASE}`;
    assert.deepStrictEqual(problems(text), [
      'Pulumi.dev.yaml:5:5: Invalid `chatbot-platform:postgres.highAvailability`: received "ZoneRedundant"; `westus` has no availability zones; use "SameZone", or choose a region with zones (did you mean `westus2`?) (lib/regions.ts, from https://learn.microsoft.com/azure/reliability/regions-list of 2025-03-21).',
    ]);
  });

  it("fails on a plaintext secretValues entry (it must be `secure:`), without echoing it", () => {
    const text = `config:\n  chatbot-platform:environment: dev\n  chatbot-platform:secretValues:\n    OPENAI_API_KEY: sk-live-123\n${RELEASE}`;
    assert.deepStrictEqual(problems(text), [
      "Pulumi.dev.yaml:4:5: Invalid `chatbot-platform:secretValues.OPENAI_API_KEY`: received \"[secret]\"; values must be encrypted: set each with `pulumi config set --secret --path 'secretValues.<NAME>' <value>` (the stack file then holds `secure:`).",
    ]);
  });

  it("accepts secretValues held as `secure:`", () => {
    const text = `config:\n  chatbot-platform:environment: dev\n  chatbot-platform:secretValues:\n    OPENAI_API_KEY:\n      secure: v1:abc\n${RELEASE}`;
    const [raw, options] = fromStackFile(text);
    assert.strictEqual(
      parseConfig(raw, "dev", options).secrets[0].value,
      "offline-placeholder-secret",
    );
  });

  it("fails on secretValues Pulumi does not mark secret when no stack file holds them", () => {
    const raw = {
      environment: "dev",
      release: JSON.stringify({ live: "blue", blue: { version: "1", image: "a.io/b:1" } }),
      secretValues: '{"OPENAI_API_KEY":"sk"}',
    };
    assert.throws(
      () => parseConfig(raw, "dev", { secretKeys: [] }),
      new ConfigError([
        "Invalid `chatbot-platform:secretValues`: received \"[secret]\"; values must be encrypted: set each with `pulumi config set --secret --path 'secretValues.<NAME>' <value>` (the stack file then holds `secure:`).",
      ]),
    );
  });

  it("fails on a namespace typo, naming the key meant", () => {
    const text = `config:\n  chatbot-platform:environment: dev\n  chatbot-platfrom:owner: team-a\n${RELEASE}`;
    assert.deepStrictEqual(problems(text), [
      'Pulumi.dev.yaml:3:3: Invalid `chatbot-platfrom:owner`: received "team-a"; not a namespace of this project or of a provider it configures ("azure-native", "docker", "random", "pulumi") (did you mean `chatbot-platform:owner`?); known keys: "environment", "location", "namePrefix", "owner", "target", "aksClusterOnly", "release", "releaseGates", "app", "postgres", "appSecrets", "secretValues", "alerts", "alertWebhooks", "imageBuild", "network".',
    ]);
  });

  it("accepts provider keys (azure-native:*) next to the project's", () => {
    const text = `config:\n  azure-native:location: eastus2\n  chatbot-platform:environment: dev\n${RELEASE}`;
    const [raw, options] = fromStackFile(text);
    assert.strictEqual(parseConfig(raw, "dev", options).location, "eastus2");
  });

  it("fails on an unknown environment, listing dev, staging and prod", () => {
    const text = `config:\n  chatbot-platform:environment: qa\n${RELEASE}`;
    assert.deepStrictEqual(problems(text), [
      'Pulumi.dev.yaml:2:3: Invalid `chatbot-platform:environment`: received "qa"; not an environment of this project; allowed: "dev", "staging", "prod".',
    ]);
  });

  it("fails on imageBuild together with an image on the latest slot, naming both", () => {
    const text = `config:\n  chatbot-platform:environment: dev\n  chatbot-platform:imageBuild:\n    context: lib\n${RELEASE}`;
    assert.deepStrictEqual(problems(text), [
      'Pulumi.dev.yaml:9:7: Invalid `chatbot-platform:release.blue.image`: received "acr.azurecr.io/chatbot-api:1.4.2"; `chatbot-platform:imageBuild` builds the image of the latest slot (`blue`); remove either `release.blue.image` or `imageBuild`.',
    ]);
  });

  it("fails on a build context directory that does not exist", () => {
    const text = `config:\n  chatbot-platform:environment: dev\n  chatbot-platform:imageBuild:\n    context: no-such-app\n  chatbot-platform:release:\n    live: blue\n    blue:\n      version: "1.4.2"\n`;
    assert.deepStrictEqual(problems(text), [
      `Pulumi.dev.yaml:4:5: Invalid \`chatbot-platform:imageBuild.context\`: received "no-such-app"; the build context directory \`${path.join(ROOT, "no-such-app")}\` does not exist.`,
    ]);
  });

  it("fails on app.settings that override variables the platform owns", () => {
    const text = `config:\n  chatbot-platform:environment: dev\n  chatbot-platform:app:\n    settings:\n      ENVIRONMENT: qa\n      SERVICE_NAME: x\n      APPLICATIONINSIGHTS_CONNECTION_STRING: InstrumentationKey=1\n${RELEASE}`;
    const owns =
      'it owns "ENVIRONMENT", "SERVICE_NAME", "DATABASE_URL", "APPLICATIONINSIGHTS_CONNECTION_STRING"';
    assert.deepStrictEqual(problems(text), [
      `Pulumi.dev.yaml:5:7: Invalid \`chatbot-platform:app.settings.ENVIRONMENT\`: received "qa"; the platform sets \`ENVIRONMENT\` itself (${owns}); remove it.`,
      `Pulumi.dev.yaml:6:7: Invalid \`chatbot-platform:app.settings.SERVICE_NAME\`: received "x"; the platform sets \`SERVICE_NAME\` itself (${owns}); remove it.`,
      `Pulumi.dev.yaml:7:7: Invalid \`chatbot-platform:app.settings.APPLICATIONINSIGHTS_CONNECTION_STRING\`: received "[secret]"; the platform sets \`APPLICATIONINSIGHTS_CONNECTION_STRING\` itself (${owns}); remove it.`,
    ]);
  });

  it("fails on DATABASE_URL in app.settings, without echoing it", () => {
    const text = `config:\n  chatbot-platform:environment: dev\n  chatbot-platform:app:\n    settings:\n      DATABASE_URL: postgres://u:p@h/db\n${RELEASE}`;
    assert.deepStrictEqual(problems(text), [
      'Pulumi.dev.yaml:5:7: Invalid `chatbot-platform:app.settings.DATABASE_URL`: received "[secret]"; the platform sets `DATABASE_URL` itself (it owns "ENVIRONMENT", "SERVICE_NAME", "DATABASE_URL", "APPLICATIONINSIGHTS_CONNECTION_STRING"); remove it.',
    ]);
  });

  for (const [written, value] of [
    ["1.10", 1.1],
    ["1.0", 1],
  ] as const) {
    it(`fails on an unquoted version ${written} (YAML reads a number), with a hint to quote it`, () => {
      const text = `config:\n  chatbot-platform:environment: dev\n${RELEASE.replace('"1.4.2"', written)}`;
      assert.deepStrictEqual(problems(text), [
        `Pulumi.dev.yaml:6:7: Invalid \`chatbot-platform:release.blue.version\`: received ${value}; a version must be a string: YAML reads the unquoted ${written} as a number; quote it: \`version: "${written}"\`.`,
      ]);
    });
  }

  it("fails on an unknown nested key, naming the closest", () => {
    const text = `config:\n  chatbot-platform:environment: dev\n  chatbot-platform:app:\n    cpus: 1\n${RELEASE}`;
    assert.deepStrictEqual(problems(text), [
      'Pulumi.dev.yaml:4:5: Invalid `chatbot-platform:app.cpus`: received 1; not a known key (did you mean `app.cpu`?); allowed keys: "cpu", "memory", "minReplicas", "maxReplicas", "concurrentRequests", "maxInactiveRevisions", "targetPort", "healthPath", "readyPath", "settings".',
    ]);
  });

  it("names no place when the value did not come from the file (an ESC environment, a test override)", () => {
    const [raw, options] = fromStackFile(
      `config:\n  chatbot-platform:environment: dev\n${RELEASE}`,
    );
    assert.throws(
      () => parseConfig({ ...raw, location: "mars" }, "dev", options),
      new ConfigError([
        'Invalid `chatbot-platform:location`: received "mars"; not an Azure region; the regions this project knows are in lib/regions.ts.',
      ]),
    );
  });
});

describe("config: the stack files and their JSON Schema", () => {
  it("commits the JSON Schema generated from the config schema (regenerate: npm run schema)", async () => {
    const { file, text } = await stackConfigJsonSchemaFile();
    assert.strictEqual(fs.readFileSync(file, "utf8"), text);
  });

  for (const stack of ["dev", "staging", "prod"]) {
    it(`points editors of Pulumi.${stack}.yaml at the schema and parses with no problem`, () => {
      const text = fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8");
      assert.strictEqual(
        text.split("\n")[0],
        "# yaml-language-server: $schema=./schema/stack-config.schema.json",
      );
      const [raw, options] = fromStackFile(text, `Pulumi.${stack}.yaml`);
      assert.strictEqual(parseConfig(raw, stack, options).stack, stack);
    });
  }
});

describe("regions and names as data", () => {
  it("cites a source and a date for every region list", () => {
    for (const facts of [
      AVAILABILITY_ZONE_REGIONS,
      CONTAINER_APPS_REGIONS,
      POSTGRES_FLEXIBLE_REGIONS,
    ]) {
      assert.match(facts.source, /^https:\/\/learn\.microsoft\.com\//);
      assert.match(facts.date, /^\d{4}-\d{2}-\d{2}$/);
    }
    assert.deepStrictEqual(["eastus2", "westus", "westus3"].map(hasAvailabilityZones), [
      true,
      false,
      true,
    ]);
  });

  it("keeps every name within Azure's limits for the longest prefix in every environment", () => {
    for (const environment of ["dev", "staging", "prod"]) {
      const names = resourceNames("a".repeat(MAX_NAME_PREFIX_LENGTH), environment);
      assert.ok(names.containerApp.length <= MAX_CONTAINER_APP_NAME_LENGTH);
      assert.strictEqual(
        names.keyVaultBase.length + UNIQUE_SUFFIX_LENGTH <= MAX_KEY_VAULT_NAME_LENGTH,
        true,
      );
      assert.ok(
        names.postgresBase.length + UNIQUE_SUFFIX_LENGTH <= MAX_POSTGRES_SERVER_NAME_LENGTH,
      );
      assert.ok(names.registryBase.length + UNIQUE_SUFFIX_LENGTH <= MAX_REGISTRY_NAME_LENGTH);
    }
    assert.strictEqual(MAX_NAME_PREFIX_LENGTH, 10);
  });
});
