import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Io } from "../../scripts/lib/cli";
import { Summary } from "../../scripts/lib/report";
import type { CostEstimate } from "../../policy/lib/cost/estimate";
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
  warnings: string[];
  cost?: CostEstimate;
}

const HINT = "(add --help for usage and examples)\n";

/** The warning the program logs for a stack whose config sets no OPENAI_API_KEY value. */
const MISSING_SECRET = (stack: string) =>
  `Key Vault secret "openai-api-key" (env OPENAI_API_KEY) has no value in this stack's config; the app references it, and Azure refuses to create or update the Container App until it exists. Create it with: pulumi config set --secret --path 'secretValues.OPENAI_API_KEY' '<value>' --stack ${stack} && pulumi up --stack ${stack}`;

describe("npm run plan", () => {
  it("plans every stack in one run without --stack, each passing its mandatory policies", async () => {
    // given the committed stack files; when the plan runs with --json and no stack
    const io = capture();
    const code = await plan(["--json"], io, shared);
    const document = JSON.parse(io.out) as { stacks: JsonReport[]; summary: Summary[] };
    // then each stack is reported with no mandatory violation and its program warning, and the
    // summary counts them
    assert.deepStrictEqual(
      document.stacks.map((report) => [
        report.stack,
        report.violations.filter((v) => v.enforcementLevel === "mandatory"),
        report.warnings,
      ]),
      ["dev", "prod", "staging"].map((stack) => [stack, [], [MISSING_SECRET(stack)]]),
    );
    // (each stack's estimated monthly cost: the same estimate as its cost-ceiling policy)
    assert.deepStrictEqual(document.summary, [
      {
        stack: "dev",
        resources: 61,
        mandatory: 0,
        advisory: 0,
        warnings: 1,
        verdict: "PASSED",
        monthlyCostUsd: 84.04,
      },
      {
        stack: "prod",
        resources: 65,
        mandatory: 0,
        advisory: 0,
        warnings: 1,
        verdict: "PASSED",
        monthlyCostUsd: 1988.49,
      },
      {
        stack: "staging",
        resources: 62,
        mandatory: 0,
        advisory: 3,
        warnings: 1,
        verdict: "PASSED",
        monthlyCostUsd: 405.78,
      },
    ]);
    assert.deepStrictEqual(
      document.stacks.map((report) => report.cost?.monthlyUsd),
      [84.04, 1988.49, 405.78],
    );
    assert.strictEqual(io.err, "");
    assert.strictEqual(code, 0);
  });

  it("fails (exit 1) with --all --strict on the warnings, printing each and a summary table", async () => {
    // given the committed stack files, each with a program warning (staging also has advisory
    // violations); when every stack is planned with --strict
    const io = capture();
    const code = await plan(["--all", "--strict"], io, shared);
    // then every warning is printed, each stack fails, and the output ends with the table
    const lines = io.out.trimEnd().split("\n");
    assert.deepStrictEqual(
      lines.filter((line) => line.includes("[warning]") || line.includes("--stack dev &&")),
      [
        "  [warning] program",
        `      ${MISSING_SECRET("dev")}`,
        "  [warning] program",
        "  [warning] program",
      ],
    );
    assert.deepStrictEqual(
      lines.filter((line) => line.startsWith("FAILED")),
      [
        "FAILED (--strict): 0 advisory policy violations and 1 warning.",
        "FAILED (--strict): 0 advisory policy violations and 1 warning.",
        "FAILED (--strict): 3 advisory policy violations and 1 warning.",
      ],
    );
    assert.deepStrictEqual(lines.slice(-4), [
      "STACK    RESOURCES  MANDATORY  ADVISORY  WARNINGS  COST/MONTH  VERDICT",
      "dev      61         0          0         1         $84.04      FAILED",
      "prod     65         0          0         1         $1,988.49   FAILED",
      "staging  62         0          3         1         $405.78     FAILED",
    ]);
    assert.strictEqual(code, 1);
  });

  it("lists what prod would create, with secrets shown as [secret]", async () => {
    // given the prod stack; when the plan runs with --json
    const io = capture();
    await plan(["--stack", "prod", "--json"], io, shared);
    const report = JSON.parse(io.out) as JsonReport;
    // then the document has exactly the contract's keys and lists the server with its inputs
    assert.deepStrictEqual(Object.keys(report), [
      "stack",
      "resources",
      "outputs",
      "violations",
      "warnings",
      "cost",
    ]);
    // and the estimate prices the server: primary and zone-redundant standby, storage, geo backup
    const serverCost = report.cost?.items.find((item) => item.name === "chatbot-postgres-server");
    assert.deepStrictEqual(serverCost && [serverCost.monthlyUsd, serverCost.prices], [
      574.8,
      ["postgresD4dsV5", "postgresStorage", "postgresGeoBackup"],
    ]);
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

  it("prints a readable report that ends with the warnings and the verdict", async () => {
    // given the prod stack; when the plan runs without --json
    const io = capture();
    const code = await plan(["--stack", "prod"], io, shared);
    // then the report names the stack file and ends with the warning and PASSED
    assert.strictEqual(code, 0);
    assert.strictEqual(
      io.out.split("\n")[0],
      "Plan for stack prod (Pulumi.prod.yaml; preview under mocks, no cloud access): 65 resources",
    );
    assert.ok(
      io.out
        .split("\n")
        .includes(
          "Estimated monthly cost: $1,988.49 (eastus2 list prices of 2026-11-29, usage assumptions of prod)",
        ),
    );
    assert.deepStrictEqual(io.out.trimEnd().split("\n").slice(-5), [
      "Policy pack chatbot-platform@0.1.0 with policy/config/prod.json: 0 violations",
      "  [warning] program",
      `      ${MISSING_SECRET("prod")}`,
      "",
      "PASSED: no mandatory policy violations (0 advisory, 1 warning).",
    ]);
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

  it("fails with exit 2 when --policy-config is given for every stack", async () => {
    const io = capture();
    assert.strictEqual(await plan(["--policy-config", "policy/config/dev.json"], io, shared), 2);
    assert.strictEqual(
      io.err,
      "error: --policy-config applies to one stack: add --stack <name> or --config-file <path>\n",
    );
  });

  it("fails with exit 2 when the config file is not named Pulumi.<stack>.yaml", async () => {
    const file = tempFile("stack.yaml", "config: {}\n");
    const io = capture();
    assert.strictEqual(await plan(["--config-file", file], io, shared), 2);
    assert.strictEqual(
      io.err,
      `error: --config-file must name a file Pulumi.<stack>.yaml (the stack is named by it), got ${file}\n`,
    );
  });

  it("fails with exit 2 on an unknown argument", async () => {
    const io = capture();
    assert.strictEqual(await plan(["--stack", "prod", "--fast"], io, shared), 2);
    assert.strictEqual(io.err, `error: unknown option '--fast'\n${HINT}`);
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
      "chatbot-stack-budget",
      "chatbot-stack-cost-ceiling",
      "chatbot-stack-diagnostic-settings",
      "chatbot-stack-keyvault-audit-logs",
      "chatbot-stack-log-analytics",
      "chatbot-stack-protect-stateful",
      "chatbot-stack-slo-alerting",
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
      "FAILED: 1 mandatory and 0 advisory policy violations, 0 warnings.",
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

  it("fails with exit 2 naming both stacks when the export is of another stack than --stack", async () => {
    // given the prod export; when it is audited as dev
    const io = capture();
    const code = await policy(["--stack", "dev", "--file", PROD_STATE_FILE], io, shared);
    // then it is refused before any policy runs
    assert.strictEqual(code, 2);
    assert.strictEqual(io.out, "");
    assert.strictEqual(
      io.err,
      `error: ${PROD_STATE_FILE} is an export of stack prod (urn:pulumi:prod::chatbot-platform::pulumi:pulumi:Stack::chatbot-platform-prod), not of --stack dev: it would be judged by policy/config/dev.json; run with --stack prod\n`,
    );
  });

  it("fails with exit 2 when the export's environment tags name another stack than --stack", async () => {
    // given the prod export renamed to stack dev, its resources still tagged environment prod
    const text = JSON.stringify(prodState()).replaceAll("urn:pulumi:prod::", "urn:pulumi:dev::");
    const file = tempFile("state.json", text);
    // when it is audited as dev
    const io = capture();
    const code = await policy(["--stack", "dev", "--file", file], io, shared);
    // then the environment tag refuses it
    assert.strictEqual(code, 2);
    assert.strictEqual(
      io.err,
      `error: ${file} is an export of environment prod (tag environment on urn:pulumi:dev::chatbot-platform::chatbot:platform:ChatbotPlatform$azure-native:resources:ResourceGroup::chatbot-rg), not of --stack dev: it would be judged by policy/config/dev.json; run with --stack prod\n`,
    );
  });
});
