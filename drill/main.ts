/**
 * `npm run drill [-- --json] [--scenario FILE ...] [--only ID ...]`: an offline release rehearsal.
 * Runs the built-in scenarios (or the given files) against the model of Azure, prints one line
 * per scenario (what happened, where traffic ended, the exit code) and a summary, and exits 0 only
 * when every scenario ended as expected.
 */
import { runCli } from "../scripts/cli/program";
import { AKS_SCENARIOS, describeTraffic, runScenario, ScenarioResult } from "./runner";
import { loadScenarioFile, Scenario, ScenarioError } from "./scenario";
import { SCENARIOS } from "./scenarios";

/** The options commander collected (`scripts/cli/program.ts`). */
export interface DrillOptions {
  readonly json?: boolean;
  readonly scenario?: readonly string[];
  readonly only?: readonly string[];
  /** `containerApps` (default) or `aks`: on aks, the built-in scenarios of `AKS_SCENARIOS`. */
  readonly target?: string;
}

/** One line per scenario. */
export function formatLine(result: ScenarioResult): string {
  const mark = result.passed ? "PASS" : "FAIL";
  const lines = [
    `${mark} ${result.id}: ${result.summary || result.title} | traffic ${describeTraffic(result.traffic)} | exit ${result.exit ?? "-"}`,
  ];
  for (const problem of result.problems) {
    lines.push(`     ${problem}`);
  }
  return lines.join("\n");
}

/** Runs the drill with the options commander collected; returns the exit code. */
export async function runDrill(
  options: DrillOptions,
  write: (text: string) => void = (text) => process.stdout.write(text),
  writeError: (text: string) => void = (text) => process.stderr.write(text),
): Promise<number> {
  const files = options.scenario ?? [];
  const only = options.only ?? [];
  const target = options.target ?? "containerApps";
  let scenarios: Scenario[];
  try {
    if (target !== "containerApps" && target !== "aks") {
      throw new ScenarioError(
        "command line",
        `--target must be containerApps or aks, got ${target}`,
      );
    }
    // The built-in scenarios this target runs; an --only outside them would run nothing.
    const runnable = SCENARIOS.map((scenario) => scenario.id).filter(
      (id) => target === "containerApps" || AKS_SCENARIOS.includes(id),
    );
    const listed = `the built-in scenarios${target === "aks" ? " that run with --target aks" : ""}: ${runnable.join(", ")}`;
    const unknown = only.filter((id) => !SCENARIOS.some((scenario) => scenario.id === id));
    if (unknown.length > 0) {
      throw new ScenarioError(
        "command line",
        `no built-in scenario ${unknown.join(", ")}; ${listed}`,
      );
    }
    const elsewhere = only.filter((id) => !runnable.includes(id));
    if (elsewhere.length > 0) {
      throw new ScenarioError(
        "command line",
        `${elsewhere.join(", ")} ${elsewhere.length === 1 ? "has" : "have"} no AKS variant; ${listed}`,
      );
    }
    scenarios =
      files.length > 0
        ? files.map(loadScenarioFile)
        : SCENARIOS.filter(
            (scenario) =>
              (only.length === 0 || only.includes(scenario.id)) && runnable.includes(scenario.id),
          );
  } catch (err) {
    if (err instanceof ScenarioError) {
      writeError(`error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    const result = await runScenario(scenario, target === "aks" ? "aks" : "containerApps");
    results.push(result);
    if (options.json !== true) {
      write(`${formatLine(result)}\n`);
    }
  }
  const passed = results.filter((result) => result.passed).length;
  const failed = results.length - passed;
  if (options.json === true) {
    write(
      `${JSON.stringify(
        {
          passed,
          failed,
          scenarios: results.map(({ output, ...rest }) => ({ ...rest, lines: output.length })),
        },
        null,
        2,
      )}\n`,
    );
  } else {
    write(`${passed} passed, ${failed} failed\n`);
  }
  return failed === 0 ? 0 : 1;
}

/** The drill with a command line (without `drill`), through the CLI: `npm run drill -- ...`. */
export function main(
  argv: readonly string[],
  write: (text: string) => void = (text) => process.stdout.write(text),
  writeError: (text: string) => void = (text) => process.stderr.write(text),
): Promise<number> {
  return runCli(["drill", ...argv], { stdout: write, stderr: writeError });
}
