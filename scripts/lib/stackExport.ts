/**
 * Reads a `pulumi stack export` document (deployment version 3) into gate resources, the way
 * `pulumi policy analyze` does with a stack's state: Analyze sees each resource's inputs,
 * AnalyzeStack its outputs, and the provider comes from the state's provider reference
 * (`<provider urn>::<id>`).
 * Encrypted secrets cannot be decrypted offline: they reach the policies as secrets holding the
 * string "[ciphertext]"; `--show-secrets` exports carry their plaintext.
 */
import { defaultOptions, GateResource } from "./gate";
import { AnalyzerProvider } from "./analyzer";
import { SIG_KEY, SECRET_SIG, secret } from "./wire";

interface StateResource {
  urn: string;
  type: string;
  custom?: boolean;
  delete?: boolean;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  parent?: string;
  protect?: boolean;
  provider?: string;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
  additionalSecretOutputs?: string[];
  aliases?: string[];
  ignoreChanges?: string[];
  customTimeouts?: { create?: number; update?: number; delete?: number };
}

/** A parsed export: the stack and project named by its URNs, and its resources. */
export interface StackExport {
  stack: string;
  project: string;
  resources: GateResource[];
}

/** Error in the export file itself. */
export class StackExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackExportError";
  }
}

function decodeState(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(decodeState);
  }
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) {
      if (typeof record.plaintext === "string") {
        return secret(decodeState(JSON.parse(record.plaintext)));
      }
      if ("value" in record) {
        return secret(decodeState(record.value));
      }
      return secret("[ciphertext]");
    }
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, decodeState(v)]));
  }
  return value;
}

/** The resource name: the URN's last `::` segment. */
export function urnName(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** Parses the export; throws StackExportError naming what is wrong. */
export function parseStackExport(text: string, source: string): StackExport {
  let document: { deployment?: { resources?: StateResource[] } };
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new StackExportError(`${source}: not valid JSON (${(error as Error).message})`);
  }
  const states = document.deployment?.resources;
  if (!Array.isArray(states)) {
    throw new StackExportError(
      `${source}: deployment.resources is missing; expected \`pulumi stack export\` output`,
    );
  }
  const live = states.filter((state) => !state.delete);
  const [, stack = "", project = ""] =
    /^urn:pulumi:([^:]+)::([^:]+)::/.exec(live[0]?.urn ?? "") ?? [];
  const providers = new Map<string, AnalyzerProvider>();
  for (const state of live.filter((s) => s.type.startsWith("pulumi:providers:"))) {
    providers.set(state.urn, {
      urn: state.urn,
      type: state.type,
      name: urnName(state.urn),
      properties: decodeState(state.inputs ?? {}) as Record<string, unknown>,
    });
  }
  const resources = live.map((state): GateResource => {
    const providerUrn = state.provider
      ? state.provider.slice(0, state.provider.lastIndexOf("::"))
      : "";
    const timeouts = state.customTimeouts ?? {};
    return {
      urn: state.urn,
      type: state.type,
      name: urnName(state.urn),
      custom: state.custom ?? false,
      parent: state.parent ?? "",
      inputs: decodeState(state.inputs ?? {}) as Record<string, unknown>,
      outputs: decodeState(state.outputs ?? {}) as Record<string, unknown>,
      options: {
        ...defaultOptions(state.parent ?? ""),
        protect: state.protect ?? false,
        ignoreChanges: state.ignoreChanges ?? [],
        additionalSecretOutputs: state.additionalSecretOutputs ?? [],
        aliases: state.aliases ?? [],
        customTimeouts: {
          create: timeouts.create ?? 0,
          update: timeouts.update ?? 0,
          delete: timeouts.delete ?? 0,
        },
      },
      provider: providers.get(providerUrn),
      dependencies: state.dependencies ?? [],
      propertyDependencies: state.propertyDependencies ?? {},
    };
  });
  return { stack, project, resources };
}
