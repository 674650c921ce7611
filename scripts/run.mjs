// Fast launcher of the project's CLI (`cli/chatbot-platform.mjs`, `npm run plan|policy|bench|
// release|drill`): runs the commands from a JavaScript build of the project under
// node_modules/.cache/chatbot-build instead of compiling TypeScript on every start. Only files
// changed since the last build are transpiled again (TypeScript's transpileModule: no
// type-checking; `npm test` type-checks). The drill runs from its sources (see
// scripts/cli/program.ts).
//
// usage: node scripts/run.mjs <command> [arguments]   (the same as chatbot-platform <command> ...)
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT = path.join(ROOT, "node_modules", ".cache", "chatbot-build");
const SOURCES = [
  "index.ts",
  "lib",
  "components",
  "scripts",
  "release",
  "restore",
  "simulator",
  "policy/lib",
];

function sources(entry) {
  const full = path.join(ROOT, entry);
  if (!fs.existsSync(full)) {
    return [];
  }
  if (fs.statSync(full).isFile()) {
    return entry.endsWith(".ts") && !entry.endsWith(".d.ts") ? [entry] : [];
  }
  return fs.readdirSync(full).flatMap((name) => sources(path.join(entry, name)));
}

/** Built files under `dir` (relative to the build folder). */
function built(dir) {
  const full = path.join(OUT, dir);
  if (!fs.existsSync(full)) {
    return [];
  }
  if (fs.statSync(full).isFile()) {
    return dir.endsWith(".js") ? [dir] : [];
  }
  return fs.readdirSync(full).flatMap((name) => built(path.join(dir, name)));
}

/**
 * Transpiles the sources that changed since the last build and deletes the build of a source that
 * is gone (a stale `lib/config.js` would shadow a new `lib/config/` folder).
 */
export async function build() {
  let ts;
  const files = SOURCES.flatMap(sources);
  const wanted = new Set(files.map((file) => file.replace(/\.ts$/, ".js")));
  for (const stale of SOURCES.map((entry) => entry.replace(/\.ts$/, ".js"))
    .flatMap(built)
    .filter((file) => !wanted.has(file))) {
    fs.rmSync(path.join(OUT, stale));
  }
  for (const file of files) {
    const target = path.join(OUT, file.replace(/\.ts$/, ".js"));
    const source = path.join(ROOT, file);
    if (fs.existsSync(target) && fs.statSync(target).mtimeMs >= fs.statSync(source).mtimeMs) {
      continue;
    }
    ts ??= (await import("typescript")).default;
    const output = ts.transpileModule(fs.readFileSync(source, "utf8"), {
      fileName: source,
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.CommonJS,
        esModuleInterop: true,
        inlineSourceMap: true,
      },
    });
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, output.outputText);
  }
}

/**
 * Runs a command line of the CLI from the build; returns its exit status. An unexpected error
 * (a bug, not a usage or configuration error) prints its stack and exits 4.
 */
export async function run(argv) {
  await build();
  const { runCli } = createRequire(import.meta.url)(path.join(OUT, "scripts", "cli", "program.js"));
  try {
    return await runCli(argv);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    return 4;
  }
}

if (
  process.argv[1] !== undefined &&
  path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
) {
  process.exitCode = await run(process.argv.slice(2));
}
