import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const LOCKFILE = path.join(ROOT, "package-lock.json");
const CLI = path.join(ROOT, "node_modules", "lockfile-lint", "bin", "lockfile-lint.js");

/**
 * The lockfile policy: every package from the npm registry (a `resolved` URL on any other host,
 * or a package name that differs from the entry's, is refused), over https, with a sha512
 * integrity hash.
 */
const POLICY = [
  "--type",
  "npm",
  "--allowed-hosts",
  "npm",
  "--validate-https",
  "--validate-package-names",
  "--validate-integrity",
  "--empty-hostname",
  "false",
  "--format",
  "plain",
];

interface LintResult {
  status: number | null;
  output: string;
}

/** Runs the lockfile-lint CLI (the pinned devDependency) on one lockfile. */
function lockfileLint(file: string): LintResult {
  const run = spawnSync(process.execPath, [CLI, "--path", file, ...POLICY], { encoding: "utf8" });
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

interface Lockfile {
  packages: Record<
    string,
    { version?: string; resolved?: string; integrity?: string; link?: boolean }
  >;
}

/**
 * Installed packages without a sha512 `integrity`. lockfile-lint checks the hash type only where
 * an `integrity` is present, so a missing one is this test's to catch: `npm ci` installs such a
 * package without verifying its contents.
 */
function withoutSha512(lock: Lockfile): string[] {
  return Object.entries(lock.packages)
    .filter(([key, entry]) => key !== "" && entry.link !== true)
    .filter(([, entry]) => !/^sha512-[A-Za-z0-9+/]+=*$/.test(entry.integrity ?? ""))
    .map(([key]) => key);
}

const SHA512 = `sha512-${Buffer.alloc(64, 1).toString("base64")}`;

/** A minimal lockfile v3 with one registry package, plus `extra` entries. */
function lockfileWith(extra: Lockfile["packages"]): Lockfile {
  return {
    packages: {
      "": { version: "1.0.0" },
      "node_modules/yaml": {
        version: "2.9.1",
        resolved: "https://registry.npmjs.org/yaml/-/yaml-2.9.1.tgz",
        integrity: SHA512,
      },
      ...extra,
    },
  };
}

describe("package-lock.json (supply chain)", () => {
  let dir: string;
  const write = (lock: Lockfile) => {
    const file = path.join(dir, "package-lock.json");
    fs.writeFileSync(
      file,
      JSON.stringify({ name: "t", lockfileVersion: 3, requires: true, ...lock }),
    );
    return file;
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "lockfile-"));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("passes lockfile-lint: registry.npmjs.org only, https, package names match, sha512", () => {
    // when / then
    assert.deepEqual(lockfileLint(LOCKFILE), { status: 0, output: "No issues detected" });
  });

  it("has a sha512 integrity hash for every installed package", () => {
    // given the committed lockfile
    const lock = JSON.parse(fs.readFileSync(LOCKFILE, "utf8")) as Lockfile;

    // then every package is pinned by content, and there are packages to check
    assert.deepEqual(withoutSha512(lock), []);
    assert.equal(Object.keys(lock.packages).length > 1, true);
  });

  it("passes a compliant lockfile (the baseline of the failing cases)", () => {
    assert.deepEqual(lockfileLint(write(lockfileWith({}))), {
      status: 0,
      output: "No issues detected",
    });
  });

  it("fails when a package is resolved over http", () => {
    // given
    const file = write(
      lockfileWith({
        "node_modules/left-pad": {
          version: "1.3.0",
          resolved: "http://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",
          integrity: SHA512,
        },
      }),
    );

    // when
    const result = lockfileLint(file);

    // then
    assert.equal(result.status, 1);
    assert.match(
      result.output,
      /^detected invalid protocol for package: left-pad@1\.3\.0-[0-9a-f]{40}\n {4}expected: https:\n {4}actual: http:\n\nError: security issues detected!$/,
    );
  });

  it("fails when a package is resolved from a host other than the npm registry", () => {
    // given
    const file = write(
      lockfileWith({
        "node_modules/left-pad": {
          version: "1.3.0",
          resolved: "https://registry.example.com/left-pad/-/left-pad-1.3.0.tgz",
          integrity: SHA512,
        },
      }),
    );

    // when
    const result = lockfileLint(file);

    // then
    assert.equal(result.status, 1);
    assert.match(
      result.output,
      /^detected invalid host\(s\) for package: left-pad@1\.3\.0-[0-9a-f]{40}\n {4}expected: registry\.npmjs\.org\n {4}actual: registry\.example\.com\n\nError: security issues detected!$/,
    );
  });

  it("fails when an entry installs another registry package under its name", () => {
    // given `left-pad` served by the tarball of `evil-pad`
    const file = write(
      lockfileWith({
        "node_modules/left-pad": {
          version: "1.3.0",
          resolved: "https://registry.npmjs.org/evil-pad/-/evil-pad-1.3.0.tgz",
          integrity: SHA512,
        },
      }),
    );

    // when
    const result = lockfileLint(file);

    // then
    assert.equal(result.status, 1);
    assert.match(
      result.output,
      /^detected resolved URL for package with a different name: left-pad\n {4}expected: left-pad\n {4}actual: evil-pad\n\nError: security issues detected!$/,
    );
  });

  it("fails when an integrity hash is not sha512", () => {
    // given
    const file = write(
      lockfileWith({
        "node_modules/left-pad": {
          version: "1.3.0",
          resolved: "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",
          integrity: "sha1-hGI+crZz3kVbhYiugZxGp2PGV2Y=",
        },
      }),
    );

    // when
    const result = lockfileLint(file);

    // then
    assert.equal(result.status, 1);
    assert.match(
      result.output,
      /^detected invalid integrity hash type for package: left-pad@1\.3\.0-[0-9a-f]{40}\n {4}expected: sha512\n {4}actual: sha1-hGI\+crZz3kVbhYiugZxGp2PGV2Y=\n\nError: security issues detected!$/,
    );
  });

  it("fails when a package has no integrity hash (which lockfile-lint lets through)", () => {
    // given
    const lock = lockfileWith({
      "node_modules/left-pad": {
        version: "1.3.0",
        resolved: "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",
      },
    });

    // when / then
    assert.deepEqual(lockfileLint(write(lock)), { status: 0, output: "No issues detected" });
    assert.deepEqual(withoutSha512(lock), ["node_modules/left-pad"]);
  });
});
