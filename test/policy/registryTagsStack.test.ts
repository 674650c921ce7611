import * as assert from "assert";
import { compliantStack, unprotected, urnOf, withInputs } from "../fixtures/policy/stack";
import { violationsOf } from "./support";

describe("Registry, tag and stack policies (through the analyzer)", () => {
  it("fails when the registry's admin user is enabled", async () => {
    // given the compliant stack with the registry admin user on
    const resources = withInputs("acr", (inputs) => ({ ...inputs, adminUserEnabled: true }));
    // when the dev gate runs (mandatory there too)
    const violations = await violationsOf(resources, "dev");
    // then the registry is reported
    assert.deepStrictEqual(violations, [
      {
        policy: "chatbot-registry-admin-disabled",
        enforcementLevel: "mandatory",
        urn: urnOf("azure-native:containerregistry:Registry", "acr"),
        message:
          "Container registries must keep the admin user disabled.\nadminUserEnabled is true.",
      },
    ]);
  });

  it("fails when a taggable resource misses the owner and service tags", async () => {
    // given a Key Vault secret tagged with the environment only
    const resources = withInputs("database-url", (inputs) => ({
      ...inputs,
      tags: { environment: "prod" },
    }));
    // when the prod gate runs
    const violations = await violationsOf(resources, "prod");
    // then the secret is reported with the missing keys
    assert.deepStrictEqual(violations, [
      {
        policy: "chatbot-tags-required",
        enforcementLevel: "mandatory",
        urn: urnOf("azure-native:keyvault:Secret", "database-url"),
        message:
          "Taggable resources must carry the environment, service and owner tags.\nMissing tags: service, owner.",
      },
    ]);
  });

  it("fails when a tag is present but empty", async () => {
    // given a resource group whose owner tag is empty
    const resources = withInputs("rg", (inputs) => ({
      ...inputs,
      tags: { environment: "prod", service: "chatbot", owner: "" },
    }));
    // when the prod gate runs; then the owner tag is reported missing
    assert.deepStrictEqual(
      (await violationsOf(resources, "prod")).map((v) => [v.policy, v.urn, v.message]),
      [
        [
          "chatbot-tags-required",
          urnOf("azure-native:resources:ResourceGroup", "rg"),
          "Taggable resources must carry the environment, service and owner tags.\nMissing tags: owner.",
        ],
      ],
    );
  });

  it("does not ask for tags on resources that take none", async () => {
    // given a role assignment and a database without tags (the baseline); when the gate runs
    const violations = await violationsOf(compliantStack(), "prod");
    // then nothing is reported
    assert.deepStrictEqual(violations, []);
  });

  it("fails when the PostgreSQL server is not protected in prod", async () => {
    // given the server registered without protect
    const resources = unprotected("psql");
    // when the prod gate runs
    const violations = await violationsOf(resources, "prod");
    // then the stack policy reports the server's URN
    assert.deepStrictEqual(violations, [
      {
        policy: "chatbot-stack-protect-stateful",
        enforcementLevel: "mandatory",
        urn: urnOf("azure-native:dbforpostgresql:Server", "psql"),
        message:
          "Stateful resources (PostgreSQL servers and Key Vaults) must be registered with protect.\n" +
          'azure-native:dbforpostgresql:Server "psql" is not protected.',
      },
    ]);
  });

  it("fails when the Key Vault is not protected in staging", async () => {
    // given the vault registered without protect; when the staging gate runs
    const violations = await violationsOf(unprotected("kv"), "staging");
    // then the vault is reported
    assert.deepStrictEqual(
      violations.map((v) => [v.policy, v.enforcementLevel, v.urn]),
      [["chatbot-stack-protect-stateful", "mandatory", urnOf("azure-native:keyvault:Vault", "kv")]],
    );
  });

  it("does not require protect in dev", async () => {
    // given both stateful resources unprotected; when the dev gate runs; then it passes
    const resources = unprotected("kv").map((r) =>
      r.name === "psql" ? { ...r, options: { ...r.options, protect: false } } : r,
    );
    assert.deepStrictEqual(await violationsOf(resources, "dev"), []);
  });

  it("fails when the environment does not send logs to Log Analytics", async () => {
    // given the environment logging to Azure Monitor without a workspace
    const resources = withInputs("env", (inputs) => ({
      ...inputs,
      appLogsConfiguration: { destination: "azure-monitor" },
    }));
    // when the prod gate runs
    const violations = await violationsOf(resources, "prod");
    // then the stack policy reports the environment
    assert.deepStrictEqual(violations, [
      {
        policy: "chatbot-stack-log-analytics",
        enforcementLevel: "mandatory",
        urn: urnOf("azure-native:app:ManagedEnvironment", "env"),
        message:
          "Container Apps environments must send their logs to a Log Analytics workspace.\n" +
          'Environment "env" sends logs to azure-monitor without a workspace id.',
      },
    ]);
  });
});
