/**
 * `npm run bench [-- --runs N --only <text> --write-readme --json]`
 *
 * Times, as separate processes, the plans (prod alone; every stack in one run) and their parts
 * under Pulumi's default TypeScript handling (ts-node with type-checking, which both `pulumi` and
 * `run-policy-pack` use unless told otherwise) and under this project's settings (tsconfig
 * `noCheck`, i.e. transpile-only, and the precompiled launcher and pack), and prints the medians.
 * Each run's progress goes to stderr: one line rewritten in place on a terminal, a line per run
 * elsewhere. `--write-readme` records the medians in the README between the bench markers.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT_DIR } from "./lib/analyzer";
import { Io, processIo, UsageError } from "./lib/cli";
import { preparePack } from "./lib/packBuild";
import { PACK_DIR } from "./lib/gateCommand";
import { formatSeconds, Progress, TextStream } from "./cli/progress";

/** One measurement: a command line timed as a separate process. */
export interface Case {
  label: string;
  command: string[];
  env?: Record<string, string>;
}

/** The options commander collected (`scripts/cli/program.ts`). */
export interface BenchOptions {
  runs?: string;
  only?: string;
  writeReadme?: boolean;
  json?: boolean;
}

/** What the benchmark runs and where its progress goes; tests replace them. */
export interface BenchDeps {
  cases: () => Case[];
  /** Runs a case once; returns its wall time in seconds. */
  time: (c: Case) => number;
  progress: TextStream;
  readme: string;
}

/** A measurement's median. */
export interface Median {
  label: string;
  seconds: number;
}

const TYPE_CHECK = { TS_NODE_COMPILER_OPTIONS: JSON.stringify({ noCheck: false }) };
const LAUNCHER = path.join(ROOT_DIR, "cli", "chatbot-platform.mjs");

/** Starts a pack directory through run-policy-pack and exits once it prints its port. */
const PACK_START = `
const { PolicyPackServer } = require(${JSON.stringify(path.join(ROOT_DIR, "scripts/lib/analyzer"))});
PolicyPackServer.start({ packDir: process.argv[1] }).then((s) => s.stop());`;

/** The measurements. */
export function cases(): Case[] {
  const node = process.execPath;
  const compiledPack = preparePack(PACK_DIR);
  const tsNode = (mode: string): string[] => [node, "-r", `ts-node/register${mode}`];
  return [
    {
      label: "plan --stack prod, Pulumi's default (ts-node type-checking, pack from sources)",
      command: [...tsNode(""), "scripts/bench-plan-sources.ts"],
      env: TYPE_CHECK,
    },
    {
      label: "plan --stack prod, project settings (`npm run plan -- --stack prod`)",
      command: [node, LAUNCHER, "plan", "--stack", "prod"],
    },
    {
      label: "plan of every stack (dev, staging, prod) in one run (`npm run plan`)",
      command: [node, LAUNCHER, "plan", "--all"],
    },
    {
      label: "program evaluation (prod, mocks), ts-node type-checking",
      command: [...tsNode(""), "scripts/evaluate.ts", "prod"],
      env: TYPE_CHECK,
    },
    {
      label: "program evaluation (prod, mocks), transpile-only (tsconfig noCheck)",
      command: [...tsNode("/transpile-only"), "scripts/evaluate.ts", "prod"],
    },
    {
      label: "policy pack start, run-policy-pack on the TypeScript sources",
      command: [...tsNode("/transpile-only"), "-e", PACK_START, PACK_DIR],
    },
    {
      label: "policy pack start, run-policy-pack on the compiled pack",
      command: [...tsNode("/transpile-only"), "-e", PACK_START, compiledPack],
    },
  ];
}

/** Runs a case once as a separate process; returns its wall time in seconds. */
export function time(c: Case): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(c.command[0], c.command.slice(1), {
    cwd: ROOT_DIR,
    env: { ...process.env, ...c.env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  if (result.status !== 0) {
    throw new Error(`${c.label} failed (${result.status}):\n${result.stderr.toString()}`);
  }
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The markdown table the README records. */
export function renderTable(medians: Median[], runs: number): string {
  return [
    `Medians of ${runs} runs (\`npm run bench\`, ${process.platform}, ${os.cpus().length} CPUs, Node ${process.version}):`,
    "",
    "| Measurement | Median wall time |",
    "| --- | --- |",
    ...medians.map((m) => `| ${m.label} | ${m.seconds.toFixed(2)} s |`),
  ].join("\n");
}

/**
 * Times every case: one warm-up run (file cache, compiled build), then `runs` timed runs, each
 * reported on `progress` with how long this measurement has left.
 */
export function measure(list: Case[], runs: number, deps: Pick<BenchDeps, "time" | "progress">) {
  const progress = new Progress(deps.progress);
  return list.map((c, index): Median => {
    const prefix = `[${index + 1}/${list.length}] ${c.label}`;
    const seconds: number[] = [];
    for (let run = 0; run <= runs; run++) {
      const name = run === 0 ? "warm-up run" : `run ${run}/${runs}`;
      if (progress.rewrites) {
        progress.update(`${prefix}: ${name}...`);
      }
      const took = deps.time(c);
      if (run > 0) {
        seconds.push(took);
      }
      const left = (runs - run) * (seconds.length > 0 ? median(seconds) : took);
      progress.update(
        `${prefix}: ${name} took ${took.toFixed(2)} s; about ${formatSeconds(left)} left in this measurement`,
      );
    }
    progress.line(`${c.label}: ${seconds.map((s) => s.toFixed(2)).join(" ")}`);
    return { label: c.label, seconds: median(seconds) };
  });
}

/** Runs the benchmark with the options commander collected; returns the exit status. */
export async function runBench(
  options: BenchOptions,
  io: Io = processIo,
  deps: BenchDeps = {
    cases,
    time,
    progress: process.stderr,
    readme: path.join(ROOT_DIR, "README.md"),
  },
): Promise<number> {
  const runs = Number(options.runs ?? "5");
  try {
    if (!Number.isInteger(runs) || runs < 1) {
      throw new UsageError(
        `--runs must be a whole number of runs, at least 1, got ${options.runs}`,
      );
    }
    const list = deps
      .cases()
      .filter((c) => options.only === undefined || c.label.includes(options.only));
    if (list.length === 0) {
      throw new UsageError(`--only ${options.only} matches no measurement`);
    }
    const medians = measure(list, runs, deps);
    const table = renderTable(medians, runs);
    if (options.json === true) {
      io.stdout(
        `${JSON.stringify({ runs, platform: process.platform, cpus: os.cpus().length, node: process.version, medians }, null, 2)}\n`,
      );
    } else {
      io.stdout(`${table}\n`);
    }
    if (options.writeReadme === true) {
      const text = fs.readFileSync(deps.readme, "utf8");
      fs.writeFileSync(
        deps.readme,
        text.replace(/(<!-- bench:start -->\n)[\s\S]*?(<!-- bench:end -->)/, `$1${table}\n$2`),
      );
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`error: ${error.message}\n`);
      return 2;
    }
    io.stderr(`error: ${(error as Error).message}\n`);
    return 4;
  }
}
