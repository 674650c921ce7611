/**
 * The release drill's built-in scenarios, end to end: the real program under the mock runtime,
 * the real release engine and the real Azure SDK clients against the model of Azure. Each
 * scenario's `before` says how the release engine failed it before this design; here each must
 * end exactly as expected: exit code, where traffic is, what the stack file holds, how many
 * revisions stay active, and what the user was told.
 */
import * as assert from "node:assert/strict";
import { runScenario, ScenarioResult } from "../../drill/runner";
import { SCENARIOS } from "../../drill/scenarios";
import { EXPECTED } from "./expected";

describe("release drill: built-in scenarios", function () {
  this.timeout(60_000);

  it("has exactly the scenario ids the release engine is judged by", () => {
    assert.deepEqual(
      SCENARIOS.map((scenario) => scenario.id),
      Object.keys(EXPECTED),
    );
  });

  for (const scenario of SCENARIOS) {
    it(`${scenario.id}: ${scenario.title}`, async () => {
      const expected = EXPECTED[scenario.id];
      const result: ScenarioResult = await runScenario(scenario);
      assert.deepEqual(result.problems, []);
      assert.equal(result.passed, true);
      assert.equal(result.exit, expected.exit);
      assert.deepEqual(result.traffic, expected.traffic);
      assert.equal(result.live, expected.live);
      assert.match(result.summary, expected.told);
    });
  }
});
