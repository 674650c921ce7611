import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Io } from "../../scripts/lib/cli";
import { plan } from "../../scripts/plan";
import { policy } from "../../scripts/policy";
import { BROKEN_PROD, PROD_STATE_FILE, prodState } from "../fixtures/policy/brokenProd";
import { environmentConfig, packServer } from "./support";

const ROOT = path.resolve(__dirname, "..", "..");
const shared = () => packServer();

/** Captures what a command prints. */
function capture(): Io & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    stdout: (text: string) => void (io.out += text),
    stderr: (text: string) => void (io.err += text),
  };
  return io;
}

function tempFile(name: string, content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-gate-"));
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

interface JsonReport {
  stack: string;
  resources: {
    urn: string;
    type: string;
    name: string;
    parent: string;
    inputs: Record<string, unknown>;
  }[];
  outputs: Record<string, unknown>;
  violations: { policy: string; enforcementLevel: string; urn: string; message: string }[];
}

describe("npm run plan", () => {
  for (const stack of ["dev", "staging", "prod"]) {
    it(`passes every mandatory policy of ${stack} with the committed Pulumi.${stack}.yaml`, async () => {
      // given the committed stack file; when the plan runs with --json
      const io = capture();
      const code = await plan(["--stack", stack, "--json"], io, shared);
      const report = JSON.parse(io.out) as JsonReport;
      // then no mandatory violation is reported and the exit status is 0
      assert.deepStrictEqual(
        report.violations.filter((v) => v.enforcementLevel === "mandatory"),
        [],
      );
      assert.strictEqual(code, 0);
      assert.strictEqual(report.stack, stack);
    });
  }

  it("lists what prod would create, with secrets shown as [secret]", async () => {
    // given the prod stack; when the plan runs with --json
    const io = capture();
    await plan(["--stack", "prod", "--json"], io, shared);
    const report = JSON.parse(io.out) as JsonReport;
    // then the document has exactly the contract's keys and lists the server with its inputs
    assert.deepStrictEqual(Object.keys(report), ["stack", "resources", "outputs", "violations"]);
    const server = report.resources.find((r) => r.type === "azure-native:dbforpostgresql:Server");
    assert.deepStrictEqual(
      server && {
        name: server.name,
        parent: server.parent,
        password: server.inputs.administratorLoginPassword,
        haMode: (server.inputs.highAvailability as { mode: string }).mode,
      },
      {
        name: "chatbot-postgres-server",
        parent:
          "urn:pulumi:prod::chatbot-platform::chatbot:platform:ChatbotPlatform$chatbot:database:Postgres::chatbot-postgres",
        password: "[secret]",
        haMode: "ZoneRedundant",
      },
    );
  });

  it("prints a readable report that ends with the verdict", async () => {
    // given the prod stack; when the plan runs without --json
    const io = capture();
    const code = await plan(["--stack", "prod"], io, shared);
    // then the report names the stack file and ends with PASSED
    assert.strictEqual(code, 0);
    assert.strictEqual(
      io.out.split("\n")[0],
      "Plan for stack prod (Pulumi.prod.yaml; preview under mocks, no cloud access): 34 resources",
    );
    assert.strictEqual(
      io.out.trimEnd().split("\n").pop(),
      "PASSED: no mandatory policy violations (0 advisory).",
    );
  });

  it("fails (exit 1) when a stack file breaks a mandatory prod policy", async () => {
    // given the prod stack file with backups kept 7 days
    const text = fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8");
    const file = tempFile(
      "Pulumi.prod.yaml",
      `${text.trimEnd()}\n  chatbot-platform:postgres:\n    backupRetentionDays: 7\n`,
    );
    // when the plan runs on that file
    const io = capture();
    const code = await plan(["--config-file", file, "--json"], io, shared);
    // then the retention policy rejects the server and the exit status is 1
    assert.deepStrictEqual(
      (JSON.parse(io.out) as JsonReport).violations.map((v) => [v.policy, v.message]),
      [
        [
          "chatbot-postgres-backup-retention",
          "PostgreSQL servers must retain backups for at least the configured number of days.\n" +
            "backup.backupRetentionDays is 7; at least 30 required.",
        ],
      ],
    );
    assert.strictEqual(code, 1);
  });

  it("fails with exit 2 and names the key when the stack config is invalid", async () => {
    // given a stack file with an unknown environment
    const file = tempFile("Pulumi.bad.yaml", "config:\n  chatbot-platform:environment: qa\n");
    // when the plan runs on it
    const io = capture();
    const code = await plan(["--config-file", file], io, shared);
    // then it exits 2 and the message names the key
    assert.strictEqual(code, 2);
    assert.strictEqual(
      io.err,
      'error: chatbot-platform:environment is "qa", which has no policy config (expected policy/config/qa.json)\n',
    );
  });

  it("fails with exit 2 when neither --stack nor --config-file is given", async () => {
    const io = capture();
    assert.strictEqual(await plan(["--json"], io, shared), 2);
    assert.strictEqual(io.err, "error: --stack <name> or --config-file <path> is required\n");
  });

  it("fails with exit 2 on an unknown argument", async () => {
    const io = capture();
    assert.strictEqual(await plan(["--stack", "prod", "--fast"], io, shared), 2);
    assert.strictEqual(io.err, "error: unknown argument --fast\n");
  });
});

describe("npm run policy (exported state)", () => {
  it("passes the compliant prod export", async () => {
    // given the committed prod export; when the gate audits it
    const io = capture();
    const code = await policy(["--stack", "prod", "--file", PROD_STATE_FILE, "--json"], io, shared);
    // then nothing is reported
    assert.deepStrictEqual((JSON.parse(io.out) as JsonReport).violations, []);
    assert.strictEqual(code, 0);
  });

  it("covers every mandatory prod policy with a broken fixture", () => {
    // given prod's config; then each policy that is mandatory there has a broken state
    const config = environmentConfig("prod");
    assert.strictEqual(config.all.enforcementLevel, "mandatory");
    assert.deepStrictEqual(BROKEN_PROD.map((b) => b.policy).sort(), [
      "chatbot-appinsights-secret-outputs",
      "chatbot-containerapp-health-probes",
      "chatbot-containerapp-https-only",
      "chatbot-containerapp-keyvault-secrets",
      "chatbot-containerapp-min-replicas",
      "chatbot-containerapp-multiple-revisions",
      "chatbot-containerapp-no-plaintext-secrets",
      "chatbot-containerapp-pinned-images",
      "chatbot-containerapp-traffic-labels",
      "chatbot-containerapp-traffic-total",
      "chatbot-containerapp-user-assigned-identity",
      "chatbot-keyvault-private-network",
      "chatbot-keyvault-purge-protection",
      "chatbot-keyvault-rbac",
      "chatbot-postgres-backup-retention",
      "chatbot-postgres-geo-redundant-backup",
      "chatbot-postgres-no-azure-services-rule",
      "chatbot-postgres-private-network",
      "chatbot-postgres-supported-version",
      "chatbot-postgres-zone-redundant-ha",
      "chatbot-registry-admin-disabled",
      "chatbot-stack-keyvault-audit-logs",
      "chatbot-stack-log-analytics",
      "chatbot-stack-protect-stateful",
      "chatbot-tags-required",
    ]);
  });

  for (const broken of BROKEN_PROD) {
    it(`rejects a prod state that breaks ${broken.policy}`, async () => {
      // given the compliant prod export with one property broken
      const state = prodState();
      broken.break(state.deployment.resources);
      const file = tempFile("state.json", JSON.stringify(state));
      // when the gate audits it
      const io = capture();
      const code = await policy(["--stack", "prod", "--file", file, "--json"], io, shared);
      // then exactly that policy rejects the resource with its message, and the exit status is 1
      const urn = state.deployment.resources.find((r) =>
        r.urn.endsWith(`::${broken.resource}`),
      )?.urn;
      assert.deepStrictEqual((JSON.parse(io.out) as JsonReport).violations, [
        { policy: broken.policy, enforcementLevel: "mandatory", urn, message: broken.message },
      ]);
      assert.strictEqual(code, 1);
    });
  }

  it("prints a readable audit that lists the violation", async () => {
    // given a prod export with the registry admin user on
    const state = prodState();
    BROKEN_PROD.find((b) => b.policy === "chatbot-registry-admin-disabled")?.break(
      state.deployment.resources,
    );
    const file = tempFile("state.json", JSON.stringify(state));
    // when the gate audits it without --json
    const io = capture();
    const code = await policy(["--stack", "prod", "--file", file], io, shared);
    // then the report ends with the violation and the verdict
    assert.strictEqual(code, 1);
    assert.deepStrictEqual(io.out.trimEnd().split("\n").slice(-5), [
      "  [mandatory] chatbot-registry-admin-disabled  azure-native:containerregistry:Registry::chatbot-registry-acr",
      "      Container registries must keep the admin user disabled.",
      "      adminUserEnabled is true.",
      "",
      "FAILED: 1 mandatory and 0 other policy violations.",
    ]);
  });

  it("fails with exit 2 when the file is not a stack export", async () => {
    const file = tempFile("state.json", JSON.stringify({ version: 3 }));
    const io = capture();
    assert.strictEqual(await policy(["--stack", "prod", "--file", file], io, shared), 2);
    assert.strictEqual(
      io.err,
      `error: ${file}: deployment.resources is missing; expected \`pulumi stack export\` output\n`,
    );
  });

  it("fails with exit 2 when the policy config has an invalid value", async () => {
    // given a policy config whose threshold breaks the schema
    const config = tempFile(
      "bad.json",
      JSON.stringify({ "chatbot-postgres-backup-retention": { minRetentionDays: 90 } }),
    );
    // when the gate audits the prod export with it
    const io = capture();
    const code = await policy(
      ["--stack", "prod", "--file", PROD_STATE_FILE, "--policy-config", config],
      io,
      shared,
    );
    // then it exits 2 naming the policy and the property
    assert.strictEqual(code, 2);
    assert.strictEqual(
      io.err,
      "error: policy pack configuration is invalid: chatbot-postgres-backup-retention: minRetentionDays: Must be less than or equal to 35\n",
    );
  });
});
