/**
 * `npm run plan` on errors the user fixes (scripts/lib/userErrors.ts): the message without a stack
 * trace and exit 2, never the "a bug" exit 4; with several stacks the others are still planned and
 * the failing one is `ERROR` with its message, in the table and in `--json`.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as YAML from "yaml";
import { ConfigError } from "../../lib/config";
import { ReleaseBehindError, ReleaseEditedError } from "../../lib/guard";
import { RevisionChangedError } from "../../lib/release";
import { StackNameError } from "../../scripts/cli/stacks";
import { UsageError } from "../../scripts/lib/cli";
import { PolicyConfigError } from "../../scripts/lib/policyConfig";
import { Summary } from "../../scripts/lib/report";
import { StackExportError } from "../../scripts/lib/stackExport";
import { isUserError, USER_ERROR_NAMES } from "../../scripts/lib/userErrors";
import { plan, planStacks } from "../../scripts/plan";
import { packServer } from "../policy/support";

const ROOT = path.resolve(__dirname, "..", "..");
const shared = () => packServer();
const DIR = fs.mkdtempSync(path.join(os.tmpdir(), "plan-errors-"));

function capture() {
  const io = {
    out: "",
    err: "",
    stdout: (text: string) => void (io.out += text),
    stderr: (text: string) => void (io.err += text),
  };
  return io;
}

function write(name: string, text: string): string {
  const file = path.join(DIR, name);
  fs.writeFileSync(file, text);
  return file;
}

const stagingText = fs.readFileSync(path.join(ROOT, "Pulumi.staging.yaml"), "utf8");
/** Staging with a revision recorded for the live slot, and then an app setting changed. */
const REVISION_CHANGED = write(
  "Pulumi.staging.yaml",
  stagingText
    .replace(
      '      version: "1.4.2"\n',
      '      version: "1.4.2"\n      revision: v1-4-2-20d623g0\n',
    )
    .replace("LOG_LEVEL: INFO", "LOG_LEVEL: DEBUG"),
);
/** A new stack file without `chatbot-platform:environment`. */
const NO_ENVIRONMENT = write(
  "Pulumi.qa.yaml",
  stagingText.replace("  chatbot-platform:environment: staging\n", ""),
);
const prodPolicy = fs.readFileSync(path.join(ROOT, "policy", "config", "prod.json"), "utf8");
const BAD_SETTING = write("prod-setting.json", prodPolicy.replace('"minReplicas"', '"minReplica"'));
const BAD_POLICY = write(
  "prod-policy.json",
  prodPolicy.replace('"chatbot-containerapp-min-replicas"', '"chatbot-containerapp-min-replica"'),
);

const REVISION_MESSAGE = new RegExp(
  "^this configuration changes the revision template of slot blue \\(100% of traffic\\): revision chatbot-api-staging--v1-4-2-20d623g0 was deployed with template 20d623, the config now gives template [0-9a-f]{6} \\(an image, app setting, secret reference, CPU, memory, probe or scale change\\)\\. Azure refuses a revision suffix reused with another template, and a template change must not move traffic by itself, so nothing was changed\\. Ship it as a new candidate in the idle slot: npm run release -- deploy --stack staging --version 1\\.4\\.2 --image chatbotregistry\\.azurecr\\.io/chatbot-api:1\\.4\\.2$",
);
const SETTING_MESSAGE =
  'policy pack configuration is invalid: chatbot-containerapp-min-replicas: "minReplica" is not a setting of this policy (did you mean `minReplicas`?); settings: minReplicas';
const POLICY_MESSAGE =
  'policy pack configuration is invalid: "chatbot-containerapp-min-replica" is not a policy of this pack (did you mean `chatbot-containerapp-min-replicas`?)';
const ENVIRONMENT_MESSAGE = `${NO_ENVIRONMENT}:2:1: Invalid \`chatbot-platform:environment\`: received nothing; required; allowed: "dev", "staging", "prod".`;

describe("user errors: one list, exit 2", () => {
  it("names every error class the program, the config and the commands raise for bad input", () => {
    const errors = [
      new ConfigError(["a"]),
      new RevisionChangedError("a"),
      new ReleaseBehindError("a"),
      new ReleaseEditedError("a"),
      new PolicyConfigError("a"),
      new UsageError("a"),
      new StackNameError("a"),
      new StackExportError("a"),
      (() => {
        try {
          YAML.parse("config: [");
        } catch (error) {
          return error as Error;
        }
        throw new Error("expected a YAML error");
      })(),
    ];
    assert.deepEqual(
      errors.map((error) => error.name),
      USER_ERROR_NAMES,
    );
    assert.ok(errors.every(isUserError));
    assert.equal(isUserError(new TypeError("a")), false);
    assert.equal(isUserError("ConfigError"), false);
  });
});

describe("npm run plan: errors the user fixes", () => {
  it("fails with exit 2 and the message, no trace, when the config changes a recorded revision's template", async () => {
    const io = capture();
    assert.equal(await plan(["--config-file", REVISION_CHANGED], io, shared), 2);
    assert.equal(io.out, "");
    assert.match(io.err, /^error: /);
    assert.match(io.err.slice("error: ".length, -1), REVISION_MESSAGE);
    assert.equal(io.err.endsWith("\n") && io.err.split("\n").length, 2);
  });

  it("fails with exit 2 and the did-you-mean when --policy-config names an unknown setting or policy", async () => {
    for (const [file, message] of [
      [BAD_SETTING, SETTING_MESSAGE],
      [BAD_POLICY, POLICY_MESSAGE],
    ]) {
      const io = capture();
      assert.equal(
        await plan(["--stack", "prod", "--policy-config", file, "--json"], io, shared),
        2,
      );
      assert.equal(io.out, "");
      assert.equal(io.err, `error: ${message}\n`);
    }
  });

  it("fails with exit 2 and the schema's message, located, when the stack file has no environment", async () => {
    const io = capture();
    assert.equal(await plan(["--config-file", NO_ENVIRONMENT], io, shared), 2);
    assert.equal(io.out, "");
    assert.equal(io.err, `error: ${ENVIRONMENT_MESSAGE}\n`);
  });

  it("plans the other stacks and shows a failing one as ERROR with its message in --json (exit 2)", async () => {
    const io = capture();
    const code = await planStacks(
      [
        { stack: "dev", configFile: path.join(ROOT, "Pulumi.dev.yaml") },
        { stack: "staging", configFile: REVISION_CHANGED },
        {
          stack: "prod",
          configFile: path.join(ROOT, "Pulumi.prod.yaml"),
          policyConfig: BAD_SETTING,
        },
      ],
      { json: true },
      io,
      shared,
    );
    assert.equal(code, 2);
    const document = JSON.parse(io.out) as { stacks: { stack: string }[]; summary: Summary[] };
    assert.deepEqual(
      document.stacks.map((report) => report.stack),
      ["dev"],
    );
    const [dev, staging, prod] = document.summary;
    assert.equal(dev.verdict, "PASSED");
    assert.ok(dev.resources > 50);
    assert.equal(staging.verdict, "ERROR");
    assert.match(staging.error ?? "", REVISION_MESSAGE);
    assert.deepEqual(prod, {
      stack: "prod",
      resources: 0,
      mandatory: 0,
      advisory: 0,
      warnings: 0,
      verdict: "ERROR",
      error: SETTING_MESSAGE,
    });
    const errors = io.err.trimEnd().split("\n");
    assert.equal(errors.length, 2);
    assert.match(errors[0], /^error: stack staging: this configuration changes the revision/);
    assert.equal(errors[1], `error: stack prod: ${SETTING_MESSAGE}`);
  });

  it("prints a failing stack as ERROR in the table with its message under it (exit 2)", async () => {
    const io = capture();
    const code = await planStacks(
      [
        { stack: "dev", configFile: path.join(ROOT, "Pulumi.dev.yaml") },
        {
          stack: "prod",
          configFile: path.join(ROOT, "Pulumi.prod.yaml"),
          policyConfig: BAD_POLICY,
        },
        { stack: "qa", configFile: NO_ENVIRONMENT },
      ],
      {},
      io,
      shared,
    );
    assert.equal(code, 2);
    assert.equal(io.err, "");
    const lines = io.out.trimEnd().split("\n");
    const table = lines.indexOf(lines.find((line) => line.startsWith("STACK ")) ?? "");
    assert.match(lines[table + 1], /^dev +\d+ +0 +\d+ +\d+ +\$[\d,.]+ +PASSED$/);
    assert.match(lines[table + 2], /^prod +- +- +- +- +- +ERROR$/);
    assert.match(lines[table + 3], /^qa +- +- +- +- +- +ERROR$/);
    assert.deepEqual(lines.slice(table + 4), [
      "",
      `prod: ${POLICY_MESSAGE}`,
      `qa: ${ENVIRONMENT_MESSAGE}`,
    ]);
  });
});
