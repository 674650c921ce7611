/**
 * `npm run plan -- --target aks`: the committed stacks planned as AKS stacks (the program under the
 * mock runtime, then the pack with each environment's config) are gated by the Kubernetes
 * policies. One run plans all three stacks (one simulation each, on the shared pack): prod and dev
 * pass; staging's committed image is a tag without a digest, which the Kubernetes policy refuses
 * there, so the same run shows an AKS stack failing the gate (exit 1).
 */
import * as assert from "assert";
import { Io } from "../../scripts/lib/cli";
import { plan } from "../../scripts/plan";
import { packServer } from "./support";

interface Report {
  stack: string;
  resources: { type: string; name: string }[];
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
  `urn:pulumi:${stack}::chatbot-platform::chatbot:kubernetes:KubernetesSlot$kubernetes:apps/v1:Deployment::chatbot-k8s-app-blue-deployment`;

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
    // and the missing-secret warning names what it stops on AKS (not a Container App)
    assert.deepStrictEqual(
      stacks.map((report) => report.warnings),
      ["dev", "prod", "staging"].map((stack) => [MISSING_SECRET(stack)]),
    );
    assert.strictEqual(code, 1);
  });
});
