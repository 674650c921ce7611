/**
 * Compiles the policy pack to JavaScript under `node_modules/.cache/` (outside git, lint and
 * coverage, yet still resolving the root node_modules) so the
 * analyzer starts in about a second: `run-policy-pack` registers ts-node with type-checking on, and
 * type-checking the pack against @pulumi/azure-native's declarations costs several seconds per start.
 * The compiled directory is a complete pack (PulumiPolicy.yaml, package.json) that the same
 * `run-policy-pack` entry point runs; TypeScript is loaded only when a source changed.
 */
import * as fs from "fs";
import * as path from "path";
import { ROOT_DIR } from "./analyzer";

const CACHE_DIR = path.join(ROOT_DIR, "node_modules", ".cache");

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "bin" || entry.name === "node_modules" || entry.name.startsWith(".")) {
      continue;
    }
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      files.push(...sourceFiles(full));
    } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
      files.push(full);
    }
  }
  return files;
}

function newestMtime(files: string[]): number {
  return Math.max(...files.map((file) => fs.statSync(file).mtimeMs));
}

/**
 * Returns a directory the CLI's `run-policy-pack` can run, rebuilt when any
 * source, PulumiPolicy.yaml or package.json is newer than the last build.
 */
export function preparePack(packDir: string): string {
  const outDir = path.join(CACHE_DIR, `policy-pack-${path.basename(path.resolve(packDir))}`);
  const stamp = path.join(outDir, ".built");
  const sources = sourceFiles(packDir);
  const inputs = [
    ...sources,
    path.join(packDir, "PulumiPolicy.yaml"),
    path.join(packDir, "package.json"),
    path.join(packDir, "tsconfig.json"),
  ].filter((file) => fs.existsSync(file));
  if (fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= newestMtime(inputs)) {
    return outDir;
  }
  // Loaded lazily: requiring TypeScript costs a few hundred milliseconds.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts: typeof import("typescript") = require("typescript");
  fs.rmSync(outDir, { recursive: true, force: true });
  for (const source of sources) {
    const relative = path.relative(packDir, source);
    const target = path.join(outDir, relative.replace(/\.ts$/, ".js"));
    const output = ts.transpileModule(fs.readFileSync(source, "utf8"), {
      fileName: source,
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.CommonJS,
        esModuleInterop: true,
        sourceMap: true,
      },
    });
    const map = JSON.parse(output.sourceMapText ?? "{}");
    map.sources = [source];
    map.file = path.basename(target);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const code = output.outputText.replace(/\/\/# sourceMappingURL=.*$/m, "");
    fs.writeFileSync(target, `${code}//# sourceMappingURL=${path.basename(target)}.map\n`);
    fs.writeFileSync(`${target}.map`, JSON.stringify(map));
  }
  fs.copyFileSync(path.join(packDir, "PulumiPolicy.yaml"), path.join(outDir, "PulumiPolicy.yaml"));
  const manifest = JSON.parse(fs.readFileSync(path.join(packDir, "package.json"), "utf8"));
  manifest.main = "index.js";
  fs.writeFileSync(path.join(outDir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.writeFileSync(stamp, new Date().toISOString());
  return outDir;
}
