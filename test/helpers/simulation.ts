/**
 * Shared test helpers: run the program (or one component) under the mock runtime and find what it
 * registered.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import {
  loadStackConfig,
  SimulatedResource,
  SimulationResult,
  simulateStack,
  StackConfig,
} from "../../simulator/simulate";
import { PROJECT } from "../../lib/config";
import { DeployedApp } from "../../lib/guard";
import { candidateSuffix, templateFingerprint } from "../../lib/release";

export const ROOT = path.resolve(__dirname, "..", "..");

/** The committed stack file of `stack`, as the CLI would hand it to the program. */
export function stackConfig(stack: string): StackConfig {
  return loadStackConfig(path.join(ROOT, `Pulumi.${stack}.yaml`));
}

/** A copy of `config` with project keys replaced (objects are JSON-encoded). */
export function withConfig(config: StackConfig, overrides: Record<string, unknown>): StackConfig {
  const next = { ...config.config };
  for (const [key, value] of Object.entries(overrides)) {
    const full = `${PROJECT}:${key}`;
    if (value === undefined) {
      delete next[full];
    } else {
      next[full] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  // `secretValues` is set with `pulumi config set --secret --path`: Pulumi marks the key secret.
  const secret = overrides.secretValues === undefined ? [] : [`${PROJECT}:secretValues`];
  return { config: next, secretKeys: [...new Set([...config.secretKeys, ...secret])] };
}

/** The committed stack's `release` block, parsed. */
export function releaseOf(config: StackConfig): Record<string, unknown> {
  return JSON.parse(config.config[`${PROJECT}:release`]) as Record<string, unknown>;
}

/** Runs the whole program for a stack, with optional config overrides. */
export function runStack(
  stack: string,
  overrides: Record<string, unknown> = {},
  preview = false,
): Promise<SimulationResult> {
  return simulateStack({ stack, config: withConfig(stackConfig(stack), overrides), preview });
}

/** The invoke the program's release guard makes before it registers anything. */
export const GET_CONTAINER_APP = "azure-native:app:getContainerApp";

/**
 * A `call` override for `simulateStack`: `getContainerApp` finds `deployed` (and its arguments are
 * pushed to `calls`); every other invoke falls through to the offline mocks.
 */
export function containerAppFound(
  deployed: DeployedApp,
  calls: pulumi.runtime.MockCallArgs[] = [],
): (args: pulumi.runtime.MockCallArgs) => Promise<Record<string, unknown>> | undefined {
  return (args) => {
    if (args.token !== GET_CONTAINER_APP) {
      return undefined;
    }
    calls.push(args);
    return Promise.resolve({ ...deployed });
  };
}

/** Runs the whole program for a stack whose Container App exists as `deployed`. */
export function runDeployedStack(
  stack: string,
  deployed: DeployedApp,
  overrides: Record<string, unknown> = {},
  calls: pulumi.runtime.MockCallArgs[] = [],
): Promise<SimulationResult> {
  return simulateStack({
    stack,
    config: withConfig(stackConfig(stack), overrides),
    call: containerAppFound(deployed, calls),
  });
}

/** A program run that may fail: what it registered, and the error it threw. */
export interface ProgramRun {
  readonly result: SimulationResult;
  readonly error?: Error;
}

/**
 * Runs the real program (`index.ts`) for a stack and keeps its error instead of rejecting, so that
 * a test sees what was registered before it failed. `deployed` is the Container App the release
 * guard finds; without it the stack is new.
 */
export async function runProgram(
  stack: string,
  overrides: Record<string, unknown> = {},
  options: { readonly deployed?: DeployedApp; readonly preview?: boolean } = {},
): Promise<ProgramRun> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const program = require("../../index") as () => Promise<Record<string, unknown>>;
  let error: Error | undefined;
  const result = await simulateStack({
    stack,
    config: withConfig(stackConfig(stack), overrides),
    preview: options.preview ?? false,
    call: options.deployed === undefined ? undefined : containerAppFound(options.deployed),
    program: async () => {
      try {
        return await program();
      } catch (err) {
        error = err as Error;
        return {};
      }
    },
  });
  return { result, error };
}

/** Runs a function that registers resources (a single component) under the mocks. */
export function runComponent(build: () => void, preview = false): Promise<SimulationResult> {
  return simulateStack({
    stack: "test",
    config: { config: {}, secretKeys: [] },
    preview,
    program: () => {
      build();
      return {};
    },
  });
}

/** The one resource of this type and name; fails the test when there is not exactly one. */
export function findResource(
  result: SimulationResult,
  type: string,
  name: string,
): SimulatedResource {
  const found = result.resources.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1) {
    throw new Error(
      `expected one ${type} named ${name}, found ${found.length}; registered: ${result.resources
        .map((r) => `${r.type} ${r.name}`)
        .join(", ")}`,
    );
  }
  return found[0];
}

/** The platform's Container App (`chatbot-api-app`). */
export function platformApp(result: SimulationResult): SimulatedResource {
  return findResource(result, "azure-native:app:ContainerApp", "chatbot-api-app");
}

/** The platform's Container App's revision template, `revisionSuffix` included. */
export function appTemplate(result: SimulationResult): Record<string, unknown> {
  return platformApp(result).inputs.template as Record<string, unknown>;
}

/** The platform's Container App's traffic. */
export function appTraffic(result: SimulationResult): unknown {
  const configuration = platformApp(result).inputs.configuration as Record<string, unknown>;
  return (configuration.ingress as Record<string, unknown>).traffic;
}

/**
 * The suffix a new revision of the template the platform's app received gets,
 * `<slug>-<fingerprint>g<generation>` (test/program/release.test.ts pins the rule with literals).
 */
export function newRevisionSuffix(
  result: SimulationResult,
  slug: string,
  generation: number,
): string {
  const revision = { ...appTemplate(result) };
  delete revision.revisionSuffix;
  const appName = String(platformApp(result).inputs.containerAppName);
  return candidateSuffix(appName, slug, templateFingerprint(revision), generation);
}

/** Every resource of a type. */
export function resourcesOfType(result: SimulationResult, type: string): SimulatedResource[] {
  return result.resources.filter((r) => r.type === type);
}

/** `type name` of every registered resource, sorted. */
export function inventory(result: SimulationResult): string[] {
  return result.resources.map((r) => `${r.type} ${r.name}`).sort();
}

/** The URNs of resources a component exposes (for example the ones a consumer must wait for). */
export function urnsOf(resources: readonly pulumi.Resource[]): Promise<string[]> {
  return new Promise((resolve) => {
    pulumi.all(resources.map((resource) => resource.urn)).apply(resolve);
  });
}
