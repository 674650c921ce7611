import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { stackConfigJsonSchema } from "../../scripts/stackSchema";
import { configShape } from "../../lib/config/schema";
import { GENERATION_TAG, TRAFFIC_TAG } from "../../lib/guard";
import { SimulatedResource, SimulationResult } from "../../simulator/simulate";
import {
  appTemplate as template,
  appTraffic as traffic,
  findResource,
  newRevisionSuffix,
  platformApp as app,
  releaseOf,
  resourcesOfType,
  ROOT,
  runProgram,
  runStack,
  stackConfig,
} from "../helpers/simulation";

const APP = "azure-native:app:ContainerApp";
const SERVER = "azure-native:dbforpostgresql:Server";
const VAULT = "azure-native:keyvault:Vault";
const ENVIRONMENT = "azure-native:app:ManagedEnvironment";

function container(result: SimulationResult): Record<string, unknown> {
  return (template(result).containers as Record<string, unknown>[])[0];
}

describe("stacks: the committed stack files", () => {
  const results: Record<string, SimulationResult> = {};
  before(async () => {
    for (const stack of ["dev", "staging", "prod"]) {
      results[stack] = await runStack(stack);
    }
  });

  it("sizes the app per environment", () => {
    const sizes = Object.fromEntries(
      Object.entries(results).map(([stack, result]) => {
        const scale = template(result).scale as Record<string, unknown>;
        return [stack, [container(result).resources, scale.minReplicas, scale.maxReplicas]];
      }),
    );
    assert.deepStrictEqual(sizes, {
      dev: [{ cpu: 0.5, memory: "1Gi" }, 0, 2],
      staging: [{ cpu: 1, memory: "2Gi" }, 2, 4],
      prod: [{ cpu: 2, memory: "4Gi" }, 3, 10],
    });
  });

  it("sizes and protects PostgreSQL per environment", () => {
    const servers = Object.fromEntries(
      Object.entries(results).map(([stack, result]) => {
        const server = findResource(result, SERVER, "chatbot-postgres-server");
        return [
          stack,
          {
            sku: server.inputs.sku,
            ha: (server.inputs.highAvailability as Record<string, unknown>).mode,
            backup: server.inputs.backup,
            publicNetworkAccess: (server.inputs.network as Record<string, unknown>)
              .publicNetworkAccess,
            protect: server.options.protect,
          },
        ];
      }),
    );
    assert.deepStrictEqual(servers, {
      dev: {
        sku: { name: "Standard_B1ms", tier: "Burstable" },
        ha: "Disabled",
        backup: { backupRetentionDays: 7, geoRedundantBackup: "Disabled" },
        publicNetworkAccess: "Disabled",
        protect: false,
      },
      staging: {
        sku: { name: "Standard_D2ds_v5", tier: "GeneralPurpose" },
        ha: "Disabled",
        backup: { backupRetentionDays: 14, geoRedundantBackup: "Disabled" },
        publicNetworkAccess: "Disabled",
        protect: true,
      },
      prod: {
        sku: { name: "Standard_D4ds_v5", tier: "GeneralPurpose" },
        ha: "ZoneRedundant",
        backup: { backupRetentionDays: 35, geoRedundantBackup: "Enabled" },
        publicNetworkAccess: "Disabled",
        protect: true,
      },
    });
  });

  it("protects the vault and turns on purge protection in staging and prod, and denies public access in prod", () => {
    const vaults = Object.fromEntries(
      Object.entries(results).map(([stack, result]) => {
        const vault = findResource(result, VAULT, "chatbot-vault-kv");
        const properties = vault.inputs.properties as Record<string, unknown>;
        return [
          stack,
          [
            vault.options.protect,
            properties.enablePurgeProtection ?? false,
            properties.publicNetworkAccess,
          ],
        ];
      }),
    );
    assert.deepStrictEqual(vaults, {
      dev: [false, false, "Enabled"],
      staging: [true, true, "Enabled"],
      prod: [true, true, "Disabled"],
    });
  });

  for (const stack of ["dev", "staging", "prod"]) {
    it(`puts ${stack}'s environment in its VNet and PostgreSQL in a delegated subnet, with no firewall rule`, () => {
      const result = results[stack];
      const vnet = findResource(
        result,
        "azure-native:network:VirtualNetwork",
        "chatbot-network-vnet",
      );
      const environment = findResource(result, ENVIRONMENT, "chatbot-environment-env");
      assert.deepStrictEqual(environment.inputs.vnetConfiguration, {
        infrastructureSubnetId: `${vnet.id}/subnets/snet-container-apps`,
        internal: false,
      });
      const server = findResource(result, SERVER, "chatbot-postgres-server");
      const postgresZone = findResource(
        result,
        "azure-native:privatedns:PrivateZone",
        "chatbot-network-postgres-dns",
      );
      assert.strictEqual(
        postgresZone.inputs.privateZoneName,
        `chatbot-${stack}.private.postgres.database.azure.com`,
      );
      assert.deepStrictEqual(server.inputs.network, {
        publicNetworkAccess: "Disabled",
        delegatedSubnetResourceId: `${vnet.id}/subnets/snet-postgres`,
        privateDnsZoneArmResourceId: postgresZone.id,
      });
      const link = findResource(
        result,
        "azure-native:privatedns:VirtualNetworkLink",
        "chatbot-network-postgres-dns-link",
      );
      assert.ok(
        server.options.dependencies.includes(link.urn),
        "the server waits for its DNS zone link",
      );
      assert.ok(
        app(result).options.dependencies.includes(link.urn),
        "the app waits until the server's name resolves in the VNet",
      );
      assert.deepStrictEqual(
        resourcesOfType(result, "azure-native:dbforpostgresql:FirewallRule"),
        [],
      );
    });
  }

  it("makes only prod zone-redundant and only prod's Key Vault private", () => {
    const network = Object.fromEntries(
      Object.entries(results).map(([stack, result]) => [
        stack,
        {
          zoneRedundant: findResource(result, ENVIRONMENT, "chatbot-environment-env").inputs
            .zoneRedundant,
          vaultEndpoints: resourcesOfType(result, "azure-native:network:PrivateEndpoint").map(
            (r) => r.name,
          ),
        },
      ]),
    );
    assert.deepStrictEqual(network, {
      dev: { zoneRedundant: false, vaultEndpoints: [] },
      staging: { zoneRedundant: false, vaultEndpoints: [] },
      prod: { zoneRedundant: true, vaultEndpoints: ["chatbot-vault-pe"] },
    });
  });

  it("sends Key Vault audit events and PostgreSQL server logs to the stack's workspace, kept 30/30/90 days", () => {
    const audit = Object.fromEntries(
      Object.entries(results).map(([stack, result]) => {
        const workspace = findResource(
          result,
          "azure-native:operationalinsights:Workspace",
          "chatbot-environment-logs",
        );
        const vault = findResource(result, VAULT, "chatbot-vault-kv");
        const server = findResource(result, SERVER, "chatbot-postgres-server");
        const setting = (name: string) =>
          findResource(result, "azure-native:monitor:DiagnosticSetting", name).inputs;
        assert.deepStrictEqual(
          [setting("chatbot-vault-diagnostics"), setting("chatbot-postgres-diagnostics")].map(
            (inputs) => [inputs.resourceUri, inputs.workspaceId],
          ),
          [
            [vault.id, workspace.id],
            [server.id, workspace.id],
          ],
          stack,
        );
        return [
          stack,
          {
            retentionInDays: workspace.inputs.retentionInDays,
            vault: setting("chatbot-vault-diagnostics").logs,
            postgres: setting("chatbot-postgres-diagnostics").logs,
          },
        ];
      }),
    );
    const logs = {
      vault: [{ categoryGroup: "audit", enabled: true }],
      postgres: [{ category: "PostgreSQLLogs", enabled: true }],
    };
    assert.deepStrictEqual(audit, {
      dev: { retentionInDays: 30, ...logs },
      staging: { retentionInDays: 30, ...logs },
      prod: { retentionInDays: 90, ...logs },
    });
  });

  it("tags every taggable resource with environment, service and owner, and the app with the release generation", () => {
    const ALERT_TYPES = [
      "azure-native:monitor:ScheduledQueryRule",
      "azure-native:monitor:MetricAlert",
      "azure-native:monitor:ActivityLogAlert",
    ];
    for (const [stack, result] of Object.entries(results)) {
      const untaggable = new Set([
        "azure-native:authorization:RoleAssignment",
        // A budget has no tags in the Consumption API.
        "azure-native:consumption:Budget",
        "azure-native:dbforpostgresql:Database",
        "azure-native:monitor:DiagnosticSetting",
        "azure-native:network:PrivateDnsZoneGroup",
      ]);
      for (const resource of result.resources) {
        if (!resource.type.startsWith("azure-native:") || untaggable.has(resource.type)) {
          continue;
        }
        const tags = { environment: stack, service: "chatbot-api", owner: "platform-team" };
        // alert rules also say what they are (components/monitoring.ts): kind and key
        const alertKey = ALERT_TYPES.includes(resource.type)
          ? resource.name.replace(/^chatbot-monitoring-/, "").replace(`-chatbot-api-${stack}`, "")
          : undefined;
        assert.deepStrictEqual(
          resource.inputs.tags,
          resource.type === APP
            ? { ...tags, [GENERATION_TAG]: "0", [TRAFFIC_TAG]: "g=0,live=blue,canary=0" }
            : alertKey !== undefined
              ? {
                  ...tags,
                  "chatbot-alert-kind": /^(slo|trigger)-/.exec(alertKey)?.[1] ?? "baseline",
                  "chatbot-alert": alertKey,
                }
              : tags,
          `${resource.type} ${resource.name}`,
        );
      }
    }
  });

  it("parents every resource to the platform component", () => {
    for (const result of Object.values(results)) {
      const root = findResource(result, "chatbot:platform:ChatbotPlatform", "chatbot");
      const urns = new Set(result.resources.map((resource) => resource.urn));
      for (const resource of result.resources) {
        if (resource !== root) {
          assert.ok(urns.has(resource.parent), `${resource.name} has a parent in the stack`);
        }
      }
      assert.strictEqual(root.parent, "");
    }
  });
});

describe("stacks: release changes", () => {
  /** Staging with 1.5.0 deployed to the idle green slot at 0% (blue live). */
  function stagingWithGreen(): Record<string, unknown> {
    return {
      ...releaseOf(stackConfig("staging")),
      latest: "green",
      green: { version: "1.5.0", image: "chatbotregistry.azurecr.io/chatbot-api:1.5.0" },
    };
  }

  /** Every input of every resource except the Container App's traffic (and generation tag). */
  function everythingButTraffic(
    result: SimulationResult,
    keepGenerationTag = true,
  ): Record<string, unknown> {
    return Object.fromEntries(
      result.resources.map((resource) => {
        const inputs = JSON.parse(JSON.stringify(resource.inputs)) as Record<string, unknown>;
        if (resource.type === APP) {
          delete (
            (inputs.configuration as Record<string, unknown>).ingress as Record<string, unknown>
          ).traffic;
          delete (inputs.tags as Record<string, unknown>)[TRAFFIC_TAG];
          if (!keepGenerationTag) {
            delete (inputs.tags as Record<string, unknown>)[GENERATION_TAG];
          }
        }
        return [resource.urn, { inputs, options: resource.options }];
      }),
    );
  }

  it("promoting (flipping live) changes only the Container App's traffic", async () => {
    // given the staging stack with green deployed at 0%
    const release = stagingWithGreen();
    const before = await runStack("staging", { release });
    // when live flips to green
    const after = await runStack("staging", { release: { ...release, live: "green" } });
    // then only the traffic differs (blue keeps the name of a revision made before suffixes
    // carried a fingerprint)
    const green = `chatbot-api-staging--${newRevisionSuffix(before, "v1-5-0", 0)}`;
    assert.deepStrictEqual(everythingButTraffic(after), everythingButTraffic(before));
    assert.deepStrictEqual(traffic(before), [
      { revisionName: "chatbot-api-staging--v1-4-2", label: "blue", weight: 100 },
      { revisionName: green, label: "green", weight: 0 },
    ]);
    assert.deepStrictEqual(traffic(after), [
      { revisionName: "chatbot-api-staging--v1-4-2", label: "blue", weight: 0 },
      { revisionName: green, label: "green", weight: 100 },
    ]);
    assert.deepStrictEqual(
      [before, after].map(
        (result) => (app(result).inputs.tags as Record<string, unknown>)[TRAFFIC_TAG],
      ),
      ["g=0,live=blue,canary=0", "g=0,live=green,canary=0"],
    );
    assert.strictEqual(template(after).revisionSuffix, template(before).revisionSuffix);
    assert.strictEqual(
      after.outputs.greenLabelUrl,
      "https://chatbot-api-staging---green.mock-cae-chatbot-staging.eastus2.azurecontainerapps.io",
    );
    assert.deepStrictEqual([after.outputs.liveSlot, after.outputs.liveVersion], ["green", "1.5.0"]);
  });

  it("promoting as the release command does (generation bumped, revision recorded) keeps green's revision", async () => {
    // given green deployed by the release command at generation 1, its revision then recorded
    const deploy: Record<string, unknown> = { ...stagingWithGreen(), generation: 1 };
    const deployed = await runStack("staging", { release: deploy });
    const revision = String(template(deployed).revisionSuffix);
    // when the promotion flips live and bumps the generation
    const promoted = await runStack("staging", {
      release: {
        ...deploy,
        generation: 2,
        live: "green",
        green: { ...(deploy.green as object), revision },
      },
    });
    // then green's revision is the one deployed; traffic and the generation tag change, nothing else
    assert.strictEqual(revision, newRevisionSuffix(deployed, "v1-5-0", 1));
    assert.strictEqual(template(promoted).revisionSuffix, revision);
    assert.deepStrictEqual(traffic(promoted), [
      { revisionName: "chatbot-api-staging--v1-4-2", label: "blue", weight: 0 },
      { revisionName: `chatbot-api-staging--${revision}`, label: "green", weight: 100 },
    ]);
    assert.deepStrictEqual(
      [app(deployed).inputs.tags, app(promoted).inputs.tags].map(
        (tags) => (tags as Record<string, unknown>)[GENERATION_TAG],
      ),
      ["1", "2"],
    );
    assert.deepStrictEqual(
      everythingButTraffic(promoted, false),
      everythingButTraffic(deployed, false),
    );
    assert.deepStrictEqual(
      [promoted.outputs.latestRevision, promoted.outputs.releaseGeneration],
      [`chatbot-api-staging--${revision}`, 2],
    );
  });

  it("rolling back (flipping live back) restores the original traffic exactly", async () => {
    const release = stagingWithGreen();
    const before = await runStack("staging", { release });
    await runStack("staging", { release: { ...release, live: "green" } });
    const rolledBack = await runStack("staging", { release: { ...release, live: "blue" } });
    assert.deepStrictEqual(traffic(rolledBack), traffic(before));
    assert.deepStrictEqual(everythingButTraffic(rolledBack), everythingButTraffic(before));
  });

  it("sends the canary share to the slot that is not live", async () => {
    const release = stagingWithGreen();
    const result = await runStack("staging", { release: { ...release, canaryPercent: 25 } });
    assert.deepStrictEqual(traffic(result), [
      { revisionName: "chatbot-api-staging--v1-4-2", label: "blue", weight: 75 },
      {
        revisionName: `chatbot-api-staging--${newRevisionSuffix(result, "v1-5-0", 0)}`,
        label: "green",
        weight: 25,
      },
    ]);
  });

  it("deploys a new version to the idle slot as a new revision at 0%", async () => {
    // given prod with only blue
    const release = releaseOf(stackConfig("prod"));
    const image = `acr.azurecr.io/chatbot-api@sha256:${"b".repeat(64)}`;
    // when green gets a commit-hash version and becomes latest
    const result = await runStack("prod", {
      release: { ...release, latest: "green", green: { version: "3f2a9c1", image } },
    });
    // then green's revision is named <version slug>-<template fingerprint>g<generation>
    assert.strictEqual(template(result).revisionSuffix, "v3f2a9c1-72017fg0");
    assert.strictEqual(container(result).image, image);
    assert.deepStrictEqual(traffic(result), [
      { revisionName: "chatbot-api-prod--v1-4-2", label: "blue", weight: 100 },
      { revisionName: "chatbot-api-prod--v3f2a9c1-72017fg0", label: "green", weight: 0 },
    ]);
    assert.strictEqual(result.outputs.latestRevision, "chatbot-api-prod--v3f2a9c1-72017fg0");
  });

  it("writes a secret set in stack config into Key Vault, and does not warn about it", async () => {
    const config = stackConfig("dev");
    const result = await runStack("dev", { secretValues: { OPENAI_API_KEY: "sk-test-value" } });
    assert.strictEqual(config.secretKeys.length, 0);
    const secret = findResource(
      result,
      "azure-native:keyvault:Secret",
      "chatbot-vault-openai-api-key",
    );
    assert.deepStrictEqual(secret.inputs.properties, { value: "sk-test-value" });
    assert.deepStrictEqual(secret.secretPaths, ["properties"]);
    assert.deepStrictEqual(result.warnings, []);
    assert.deepStrictEqual(result.outputs.missingSecrets, []);
  });

  it("builds and pushes the latest slot's image when the stack asks for it", async () => {
    const result = await runStack("dev", {
      imageBuild: { context: "." },
      release: { live: "blue", blue: { version: "1.4.2" } },
    });
    const image = findResource(result, "docker:index/image:Image", "chatbot-image-image");
    assert.strictEqual(image.inputs.imageName, "acrchatbotdeva1b2c3.azurecr.io/chatbot-api:1.4.2");
    assert.strictEqual(
      container(result).image,
      `acrchatbotdeva1b2c3.azurecr.io/chatbot-api@sha256:${"0".repeat(56)}c0ffee42`,
    );
  });

  it("registers nothing when the config is invalid", async () => {
    // given the real program and a broken release
    const release = { live: "purple", blue: { version: "1.4.2" } };
    // when it runs under the mocks
    const { result, error } = await runProgram("prod", { release });
    // then it threw a ConfigError before registering anything
    assert.strictEqual(error?.name, "ConfigError");
    assert.strictEqual(
      error?.message,
      'Invalid `chatbot-platform:release.live`: received "purple"; allowed: "blue", "green".',
    );
    assert.deepStrictEqual(result.resources, []);
  });

  it("registers the same resources and inputs in preview mode (as npm run plan runs it)", async () => {
    const update = await runStack("prod");
    const preview = await runStack("prod", {}, true);
    assert.strictEqual(preview.preview, true);
    // Registration order depends on when each Output resolves; compare by URN.
    const byUrn = (result: SimulationResult) =>
      Object.fromEntries(result.resources.map((r) => [r.urn, r.inputs]));
    assert.deepStrictEqual(byUrn(preview), byUrn(update));
    assert.strictEqual(preview.resources.length, 65);
  });
});

describe("stacks: project file", () => {
  it("declares every scalar and list key with the schema's type, description and default, and no object key", () => {
    // given the project file and the schema (lib/config/schema.ts) with its generated JSON Schema
    const project = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
      name: string;
      config: Record<string, { type: string; description: string; default?: unknown }>;
    };
    const source = fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");
    assert.strictEqual(project.name, "chatbot-platform");
    const generated = (
      stackConfigJsonSchema() as {
        properties: {
          config: { properties: Record<string, { type?: string; description?: string }> };
        };
      }
    ).properties.config.properties;
    const schemaKeys = Object.keys(configShape) as (keyof typeof configShape)[];
    const typeOf = (key: string) => generated[`chatbot-platform:${key}`].type;
    const scalarOrList = schemaKeys.filter((key) => typeOf(key) !== "object");
    const objects = schemaKeys.filter((key) => typeOf(key) === "object");

    // when each declaration is compared with the schema's key: its type, its description and
    // its default (Pulumi requires a key declared without a default on every stack)
    const declared = Object.entries(project.config).map(([key, d]) => [
      key,
      d.type,
      d.description,
      d.default,
    ]);
    const fromSchema = scalarOrList.map((key) => {
      const parsed = configShape[key].safeParse(undefined);
      return [
        key,
        typeOf(key),
        generated[`chatbot-platform:${key}`].description,
        parsed.success ? parsed.data : undefined,
      ];
    });

    // then every scalar and list key is declared, equal to the schema, and no other key
    assert.deepStrictEqual(declared, fromSchema);
    assert.deepStrictEqual(scalarOrList, [
      "environment",
      "location",
      "namePrefix",
      "owner",
      "target",
      "aksClusterOnly",
      "appSecrets",
    ]);
    assert.deepStrictEqual(
      declared.filter(([, , , value]) => value === undefined).map(([key]) => key),
      ["environment"],
    );
    // and the comment names exactly the object keys it leaves out
    const comment = source
      .split("\n")
      .filter((line) => line.trim().startsWith("#"))
      .map((line) => line.trim().replace(/^# ?/, ""))
      .join(" ");
    assert.ok(
      comment.includes(`so the object keys (${objects.join(", ")}) are not declared.`),
      `the comment must list ${objects.join(", ")}: ${comment}`,
    );
  });

  it("makes `pulumi up` skip type-checking: Pulumi's runtime reads tsconfig noCheck as transpile-only", () => {
    // given the loader the Pulumi Node.js runtime uses for tsconfig.json (cmd/run/run.js sets
    // ts-node's transpileOnly from compilerOptions.noCheck unless PULUMI_NODEJS_TRANSPILE_ONLY is set)
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tsutils = require("@pulumi/pulumi/tsutils") as {
      loadTypeScriptCompilerOptions(file: string): { noCheck?: boolean };
    };
    // then
    assert.strictEqual(
      tsutils.loadTypeScriptCompilerOptions(path.join(ROOT, "tsconfig.json")).noCheck,
      true,
    );
  });

  it("targets, in the README's first-image commands, the registry and everything it needs", async () => {
    // given the URNs the README's overview section passes to `pulumi up --target`
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const overview = readme.slice(
      readme.indexOf("<!-- section: overview (owner: core) -->"),
      readme.indexOf("<!-- /section: overview -->"),
    );
    const targets = [...overview.matchAll(/--target '([^']+)'/g)].map((match) => match[1]);
    // when the dev stack runs with the image build the README sets up
    const result = await runStack("dev", {
      imageBuild: { context: "." },
      release: { live: "blue", blue: { version: "1.4.2" } },
    });
    // then they are the engine's URNs (the type chain of every ancestor; the mocks keep only the
    // parent's type) of the registry, its ancestors and its dependencies, transitively
    const byUrn = new Map(result.resources.map((resource) => [resource.urn, resource]));
    const typeChain = (resource: SimulatedResource): string => {
      const parent = byUrn.get(resource.parent);
      return parent === undefined ? resource.type : `${typeChain(parent)}$${resource.type}`;
    };
    const engineUrn = (resource: SimulatedResource) =>
      `urn:pulumi:dev::chatbot-platform::${typeChain(resource)}::${resource.name}`;
    const needed = new Set<SimulatedResource>([
      findResource(result, "azure-native:containerregistry:Registry", "chatbot-registry-acr"),
    ]);
    for (let grew = true; grew;) {
      grew = false;
      for (const resource of [...needed]) {
        for (const urn of [resource.parent, ...resource.options.dependencies]) {
          const other = byUrn.get(urn);
          if (other !== undefined && !needed.has(other)) {
            needed.add(other);
            grew = true;
          }
        }
      }
    }
    assert.deepStrictEqual([...targets].sort(), [...needed].map(engineUrn).sort());
  });

  it("keeps secret values out of the committed stack files", () => {
    for (const stack of ["dev", "staging", "prod"]) {
      const text = fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8");
      assert.ok(!/secure:|secretValues/.test(text), `Pulumi.${stack}.yaml holds no secret`);
    }
  });
});
