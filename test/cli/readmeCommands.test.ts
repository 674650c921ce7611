/**
 * Every command in the README's fenced `sh`/`bash` blocks is accounted for, and the ones that need
 * no cloud run as written, through the same command line `npm run <command>` starts
 * (`scripts/cli/program.ts`), with the policy pack the other tests share:
 * - `npm ci` and `npm test` are what CI runs (`.ci/run`), and `npm test` runs `npm run typecheck`
 *   (beside the linters and the tests: `scripts/parallel.mjs`);
 * - `npm run drill` and `npm run -s drill -- --json` run every built-in scenario, which
 *   `test/drill/scenarios.test.ts` runs one by one (here they would only run twice more);
 * - commands that need Azure, Pulumi Cloud, GitHub, a deployed stack's export or a value of the
 *   reader's own (`<registry>`, `path/to/...`, `my-release.yaml`) are listed, not run;
 * - the README's example scenario file runs as a scenario and ends as it says.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as YAML from "yaml";
import { runScenario } from "../../drill/runner";
import { parseScenario } from "../../drill/scenario";
import { runCli } from "../../scripts/cli/program";
import { packServer } from "../policy/support";

const ROOT = path.join(__dirname, "..", "..");
const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
};

/** The commands of the README's `sh`/`bash` blocks: continuations joined, comments dropped. */
function readmeCommands(): string[] {
  const commands: string[] = [];
  for (const match of README.matchAll(/```(?:sh|bash)\n([\s\S]*?)```/g)) {
    let pending = "";
    for (const raw of match[1].split("\n")) {
      const line = `${pending}${raw.trim()}`;
      if (line.endsWith("\\")) {
        pending = `${line.slice(0, -1).trim()} `;
        continue;
      }
      pending = "";
      const command = line.replace(/\s+#.*$/, "").trim();
      if (command !== "" && !command.startsWith("#")) {
        commands.push(command);
      }
    }
  }
  return commands;
}

type Verdict =
  | { readonly kind: "run"; readonly argv: string[]; readonly exit: number; readonly json: boolean }
  | { readonly kind: "not-run"; readonly why: string };

/** The commands whose documented outcome is not 0. */
const EXPECTED_EXIT: Readonly<Record<string, number>> = {
  // Every committed stack has one program warning (an app secret without a value).
  "npm run plan -- --strict": 1,
};

const CLOUD = /^(pulumi|az|gh|cd|pg_dump|[A-Z]+=)/;
const PLACEHOLDER = /<[^>]+>|path\/to\/|my-release\.yaml|\[--/;

function verdictOf(command: string): Verdict {
  if (command === "npm ci" || command === "npm test") {
    return { kind: "not-run", why: "CI runs it (.ci/run)" };
  }
  if (command === "npm run typecheck") {
    return { kind: "not-run", why: "npm test runs it" };
  }
  if (CLOUD.test(command)) {
    return { kind: "not-run", why: "needs Azure, Pulumi Cloud, GitHub or a deployed stack" };
  }
  if (PLACEHOLDER.test(command)) {
    return { kind: "not-run", why: "needs a value of the reader's own" };
  }
  const pipe = command.indexOf(" | ");
  const plain = pipe < 0 ? command : command.slice(0, pipe);
  const npm = /^npm run (?:-s )?([a-z:]+)(?: -- (.*))?$/.exec(plain);
  const npx = /^npx chatbot-platform (.*)$/.exec(plain);
  if (npm === null && npx === null) {
    return { kind: "not-run", why: "not a command of this project" };
  }
  const argv =
    npm !== null
      ? [npm[1], ...(npm[2] ?? "").split(/\s+/).filter((part) => part !== "")]
      : npx![1].split(/\s+/);
  if (npm !== null) {
    assert.ok(npm[1] in PACKAGE.scripts, `${command}: no npm script ${npm[1]}`);
  }
  if (argv[0] === "drill" && !argv.includes("--only") && !argv.includes("--help")) {
    return { kind: "not-run", why: "every built-in scenario: test/drill/scenarios.test.ts" };
  }
  if (argv[0] === "restore-drill" && !argv.includes("--help")) {
    return { kind: "not-run", why: "needs Azure, Pulumi Cloud, GitHub or a deployed stack" };
  }
  if (argv[0] === "release" && !argv.includes("--help")) {
    return { kind: "not-run", why: "needs Azure, Pulumi Cloud, GitHub or a deployed stack" };
  }
  return { kind: "run", argv, exit: EXPECTED_EXIT[plain] ?? 0, json: argv.includes("--json") };
}

describe("README commands", function () {
  this.timeout(60_000);
  const commands = readmeCommands();

  it("finds the commands users copy first", () => {
    for (const command of [
      "npm ci",
      "npm test",
      "npm run typecheck",
      "npm run plan -- --stack dev",
    ]) {
      assert.ok(commands.includes(command), command);
    }
    const ciRun = fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8");
    assert.match(ciRun, /^npm ci\b/m);
    assert.match(ciRun, /^npm test$/m);
    assert.equal(PACKAGE.scripts.test, "node scripts/parallel.mjs typecheck lint test:unit");
    assert.match(ciRun, /^npm run -s test:coverage$/m);
  });

  for (const command of [...new Set(commands)]) {
    const verdict = verdictOf(command);
    if (verdict.kind === "not-run") {
      continue;
    }
    it(`runs as written: ${command}`, async () => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(
        verdict.argv,
        { stdout: (text) => out.push(text), stderr: (text) => err.push(text) },
        { serverSource: () => packServer() },
      );
      assert.equal(code, verdict.exit, err.join(""));
      if (verdict.json) {
        assert.doesNotThrow(() => JSON.parse(out.join("")));
      }
    });
  }

  it("runs the README's example scenario file, which ends as the README says", async () => {
    const yaml = /```yaml\n(id: my-release\n[\s\S]*?)```/.exec(README);
    assert.ok(yaml !== null, "the README's scenario example");
    const result = await runScenario(parseScenario("README.md", YAML.parse(yaml[1])));
    assert.deepEqual(result.problems, [], result.output.join("\n"));
    assert.equal(result.exit, 1);
  });
});
