/**
 * One policy pack process for the whole mocha run: started on first use through the CLI's
 * `run-policy-pack` from the pack's TypeScript sources, exactly as `pulumi preview --policy-pack
 * policy` starts it (ts-node, type-checking on; a few seconds, once), and stopped by a root-level
 * `after` hook when the run ends. Its coverage is collected too: c8 passes NODE_V8_COVERAGE on.
 */
import * as fs from "fs";
import * as path from "path";
import { PolicyPackServer } from "../../scripts/lib/analyzer";
import { GateResource, runGate, Violation } from "../../scripts/lib/gate";
import { parsePolicyPackConfig, PolicyConfig } from "../../scripts/lib/policyConfig";
import { PROJECT, STACK } from "../fixtures/policy/stack";

export const PACK_DIR = path.resolve(__dirname, "..", "..", "policy");

let server: Promise<PolicyPackServer> | undefined;

/** The shared pack process. */
export function packServer(): Promise<PolicyPackServer> {
  server ??= PolicyPackServer.start({ packDir: PACK_DIR });
  return server;
}

// Registered on mocha's root suite when this module is first loaded: the pack starts when the
// run begins, in its own process, while the suites before the policy tests run (its start takes
// seconds, many more under coverage); a start failure surfaces in the first test that awaits it.
before(() => {
  packServer().catch(() => undefined);
});

// Registered on mocha's root suite when this module is first loaded: runs once, after all tests.
after(async () => {
  if (server !== undefined) {
    await (await server).stop();
    server = undefined;
  }
});

/** A committed environment's `--policy-pack-config`. */
export function environmentConfig(environment: string): Record<string, PolicyConfig> {
  const file = path.join(PACK_DIR, "config", `${environment}.json`);
  return parsePolicyPackConfig(fs.readFileSync(file, "utf8"), file);
}

const COST_CEILING = "chatbot-stack-cost-ceiling";

/**
 * An environment's committed config for the shared fixture. The fixture is a prod-sized stack
 * (test/fixtures/policy/stack.ts) that the tests also judge by the dev and staging configs to
 * check other policies' levels there; its estimated cost is judged against prod's ceiling in
 * every environment. The committed dev and staging ceilings are tested by passing
 * `environmentConfig(...)` itself (test/policy/operations.test.ts) and by planning the real stacks.
 */
function fixtureConfig(environment: string): Record<string, PolicyConfig> {
  const config = environmentConfig(environment);
  const prodCeiling = environmentConfig("prod")[COST_CEILING]?.properties;
  const own = config[COST_CEILING];
  if (own !== undefined && prodCeiling !== undefined) {
    config[COST_CEILING] = { ...own, properties: { ...own.properties, ...prodCeiling } };
  }
  return config;
}

/**
 * Runs the gate over `resources` with an environment's config (for the fixture, see
 * fixtureConfig) or the given config, as a preview.
 */
export async function violationsOf(
  resources: GateResource[],
  environment: string | Record<string, PolicyConfig> = "prod",
): Promise<Violation[]> {
  const result = await runGate(await packServer(), {
    context: {
      stack: STACK,
      project: PROJECT,
      organization: "organization",
      dryRun: true,
      config: {},
      secretKeys: [],
      tags: {},
    },
    policyConfig: typeof environment === "string" ? fixtureConfig(environment) : environment,
    resources,
  });
  return result.violations;
}
