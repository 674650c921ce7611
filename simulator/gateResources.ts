/**
 * Turns the program's mock-runtime simulation (simulator/simulate.ts) into gate resources that look like
 * what the engine sends during `pulumi preview`: Analyze gets the inputs exactly as the SDK
 * serialized them (secrets and unknowns intact); AnalyzeStack gets the outputs the mocks returned
 * overlaid with those inputs (so secrets stay marked and preview unknowns stay unknown). Under
 * mocks there is no default-provider registration, so one default provider per package is
 * synthesized as the engine would register it (`pulumi:providers:<pkg>`, `default_<x_y_z>`,
 * inputs `version` plus the stack's `<pkg>:*` config), together with the root stack resource.
 */
import * as fs from "fs";
import * as path from "path";
import { AnalyzerProvider, ROOT_DIR } from "../scripts/lib/analyzer";
import { defaultOptions, GateResource } from "../scripts/lib/gate";
import { durationSeconds, secret } from "../scripts/lib/wire";
import type { SimulatedResource, SimulationResult } from "./simulate";

const STACK_TYPE = "pulumi:pulumi:Stack";

/** The version of the installed `@pulumi/<pkg>` SDK, as the default provider's version. */
export function packageVersion(pkg: string): string {
  const manifest = path.join(ROOT_DIR, "node_modules", "@pulumi", pkg, "package.json");
  const version: string = JSON.parse(fs.readFileSync(manifest, "utf8")).version;
  return version.replace(/^v/, "");
}

/** The default provider the engine registers for a package. */
export function defaultProvider(
  stack: string,
  project: string,
  pkg: string,
  config: Record<string, string>,
): AnalyzerProvider {
  const version = packageVersion(pkg);
  const name = `default_${version.replace(/[.-]/g, "_")}`;
  const properties: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key.startsWith(`${pkg}:`)) {
      properties[key.slice(pkg.length + 1)] = value;
    }
  }
  properties.version = version;
  return {
    urn: `urn:pulumi:${stack}::${project}::pulumi:providers:${pkg}::${name}`,
    type: `pulumi:providers:${pkg}`,
    name,
    properties,
  };
}

/** Converts a simulation to gate resources, adding the root stack and default providers. */
export function fromSimulation(
  simulation: Pick<
    SimulationResult,
    "project" | "stack" | "preview" | "resources" | "outputs" | "secretOutputs"
  >,
  config: Record<string, string>,
): GateResource[] {
  const { stack, project } = simulation;
  const resources: GateResource[] = [];
  let root = simulation.resources.find((r) => r.type === STACK_TYPE)?.urn;
  if (root === undefined) {
    root = `urn:pulumi:${stack}::${project}::${STACK_TYPE}::${project}-${stack}`;
    const outputs = Object.fromEntries(
      Object.entries(simulation.outputs).map(([key, value]) => [
        key,
        simulation.secretOutputs.includes(key) ? secret(value) : value,
      ]),
    );
    resources.push({
      urn: root,
      type: STACK_TYPE,
      name: `${project}-${stack}`,
      custom: false,
      parent: "",
      inputs: {},
      outputs,
      options: defaultOptions(),
      dependencies: [],
      propertyDependencies: {},
    });
  }
  const explicitProviders = new Map(
    simulation.resources
      .filter((r) => r.type.startsWith("pulumi:providers:"))
      .map((r): [string, AnalyzerProvider] => [
        r.urn,
        { urn: r.urn, type: r.type, name: r.name, properties: r.serializedInputs },
      ]),
  );
  const defaults = new Map<string, AnalyzerProvider>();
  const providerFor = (resource: SimulatedResource): AnalyzerProvider | undefined => {
    if (!resource.custom || resource.type.startsWith("pulumi:providers:")) {
      return undefined;
    }
    if (resource.options.provider) {
      const reference = resource.options.provider;
      // A provider reference is `<provider urn>::<provider id>`.
      const urn = reference.slice(0, reference.lastIndexOf("::"));
      return explicitProviders.get(urn) ?? explicitProviders.get(reference);
    }
    const pkg = resource.type.split(":")[0];
    if (!defaults.has(pkg)) {
      const provider = defaultProvider(stack, project, pkg, config);
      defaults.set(pkg, provider);
      resources.push({
        urn: provider.urn,
        type: provider.type,
        name: provider.name,
        custom: true,
        parent: "",
        inputs: provider.properties,
        outputs: provider.properties,
        options: defaultOptions(),
        dependencies: [],
        propertyDependencies: {},
      });
    }
    return defaults.get(pkg);
  };
  for (const resource of simulation.resources) {
    const parent = resource.parent || (resource.type === STACK_TYPE ? "" : root);
    const timeouts = resource.options.customTimeouts ?? {};
    const provider = providerFor(resource);
    resources.push({
      urn: resource.urn,
      type: resource.type,
      name: resource.name,
      custom: resource.custom,
      parent,
      inputs: resource.serializedInputs,
      outputs: { ...resource.outputs, ...resource.serializedInputs },
      options: {
        protect: resource.options.protect,
        ignoreChanges: resource.options.ignoreChanges,
        ...(resource.options.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}),
        additionalSecretOutputs: resource.options.additionalSecretOutputs,
        aliases: resource.options.aliases,
        customTimeouts: {
          create: durationSeconds(timeouts.create),
          update: durationSeconds(timeouts.update),
          delete: durationSeconds(timeouts.delete),
        },
        parent,
      },
      provider,
      dependencies: resource.options.dependencies,
      propertyDependencies: resource.options.propertyDependencies,
    });
  }
  return resources;
}
