/**
 * JSON values as the ARM wire format carries them, and the two operations the model needs on
 * them: RFC 7396 JSON Merge Patch and structural equality.
 */

/** Any JSON value. */
export type Json = null | boolean | number | string | Json[] | JsonObject;

/** A JSON object. */
export interface JsonObject {
  [key: string]: Json;
}

/** True for a plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A deep copy (JSON values only). */
export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** The object at `key`, or undefined when it is missing or not an object. */
export function objectAt(parent: JsonObject | undefined, key: string): JsonObject | undefined {
  const value = parent?.[key];
  return isObject(value) ? value : undefined;
}

/** The array at `key`, or undefined when it is missing or not an array. */
export function arrayAt(parent: JsonObject | undefined, key: string): Json[] | undefined {
  const value = parent?.[key];
  return Array.isArray(value) ? value : undefined;
}

/** The string at `key`, or undefined. */
export function stringAt(parent: JsonObject | undefined, key: string): string | undefined {
  const value = parent?.[key];
  return typeof value === "string" ? value : undefined;
}

/** The number at `key`, or undefined. */
export function numberAt(parent: JsonObject | undefined, key: string): number | undefined {
  const value = parent?.[key];
  return typeof value === "number" ? value : undefined;
}

/**
 * RFC 7396 MergePatch (https://www.rfc-editor.org/rfc/rfc7396#section-2): objects are merged
 * member by member, a `null` member removes the target member, anything else (arrays included)
 * replaces the target whole. ARM PATCH follows it: Azure/azure-openapi-validator
 * docs/consistent-patch-properties.md (RPC-Patch-V1-03, "follow json merge patch"); the SDK's
 * `update` is documented as "Patches a Container App using JSON Merge Patch"
 * (@azure/arm-appcontainers classic/containerApps/index.d.ts).
 */
export function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) {
    return clone(patch);
  }
  const result: JsonObject = isObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      result[key] = mergePatch(result[key], value);
    }
  }
  return result;
}

/** Drops null members recursively (a PUT body's nulls mean "not set"). */
export function withoutNulls(value: Json): Json {
  if (Array.isArray(value)) {
    return value.map(withoutNulls);
  }
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [key, member] of Object.entries(value)) {
      if (member !== null) {
        out[key] = withoutNulls(member);
      }
    }
    return out;
  }
  return value;
}

/** Structural equality of JSON values (object member order ignored, nulls ignored). */
export function jsonEqual(a: Json, b: Json): boolean {
  return canonical(withoutNulls(a)) === canonical(withoutNulls(b));
}

function canonical(value: Json): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonical).join(",")}]`;
  }
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
