/**
 * The drill's command line refuses what would run nothing (an --only id that does not run on the
 * target, an unknown id), listing the ids that do; a scenario step `config: { key: null }` removes
 * the key, at the top level too.
 */
import * as assert from "node:assert/strict";
import { main as drill } from "../../drill/main";
import { AKS_SCENARIOS } from "../../drill/runner";
import { SCENARIOS } from "../../drill/scenarios";
import { setConfigPath } from "../../drill/workspace";

async function run(argv: string[]) {
  let out = "";
  let err = "";
  const code = await drill(
    argv,
    (text) => void (out += text),
    (text) => void (err += text),
  );
  return { code, out, err };
}

const ALL = SCENARIOS.map((scenario) => scenario.id);
const ON_AKS = ALL.filter((id) => AKS_SCENARIOS.includes(id));

describe("npm run drill: --only", () => {
  it("fails with exit 2 listing the AKS scenarios when the id has no AKS variant", async () => {
    assert.ok(ALL.includes("stale-stack-file-merge-deploy"));
    assert.equal(ON_AKS.length, AKS_SCENARIOS.length);
    assert.deepEqual(
      await run([
        "--target",
        "aks",
        "--only",
        "stale-stack-file-merge-deploy",
        "--only",
        "exception-mid-canary",
      ]),
      {
        code: 2,
        out: "",
        err: `error: command line: stale-stack-file-merge-deploy has no AKS variant; the built-in scenarios that run with --target aks: ${ON_AKS.join(", ")}\n`,
      },
    );
  });

  it("fails with exit 2 listing the built-in scenarios when the id is unknown", async () => {
    assert.deepEqual(await run(["--only", "nope", "--only", "exception-mid-canary"]), {
      code: 2,
      out: "",
      err: `error: command line: no built-in scenario nope; the built-in scenarios: ${ALL.join(", ")}\n`,
    });
    assert.deepEqual(await run(["--target", "aks", "--only", "nope"]), {
      code: 2,
      out: "",
      err: `error: command line: no built-in scenario nope; the built-in scenarios that run with --target aks: ${ON_AKS.join(", ")}\n`,
    });
  });
});

describe("drill scenario step config", () => {
  it("removes a top-level key given null, and a nested one", () => {
    const config = {
      config: {
        "chatbot-platform:release": '{"live":"blue"}',
        "chatbot-platform:app": '{"settings":{"LOG_LEVEL":"INFO","A":"1"}}',
        "chatbot-platform:alertWebhooks": '{"slack":"x"}',
      },
      secretKeys: ["chatbot-platform:alertWebhooks"],
    };
    setConfigPath(config, "release", null);
    setConfigPath(config, "alertWebhooks", null);
    setConfigPath(config, "app.settings.LOG_LEVEL", null);
    setConfigPath(config, "owner", "team-a");
    assert.deepEqual(config, {
      config: {
        "chatbot-platform:app": '{"settings":{"A":"1"}}',
        "chatbot-platform:owner": "team-a",
      },
      secretKeys: [],
    });
  });
});
