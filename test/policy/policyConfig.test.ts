import * as assert from "assert";
import {
  ENFORCEMENT_LEVELS,
  parsePolicyPackConfig,
  PolicyConfigError,
  PolicyInfo,
  reconcilePolicyPackConfig,
} from "../../scripts/lib/policyConfig";
import { durationSeconds, redact, secret, UNKNOWN } from "../../scripts/lib/wire";

const POLICIES: PolicyInfo[] = [
  {
    name: "a",
    description: "A.",
    enforcementLevel: "mandatory",
    configSchema: {
      properties: {
        min: { type: "integer", minimum: 1, default: 2 },
        names: { type: "array", items: { type: "string" }, default: [] },
        mode: { type: "string", enum: ["x", "y"] },
      },
      required: [],
    },
  },
  { name: "b", description: "B.", enforcementLevel: "advisory" },
];

describe("policy pack config (as the CLI reconciles it)", () => {
  it("parses levels and properties, dropping empty entries", () => {
    assert.deepStrictEqual(
      parsePolicyPackConfig(
        '{"all":"advisory","a":{"enforcementLevel":"disabled","min":3},"b":{}}',
      ),
      {
        all: { enforcementLevel: "advisory" },
        a: { enforcementLevel: "disabled", properties: { min: 3 } },
      },
    );
    assert.deepStrictEqual(parsePolicyPackConfig("  "), {});
  });

  it("fills schema defaults, then applies all, then per-policy values", () => {
    const result = reconcilePolicyPackConfig(
      POLICIES,
      {},
      {
        all: { enforcementLevel: "advisory" },
        a: { properties: { min: 5 } },
      },
    );
    assert.deepStrictEqual(result, {
      a: { enforcementLevel: "advisory", properties: { min: 5, names: [] } },
      b: { enforcementLevel: "advisory" },
      all: { enforcementLevel: "advisory" },
    });
  });

  it("keeps each policy's own level without config", () => {
    assert.deepStrictEqual(reconcilePolicyPackConfig(POLICIES, {}, {}), {
      a: { enforcementLevel: "mandatory", properties: { min: 2, names: [] } },
      b: { enforcementLevel: "advisory" },
    });
  });

  const invalid: [string, string, string][] = [
    [
      "fails when a value has the wrong type",
      '{"a":{"min":"two"}}',
      "a: min: Invalid type. Expected: integer, given: string",
    ],
    [
      "fails when a value is below the minimum",
      '{"a":{"min":0}}',
      "a: min: Must be greater than or equal to 1",
    ],
    [
      "fails when a value is not in the enum",
      '{"a":{"mode":"z"}}',
      'a: mode: must be one of "x", "y"',
    ],
    [
      "fails when an array item has the wrong type",
      '{"a":{"names":[1]}}',
      "a: names.0: Invalid type. Expected: string, given: integer",
    ],
  ];
  for (const [title, text, message] of invalid) {
    it(title, () => {
      assert.throws(
        () => reconcilePolicyPackConfig(POLICIES, {}, parsePolicyPackConfig(text)),
        new PolicyConfigError(`policy pack configuration is invalid: ${message}`),
      );
    });
  }

  const unknown: [string, string, string][] = [
    [
      "fails when a policy name is not one of the pack's, naming the closest",
      '{"all":"advisory","chatbot-containerap-https-only":"mandatory"}',
      '"chatbot-containerap-https-only" is not a policy of this pack (did you mean `chatbot-containerapp-https-only`?)',
    ],
    [
      "fails when a setting is not one of the policy's, naming the closest",
      '{"a":{"enforcementLevel":"mandatory","mni":3}}',
      'a: "mni" is not a setting of this policy (did you mean `min`?); settings: min, names, mode',
    ],
    [
      "fails when a policy without settings is given one",
      '{"b":{"requireDigest":true}}',
      'b: "requireDigest" is not a setting of this policy; it has none',
    ],
    [
      "fails when `all` is given a setting (it takes only a level)",
      '{"all":{"enforcementLevel":"advisory","min":2}}',
      'all: "min" is not a setting of this policy; it has none',
    ],
  ];
  for (const [title, text, message] of unknown) {
    it(title, () => {
      const policies = [
        ...POLICIES,
        { ...POLICIES[1], name: "chatbot-containerapp-https-only" },
      ] as PolicyInfo[];
      assert.throws(
        () => reconcilePolicyPackConfig(policies, {}, parsePolicyPackConfig(text)),
        new PolicyConfigError(`policy pack configuration is invalid: ${message}`),
      );
    });
  }

  it("fails when an enforcement level is not one of advisory, mandatory, remediate, disabled", () => {
    assert.deepStrictEqual(ENFORCEMENT_LEVELS, ["advisory", "mandatory", "remediate", "disabled"]);
    assert.deepStrictEqual(parsePolicyPackConfig('{"a":"remediate"}'), {
      a: { enforcementLevel: "remediate" },
    });

    assert.throws(
      () => parsePolicyPackConfig('{"a":"strict"}', "prod.json"),
      new PolicyConfigError(
        'prod.json: parsing enforcement level for "a": "strict" is not a valid enforcement level',
      ),
    );
    assert.throws(
      () => parsePolicyPackConfig('{"a":{"enforcementLevel":1}}', "prod.json"),
      new PolicyConfigError(
        'prod.json: parsing enforcement level for "a": 1 is not a valid enforcement level',
      ),
    );
  });

  it("fails when the document is not a JSON object of strings and objects", () => {
    assert.throws(
      () => parsePolicyPackConfig("[]", "x.json"),
      new PolicyConfigError("x.json: must be a JSON object"),
    );
    assert.throws(
      () => parsePolicyPackConfig('{"a":3}', "x.json"),
      new PolicyConfigError(
        'x.json: parsing "a": 3 is not a valid value; must be a string or object',
      ),
    );
    assert.throws(
      () => parsePolicyPackConfig("{", "x.json"),
      (e: Error) => e.message.startsWith("x.json: not valid JSON"),
    );
  });

  it("fails when a required property is missing", () => {
    const policies: PolicyInfo[] = [
      {
        name: "r",
        description: "R.",
        enforcementLevel: "mandatory",
        configSchema: { properties: {}, required: ["k"] },
      },
    ];
    assert.throws(
      () => reconcilePolicyPackConfig(policies, {}, {}),
      new PolicyConfigError("policy pack configuration is invalid: r: k is required"),
    );
  });
});

describe("wire helpers and arguments", () => {
  it("redacts secrets and unknowns for display", () => {
    assert.deepStrictEqual(redact({ a: secret("x"), b: [UNKNOWN, 1], c: { d: null } }), {
      a: "[secret]",
      b: ["[unknown]", 1],
      c: { d: null },
    });
  });

  it("parses custom timeouts into seconds", () => {
    assert.deepStrictEqual(
      ["", "45s", "10m", "1h30m", "1.5s", "500ms"].map((d) => durationSeconds(d)),
      [0, 45, 600, 5400, 1.5, 0.5],
    );
    assert.throws(() => durationSeconds("10 minutes"), new Error('invalid duration "10 minutes"'));
  });
});
