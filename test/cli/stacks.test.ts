/**
 * One rule for `--stack` in every command: a stack of this repository (a `Pulumi.<name>.yaml`),
 * optionally `<org>/<name>`; anything else exits 2 with the same message, before any work.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runCli } from "../../scripts/cli/program";
import { parseStackName, repositoryStacks, StackNameError } from "../../scripts/cli/stacks";

const MESSAGE = (got: string) =>
  `\`--stack\` must be one of dev, prod, staging (a Pulumi.<stack>.yaml in this repository; optionally <org>/<stack>), got ${got}`;

function capture() {
  const io = {
    out: "",
    err: "",
    stdout: (text: string) => void (io.out += text),
    stderr: (text: string) => void (io.err += text),
  };
  return io;
}

describe("--stack", () => {
  it("names the repository's stacks by their stack files", () => {
    assert.deepEqual(repositoryStacks(), ["dev", "prod", "staging"]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stacks-"));
    for (const file of ["Pulumi.yaml", "Pulumi.qa.yaml", "Pulumi.eu-prod.yaml", "Pulumi..yaml"]) {
      fs.writeFileSync(path.join(dir, file), "");
    }
    assert.deepEqual(repositoryStacks(dir), ["eu-prod", "qa"]);
  });

  it("accepts a stack, <org>/<stack> and <org>/<project>/<stack>", () => {
    assert.deepEqual(parseStackName("prod"), { qualified: "prod", name: "prod" });
    assert.deepEqual(parseStackName("acme/staging"), {
      qualified: "acme/staging",
      name: "staging",
    });
    assert.deepEqual(parseStackName("acme/chatbot-platform/dev"), {
      qualified: "acme/chatbot-platform/dev",
      name: "dev",
    });
  });

  it("fails when the stack has no stack file or the name is malformed", () => {
    for (const value of [
      undefined,
      "qa",
      "production",
      "acme/qa",
      "prod/",
      "/prod",
      "a/b/c/prod",
      "../prod",
    ]) {
      assert.throws(() => parseStackName(value), new StackNameError(MESSAGE(value ?? "(none)")));
    }
  });

  it("fails with exit 2 and the same message in plan, policy and every release command", async () => {
    const commands = [
      ["plan", "--stack", "qa"],
      ["plan", "--stack", "qa", "--json"],
      ["policy", "--stack", "qa", "--file", "state.json"],
      ["release", "status", "--stack", "qa"],
      ["release", "deploy", "--stack", "qa", "--version", "1", "--image", "a.io/b:1"],
      ["release", "promote", "--stack", "qa"],
      ["release", "rollback", "--stack", "qa"],
    ];
    for (const argv of commands) {
      // given / when
      const io = capture();
      const code = await runCli(argv, io);

      // then
      assert.equal(code, 2, argv.join(" "));
      assert.equal(io.out, "");
      assert.equal(io.err.split("\n")[0], `error: ${MESSAGE("qa")}`, argv.join(" "));
    }
  });
});
