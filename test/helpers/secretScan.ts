/**
 * Finds secrets that would reach Pulumi state, stack outputs or logs in plain text: walks every
 * registered resource's inputs and outputs (as serialized for the engine, so a Pulumi secret is a
 * secret signature object and is skipped), the stack outputs and the warnings the program logged.
 */
import { isSecretValue, MOCK_SECRETS, SimulationResult } from "../../simulator/simulate";

/** A secret-looking value found in plain text. */
export interface PlaintextSecret {
  /** URN of the resource (the stack's URN for stack outputs, "" for a log line). */
  readonly urn: string;
  /** Where: `inputs.<path>`, `outputs.<path>`, `stackOutputs.<name>` or `log[<n>]`. */
  readonly path: string;
  /** What was recognised. */
  readonly match: string;
}

/** Patterns of secrets Azure and the platform produce. */
export const SECRET_PATTERNS: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  { name: "InstrumentationKey=", pattern: /InstrumentationKey=/i },
  { name: "AccountKey=", pattern: /AccountKey=/i },
  { name: "SharedAccessKey=", pattern: /SharedAccessKey=/i },
  { name: "password=", pattern: /password=/i },
  { name: "URL with credentials", pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:[^\s/@]+@/i },
  { name: "postgres URL", pattern: /\bpostgres(?:ql)?:\/\//i },
  { name: "JWT", pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
];

/** Every secret value the offline mocks hand out. */
export const MOCK_SECRET_VALUES: readonly string[] = Object.values(MOCK_SECRETS);

function matchesOf(text: string, knownSecrets: readonly string[]): string[] {
  return [
    ...SECRET_PATTERNS.filter(({ pattern }) => pattern.test(text)).map(({ name }) => name),
    ...knownSecrets
      .filter((secret) => secret !== "" && text.includes(secret))
      .map((secret) => `known secret ${JSON.stringify(secret)}`),
  ];
}

function walk(value: unknown, path: string, report: (path: string, text: string) => void): void {
  if (isSecretValue(value)) {
    return;
  }
  if (typeof value === "string") {
    report(path, value);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => walk(item, `${path}[${index}]`, report));
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      walk(item, `${path}.${key}`, report);
    }
  }
}

/**
 * The plain-text secrets of a simulated run: matches of `SECRET_PATTERNS`, and of `knownSecrets`
 * (by default the mocks' secret values), anywhere a Pulumi secret does not cover.
 */
export function plaintextSecrets(
  result: SimulationResult,
  knownSecrets: readonly string[] = MOCK_SECRET_VALUES,
): PlaintextSecret[] {
  const found: PlaintextSecret[] = [];
  const scan = (urn: string, root: string, value: unknown) =>
    walk(value, root, (path, text) => {
      for (const match of matchesOf(text, knownSecrets)) {
        found.push({ urn, path, match });
      }
    });
  for (const resource of result.resources) {
    scan(resource.urn, "inputs", resource.serializedInputs);
    scan(resource.urn, "outputs", resource.serializedOutputs);
  }
  const stackUrn = `urn:pulumi:${result.stack}::${result.project}::pulumi:pulumi:Stack::${result.project}-${result.stack}`;
  scan(stackUrn, "stackOutputs", result.serializedOutputs);
  result.warnings.forEach((warning, index) => scan("", `log[${index}]`, warning));
  return found;
}
