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
} from "../../lib/simulate";
import { PROJECT } from "../../lib/config";

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
  return { config: next, secretKeys: [...config.secretKeys] };
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
