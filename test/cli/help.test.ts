/**
 * The command line every entry point shares (`scripts/cli/program.ts`): `--help` on every command
 * and subcommand prints its usage with examples on stdout and exits 0, `--version` prints the
 * package version, and a usage error commander finds exits 2 with the message, a suggestion and
 * a pointer to --help on stderr.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { main as drill } from "../../drill/main";
import { main as release } from "../../release/main";
import { runCli, VERSION } from "../../scripts/cli/program";
import { plan } from "../../scripts/plan";
import { policy } from "../../scripts/policy";
import { Recorder } from "../release/helpers";

function capture() {
  const io = {
    out: "",
    err: "",
    stdout: (text: string) => void (io.out += text),
    stderr: (text: string) => void (io.err += text),
  };
  return io;
}

/** The lines of the help's `Examples:` section. */
function examples(help: string): string[] {
  const lines = help.split("\n");
  return lines
    .slice(lines.indexOf("Examples:") + 1)
    .filter((line) => line !== "")
    .map((line) => line.trim());
}

const HELP: [string[], string, string[]][] = [
  [
    [],
    "Usage: chatbot-platform [options] [command]",
    [
      "npm run plan -- --help",
      "npm run -s plan -- --stack prod --json",
      "npx chatbot-platform plan --all",
      "npx chatbot-platform release deploy --help",
    ],
  ],
  [
    ["plan"],
    "Usage: chatbot-platform plan [options]",
    [
      "npm run plan",
      "npm run plan -- --stack prod",
      "npm run -s plan -- --stack dev --json",
      "npm run plan -- --all --strict",
      "npm run plan -- --config-file path/to/Pulumi.mystack.yaml --policy-config policy/config/staging.json",
    ],
  ],
  [
    ["policy"],
    "Usage: chatbot-platform policy [options]",
    [
      "pulumi stack export --stack prod --file prod.json",
      "npm run policy -- --stack prod --file prod.json",
      "npm run -s policy -- --stack prod --file prod.json --json",
    ],
  ],
  [
    ["bench"],
    "Usage: chatbot-platform bench [options]",
    [
      "npm run bench",
      "npm run bench -- --runs 3 --only 'plan of every stack'",
      "npm run bench -- --write-readme",
    ],
  ],
  [
    ["release"],
    "Usage: chatbot-platform release [options] [command]",
    [
      "npm run release -- status --stack staging",
      "npm run release -- deploy --help",
      "npm run release -- deploy --stack staging --version 1.5.0 --image <registry>/chatbot-api:1.5.0",
      "npm run release -- promote --stack staging",
      "npm run release -- rollback --stack staging",
      "npm run release -- unlock --help",
    ],
  ],
  [
    ["release", "status"],
    "Usage: chatbot-platform release status [options]",
    ["npm run release -- status --stack staging"],
  ],
  [
    ["release", "deploy"],
    "Usage: chatbot-platform release deploy [options]",
    [
      "npm run release -- deploy --stack staging --version 1.5.0 --image <registry>/chatbot-api:1.5.0",
      "npm run release -- deploy --stack prod --version 1.5.0 --image <registry>/chatbot-api@sha256:<64 hex>",
    ],
  ],
  [
    ["release", "promote"],
    "Usage: chatbot-platform release promote [options]",
    [
      "npm run release -- promote --stack staging",
      "npm run release -- promote --stack prod --steps 10,50,100 --pause 5m",
      "npm run release -- promote --stack dev --steps 100",
      "npm run release -- promote --stack prod --steps 100 --no-watch",
    ],
  ],
  [
    ["release", "rollback"],
    "Usage: chatbot-platform release rollback [options]",
    ["npm run release -- rollback --stack prod"],
  ],
  [
    ["drill"],
    "Usage: chatbot-platform drill [options]",
    [
      "npm run drill",
      "npm run -s drill -- --json",
      "npm run drill -- --only exception-mid-canary",
      "npm run drill -- --target aks",
      "npm run drill -- --scenario my-release.yaml",
    ],
  ],
  [
    ["restore-drill"],
    "Usage: chatbot-platform restore-drill [options]",
    [
      "npm run restore-drill -- --stack staging",
      "npm run restore-drill -- --stack staging --restore-time 2026-11-29T09:45:00Z",
      "npm run restore-drill -- --stack prod --restore-time 2026-11-29T09:45:00Z --keep",
    ],
  ],
];

describe("--help", () => {
  for (const [command, usage, expected] of HELP) {
    const line = ["chatbot-platform", ...command, "--help"].join(" ");
    it(`${line} prints the usage and examples on stdout and exits 0`, async () => {
      // given / when
      const io = capture();
      const code = await runCli([...command, "--help"], io);

      // then
      assert.equal(code, 0);
      assert.equal(io.err, "");
      assert.equal(io.out.split("\n")[0], usage);
      assert.deepEqual(examples(io.out), expected);
    });
  }

  it("prints the same help for -h, for `help <command>` and for options after --help", async () => {
    const outputs: string[] = [];
    for (const argv of [
      ["release", "deploy", "--help"],
      ["release", "deploy", "-h"],
      ["release", "help", "deploy"],
      ["release", "deploy", "--stack", "nope", "--help"],
    ]) {
      const io = capture();
      assert.equal(await runCli(argv, io), 0);
      outputs.push(io.out);
    }
    assert.deepEqual(new Set(outputs).size, 1);
  });

  it("lists the exit codes of every command in its help", async () => {
    const exits: Record<string, string[]> = {};
    for (const command of [["plan"], ["policy"], ["release", "promote"], ["drill"]]) {
      const io = capture();
      await runCli([...command, "--help"], io);
      const lines = io.out.split("\n");
      exits[command.join(" ")] = lines
        .slice(lines.indexOf("Exit codes:") + 1, lines.indexOf("Examples:") - 1)
        .map((line) => line.trim().slice(0, 1));
    }
    assert.deepEqual(exits, {
      plan: ["0", "1", "2"],
      policy: ["0", "1", "2"],
      "release promote": ["0", "1", "2", "3", "4", "5"],
      drill: ["0", "1", "2"],
    });
  });

  it("npm run plan -- --help, npm run policy -- -h and npm run drill -- --help go through the CLI", async () => {
    for (const [run, usage] of [
      [(io: ReturnType<typeof capture>) => plan(["--help"], io), "chatbot-platform plan"],
      [(io: ReturnType<typeof capture>) => policy(["-h"], io), "chatbot-platform policy"],
      [
        (io: ReturnType<typeof capture>) => drill(["--help"], io.stdout, io.stderr),
        "chatbot-platform drill",
      ],
    ] as const) {
      const io = capture();
      assert.equal(await run(io), 0);
      assert.equal(io.out.split("\n")[0], `Usage: ${usage} [options]`);
      assert.equal(io.err, "");
    }
  });

  it("npm run release -- --help prints the release help as reporter lines and exits 0", async () => {
    // given
    const report = new Recorder();

    // when
    const code = await release(["--help"], { report });

    // then
    assert.equal(code, 0);
    assert.equal(report.out[0], "Usage: chatbot-platform release [options] [command]");
    assert.deepEqual(report.err, []);
  });
});

describe("--version", () => {
  it("prints the package version for the program and each offline command, and exits 0", async () => {
    const version = JSON.parse(
      fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8"),
    ).version;
    assert.equal(VERSION, version);
    for (const argv of [["--version"], ["plan", "--version"], ["drill", "--version"]]) {
      const io = capture();
      assert.equal(await runCli(argv, io), 0);
      assert.deepEqual([io.out, io.err], [`${version}\n`, ""]);
    }
  });
});

describe("usage errors", () => {
  const HINT = "(add --help for usage and examples)\n";
  const cases: [string[], string][] = [
    [["plan", "--jsn"], "error: unknown option '--jsn'\n(Did you mean --json?)\n"],
    [["plan", "--fast"], "error: unknown option '--fast'\n"],
    [["policy", "--stak", "prod"], "error: unknown option '--stak'\n(Did you mean --stack?)\n"],
    [["bench", "--run", "3"], "error: unknown option '--run'\n(Did you mean --runs?)\n"],
    [["drill", "--bogus"], "error: unknown option '--bogus'\n"],
    [["plna"], "error: unknown command 'plna'\n(Did you mean plan?)\n"],
    [
      ["release", "deplo", "--stack", "prod"],
      "error: unknown command 'deplo'\n(Did you mean deploy?)\n",
    ],
    [
      ["release", "rollback", "--stack", "prod", "--slot", "blue"],
      "error: unknown option '--slot'\n",
    ],
    [
      ["release", "promote", "--stack", "prod", "--step", "100"],
      "error: unknown option '--step'\n(Did you mean --steps?)\n",
    ],
    [["release", "status", "--stack"], "error: option '--stack <name>' argument missing\n"],
    [
      ["plan", "--all", "--stack", "prod"],
      "error: option '--all' cannot be used with option '--stack <name>'\n",
    ],
    [
      ["drill", "extra"],
      "error: too many arguments for 'drill'. Expected 0 arguments but got 1.\n",
    ],
  ];
  for (const [argv, message] of cases) {
    it(`fails with exit 2 on \`${argv.join(" ")}\`, naming the problem`, async () => {
      // given / when
      const io = capture();
      const code = await runCli(argv, io);

      // then
      assert.equal(code, 2);
      assert.equal(io.out, "");
      assert.equal(io.err, `${message}${HINT}`);
    });
  }

  it("fails with exit 2 and the release help on stderr when release has no command", async () => {
    const io = capture();
    assert.equal(await runCli(["release"], io), 2);
    assert.equal(io.out, "");
    assert.equal(io.err.split("\n")[0], "Usage: chatbot-platform release [options] [command]");
  });

  it("reads --version after a release command as the app version, not the program's", async () => {
    // given: deploy's own --version, and a bad image so that nothing runs
    const io = capture();

    // when
    const code = await runCli(
      ["release", "deploy", "--stack", "dev", "--version", "1.5.0", "--image", "bad"],
      io,
    );

    // then
    assert.equal(code, 2);
    assert.equal(
      io.err,
      `error: \`--image\`: expected a tag or a digest (\`:<tag>\` or \`@sha256:<digest>\`); an untagged image means \`latest\`; got bad\n${HINT}`,
    );
  });
});
