import * as assert from "assert";
import * as fc from "fast-check";
import { planSubnets } from "../../lib/addressing";
import { resourceNames, revisionName, revisionSuffix, secretNameFor } from "../../lib/naming";

describe("naming", () => {
  const suffixes: [string, string][] = [
    ["1.4.2", "v1-4-2"],
    ["v2.0.0-rc.1", "v2-0-0-rc-1"],
    ["3f2a9c1", "v3f2a9c1"],
    ["abc1234", "abc1234"],
    ["Release_7+build.5", "release-7-build-5"],
    ["1.0.", "v1-0"],
  ];
  for (const [version, suffix] of suffixes) {
    it(`derives the revision suffix ${suffix} from ${version}`, () => {
      assert.strictEqual(revisionSuffix(version), suffix);
    });
  }

  for (const version of ["", "-1", ".1", "1 2", "1/2", "é1"]) {
    it(`has no suffix for the version ${JSON.stringify(version)}`, () => {
      assert.strictEqual(revisionSuffix(version), undefined);
    });
  }

  it("every suffix obeys Azure's revision rules", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,30}$/), (version) => {
        const suffix = revisionSuffix(version);
        return (
          suffix !== undefined &&
          /^[a-z]([a-z0-9-]*[a-z0-9])?$/.test(suffix) &&
          !suffix.includes("--")
        );
      }),
    );
  });

  it("names revisions <app>--<suffix>", () => {
    assert.strictEqual(revisionName("chatbot-api-prod", "v1-4-2"), "chatbot-api-prod--v1-4-2");
  });

  it("derives every resource name from the prefix and environment", () => {
    assert.deepStrictEqual(resourceNames("chatbot", "staging"), {
      resourceGroup: "rg-chatbot-staging",
      containerApp: "chatbot-api-staging",
      environment: "cae-chatbot-staging",
      logAnalytics: "log-chatbot-staging",
      appInsights: "appi-chatbot-staging",
      identity: "id-chatbot-api-staging",
      keyVaultBase: "kv-chatbot-stg-",
      registryBase: "acrchatbotstaging",
      postgresBase: "psql-chatbot-staging-",
      virtualNetwork: "vnet-chatbot-staging",
    });
  });

  it("maps environment variable names to Key Vault secret names", () => {
    assert.strictEqual(secretNameFor("OPENAI_API_KEY"), "openai-api-key");
  });
});

describe("addressing", () => {
  it("carves the Container Apps, PostgreSQL and private endpoint subnets", () => {
    assert.deepStrictEqual(planSubnets("172.16.4.0/22"), {
      containerApps: "172.16.4.0/23",
      postgres: "172.16.6.0/24",
      privateEndpoints: "172.16.7.0/24",
    });
  });

  for (const space of [
    "10.40.0.0/23",
    "10.40.1.0/16",
    "10.256.0.0/16",
    "10.40.0.0",
    "10.0.0.0/7",
  ]) {
    it(`rejects the address space ${space}`, () => {
      assert.strictEqual(planSubnets(space), undefined);
    });
  }
});
