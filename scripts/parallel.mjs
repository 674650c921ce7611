// Runs npm scripts side by side and fails when any fails. `npm test` runs the type-check, the
// linters and the tests at once: on a 2-core machine the tests keep one core busy and the
// type-check and linters fit beside them. Each script's output is printed whole when it ends, so
// logs never interleave; the exit status is the first failing script's (0 when all pass).
//
// usage: node scripts/parallel.mjs <script> [<script> ...]
import { spawn } from "node:child_process";

const npmCli = process.env.npm_execpath;
const runs = process.argv.slice(2).map(
  (script) =>
    new Promise((resolve) => {
      const [command, args] =
        npmCli === undefined
          ? ["npm", ["run", "-s", script]]
          : [process.execPath, [npmCli, "run", "-s", script]];
      const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
      const chunks = [];
      child.stdout.on("data", (chunk) => chunks.push(chunk));
      child.stderr.on("data", (chunk) => chunks.push(chunk));
      child.on("close", (code) => {
        process.stdout.write(`\n> ${script}: ${code === 0 ? "ok" : `exit ${code}`}\n`);
        process.stdout.write(Buffer.concat(chunks));
        resolve(code ?? 1);
      });
    }),
);
const codes = await Promise.all(runs);
process.exitCode = codes.find((code) => code !== 0) ?? 0;
