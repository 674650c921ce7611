/**
 * `npm run plan -- --target aks`: the committed stacks planned as AKS stacks (the program under the
 * mock runtime, then the pack with each environment's config) are gated by the Kubernetes
 * policies. One run plans all three stacks (one simulation each, on the shared pack): prod and dev
 * pass; staging's committed image is a tag without a digest, which the Kubernetes policy refuses
 * there, so the same run shows an AKS stack failing the gate (exit 1). The same run shows each
 * AKS stack's estimated monthly cost with the cluster priced, and the cost ceiling's verdicts.
 */
import * as assert from "assert";
import { Io } from "../../scripts/lib/cli";
import { plan } from "../../scripts/plan";
import { packServer } from "./support";

interface Report {
  stack: string;
  resources: { type: string; name: string }[];
  cost: {
    monthlyUsd: number;
    items: { type: string; name: string; monthlyUsd: number; priced: boolean; basis: string }[];
  };
  violations: { policy: string; enforcementLevel: string; urn: string; message: string }[];
  warnings: string[];
}

function capture(): Io & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    stdout: (text: string) => void (io.out += text),
    stderr: (text: string) => void (io.err += text),
  };
  return io;
}

const PINNED =
  "Kubernetes container images must be pinned: a tag other than latest, or a sha256 digest where requireDigest is set.\n";
/** The program's warning for a secret without a value, worded for AKS. */
const MISSING_SECRET = (stack: string) =>
  `Key Vault secret "openai-api-key" (env OPENAI_API_KEY) has no value in this stack's config; the app references it, and the Secrets Store CSI driver cannot mount the app's secrets, so its pods on AKS do not start until it exists. Create it with: pulumi config set --secret --path 'secretValues.OPENAI_API_KEY' '<value>' --stack ${stack} && pulumi up --stack ${stack}`;
const BLUE_DEPLOYMENT = (stack: string) =>
  `urn:pulumi:${stack}::chatbot-platform::chatbot:platform:ChatbotPlatform$chatbot:kubernetes:KubernetesApp$chatbot:kubernetes:KubernetesSlot$kubernetes:apps/v1:Deployment::chatbot-k8s-app-blue-deployment`;

describe("npm run plan --target aks (Kubernetes policies)", () => {
  it("Kubernetes policies pass prod and dev and refuse staging's tag-only image; warns in AKS terms", async () => {
    // given the committed stack files, planned as target aks; when every stack is planned
    const io = capture();
    const code = await plan(["--all", "--target", "aks", "--json"], io, () => packServer());
    const { stacks } = JSON.parse(io.out) as { stacks: Report[] };
    // then each registers the Kubernetes objects the policies judge
    for (const report of stacks) {
      const types = new Set(report.resources.map((r) => r.type));
      for (const type of [
        "kubernetes:apps/v1:Deployment",
        "kubernetes:policy/v1:PodDisruptionBudget",
        "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
      ]) {
        assert.ok(types.has(type), `${report.stack} registers ${type}`);
      }
    }
    // and the only mandatory Kubernetes violation is staging's image, `chatbot-api:1.4.2` without a
    // digest (the other policies' verdicts on AKS stacks, e.g. the cost ceiling, are theirs)
    assert.deepStrictEqual(
      stacks.map((report) => [
        report.stack,
        report.violations
          .filter(
            (v) => v.enforcementLevel === "mandatory" && v.policy.startsWith("chatbot-kubernetes-"),
          )
          .map((v) => [v.policy, v.urn, v.message]),
      ]),
      [
        ["dev", []],
        ["prod", []],
        [
          "staging",
          [
            [
              "chatbot-kubernetes-pinned-images",
              BLUE_DEPLOYMENT("staging"),
              `${PINNED}Container "chatbot-api" image "chatbotregistry.azurecr.io/chatbot-api:1.4.2" has no sha256 digest.`,
            ],
          ],
        ],
      ],
    );
    // and the cost estimate (policy/lib/cost) prices the cluster (tier, minCount nodes, the
    // AKS-managed load balancer and outbound IP) and the Gateway's public IP; Kubernetes objects
    // cost nothing by themselves; nothing is left unpriced
    assert.deepStrictEqual(
      stacks.map((report) => [
        report.stack,
        report.cost.monthlyUsd,
        report.cost.items
          .filter((item) => item.monthlyUsd > 0 && /containerservice|Gateway/.test(item.type))
          .map((item) => [item.name, item.monthlyUsd]),
        report.cost.items.filter((item) => !item.priced).map((item) => item.name),
      ]),
      [
        [
          "dev",
          305.85,
          [
            ["chatbot-cluster-aks", 226.43],
            ["chatbot-k8s-app-gateway", 3.65],
          ],
          [],
        ],
        [
          "prod",
          3020.78,
          [
            ["chatbot-cluster-aks", 1606],
            ["chatbot-k8s-app-gateway", 3.65],
          ],
          [],
        ],
        [
          "staging",
          880.24,
          [
            ["chatbot-cluster-aks", 629.79],
            ["chatbot-k8s-app-gateway", 3.65],
          ],
          [],
        ],
      ],
    );
    const prodItems = stacks[1].cost.items;
    assert.strictEqual(
      prodItems.find((item) => item.name === "chatbot-cluster-aks")?.basis,
      "Standard tier 730 h = $73.00; system: 3 x Standard_D4ds_v5 x 730 h = $494.94 (the autoscaler's minCount), ephemeral OS disk: no charge; user: 3 x Standard_D8ds_v5 x 730 h = $989.88 (the autoscaler's minCount), ephemeral OS disk: no charge; AKS-managed Standard load balancer (not a Pulumi resource) 730 h = $18.25, 5,256 GB processed = $26.28; 1 managed outbound public IP x 730 h = $3.65",
    );
    assert.deepStrictEqual(
      [
        ...new Set(
          prodItems
            .filter(
              (item) => item.type.startsWith("kubernetes:") && !item.type.endsWith(":Gateway"),
            )
            .map((item) => `${item.monthlyUsd} ${item.basis}`),
        ),
      ],
      [
        "0 no charge (a Kubernetes object: its pods run on the cluster's nodes, billed on the cluster)",
      ],
    );
    // and every AKS stack is over its environment's ceiling (policy/config: dev 150 and staging
    // 600 advisory, prod 3,000 mandatory): a team choosing AKS sets its own ceiling (README, Cost)
    assert.deepStrictEqual(
      stacks.map((report) =>
        report.violations
          .filter((v) => v.policy === "chatbot-stack-cost-ceiling")
          .map((v) => [v.enforcementLevel, v.message.split("\n")[1]]),
      ),
      [
        [
          [
            "advisory",
            "Estimated $305.85 per month (usage of dev, prices of 2026-11-29) exceeds the ceiling of $150.00; largest: chatbot-cluster-aks $226.43, chatbot-environment-logs $34.98, chatbot-postgres-server $16.09.",
          ],
        ],
        [
          [
            "mandatory",
            "Estimated $3020.78 per month (usage of prod, prices of 2026-11-29) exceeds the ceiling of $3000.00; largest: chatbot-cluster-aks $1606.00, chatbot-environment-logs $758.58, chatbot-postgres-server $574.80.",
          ],
        ],
        [
          [
            "advisory",
            "Estimated $880.24 per month (usage of staging, prices of 2026-11-29) exceeds the ceiling of $600.00; largest: chatbot-cluster-aks $629.79, chatbot-postgres-server $137.30, chatbot-environment-logs $69.96.",
          ],
        ],
      ],
    );
    // and the missing-secret warning names what it stops on AKS (not a Container App)
    assert.deepStrictEqual(
      stacks.map((report) => report.warnings),
      ["dev", "prod", "staging"].map((stack) => [MISSING_SECRET(stack)]),
    );
    assert.strictEqual(code, 1);
  });
});
