// Runs npm scripts side by side and fails when any fails. `npm test` runs the type-check, the
// linters and the tests at once: on a 2-core machine the tests keep one core busy and the
// type-check and linters fit beside them. The last script is the long one (the tests): the others
// run at a lower CPU priority (nice 10), so they take the time the last one leaves free instead of
// slowing it down. Each script's output is printed whole when it ends, so logs never interleave;
// the exit status is the first failing script's (0 when all pass).
//
// usage: node scripts/parallel.mjs <script> [<script> ...]
import { spawn } from "node:child_process";
import { setPriority } from "node:os";

const npmCli = process.env.npm_execpath;
const scripts = process.argv.slice(2);
const runs = scripts.map(
  (script, index) =>
    new Promise((resolve) => {
      const [command, args] =
        npmCli === undefined
          ? ["npm", ["run", "-s", script]]
          : [process.execPath, [npmCli, "run", "-s", script]];
      const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
      if (index < scripts.length - 1 && child.pid !== undefined) {
        // Before npm starts the script's own processes, which inherit the priority.
        setPriority(child.pid, 10);
      }
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
