import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import * as resources from "@pulumi/azure-native/resources";
import { isSecretValue, SimulationResult, simulateStack } from "../../simulator/simulate";
import { MOCK_SECRET_VALUES, plaintextSecrets } from "../helpers/secretScan";
import { runComponent, runStack } from "../helpers/simulation";

/** An app secret set in stack config: Key Vault gets it, nothing else may show it. */
const APP_SECRET = "sk-proj-offline-0123456789";
const KNOWN = [...MOCK_SECRET_VALUES, APP_SECRET];
/** A connection string that is not one of the mocks' (so only the pattern matches it). */
const PLANTED =
  "InstrumentationKey=0f0f0f0f-1111-2222-3333-444444444444;IngestionEndpoint=https://x/";

/** `result` as it would be if Pulumi kept nothing secret: every secret signature unwrapped. */
function unmarked(result: SimulationResult): SimulationResult {
  const strip = (value: unknown): unknown => {
    if (isSecretValue(value)) {
      return strip(value.value);
    }
    if (Array.isArray(value)) {
      return value.map(strip);
    }
    if (typeof value === "object" && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, strip(v)]));
    }
    return value;
  };
  return {
    ...result,
    resources: result.resources.map((r) => ({
      ...r,
      serializedInputs: strip(r.serializedInputs) as Record<string, unknown>,
      serializedOutputs: strip(r.serializedOutputs) as Record<string, unknown>,
    })),
    serializedOutputs: strip(result.serializedOutputs) as Record<string, unknown>,
  };
}

/** `<resource name> <path>: <match>` lines, for readable exact expectations. */
function lines(result: SimulationResult, known: readonly string[] = KNOWN): string[] {
  return plaintextSecrets(result, known).map(
    (f) => `${f.urn.split("::").pop()} ${f.path}: ${f.match}`,
  );
}

describe("secrets: nothing secret in state, outputs or logs in plain text", () => {
  const results: Record<string, SimulationResult> = {};
  before(async () => {
    for (const stack of ["dev", "staging", "prod"]) {
      results[stack] = await runStack(stack, { secretValues: { OPENAI_API_KEY: APP_SECRET } });
    }
  });

  for (const stack of ["dev", "staging", "prod"]) {
    it(`finds no plain-text secret in any resource's inputs or outputs, the stack outputs or the log of ${stack}`, () => {
      assert.deepStrictEqual(plaintextSecrets(results[stack], KNOWN), []);
    });
  }

  it("sees every secret the stacks hold once Pulumi's secret markers are removed", () => {
    // given the prod run with every secret unwrapped: the walk reaches each secret, so the clean
    // result above comes from the markers and not from a walk that misses them
    assert.deepStrictEqual(lines(unmarked(results.prod)).sort(), [
      "chatbot-environment-env inputs.appLogsConfiguration.logAnalyticsConfiguration.sharedKey: " +
        'known secret "mock-primary-shared-key"',
      "chatbot-environment-env outputs.appLogsConfiguration.logAnalyticsConfiguration.sharedKey: " +
        'known secret "mock-primary-shared-key"',
      "chatbot-environment-insights outputs.connectionString: InstrumentationKey=",
      "chatbot-environment-insights outputs.connectionString: " +
        'known secret "55555555-5555-5555-5555-555555555555"',
      "chatbot-environment-insights outputs.instrumentationKey: " +
        'known secret "55555555-5555-5555-5555-555555555555"',
      'chatbot-postgres-admin-password outputs.result: known secret "Mock-Password_0123456789abcdefXY"',
      "chatbot-postgres-server inputs.administratorLoginPassword: " +
        'known secret "Mock-Password_0123456789abcdefXY"',
      "chatbot-postgres-server outputs.administratorLoginPassword: " +
        'known secret "Mock-Password_0123456789abcdefXY"',
      "chatbot-vault-appinsights-connection-string inputs.properties.value: InstrumentationKey=",
      "chatbot-vault-appinsights-connection-string inputs.properties.value: " +
        'known secret "55555555-5555-5555-5555-555555555555"',
      "chatbot-vault-appinsights-connection-string outputs.properties.value: InstrumentationKey=",
      "chatbot-vault-appinsights-connection-string outputs.properties.value: " +
        'known secret "55555555-5555-5555-5555-555555555555"',
      "chatbot-vault-database-url inputs.properties.value: URL with credentials",
      "chatbot-vault-database-url inputs.properties.value: " +
        'known secret "Mock-Password_0123456789abcdefXY"',
      "chatbot-vault-database-url inputs.properties.value: postgres URL",
      "chatbot-vault-database-url outputs.properties.value: URL with credentials",
      "chatbot-vault-database-url outputs.properties.value: " +
        'known secret "Mock-Password_0123456789abcdefXY"',
      "chatbot-vault-database-url outputs.properties.value: postgres URL",
      'chatbot-vault-openai-api-key inputs.properties.value: known secret "sk-proj-offline-0123456789"',
      'chatbot-vault-openai-api-key outputs.properties.value: known secret "sk-proj-offline-0123456789"',
      "chatbot-vault-postgres-admin-password inputs.properties.value: " +
        'known secret "Mock-Password_0123456789abcdefXY"',
      "chatbot-vault-postgres-admin-password outputs.properties.value: " +
        'known secret "Mock-Password_0123456789abcdefXY"',
    ]);
  });

  it("fails on a connection string planted unmarked in a resource input, naming the URN and path", async () => {
    // given a resource whose tag carries a connection string as a plain value
    const result = await runComponent(() => {
      new resources.ResourceGroup("planted", {
        resourceGroupName: "rg-planted",
        tags: { note: PLANTED },
      });
    });
    // then the walker reports the input and the state echoing it
    assert.deepStrictEqual(plaintextSecrets(result), [
      {
        urn: "urn:pulumi:test::chatbot-platform::azure-native:resources:ResourceGroup::planted",
        path: "inputs.tags.note",
        match: "InstrumentationKey=",
      },
      {
        urn: "urn:pulumi:test::chatbot-platform::azure-native:resources:ResourceGroup::planted",
        path: "outputs.tags.note",
        match: "InstrumentationKey=",
      },
    ]);
  });

  it("fails on a connection string a component registers as a plain output", async () => {
    // given a component that passes a connection string to registerOutputs unmarked
    class Leaky extends pulumi.ComponentResource {
      constructor(name: string) {
        super("chatbot:test:Leaky", name, {}, {});
        this.registerOutputs({ connectionString: PLANTED });
      }
    }
    const result = await runComponent(() => new Leaky("leaky"));
    // then the component's URN and the output are reported
    assert.deepStrictEqual(plaintextSecrets(result), [
      {
        urn: "urn:pulumi:test::chatbot-platform::chatbot:test:Leaky::leaky",
        path: "outputs.connectionString",
        match: "InstrumentationKey=",
      },
    ]);
  });

  it("accepts the same values when they are Pulumi secrets", async () => {
    class Careful extends pulumi.ComponentResource {
      constructor(name: string) {
        super("chatbot:test:Careful", name, {}, {});
        new resources.ResourceGroup(
          `${name}-rg`,
          { resourceGroupName: "rg-planted", tags: pulumi.secret({ note: PLANTED }) },
          { parent: this },
        );
        this.registerOutputs({ connectionString: pulumi.secret(PLANTED) });
      }
    }
    assert.deepStrictEqual(plaintextSecrets(await runComponent(() => new Careful("careful"))), []);
  });

  it("fails on an Application Insights component registered without additionalSecretOutputs", async () => {
    // given the component as the platform declared it before (Azure returns both keys)
    const result = await runComponent(() => {
      new applicationinsights.Component("appi", {
        resourceName: "appi-test",
        resourceGroupName: "rg-test",
        kind: "web",
        applicationType: "web",
      });
    });
    // then the connection string and the instrumentation key are reported in its state
    assert.deepStrictEqual(lines(result, MOCK_SECRET_VALUES), [
      "appi outputs.connectionString: InstrumentationKey=",
      'appi outputs.connectionString: known secret "55555555-5555-5555-5555-555555555555"',
      'appi outputs.instrumentationKey: known secret "55555555-5555-5555-5555-555555555555"',
    ]);
  });

  it("fails on a secret in a stack output or in a logged warning", async () => {
    // given a program that exports a database URL and logs a password
    const result = await simulateStack({
      stack: "test",
      config: { config: {}, secretKeys: [] },
      program: () => {
        void pulumi.log.warn("connect with Password=hunter2");
        return { databaseUrl: "postgresql://admin:hunter2@db.example:5432/app" };
      },
    });
    // then both are reported: the output under the stack's URN, the log line by its index
    assert.deepStrictEqual(plaintextSecrets(result), [
      {
        urn: "urn:pulumi:test::chatbot-platform::pulumi:pulumi:Stack::chatbot-platform-test",
        path: "stackOutputs.databaseUrl",
        match: "URL with credentials",
      },
      {
        urn: "urn:pulumi:test::chatbot-platform::pulumi:pulumi:Stack::chatbot-platform-test",
        path: "stackOutputs.databaseUrl",
        match: "postgres URL",
      },
      { urn: "", path: "log[0]", match: "password=" },
    ]);
  });
});
