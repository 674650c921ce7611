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

  it("fails when <org>/<project>/<stack> names another project, naming both", () => {
    assert.throws(
      () => parseStackName("acme/otherproj/dev"),
      new StackNameError(
        "`--stack` acme/otherproj/dev names a stack of the project otherproj, but this repository's project is chatbot-platform (Pulumi.yaml): give dev, acme/dev or acme/chatbot-platform/dev",
      ),
    );
  });

  it("fails with exit 2 on another project's stack, and on --stack given twice, in every command", async () => {
    const commands = [
      ["plan"],
      ["policy", "--file", "state.json"],
      ["release", "status"],
      ["release", "deploy", "--version", "1", "--image", "a.io/b:1"],
      ["release", "promote"],
      ["release", "rollback"],
      ["restore-drill"],
    ];
    for (const argv of commands) {
      const other = capture();
      assert.equal(await runCli([...argv, "--stack", "acme/otherproj/dev"], other), 2);
      assert.equal(other.out, "");
      assert.equal(
        other.err.split("\n")[0],
        "error: `--stack` acme/otherproj/dev names a stack of the project otherproj, but this repository's project is chatbot-platform (Pulumi.yaml): give dev, acme/dev or acme/chatbot-platform/dev",
        argv.join(" "),
      );
      const twice = capture();
      assert.equal(await runCli([...argv, "--stack", "dev", "--stack", "prod"], twice), 2);
      assert.equal(twice.out, "");
      assert.equal(
        twice.err,
        "error: option '--stack <name>' argument 'prod' is invalid. `--stack` is given twice (dev, then prod): a command works on one stack; give --stack once (plan: leave it out to plan every stack).\n(add --help for usage and examples)\n",
        argv.join(" "),
      );
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
