// Fast launcher for `npm run plan`, `npm run policy` and `npm run bench`: runs the commands from a
// JavaScript build of the project under node_modules/.cache/chatbot-build instead of compiling
// TypeScript on every start. Only files changed since the last build are transpiled again
// (TypeScript's transpileModule: no type-checking; `npm test` type-checks).
//
// usage: node scripts/run.mjs <plan|policy|bench> [arguments]
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT = path.join(ROOT, "node_modules", ".cache", "chatbot-build");
const SOURCES = ["index.ts", "lib", "components", "scripts"];
const COMMANDS = { plan: "plan", policy: "policy", bench: "bench" };

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

async function build() {
  let ts;
  for (const file of SOURCES.flatMap(sources)) {
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

const [command, ...args] = process.argv.slice(2);
if (!(command in COMMANDS)) {
  process.stderr.write(
    `usage: node scripts/run.mjs <${Object.keys(COMMANDS).join("|")}> [arguments]\n`,
  );
  process.exit(2);
}
await build();
const module = await import(pathToFileURL(path.join(OUT, "scripts", `${command}.js`)).href);
const main = module[COMMANDS[command]] ?? module.default[COMMANDS[command]];
process.exitCode = await main(args);
