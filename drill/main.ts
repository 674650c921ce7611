/**
 * `npm run drill [-- --json] [--scenario FILE ...] [--only ID ...]`: an offline release rehearsal.
 * Runs the built-in scenarios (or the given files) against the model of Azure, prints one line
 * per scenario (what happened, where traffic ended, the exit code) and a summary, and exits 0 only
 * when every scenario ended as expected.
 */
import { describeTraffic, runScenario, ScenarioResult } from "./runner";
import { loadScenarioFile, Scenario, ScenarioError } from "./scenario";
import { SCENARIOS } from "./scenarios";

export const USAGE = [
  "usage: npm run drill [-- [--json] [--scenario FILE]... [--only ID]...]",
  "  --json           print the results as JSON on stdout (nothing else)",
  "  --scenario FILE  run a scenario file (YAML or JSON, format in the README) instead of the built-in ones",
  "  --only ID        run only the built-in scenario with this id",
  "exit codes: 0 every scenario ended as expected; 1 one or more did not; 2 usage or a bad scenario file",
  "examples:",
  "  npm run drill",
  "  npm run -s drill -- --json",
  "  npm run drill -- --scenario my-release.yaml",
].join("\n");

interface Options {
  readonly json: boolean;
  readonly files: string[];
  readonly only: string[];
}

function parse(argv: readonly string[]): Options {
  const options: Options = { json: false, files: [], only: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--json") {
      (options as { json: boolean }).json = true;
    } else if (arg === "--scenario" || arg === "--only") {
      const value = argv[++i];
      if (value === undefined || value.startsWith("--")) {
        throw new ScenarioError("command line", `${arg} needs a value`);
      }
      (arg === "--scenario" ? options.files : options.only).push(value);
    } else {
      throw new ScenarioError("command line", `unknown argument ${arg}`);
    }
  }
  return options;
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

/** Runs the drill; returns the exit code. `write` receives stdout text. */
export async function main(
  argv: readonly string[],
  write: (text: string) => void = (text) => process.stdout.write(text),
  writeError: (text: string) => void = (text) => process.stderr.write(text),
): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    write(`${USAGE}\n`);
    return 0;
  }
  let options: Options;
  let scenarios: Scenario[];
  try {
    options = parse(argv);
    scenarios =
      options.files.length > 0
        ? options.files.map(loadScenarioFile)
        : SCENARIOS.filter(
            (scenario) => options.only.length === 0 || options.only.includes(scenario.id),
          );
    const unknown = options.only.filter((id) => !SCENARIOS.some((scenario) => scenario.id === id));
    if (unknown.length > 0) {
      throw new ScenarioError("command line", `no built-in scenario ${unknown.join(", ")}`);
    }
  } catch (err) {
    if (err instanceof ScenarioError) {
      writeError(`error: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    const result = await runScenario(scenario);
    results.push(result);
    if (!options.json) {
      write(`${formatLine(result)}\n`);
    }
  }
  const passed = results.filter((result) => result.passed).length;
  const failed = results.length - passed;
  if (options.json) {
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

/* c8 ignore next 3 */
if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
