/**
 * `npm run bench [-- --runs N --write-readme]`
 *
 * Times, as separate processes, the prod plan and its parts under Pulumi's default TypeScript
 * handling (ts-node with type-checking, which both `pulumi` and `run-policy-pack` use unless told
 * otherwise) and under this project's settings (tsconfig `noCheck`, i.e. transpile-only, and the
 * precompiled launcher and pack), and prints the medians. `--write-readme` records them in the
 * README between the bench markers.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT_DIR } from "./lib/analyzer";
import { parseArgs } from "./lib/cli";
import { preparePack } from "./lib/packBuild";
import { PACK_DIR } from "./lib/gateCommand";

interface Case {
  label: string;
  command: string[];
  env?: Record<string, string>;
}

const TYPE_CHECK = { TS_NODE_COMPILER_OPTIONS: JSON.stringify({ noCheck: false }) };

/** Starts a pack directory through run-policy-pack and exits once it prints its port. */
const PACK_START = `
const { PolicyPackServer } = require(${JSON.stringify(path.join(ROOT_DIR, "scripts/lib/analyzer"))});
PolicyPackServer.start({ packDir: process.argv[1] }).then((s) => s.stop());`;

function cases(): Case[] {
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
      label: "plan --stack prod, project settings (`npm run plan`)",
      command: [node, "scripts/run.mjs", "plan", "--stack", "prod"],
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

function time(c: Case): number {
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Runs the benchmark; returns the markdown table. */
export function bench(argv: string[]): number {
  const args = parseArgs(argv, ["runs"], ["write-readme"]);
  const runs = Number(args.runs ?? 5);
  const rows = cases().map((c) => {
    time(c); // warm the file cache and the compiled build
    const seconds = Array.from({ length: runs }, () => time(c));
    process.stderr.write(`${c.label}: ${seconds.map((s) => s.toFixed(2)).join(" ")}\n`);
    return `| ${c.label} | ${median(seconds).toFixed(2)} s |`;
  });
  const table = [
    `Medians of ${runs} runs (\`npm run bench\`, ${process.platform}, ${os.cpus().length} CPUs, Node ${process.version}):`,
    "",
    "| Measurement | Median wall time |",
    "| --- | --- |",
    ...rows,
  ].join("\n");
  process.stdout.write(`${table}\n`);
  if (args["write-readme"] === true) {
    const readme = path.join(ROOT_DIR, "README.md");
    const text = fs.readFileSync(readme, "utf8");
    const updated = text.replace(
      /(<!-- bench:start -->\n)[\s\S]*?(<!-- bench:end -->)/,
      `$1${table}\n$2`,
    );
    fs.writeFileSync(readme, updated);
  }
  return 0;
}

/* c8 ignore start -- the command-line entry point */
if (require.main === module) {
  process.exitCode = bench(process.argv.slice(2));
}
/* c8 ignore stop */
