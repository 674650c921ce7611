/**
 * Policy pack configuration as the Pulumi CLI handles it: the `--policy-pack-config` file format,
 * and the reconciliation the engine performs before it calls `Configure` (schema defaults, then the
 * pack's initial config, then the file; `all` sets every policy's level; then JSON-schema checks).
 * Mirrors pulumi/pulumi `pkg/resource/analyzer/config.go`.
 */

import { didYouMean } from "../../lib/text";

/** The levels @pulumi/policy 1.21 accepts (`EnforcementLevel` in its policy.d.ts). */
export const ENFORCEMENT_LEVELS = ["advisory", "mandatory", "remediate", "disabled"] as const;
export type EnforcementLevel = (typeof ENFORCEMENT_LEVELS)[number];

/** One policy's effective configuration. */
export interface PolicyConfig {
  enforcementLevel?: EnforcementLevel;
  properties?: Record<string, unknown>;
}

/** What GetAnalyzerInfo says about one policy. */
export interface PolicyInfo {
  name: string;
  description: string;
  enforcementLevel: EnforcementLevel;
  configSchema?: { properties: Record<string, JsonSchema>; required: string[] };
}

export type JsonSchema = Record<string, unknown>;

/** A configuration error: bad file, bad level, or a value the policy's schema rejects. */
export class PolicyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PolicyConfigError";
  }
}

function isEnforcementLevel(value: unknown): value is EnforcementLevel {
  return typeof value === "string" && (ENFORCEMENT_LEVELS as readonly string[]).includes(value);
}

/** Parses a `--policy-pack-config` document (`{"all": "mandatory", "<policy>": {...}}`). */
export function parsePolicyPackConfig(
  text: string,
  source = "policy config",
): Record<string, PolicyConfig> {
  if (text.trim() === "") {
    return {};
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new PolicyConfigError(`${source}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw new PolicyConfigError(`${source}: must be a JSON object`);
  }
  const result: Record<string, PolicyConfig> = {};
  for (const [key, value] of Object.entries(document)) {
    if (typeof value === "string") {
      if (!isEnforcementLevel(value)) {
        throw new PolicyConfigError(
          `${source}: parsing enforcement level for "${key}": "${value}" is not a valid enforcement level`,
        );
      }
      result[key] = { enforcementLevel: value };
    } else if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      const { enforcementLevel, ...properties } = value as Record<string, unknown>;
      if (enforcementLevel !== undefined && !isEnforcementLevel(enforcementLevel)) {
        throw new PolicyConfigError(
          `${source}: parsing enforcement level for "${key}": ${JSON.stringify(enforcementLevel)} is not a valid enforcement level`,
        );
      }
      const config: PolicyConfig = {};
      if (enforcementLevel !== undefined) {
        config.enforcementLevel = enforcementLevel;
      }
      if (Object.keys(properties).length > 0) {
        config.properties = properties;
      }
      if (config.enforcementLevel !== undefined || config.properties !== undefined) {
        result[key] = config;
      }
    } else {
      throw new PolicyConfigError(
        `${source}: parsing "${key}": ${JSON.stringify(value)} is not a valid value; must be a string or object`,
      );
    }
  }
  return result;
}

function applyConfig(
  result: Record<string, PolicyConfig>,
  config: Record<string, PolicyConfig>,
): Record<string, PolicyConfig> {
  const all = config.all?.enforcementLevel;
  if (all !== undefined) {
    for (const key of Object.keys(result)) {
      result[key] = { ...result[key], enforcementLevel: all };
    }
  }
  for (const [policy, given] of Object.entries(config)) {
    const current = result[policy] ?? {};
    const merged: PolicyConfig = { ...current };
    if (given.enforcementLevel !== undefined) {
      merged.enforcementLevel = given.enforcementLevel;
    }
    if (given.properties !== undefined) {
      merged.properties = { ...(current.properties ?? {}), ...given.properties };
    }
    result[policy] = merged;
  }
  return result;
}

/**
 * The configuration the CLI sends in `Configure`: every policy with its schema defaults and level,
 * then the initial config, then the file's values. Throws PolicyConfigError naming the policy and
 * property when a value breaks the policy's schema.
 */
export function reconcilePolicyPackConfig(
  policies: readonly PolicyInfo[],
  initialConfig: Record<string, PolicyConfig>,
  config: Record<string, PolicyConfig>,
): Record<string, PolicyConfig> {
  let result: Record<string, PolicyConfig> = {};
  for (const policy of policies) {
    const defaults: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
      if ("default" in schema) {
        defaults[key] = schema.default;
      }
    }
    result[policy.name] = {
      enforcementLevel: policy.enforcementLevel,
      ...(Object.keys(defaults).length > 0 ? { properties: defaults } : {}),
    };
  }
  result = applyConfig(result, initialConfig);
  result = applyConfig(result, config);
  const errors = unknownNames(policies, config);
  for (const policy of policies) {
    const properties = result[policy.name]?.properties ?? {};
    for (const message of validateObject(policy.configSchema, properties)) {
      errors.push(`${policy.name}: ${message}`);
    }
  }
  if (errors.length > 0) {
    throw new PolicyConfigError(`policy pack configuration is invalid: ${errors.join("; ")}`);
  }
  return result;
}

/** Strictness the engine lacks: every policy and setting the config names must exist in the pack. */
function unknownNames(
  policies: readonly PolicyInfo[],
  config: Record<string, PolicyConfig>,
): string[] {
  const names = policies.map((policy) => policy.name);
  return Object.entries(config).flatMap(([name, given]) => {
    const policy = policies.find((candidate) => candidate.name === name);
    if (name !== "all" && policy === undefined) {
      return [`"${name}" is not a policy of this pack${didYouMean(name, names)}`];
    }
    const settings = Object.keys(policy?.configSchema?.properties ?? {});
    const allowed = settings.length === 0 ? "it has none" : `settings: ${settings.join(", ")}`;
    return Object.keys(given.properties ?? {})
      .filter((key) => !settings.includes(key))
      .map(
        (key) =>
          `${name}: "${key}" is not a setting of this policy${didYouMean(key, settings)}; ${allowed}`,
      );
  });
}

function validateObject(
  schema: PolicyInfo["configSchema"],
  value: Record<string, unknown>,
): string[] {
  if (schema === undefined) {
    return [];
  }
  const errors: string[] = [];
  for (const required of schema.required) {
    if (!(required in value)) {
      errors.push(`${required} is required`);
    }
  }
  for (const [key, propertySchema] of Object.entries(schema.properties)) {
    if (key in value) {
      errors.push(...validateValue(propertySchema, value[key], key));
    }
  }
  return errors;
}

function typeOf(value: unknown): string {
  if (value === null) {
    return "null";
  }
  if (Array.isArray(value)) {
    return "array";
  }
  if (typeof value === "number" && Number.isInteger(value)) {
    return "integer";
  }
  return typeof value;
}

/** The subset of JSON schema the pack's config schemas use: type, enum, minimum, maximum, items. */
function validateValue(schema: JsonSchema, value: unknown, path: string): string[] {
  const actual = typeOf(value);
  const expected = schema.type;
  if (typeof expected === "string") {
    const matches = expected === actual || (expected === "number" && actual === "integer");
    if (!matches) {
      return [`${path}: Invalid type. Expected: ${expected}, given: ${actual}`];
    }
  }
  const errors: string[] = [];
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) {
    errors.push(`${path}: must be one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`);
  }
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) {
      errors.push(`${path}: Must be greater than or equal to ${schema.minimum}`);
    }
    if (typeof schema.maximum === "number" && value > schema.maximum) {
      errors.push(`${path}: Must be less than or equal to ${schema.maximum}`);
    }
  }
  if (Array.isArray(value) && typeof schema.items === "object" && schema.items !== null) {
    value.forEach((item, index) => {
      errors.push(...validateValue(schema.items as JsonSchema, item, `${path}.${index}`));
    });
  }
  return errors;
}
