import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "..", "..");
const GITHUB = path.join(ROOT, ".github");
const OWNERS = "@<org>/platform-security";

/** CODEOWNERS as `[pattern, owners]`, comments and blank lines skipped. */
function codeOwners(): [string, string[]][] {
  return fs
    .readFileSync(path.join(GITHUB, "CODEOWNERS"), "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [pattern, ...owners] = line.split(/\s+/);
      return [pattern, owners];
    });
}

/**
 * GitHub's meaning of the anchored patterns this file uses: `/dir/` is everything below `dir`,
 * `*` matches within one path segment.
 */
function matches(pattern: string, file: string): boolean {
  const body = pattern
    .slice(1)
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, "[^/]*");
  return new RegExp(pattern.endsWith("/") ? `^${body}` : `^${body}$`).test(file);
}

/** Files under `dir` (relative to the repository root), `node_modules` excluded. */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
    .flatMap((entry) => {
      const file = path.relative(ROOT, path.join(entry.parentPath, entry.name));
      return entry.isFile() && !file.includes("node_modules") ? [file] : [];
    });
}

describe("CODEOWNERS", () => {
  it("requires the platform-security review for the workflows, the policy pack, Deployments, stack files, the release engine and the guard", () => {
    assert.deepEqual(codeOwners(), [
      ["/.github/", [OWNERS]],
      ["/policy/", [OWNERS]],
      ["/deployments/", [OWNERS]],
      ["/Pulumi.yaml", [OWNERS]],
      ["/Pulumi.*.yaml", [OWNERS]],
      ["/release/", [OWNERS]],
      ["/lib/guard.ts", [OWNERS]],
    ]);
  });

  it("covers every file of the gates and leaves the program's other files to the usual review", () => {
    // given the gate files as they are in the repository
    const gates = [
      ...filesUnder(".github"),
      ...filesUnder("policy"),
      ...filesUnder("deployments"),
      ...filesUnder("release"),
      ...fs.readdirSync(ROOT).filter((f) => /^Pulumi(\.[^.]+)?\.yaml$/.test(f)),
      "lib/guard.ts",
    ];
    const owned = (file: string) => codeOwners().some(([pattern]) => matches(pattern, file));

    // then each one is owned, and so is each stack file by name
    assert.deepEqual(
      gates.filter((f) => !owned(f)),
      [],
    );
    assert.equal(gates.includes(".github/workflows/pr.yml"), true);
    assert.equal(gates.includes("policy/config/prod.json"), true);
    assert.deepEqual(
      ["Pulumi.dev.yaml", "Pulumi.staging.yaml", "Pulumi.prod.yaml", "Pulumi.yaml"].map(owned),
      [true, true, true, true],
    );
    // and the program's components, other lib modules and tests are not
    assert.deepEqual(
      ["components/keyVault.ts", "lib/naming.ts", "index.ts", "test/policy/protocol.test.ts"].map(
        owned,
      ),
      [false, false, false, false],
    );
  });
});

describe("dependabot.yml", () => {
  /* eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped YAML */
  const doc: any = parse(fs.readFileSync(path.join(GITHUB, "dependabot.yml"), "utf8"));

  it("updates npm packages and GitHub Actions weekly, Pulumi and Azure packages each in one pull request", () => {
    assert.deepEqual(doc, {
      version: 2,
      updates: [
        {
          "package-ecosystem": "npm",
          directory: "/",
          schedule: { interval: "weekly" },
          "open-pull-requests-limit": 10,
          groups: {
            pulumi: { patterns: ["@pulumi/*"] },
            azure: { patterns: ["@azure/*"] },
          },
        },
        {
          "package-ecosystem": "github-actions",
          directory: "/",
          schedule: { interval: "weekly" },
          groups: { actions: { patterns: ["*"] } },
        },
      ],
    });
  });

  it("groups every @pulumi/ and @azure/ dependency of package.json", () => {
    // given the project's dependencies
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    const names = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
    const groups = doc.updates[0].groups as Record<string, { patterns: string[] }>;
    const groupOf = (name: string) =>
      Object.keys(groups).find((g) =>
        groups[g].patterns.some((p) => name.startsWith(p.replace(/\*$/, ""))),
      );

    // then each scope's packages land in its group, and nothing else does
    assert.deepEqual(
      names.filter((n) => n.startsWith("@pulumi/")).map(groupOf),
      names.filter((n) => n.startsWith("@pulumi/")).map(() => "pulumi"),
    );
    assert.deepEqual(
      names.filter((n) => n.startsWith("@azure/")).map(groupOf),
      names.filter((n) => n.startsWith("@azure/")).map(() => "azure"),
    );
    assert.deepEqual(
      names.filter((n) => !/^@(pulumi|azure)\//.test(n)).map(groupOf),
      names.filter((n) => !/^@(pulumi|azure)\//.test(n)).map(() => undefined),
    );
  });
});
