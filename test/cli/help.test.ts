/**
 * `--help` on every command prints its usage on stdout and exits 0 (a user's first try).
 */
import * as assert from "node:assert/strict";
import { main as drill, USAGE as DRILL_USAGE } from "../../drill/main";
import { main as release } from "../../release/main";
import { USAGE as RELEASE_USAGE } from "../../release/args";
import { plan, PLAN_USAGE } from "../../scripts/plan";
import { policy, POLICY_USAGE } from "../../scripts/policy";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { stdout: (text: string) => out.push(text), stderr: (text: string) => err.push(text) },
  };
}

describe("--help", () => {
  it("npm run plan -- --help prints the plan usage and exits 0", async () => {
    const { out, err, io } = capture();
    assert.equal(await plan(["--help"], io), 0);
    assert.deepEqual(out, [`${PLAN_USAGE}\n`]);
    assert.deepEqual(err, []);
  });

  it("npm run policy -- -h prints the policy usage and exits 0", async () => {
    const { out, err, io } = capture();
    assert.equal(await policy(["-h"], io), 0);
    assert.deepEqual(out, [`${POLICY_USAGE}\n`]);
    assert.deepEqual(err, []);
  });

  it("npm run release -- --help prints the release usage and exits 0", async () => {
    const lines: string[] = [];
    const code = await release(["--help"], {
      report: { info: (line) => lines.push(line), error: (line) => lines.push(`E ${line}`) },
    });
    assert.equal(code, 0);
    assert.deepEqual(lines, [RELEASE_USAGE]);
  });

  it("npm run drill -- --help prints the drill usage and exits 0", async () => {
    const out: string[] = [];
    assert.equal(await drill(["--help"], (text) => out.push(text)), 0);
    assert.deepEqual(out, [`${DRILL_USAGE}\n`]);
  });

  it("fails with exit 2 and the usage on an unknown drill argument", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await drill(
      ["--bogus"],
      (text) => out.push(text),
      (text) => err.push(text),
    );
    assert.equal(code, 2);
    assert.deepEqual(out, []);
    assert.deepEqual(err, [`error: command line: unknown argument --bogus\n${DRILL_USAGE}\n`]);
  });
});
