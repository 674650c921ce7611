/**
 * Evaluates the program once under mocks with a stack's config (no policy pack): what `bench`
 * times as "the program's evaluation". usage: evaluate.ts <stack>
 */
import * as path from "path";
import { loadStackConfig, simulateStack } from "../simulator/simulate";

/** Runs the program for `stack`; returns how many resources it registered. */
export async function evaluate(stack: string): Promise<number> {
  const root = path.resolve(__dirname, "..");
  const config = loadStackConfig(
    path.join(root, `Pulumi.${stack}.yaml`),
    path.join(root, "Pulumi.yaml"),
  );
  return (await simulateStack({ stack, config, preview: true })).resources.length;
}

/* c8 ignore start -- the command-line entry point */
if (require.main === module) {
  evaluate(process.argv[2] ?? "prod").then((count) => process.stdout.write(`${count}\n`));
}
/* c8 ignore stop */
