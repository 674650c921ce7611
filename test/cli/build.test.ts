import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

const OUT = path.join(__dirname, "..", "..", "node_modules", ".cache", "chatbot-build");
// A dynamic import that TypeScript's CommonJS output keeps as an ES import (run.mjs is ESM).
const importEsm = new Function("specifier", "return import(specifier)") as (
  specifier: string,
) => Promise<{ build(): Promise<void> }>;

describe("the CLI's build cache (scripts/run.mjs)", () => {
  it("deletes the build of a source that is gone and keeps the others", async () => {
    const { build } = await importEsm(
      pathToFileURL(path.join(__dirname, "..", "..", "scripts", "run.mjs")).href,
    );
    await build();
    const stale = path.join(OUT, "lib", "config.js");
    fs.writeFileSync(stale, 'throw new Error("stale build of a removed lib/config.ts");\n');
    await build();
    assert.equal(fs.existsSync(stale), false);
    assert.equal(fs.existsSync(path.join(OUT, "lib", "config", "index.js")), true);
    assert.equal(fs.existsSync(path.join(OUT, "scripts", "cli", "program.js")), true);
  });
});
