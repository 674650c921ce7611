import * as assert from "assert";
import { USAGE_ASSUMPTIONS } from "../../policy/lib/cost/assumptions";
import {
  CostResource,
  environmentOf,
  estimateMonthlyCost,
  logAlertPrice,
  parseGibibytes,
  parseMinutes,
} from "../../policy/lib/cost/estimate";
import { PRICE_TABLE_DATE, PRICES } from "../../policy/lib/cost/prices";
import { compliantStack } from "../fixtures/policy/stack";

function resource(type: string, name: string, props: Record<string, unknown>): CostResource {
  return { urn: `urn:pulumi:prod::p::${type}::${name}`, type, name, props };
}

/** [name, monthlyUsd, priced] of every item, most expensive first. */
function summary(resources: CostResource[], environment?: string): [string, number, boolean][] {
  return estimateMonthlyCost(resources, environment).items.map((item) => [
    item.name,
    item.monthlyUsd,
    item.priced,
  ]);
}

const APP = (minReplicas: number, revisions: string[]) =>
  resource("azure-native:app:ContainerApp", "app", {
    configuration: {
      ingress: { traffic: revisions.map((revisionName) => ({ revisionName, weight: 50 })) },
    },
    template: {
      containers: [{ name: "api", resources: { cpu: 1, memory: "2Gi" } }],
      scale: { minReplicas },
    },
  });

describe("cost estimate (policy/lib/cost)", () => {
  it("prices the shared prod-shaped policy fixture item by item", () => {
    // given the policy tests' compliant stack (prod tags, two revisions in traffic)
    const estimate = estimateMonthlyCost(
      compliantStack().map((r) => ({ urn: r.urn, type: r.type, name: r.name, props: r.outputs })),
    );
    // then: app 2 revisions x 3 replicas x (2 x 0.000024 + 4 x 0.000003) x 2,628,000 s = 946.08
    // plus 262.8 M requests x 0.40 = 105.12; logs 10 GB x 30.4167 days x 2.30 = 699.58 plus
    // 590 GB beyond 31 days x 0.10; psql 2 x (0.356 x 730 + 128 x 0.115) + 128 x 0.20; Premium
    // registry 1.667 x 30.4167; 200,000 Key Vault operations; one 5-minute log alert
    assert.deepStrictEqual(
      estimate.items.map((item) => [item.name, item.monthlyUsd]),
      [
        ["app", 1051.2],
        ["logs", 758.58],
        ["psql", 574.8],
        ["acr", 50.7],
        ["slo-latency", 1.5],
        ["kv", 0.6],
        ["rg", 0],
        ["env", 0],
        ["appi", 0],
        ["identity", 0],
        ["kv-secrets-user", 0],
        ["acr-diagnostics", 0],
        ["database-url", 0],
        ["kv-diagnostics", 0],
        ["db", 0],
        ["psql-diagnostics", 0],
        ["ag-page", 0],
        ["budget", 0],
      ],
    );
    assert.strictEqual(estimate.monthlyUsd, 2437.38);
    assert.strictEqual(estimate.environment, "prod");
    assert.strictEqual(estimate.priceTableDate, PRICE_TABLE_DATE);
    assert.strictEqual(
      estimate.items[2].basis,
      "2 x Standard_D4ds_v5 x 730 h = $519.76 (ZoneRedundant HA: primary and standby); 2 x 128 GB storage = $29.44; geo-redundant backup of 128 GB = $25.60",
    );
  });

  it("keeps minReplicas warm for every revision in the traffic block", () => {
    // 1 vCPU / 2 GiB = $0.00003 per replica-second; 2,628,000 s; dev: 1.314 M requests = $0.53
    assert.deepStrictEqual(summary([APP(1, ["a"])], "dev"), [["app", 79.37, true]]);
    assert.deepStrictEqual(summary([APP(1, ["a", "b"])], "dev"), [["app", 158.21, true]]);
    // scaled to zero: one replica for dev's 160 hours (576,000 s x 0.00003 = 17.28)
    assert.deepStrictEqual(summary([APP(0, ["a", "b"])], "dev"), [["app", 17.81, true]]);
  });

  it("bills a high-availability standby and no geo copy without geo-redundant backup", () => {
    const server = resource("azure-native:dbforpostgresql:Server", "pg", {
      sku: { name: "Standard_D2ds_v5" },
      storage: { storageSizeGB: 64 },
      highAvailability: { mode: "SameZone" },
      backup: { geoRedundantBackup: "Disabled" },
    });
    // 2 x (0.178 x 730 + 64 x 0.115)
    assert.deepStrictEqual(summary([server]), [["pg", 274.6, true]]);
  });

  it("prices registries beyond their included storage and log alerts by frequency", () => {
    const items = [
      resource("azure-native:containerregistry:Registry", "basic", { sku: { name: "Basic" } }),
      ...["PT1M", "PT5M", "PT10M", "PT15M", "PT1H"].map((evaluationFrequency) =>
        resource("azure-native:monitor:ScheduledQueryRule", evaluationFrequency, {
          evaluationFrequency,
        }),
      ),
      resource("azure-native:monitor:ScheduledQueryRule", "off", {
        enabled: false,
        evaluationFrequency: "PT1M",
      }),
      resource("azure-native:monitor:MetricAlert", "cpu", {
        scopes: ["a", "b"],
        criteria: { allOf: [{}, {}] },
      }),
    ];
    // Basic: 0.167 x 30.4167 + (60 - 10) GB x 30.4167 x 0.003 (prod's 60 GB of images)
    assert.deepStrictEqual(summary(items), [
      ["basic", 9.64, true],
      ["PT1M", 3, true],
      ["PT5M", 1.5, true],
      ["PT10M", 1, true],
      ["PT15M", 0.5, true],
      ["PT1H", 0.5, true],
      ["cpu", 0.4, true],
      ["off", 0, true],
    ]);
  });

  it("names what it cannot price instead of guessing", () => {
    const estimate = estimateMonthlyCost([
      resource("azure-native:dbforpostgresql:Server", "big", {
        sku: { name: "Standard_E64ds_v5" },
      }),
      resource("azure-native:app:ContainerApp", "nosize", {
        template: { containers: [{ name: "api" }] },
      }),
      resource("azure-native:app:ManagedEnvironment", "dedicated", {
        workloadProfiles: [{ name: "d4", workloadProfileType: "D4" }],
      }),
      resource("azure-native:containerservice:ManagedCluster", "aks", {}),
      resource("azure-native:monitor:ScheduledQueryRule", "odd", { evaluationFrequency: "P1D" }),
      resource("chatbot:app:BlueGreenApp", "component", {}),
      resource("random:index/randomString:RandomString", "suffix", {}),
    ]);
    assert.deepStrictEqual(
      estimate.items.map((item) => [item.name, item.monthlyUsd, item.priced, item.basis]),
      [
        ["big", 0, false, "PostgreSQL SKU Standard_E64ds_v5 is not in the price table"],
        [
          "nosize",
          0,
          false,
          'container api has no resources.cpu and resources.memory (e.g. "1Gi")',
        ],
        ["dedicated", 0, false, "dedicated workload profiles (D4) are not in the price table"],
        ["aks", 0, false, "not in the price table"],
        ["odd", 0, false, "evaluationFrequency P1D is not PT<n>M or PT<n>H"],
      ],
    );
    assert.strictEqual(estimate.monthlyUsd, 0);
  });

  it("reads the environment from the resource group's tag and falls back to prod's usage", () => {
    const group = (tags: Record<string, string>, location = "eastus2") =>
      resource("azure-native:resources:ResourceGroup", "rg", { tags, location });
    assert.strictEqual(environmentOf([group({ environment: "staging" })]), "staging");
    assert.strictEqual(environmentOf([group({})]), undefined);
    const estimate = estimateMonthlyCost([group({ environment: "qa" }, "westeurope")]);
    assert.strictEqual(estimate.environment, "prod");
    assert.strictEqual(estimate.region, "westeurope");
    assert.deepStrictEqual(
      [estimate.assumptions[0], estimate.assumptions.at(-1)],
      [
        `Usage assumptions of prod (the stack has no known environment tag: the largest usage is assumed); list prices for eastus2, pay-as-you-go, USD, read ${PRICE_TABLE_DATE}.`,
        "The stack runs in westeurope; eastus2 prices were applied (other regions differ).",
      ],
    );
    assert.strictEqual(
      estimateMonthlyCost([group({ environment: "dev" })]).assumptions[3],
      `${USAGE_ASSUMPTIONS.dev.averageRequestsPerSecond} requests per second on average (1.3 million per month).`,
    );
  });

  it("parses memory sizes, durations and alert frequencies", () => {
    assert.deepStrictEqual(["1Gi", "0.5Gi", " 4Gi ", "512Mi", "2G"].map(parseGibibytes), [
      1,
      0.5,
      4,
      undefined,
      undefined,
    ]);
    assert.deepStrictEqual(["PT5M", "PT1H", "PT1H30M", "PT", "P1D"].map(parseMinutes), [
      5,
      60,
      90,
      undefined,
      undefined,
    ]);
    assert.deepStrictEqual([1, 4, 5, 9, 10, 14, 15, 1440].map(logAlertPrice), [
      "logAlert1Minute",
      "logAlert1Minute",
      "logAlert5Minutes",
      "logAlert5Minutes",
      "logAlert10Minutes",
      "logAlert10Minutes",
      "logAlert15Minutes",
      "logAlert15Minutes",
    ]);
  });

  it("records a source, a unit and whether it was verified for every price", () => {
    for (const [id, price] of Object.entries(PRICES)) {
      assert.match(price.source, /^https:\/\/(learn|azure|techcommunity)\.microsoft\.com\//, id);
      assert.ok(price.usd > 0 && price.unit.length > 0 && price.region === "eastus2", id);
    }
    assert.deepStrictEqual(
      Object.entries(PRICES)
        .filter(([, price]) => price.verified)
        .map(([id]) => id),
      [
        "containerAppsVcpuActive",
        "containerAppsMemoryActive",
        "registryBasic",
        "registryStorage",
        "keyVaultOperations",
      ],
    );
  });
});
