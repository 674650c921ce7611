/**
 * The prod plan the way a plain Pulumi setup would run it: this file is loaded by ts-node with
 * type-checking, and the pack is started from its TypeScript sources (run-policy-pack type-checks
 * it). Used by `npm run bench` as the baseline.
 */
import { PolicyPackServer } from "./lib/analyzer";
import { PACK_DIR } from "./lib/gateCommand";
import { plan } from "./plan";

/* c8 ignore start -- a benchmark entry point */
let server: PolicyPackServer | undefined;
plan(
  ["--stack", "prod"],
  { stdout: () => undefined, stderr: (text) => process.stderr.write(text) },
  async () => (server = await PolicyPackServer.start({ packDir: PACK_DIR })),
).then(async (code) => {
  await server?.stop();
  process.exitCode = code;
});
/* c8 ignore stop */
