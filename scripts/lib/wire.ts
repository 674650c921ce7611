/**
 * The property encodings the engine and the SDK use on the wire (google.protobuf.Struct as plain
 * JavaScript): secrets are signature objects, unknown values are sentinel strings.
 */

/** The signature key of special objects (secrets, assets, resource references). */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
/** The signature of a secret value. */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** The sentinel of an unknown value during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Wraps a value as a secret on the wire. */
export function secret(value: unknown): Record<string, unknown> {
  return { [SIG_KEY]: SECRET_SIG, value };
}

/** True for a wire secret. */
export function isSecret(value: unknown): value is { value: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG
  );
}

/** Replaces secrets by `[secret]` and unknowns by `[unknown]`, for display. */
export function redact(value: unknown): unknown {
  if (isSecret(value)) {
    return "[secret]";
  }
  if (value === UNKNOWN) {
    return "[unknown]";
  }
  if (Array.isArray(value)) {
    return value.map(redact);
  }
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redact(item)]));
  }
  return value;
}

/** Parses `pulumi` duration strings ("10m", "1h30m", "45s") into seconds; 0 when empty. */
export function durationSeconds(duration: string | undefined): number {
  if (!duration) {
    return 0;
  }
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  let matched = "";
  for (const match of duration.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    total += Number(match[1]) * units[match[2]];
    matched += match[0];
  }
  if (matched !== duration) {
    throw new Error(`invalid duration "${duration}"`);
  }
  return total;
}
