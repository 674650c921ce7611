import * as assert from "assert";
import * as fc from "fast-check";
import { computeTraffic, otherSlot, Release } from "../../lib/release";

/** Promoting and rolling back are the same change: `live` moves to the other slot. */
function flipLive(release: Release): Release {
  return { ...release, live: otherSlot(release.live) };
}

const APP = "chatbot-api-prod";
const blue = { version: "1.4.2", image: "acr.azurecr.io/chatbot-api:1.4.2", suffix: "v1-4-2" };
const green = { version: "1.5.0", image: "acr.azurecr.io/chatbot-api:1.5.0", suffix: "v1-5-0" };

const releases: fc.Arbitrary<Release> = fc.record({
  live: fc.constantFrom("blue" as const, "green" as const),
  latest: fc.constantFrom("blue" as const, "green" as const),
  canaryPercent: fc.integer({ min: 0, max: 50 }),
  blue: fc.constant(blue),
  green: fc.constant(green),
});

describe("traffic", () => {
  it("sends everything to blue on the first deploy", () => {
    assert.deepStrictEqual(
      computeTraffic({ live: "blue", latest: "blue", canaryPercent: 0, blue }, APP),
      [{ revisionName: "chatbot-api-prod--v1-4-2", label: "blue", weight: 100 }],
    );
  });

  it("gives the live slot 100 - canary and the other slot the canary share, in slot order", () => {
    const release: Release = { live: "green", latest: "green", canaryPercent: 20, blue, green };
    assert.deepStrictEqual(computeTraffic(release, APP), [
      { revisionName: "chatbot-api-prod--v1-4-2", label: "blue", weight: 20 },
      { revisionName: "chatbot-api-prod--v1-5-0", label: "green", weight: 80 },
    ]);
  });

  it("puts a freshly deployed idle slot at 0%", () => {
    const release: Release = { live: "blue", latest: "green", canaryPercent: 0, blue, green };
    assert.deepStrictEqual(
      computeTraffic(release, APP).map((entry) => [entry.label, entry.weight]),
      [
        ["blue", 100],
        ["green", 0],
      ],
    );
  });

  it("weights always sum to 100", () => {
    fc.assert(
      fc.property(releases, (release) => {
        const total = computeTraffic(release, APP).reduce((sum, entry) => sum + entry.weight, 0);
        return total === 100;
      }),
    );
  });

  it("the live slot always keeps at least 50%", () => {
    fc.assert(
      fc.property(releases, (release) => {
        const live = computeTraffic(release, APP).find((entry) => entry.label === release.live);
        return live !== undefined && live.weight >= 50;
      }),
    );
  });

  it("promote then rollback restores the original traffic", () => {
    fc.assert(
      fc.property(releases, (release) => {
        const before = computeTraffic(release, APP);
        const promoted = flipLive(release);
        assert.deepStrictEqual(computeTraffic(flipLive(promoted), APP), before);
      }),
    );
  });

  it("promote moves the weights and nothing else", () => {
    fc.assert(
      fc.property(releases, (release) => {
        const before = computeTraffic(release, APP);
        const after = computeTraffic(flipLive(release), APP);
        assert.deepStrictEqual(
          after.map(({ revisionName, label }) => ({ revisionName, label })),
          before.map(({ revisionName, label }) => ({ revisionName, label })),
        );
        assert.deepStrictEqual(
          after.map((entry) => entry.weight),
          before.map((entry) => entry.weight).reverse(),
        );
      }),
    );
  });

  it("names the other slot", () => {
    assert.strictEqual(otherSlot("blue"), "green");
    assert.strictEqual(otherSlot("green"), "blue");
  });

  it("gives an empty slot no traffic, even with a canary share", () => {
    assert.deepStrictEqual(
      computeTraffic({ live: "green", latest: "green", canaryPercent: 30, green }, APP),
      [{ revisionName: "chatbot-api-prod--v1-5-0", label: "green", weight: 100 }],
    );
  });
});
