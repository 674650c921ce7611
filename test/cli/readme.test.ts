/**
 * The README's release reference is checked against the code it describes: the gates table
 * against `lib/gates.ts` (one definition of every threshold), the drill's scenario list against
 * `drill/scenarios.ts`, and the exit-code table against `release/ports.ts`.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { configSchema, configShape } from "../../lib/config/schema";
import { ENVIRONMENT_PROFILES } from "../../lib/environments";
import { DEFAULT_GATES, ENVIRONMENT_GATES, gatesFor } from "../../lib/gates";
import { SCENARIOS } from "../../drill/scenarios";
import { EXIT } from "../../release/ports";

const README = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");

/** The rows of the first markdown table after `marker` (each row's cells). */
function tableAfter(marker: string): string[][] {
  const lines = README.slice(README.indexOf(marker)).split("\n");
  const start = lines.findIndex((line) => line.startsWith("|"));
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) {
      break;
    }
    rows.push(
      line
        .slice(1, -1)
        .split("|")
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

describe("README release reference", () => {
  it("lists every release gate with its key and its default, as lib/gates.ts defines them", () => {
    const rows = tableAfter("**Gates.**");
    const documented = Object.fromEntries(
      rows.map(([, key, value]) => [key.replace(/`/g, ""), value]),
    );
    // A gate whose default depends on the environment lists each one's: `15 (prod), 5 (staging), 0 (dev)`.
    const perEnvironment = (key: keyof typeof DEFAULT_GATES) =>
      (["prod", "staging", "dev"] as const)
        .map((environment) => `${gatesFor(environment)[key]} (${environment})`)
        .join(", ");
    assert.deepEqual(
      documented,
      Object.fromEntries(
        Object.entries(DEFAULT_GATES).map(([key, value]) => [
          key,
          Object.values(ENVIRONMENT_GATES).some((overrides) => key in overrides)
            ? perEnvironment(key as keyof typeof DEFAULT_GATES)
            : String(value),
        ]),
      ),
    );
    assert.equal(documented.postPromotionWatchMinutes, "15 (prod), 5 (staging), 0 (dev)");
  });

  it("lists exactly the drill's built-in scenarios", () => {
    const section = README.slice(README.indexOf("The built-in scenarios, each the way"));
    const listed = section
      .slice(0, section.indexOf("(`drill/scenarios.ts`"))
      .match(/`([a-z0-9-]+)`/g);
    assert.deepEqual(
      listed?.map((id) => id.replace(/`/g, "")),
      SCENARIOS.map((scenario) => scenario.id),
    );
  });

  it("documents every exit code of npm run release", () => {
    const rows = tableAfter("**Locks.**");
    assert.deepEqual(
      rows.map(([code]) => Number(code)),
      Object.values(EXIT),
    );
  });

  it("lists exactly the schema's configuration keys, with the schema's defaults for scalar keys", () => {
    const rows = tableAfter("## Configuration reference");
    assert.deepEqual(
      rows.map(([key]) => key.replace(/`/g, "")),
      Object.keys(configShape),
    );
    // The defaults the schema gives a stack that sets only its environment and release.
    const defaults = configSchema.shape;
    for (const [key, type, value] of rows) {
      const schema = defaults[key.replace(/`/g, "") as keyof typeof defaults];
      const parsed = schema.safeParse(undefined);
      if (type.includes("string") && parsed.success && typeof parsed.data === "string") {
        assert.equal(value, `\`${parsed.data}\``, `${key}: README default`);
      }
    }
    const alerts = rows.find(([key]) => key === "`alerts`")?.[3] ?? "";
    const { dev, staging, prod } = ENVIRONMENT_PROFILES;
    assert.ok(
      alerts.includes(
        `\`monthlyBudget\` (${dev.monthlyBudget} dev, ${staging.monthlyBudget} staging, ${prod.monthlyBudget} prod`,
      ),
      alerts,
    );
  });
});
