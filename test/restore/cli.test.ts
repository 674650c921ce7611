/**
 * `chatbot-platform restore-drill` on the project's command line: help (exit 0), usage errors
 * (exit 2, before anything is read), and the wiring of the drill through the CLI.
 */
import * as assert from "node:assert/strict";
import { runCli } from "../../scripts/cli/program";
import { RestoreModel } from "./model";

function capture() {
  const io = {
    out: "",
    err: "",
    stdout: (text: string) => void (io.out += text),
    stderr: (text: string) => void (io.err += text),
  };
  return io;
}

const HINT = "(add --help for usage and examples)\n";

describe("restore-drill command", () => {
  it("prints its usage, exit codes and examples with --help and exits 0", async () => {
    const io = capture();
    assert.equal(await runCli(["restore-drill", "--help"], io), 0);
    const lines = io.out.split("\n");
    assert.equal(lines[0], "Usage: chatbot-platform restore-drill [options]");
    assert.deepEqual(
      lines
        .slice(lines.indexOf("Exit codes:") + 1, lines.indexOf("Examples:") - 1)
        .map((line) => line.trim().slice(0, 1)),
      ["0", "1", "2", "3", "4", "5"],
    );
    assert.deepEqual(
      lines
        .slice(lines.indexOf("Examples:") + 1)
        .filter((line) => line !== "")
        .map((line) => line.trim()),
      [
        "npm run restore-drill -- --stack staging",
        "npm run restore-drill -- --stack staging --restore-time 2026-11-29T09:45:00Z",
        "npm run restore-drill -- --stack prod --restore-time 2026-11-29T09:45:00Z --keep",
      ],
    );
    assert.equal(io.err, "");
  });

  const usage: [string[], string][] = [
    [
      ["restore-drill", "--stack", "qa"],
      "error: `--stack` must be one of dev, prod, staging (a Pulumi.<stack>.yaml in this repository; optionally <org>/<stack>), got qa\n",
    ],
    [
      ["restore-drill"],
      "error: `--stack` must be one of dev, prod, staging (a Pulumi.<stack>.yaml in this repository; optionally <org>/<stack>), got (none)\n",
    ],
    [
      ["restore-drill", "--stack", "staging", "--restore-time", "2026-11-29 09:45"],
      "error: `--restore-time` must be an ISO 8601 UTC time such as 2026-11-29T09:45:00Z, got 2026-11-29 09:45\n",
    ],
    [
      ["restore-drill", "--stack", "staging", "--check-query", " "],
      "error: `--check-query` must be SQL, got an empty string\n",
    ],
    [
      ["restore-drill", "--stak", "staging"],
      "error: unknown option '--stak'\n(Did you mean --stack?)\n",
    ],
  ];
  for (const [argv, message] of usage) {
    it(`fails with exit 2 on \`${argv.join(" ")}\``, async () => {
      const io = capture();
      assert.equal(await runCli(argv, io), 2);
      assert.equal(io.out, "");
      assert.equal(io.err, `${message}${HINT}`);
    });
  }

  it("runs the drill through the CLI with the given options", async () => {
    // given the model, wired in place of the Automation API and ARM
    const model = new RestoreModel();
    const io = capture();

    // when
    const code = await runCli(
      ["restore-drill", "--stack", "staging", "--restore-time", "2026-11-29T09:00:00Z"],
      io,
      { restore: { ...model.deps(), signIn: async () => undefined } },
    );

    // then
    assert.equal(code, 0);
    assert.match(
      model.report.out[0],
      /^restoring psql-chatbot-staging-ab12cd \(stack staging\) to 2026-11-29T09:00:00Z as server/,
    );
    assert.deepEqual(model.calls.slice(-2), ["destroy", "remove"]);
  });

  it("fails with exit 2 and the fix when Azure is not signed in, before any Azure call", async () => {
    const model = new RestoreModel();
    const signIn = async () => {
      throw Object.assign(new Error("Please run 'az login' to set up an account."), {
        name: "CredentialUnavailableError",
      });
    };
    const code = await runCli(["restore-drill", "--stack", "staging"], capture(), {
      restore: { ...model.deps(), signIn },
    });
    assert.equal(code, 2);
    assert.deepEqual(model.report.err, [
      "error: not signed in to Azure (CredentialUnavailableError: Please run 'az login' to set up an account.): run az login (and az account set --subscription <id>), or in CI sign in by OIDC (azure/login with client-id, tenant-id and subscription-id, or ARM_CLIENT_ID, ARM_TENANT_ID and ARM_USE_OIDC=true); nothing changed",
    ]);
    // As the release command: the stack's outputs (the Pulumi CLI) are read first, then Azure.
    assert.deepEqual(model.calls, ["outputs"]);
  });

  it("names the missing Pulumi CLI first when Azure is not signed in either, as release does", async () => {
    const model = new RestoreModel();
    model.faults.outputsFail = "spawn pulumi ENOENT";
    let signIns = 0;
    const signIn = async () => {
      signIns += 1;
      throw Object.assign(new Error("Please run 'az login' to set up an account."), {
        name: "CredentialUnavailableError",
      });
    };
    const code = await runCli(["restore-drill", "--stack", "staging"], capture(), {
      restore: { ...model.deps(), signIn },
    });
    assert.equal(code, 2);
    assert.deepEqual(model.report.err, [
      "error: the Pulumi CLI is not installed or not on PATH (spawn pulumi ENOENT): install it (https://www.pulumi.com/docs/iac/download-install/), then pulumi login; nothing changed",
    ]);
    assert.equal(signIns, 0);
    assert.deepEqual(model.calls, ["outputs"]);
  });

  it("fails with exit 2 naming the install page when the Pulumi CLI is missing", async () => {
    const model = new RestoreModel();
    model.faults.outputsFail = "spawn pulumi ENOENT";
    const code = await runCli(["restore-drill", "--stack", "staging"], capture(), {
      restore: { ...model.deps(), signIn: async () => undefined },
    });
    assert.equal(code, 2);
    assert.deepEqual(model.report.err, [
      "error: the Pulumi CLI is not installed or not on PATH (spawn pulumi ENOENT): install it (https://www.pulumi.com/docs/iac/download-install/), then pulumi login; nothing changed",
    ]);
  });
});
