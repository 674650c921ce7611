/**
 * The policy gate: one analysis of a stack by a running pack, in the order the Pulumi engine uses
 * (ConfigureStack, Configure, then Remediate and Analyze per resource on its inputs, then
 * AnalyzeStack on every resource's outputs), reduced to the violations a user acts on.
 */
import {
  AnalyzerInfo,
  AnalyzerOptions,
  AnalyzerProvider,
  AnalyzerStackResource,
  Diagnostic,
  PolicyPackServer,
  StackContext,
} from "./analyzer";
import { EnforcementLevel, PolicyConfig, reconcilePolicyPackConfig } from "./policyConfig";

/** A resource as the gate sees it: its wire inputs for Analyze, its wire outputs for AnalyzeStack. */
export interface GateResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  parent: string;
  /** Inputs as serialized on the wire (secret signatures, unknown sentinels). */
  inputs: Record<string, unknown>;
  /** Outputs as serialized on the wire. */
  outputs: Record<string, unknown>;
  options: AnalyzerOptions;
  provider?: AnalyzerProvider;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
}

/** One policy violation, as `--json` prints it. */
export interface Violation {
  policy: string;
  enforcementLevel: EnforcementLevel;
  urn: string;
  message: string;
}

export interface GateResult {
  info: AnalyzerInfo;
  /** The configuration sent in Configure. */
  config: Record<string, PolicyConfig>;
  violations: Violation[];
}

export interface GateArgs {
  context: StackContext;
  /** The parsed `--policy-pack-config` document. */
  policyConfig: Record<string, PolicyConfig>;
  resources: GateResource[];
}

/** Default resource options, as the engine fills them for a resource registered without any. */
export function defaultOptions(parent = ""): AnalyzerOptions {
  return {
    protect: false,
    ignoreChanges: [],
    additionalSecretOutputs: [],
    aliases: [],
    customTimeouts: { create: 0, update: 0, delete: 0 },
    parent,
  };
}

function toStackResource(resource: GateResource): AnalyzerStackResource {
  return {
    urn: resource.urn,
    type: resource.type,
    name: resource.name,
    properties: resource.outputs,
    options: resource.options,
    provider: resource.provider,
    parent: resource.parent,
    dependencies: resource.dependencies,
    propertyDependencies: resource.propertyDependencies,
  };
}

function toViolation(diagnostic: Diagnostic, urn: string): Violation {
  return {
    policy: diagnostic.policyName,
    // The engine reports a remediate-level violation that survived remediation as mandatory.
    enforcementLevel:
      diagnostic.enforcementLevel === "remediate" ? "mandatory" : diagnostic.enforcementLevel,
    urn,
    message: diagnostic.message,
  };
}

/** True when a violation blocks `pulumi up`. */
export function isMandatory(violation: Violation): boolean {
  return violation.enforcementLevel === "mandatory";
}

/** Runs the whole gate against one stack. Throws PolicyConfigError for a bad policy config. */
export async function runGate(server: PolicyPackServer, args: GateArgs): Promise<GateResult> {
  const info = await server.getAnalyzerInfo();
  await server.configureStack(args.context);
  const config = reconcilePolicyPackConfig(info.policies, info.initialConfig, args.policyConfig);
  await server.configure(config);

  const perResource = await Promise.all(
    args.resources.map(async (resource) => {
      const request = {
        urn: resource.urn,
        type: resource.type,
        name: resource.name,
        properties: resource.inputs,
        options: resource.options,
        provider: resource.provider,
      };
      await server.remediate(request);
      // The engine always attributes a per-resource diagnostic to the resource analyzed.
      return (await server.analyze(request)).map((d) => toViolation(d, resource.urn));
    }),
  );

  const known = new Set(args.resources.map((resource) => resource.urn));
  const root =
    args.resources.find((resource) => resource.type === "pulumi:pulumi:Stack")?.urn ?? "";
  const stackDiagnostics = await server.analyzeStack(args.resources.map(toStackResource));
  // A stack diagnostic without a URN of the stack is attributed to the root stack resource.
  const stackViolations = stackDiagnostics.map((d) =>
    toViolation(d, known.has(d.urn) ? d.urn : root),
  );

  return { info, config, violations: [...perResource.flat(), ...stackViolations] };
}
