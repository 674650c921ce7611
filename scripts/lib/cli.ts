/**
 * Exit codes, the usage error and the output shared by the commands (`scripts/cli/program.ts`
 * parses their command lines), and a minimal `--flag value` parser.
 */

/** Exit status: no mandatory violation. */
export const EXIT_PASSED = 0;
/** Exit status: a mandatory policy is violated. */
export const EXIT_VIOLATED = 1;
/** Exit status: configuration error. */
export const EXIT_CONFIG_ERROR = 2;

/** An error in the command line or configuration; exits with status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Where a command writes; tests capture it. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Parses `--flag value` and `--switch` arguments against the allowed names. */
export function parseArgs(
  argv: string[],
  valued: readonly string[],
  switches: readonly string[],
): Record<string, string | boolean> {
  const result: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith("--") ? arg.slice(2).split(/=(.*)/s) : [arg];
    if (valued.includes(flag)) {
      const value = inline ?? argv[++i];
      if (value === undefined || value.startsWith("--")) {
        throw new UsageError(`--${flag} needs a value`);
      }
      result[flag] = value;
    } else if (switches.includes(flag) && inline === undefined) {
      result[flag] = true;
    } else {
      throw new UsageError(`unknown argument ${arg}`);
    }
  }
  return result;
}
