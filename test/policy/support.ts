/**
 * One policy pack process for the whole mocha run: the compiled copy of the pack that `npm run
 * plan` and `npm run policy` start (`scripts/lib/packBuild.ts`: the same sources transpiled to
 * JavaScript with source maps, run by the CLI's `run-policy-pack`; about a second to start),
 * started when the run begins and stopped by a root-level `after` hook when it ends. Its coverage
 * is collected too: c8 passes NODE_V8_COVERAGE on and maps the compiled files back to `policy/`
 * through their source maps (`.c8rc.json` includes the compiled directory).
 *
 * `sourcePackServer()` starts the pack from its TypeScript sources, exactly as `pulumi preview
 * --policy-pack policy` starts it (ts-node with type-checking on: seconds, and four times as many
 * under coverage instrumentation); `test/policy/protocol.test.ts` checks that it serves the same
 * policies and verdicts as the compiled copy. It runs without coverage collection: it executes the
 * same lines of `policy/` the compiled copy does.
 */
import * as fs from "fs";
import * as path from "path";
import { PolicyPackServer } from "../../scripts/lib/analyzer";
import { preparePack } from "../../scripts/lib/packBuild";
import { GateResource, runGate, Violation } from "../../scripts/lib/gate";
import { parsePolicyPackConfig, PolicyConfig } from "../../scripts/lib/policyConfig";
import { PROJECT, STACK } from "../fixtures/policy/stack";

export const PACK_DIR = path.resolve(__dirname, "..", "..", "policy");

let server: Promise<PolicyPackServer> | undefined;
let sourceServer: Promise<PolicyPackServer> | undefined;

/** The shared pack process (the compiled copy the CLI runs). */
export function packServer(): Promise<PolicyPackServer> {
  server ??= PolicyPackServer.start({ packDir: preparePack(PACK_DIR) });
  return server;
}

/** The pack run from its TypeScript sources as the Pulumi CLI runs it, without coverage. */
export function sourcePackServer(): Promise<PolicyPackServer> {
  sourceServer ??= PolicyPackServer.start({ packDir: PACK_DIR, env: { NODE_V8_COVERAGE: "" } });
  return sourceServer;
}

// Registered on mocha's root suite when this module is first loaded: both packs start when the
// run begins, in their own processes, while the suites before the policy tests run; a start
// failure surfaces in the first test that awaits it.
before(() => {
  packServer().catch(() => undefined);
  sourcePackServer().catch(() => undefined);
});

// Registered on mocha's root suite when this module is first loaded: runs once, after all tests.
after(async () => {
  for (const started of [server, sourceServer]) {
    await (await started?.catch(() => undefined))?.stop();
  }
  server = undefined;
  sourceServer = undefined;
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
 * fixtureConfig) or the given config, as a preview, on the shared pack or on `server`.
 */
export async function violationsOf(
  resources: GateResource[],
  environment: string | Record<string, PolicyConfig> = "prod",
  server: Promise<PolicyPackServer> = packServer(),
): Promise<Violation[]> {
  const result = await runGate(await server, {
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
