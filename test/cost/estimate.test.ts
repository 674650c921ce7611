import * as assert from "assert";
import { USAGE_ASSUMPTIONS } from "../../policy/lib/cost/assumptions";
import {
  CostResource,
  defaultManagedOsDiskGib,
  environmentOf,
  estimateMonthlyCost,
  logAlertPrice,
  nodeOsDisk,
  parseGibibytes,
  parseMinutes,
} from "../../policy/lib/cost/estimate";
import { PRICE_TABLE_DATE, PRICES, VM_SIZE_PRICES } from "../../policy/lib/cost/prices";
import { ENVIRONMENT_PROFILES, EnvironmentName } from "../../lib/environments";
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

/** An AKS cluster with an environment's sizes, shaped as components/aksCluster.ts registers it. */
const CLUSTER = (environment: EnvironmentName, extra: Record<string, unknown> = {}) => {
  const { tier, systemPool, userPool } = ENVIRONMENT_PROFILES[environment].kubernetes;
  const pool = (name: string, size: typeof systemPool) => ({
    name,
    vmSize: size.vmSize,
    enableAutoScaling: true,
    count: size.minCount,
    minCount: size.minCount,
    maxCount: size.maxCount,
  });
  return resource("azure-native:containerservice:ManagedCluster", "aks", {
    sku: { name: "Base", tier },
    networkProfile: { loadBalancerSku: "standard", outboundType: "loadBalancer" },
    agentPoolProfiles: [pool("system", systemPool), pool("user", userPool)],
    ...extra,
  });
};

const GATEWAY = (spec: Record<string, unknown> = {}) =>
  resource("kubernetes:gateway.networking.k8s.io/v1:Gateway", "gateway", {
    spec: { gatewayClassName: "approuting-istio", ...spec },
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
    // registry 1.667 x 30.4167; 200,000 Key Vault operations; two 5-minute log alerts
    assert.deepStrictEqual(
      estimate.items.map((item) => [item.name, item.monthlyUsd]),
      [
        ["app", 1051.2],
        ["logs", 758.58],
        ["psql", 574.8],
        ["acr", 50.7],
        ["slo-latency", 1.5],
        ["slo-errors", 1.5],
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
    assert.strictEqual(estimate.monthlyUsd, 2438.88);
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
      // 2 x 3 included dimension values: 6 time series on one resource
      resource("azure-native:monitor:MetricAlert", "nodes", {
        scopes: ["aks"],
        criteria: {
          allOf: [
            {
              dimensions: [
                { name: "status2", operator: "Include", values: ["NotReady", "Unknown"] },
                { name: "node", operator: "Include", values: ["a", "b", "c"] },
              ],
            },
          ],
        },
      }),
    ];
    // Basic: 0.167 x 30.4167 + (60 - 10) GB x 30.4167 x 0.003 (prod's 60 GB of images)
    assert.deepStrictEqual(summary(items), [
      ["basic", 9.64, true],
      ["PT1M", 3, true],
      ["PT5M", 1.5, true],
      ["PT10M", 1, true],
      ["nodes", 0.6, true],
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
      resource("azure-native:containerservice:ManagedCluster", "aks", {
        agentPoolProfiles: [{ name: "gpu", vmSize: "Standard_NC6s_v3", count: 1 }],
      }),
      resource("azure-native:monitor:ScheduledQueryRule", "odd", { evaluationFrequency: "P1D" }),
      resource("azure-native:monitor:MetricAlert", "every-pod", {
        criteria: {
          allOf: [{ dimensions: [{ name: "pod", operator: "Include", values: ["*"] }] }],
        },
      }),
      resource("kubernetes:gateway.networking.k8s.io/v1:Gateway", "agc", {
        spec: { gatewayClassName: "azure-alb-external" },
      }),
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
        ["aks", 0, false, "node pool gpu: VM size Standard_NC6s_v3 is not in the price table"],
        ["odd", 0, false, "evaluationFrequency P1D is not PT<n>M or PT<n>H"],
        [
          "every-pod",
          0,
          false,
          "dimension pod includes every value (*): the number of time series is not known",
        ],
        [
          "agc",
          0,
          false,
          "what gateway class azure-alb-external provisions is not in the price table",
        ],
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

  it("prices the prod AKS cluster: Standard tier, minCount nodes, the AKS-managed load balancer and IPs", () => {
    // given prod's sizes (lib/environments.ts) and the Gateway the app registers
    const estimate = estimateMonthlyCost([CLUSTER("prod"), GATEWAY()], "prod");
    // then: 0.10 x 730 = 73.00; 3 x 0.226 x 730 = 494.94; 3 x 0.452 x 730 = 989.88 (both pools'
    // temp disks, 150 and 300 GiB, hold AKS's default ephemeral OS disk: no disk charge); load
    // balancer 0.025 x 730 = 18.25 plus 262.8 M requests x 20 KB = 5,256 GB x 0.005 = 26.28; one
    // outbound IP 0.005 x 730 = 3.65: 1,606.00. The Gateway's public IP: 3.65.
    assert.deepStrictEqual(
      estimate.items.map((item) => [item.name, item.monthlyUsd, item.priced, item.prices]),
      [
        [
          "aks",
          1606,
          true,
          [
            "aksStandardTier",
            "vmD4dsV5",
            "vmD8dsV5",
            "loadBalancerStandardRules",
            "loadBalancerDataProcessed",
            "publicIpStandard",
          ],
        ],
        ["gateway", 3.65, true, ["publicIpStandard"]],
      ],
    );
    assert.strictEqual(estimate.monthlyUsd, 1609.65);
    assert.strictEqual(
      estimate.items[0].basis,
      "Standard tier 730 h = $73.00; system: 3 x Standard_D4ds_v5 x 730 h = $494.94 (the autoscaler's minCount), ephemeral OS disk: no charge; user: 3 x Standard_D8ds_v5 x 730 h = $989.88 (the autoscaler's minCount), ephemeral OS disk: no charge; AKS-managed Standard load balancer (not a Pulumi resource) 730 h = $18.25, 5,256 GB processed = $26.28; 1 managed outbound public IP x 730 h = $3.65",
    );
    assert.strictEqual(
      estimate.items[1].basis,
      "1 Standard public IP for its LoadBalancer Service (created by AKS, not a Pulumi resource) x 730 h = $3.65; its rules and data are billed on the cluster's load balancer",
    );
  });

  it("bills managed OS disks where the temp disk cannot hold an ephemeral one (dev, staging)", () => {
    // dev: Free tier; 2 x (0.113 x 730 = 82.49 + P10 19.71); 18.25; 1.314 M requests x 20 KB =
    // 26.28 GB x 0.005 = 0.13; 3.65
    assert.deepStrictEqual(summary([CLUSTER("dev")], "dev"), [["aks", 226.43, true]]);
    assert.strictEqual(
      estimateMonthlyCost([CLUSTER("dev")], "dev").items[0].basis,
      "Free tier: no charge; system: 1 x Standard_D2ds_v5 x 730 h = $82.49 (the autoscaler's minCount), 1 x 128 GiB managed OS disk (P10) = $19.71; user: 1 x Standard_D2ds_v5 x 730 h = $82.49 (the autoscaler's minCount), 1 x 128 GiB managed OS disk (P10) = $19.71; AKS-managed Standard load balancer (not a Pulumi resource) 730 h = $18.25, 26 GB processed = $0.13; 1 managed outbound public IP x 730 h = $3.65",
    );
    // staging: 73 + 2 x (82.49 + 19.71) + 2 x 164.98 (ephemeral) + 18.25 + 105.12 GB x 0.005 + 3.65
    assert.deepStrictEqual(summary([CLUSTER("staging")], "staging"), [["aks", 629.79, true]]);
  });

  it("places OS disks the way AKS does by default and by request", () => {
    const d2 = VM_SIZE_PRICES.Standard_D2ds_v5;
    const d4 = VM_SIZE_PRICES.Standard_D4ds_v5;
    const d8 = VM_SIZE_PRICES.Standard_D8ds_v5;
    const disk = (pool: Record<string, unknown>, size: typeof d2) => {
      const placed = nodeOsDisk(pool, size);
      return placed.ephemeral ? "ephemeral" : `${placed.gib} ${placed.tier?.tier ?? "none"}`;
    };
    assert.deepStrictEqual(
      [
        disk({}, d2), // 75 GiB temp < 128: managed, default size for 2 vCPUs
        disk({ osDiskSizeGB: 0 }, d2), // 0 = the default size
        disk({ osDiskSizeGB: 60 }, d2), // fits the temp disk
        disk({}, d4), // 150 GiB temp
        disk({ osDiskSizeGB: 200 }, d4), // does not fit
        disk({ osDiskType: "Managed" }, d4),
        disk({ osDiskType: "Managed" }, d8), // 8 vCPUs: 256 GiB default
        disk({ osDiskType: "Managed", osDiskSizeGB: 400 }, d8),
        disk({ osDiskType: "Managed", osDiskSizeGB: 1024 }, d8),
        disk({ osDiskType: "Managed", osDiskSizeGB: 2048 }, d8),
        disk({ osDiskType: "Ephemeral" }, d2),
      ],
      [
        "128 P10",
        "128 P10",
        "ephemeral",
        "ephemeral",
        "200 P15",
        "128 P10",
        "256 P15",
        "400 P20",
        "1024 P30",
        "2048 none",
        "ephemeral",
      ],
    );
    assert.deepStrictEqual(
      [1, 7, 8, 15, 16, 63, 64].map(defaultManagedOsDiskGib),
      [128, 128, 256, 256, 512, 512, 1024],
    );
  });

  it("reads tiers, pool counts, outbound IPs, agent pools and LoadBalancer Services", () => {
    const one = (pool: Record<string, unknown>) => ({
      agentPoolProfiles: [{ name: "p", vmSize: "Standard_D4ds_v5", ...pool }],
    });
    const internal = { "service.beta.kubernetes.io/azure-load-balancer-internal": "true" };
    const estimate = estimateMonthlyCost(
      [
        // Premium 0.60 x 730 = 438; 2 fixed nodes x 164.98; 18.25 + 26.28; 2 IPs = 7.30 (819.79)
        CLUSTER("prod", {
          sku: { tier: "Premium" },
          ...one({ count: 2 }),
          networkProfile: { loadBalancerProfile: { managedOutboundIPs: { count: 2 } } },
        }),
        // no sku: Free; no count: 1 node (164.98) with a P10 (19.71); 18.25 + 26.28; its own
        // outbound IPs: none managed (229.22)
        resource("azure-native:containerservice:ManagedCluster", "own-ips", {
          ...one({ osDiskType: "Managed" }),
          networkProfile: { loadBalancerProfile: { outboundIPs: { publicIPs: [{ id: "ip" }] } } },
        }),
        // an AgentPool resource: 2 (minCount) x 0.452 x 730
        resource("azure-native:containerservice:AgentPool", "extra", {
          agentPoolName: "extra",
          vmSize: "Standard_D8ds_v5",
          enableAutoScaling: true,
          count: 4,
          minCount: 2,
          maxCount: 6,
        }),
        resource("azure-native:containerservice:ManagedCluster", "udr", {
          networkProfile: { outboundType: "userDefinedRouting" },
        }),
        resource("azure-native:containerservice:ManagedCluster", "tier", { sku: { tier: "Gold" } }),
        resource("azure-native:containerservice:AgentPool", "spot", {
          vmSize: "Standard_D4ds_v5",
          scaleSetPriority: "Spot",
        }),
        resource("azure-native:containerservice:AgentPool", "win", {
          vmSize: "Standard_D4ds_v5",
          osType: "Windows",
        }),
        resource("azure-native:containerservice:AgentPool", "big-disk", {
          vmSize: "Standard_D4ds_v5",
          osDiskType: "Managed",
          osDiskSizeGB: 2048,
        }),
        resource("kubernetes:core/v1:Service", "public-lb", { spec: { type: "LoadBalancer" } }),
        resource("kubernetes:core/v1:Service", "internal-lb", {
          metadata: { annotations: internal },
          spec: { type: "LoadBalancer" },
        }),
        resource("kubernetes:core/v1:Service", "cluster-ip", { spec: { type: "ClusterIP" } }),
        GATEWAY({ infrastructure: { annotations: internal } }),
        resource("kubernetes:apps/v1:Deployment", "deployment", {}),
        resource("azure-native:managedidentity:FederatedIdentityCredential", "federated", {}),
      ],
      "prod",
    );
    assert.deepStrictEqual(
      estimate.items.map((item) => [item.name, item.monthlyUsd, item.priced]),
      [
        ["aks", 819.79, true],
        ["extra", 659.92, true],
        ["own-ips", 229.22, true],
        ["public-lb", 3.65, true],
        ["udr", 0, false],
        ["tier", 0, false],
        ["spot", 0, false],
        ["win", 0, false],
        ["big-disk", 0, false],
        ["internal-lb", 0, true],
        ["cluster-ip", 0, true],
        ["gateway", 0, true],
        ["deployment", 0, true],
        ["federated", 0, true],
      ],
    );
    const basis = Object.fromEntries(estimate.items.map((item) => [item.name, item.basis]));
    assert.strictEqual(
      basis["own-ips"],
      "Free tier: no charge; p: 1 x Standard_D4ds_v5 x 730 h = $164.98 (count), 1 x 128 GiB managed OS disk (P10) = $19.71; AKS-managed Standard load balancer (not a Pulumi resource) 730 h = $18.25, 5,256 GB processed = $26.28; outbound public IPs: the stack's own",
    );
    assert.strictEqual(
      basis.extra,
      "extra: 2 x Standard_D8ds_v5 x 730 h = $659.92 (the autoscaler's minCount), ephemeral OS disk: no charge",
    );
    assert.deepStrictEqual(
      [basis.udr, basis.tier, basis.spot, basis.win, basis["big-disk"]],
      [
        "outbound type userDefinedRouting with a standard load balancer is not in the price table",
        "AKS tier Gold is not in the price table",
        "node pool spot: Spot prices are not in the price table",
        "node pool win: Windows nodes (with their licence) are not in the price table",
        "node pool big-disk: a 2048 GiB managed OS disk is not in the price table",
      ],
    );
    assert.deepStrictEqual(
      [basis["internal-lb"], basis.gateway, basis["cluster-ip"], basis.deployment, basis.federated],
      [
        "no charge (an internal load balancer frontend: its rules and data are billed on the cluster's load balancer)",
        "no charge (an internal load balancer frontend: its rules and data are billed on the cluster's load balancer)",
        "no charge (a Kubernetes object: its pods run on the cluster's nodes, billed on the cluster)",
        "no charge (a Kubernetes object: its pods run on the cluster's nodes, billed on the cluster)",
        "no charge",
      ],
    );
  });

  it("names the AKS assumptions only for a stack with a cluster", () => {
    const aks = estimateMonthlyCost([CLUSTER("prod")], "prod").assumptions;
    const plain = estimateMonthlyCost([], "prod").assumptions;
    assert.strictEqual(aks.length, plain.length + 3);
    assert.deepStrictEqual(aks.slice(-4), [
      "AKS: each node pool runs its autoscaler's minCount nodes all month (the steady-state floor; nodes added under load or while both slots scale up during a release are not counted); a node's OS disk is ephemeral (no charge) where AKS places one by default (the VM's temp disk holds at least 128 GiB), else a managed Premium SSD of the default size for its vCPUs.",
      "AKS creates, outside the program (not Pulumi resources): a Standard load balancer with up to 5 rules (its outbound rule and the gateway's listeners: the flat hourly price), 1 managed outbound public IP, and 1 public IP per Gateway or LoadBalancer Service; 20 KB per request pass through it (requests, responses and the app's outbound calls: 5,256 GB per month).",
      "Kubernetes objects cost nothing by themselves: their pods run on the cluster's nodes, billed on the cluster.",
      plain.at(-1),
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
        "aksStandardTier",
      ],
    );
  });
});
