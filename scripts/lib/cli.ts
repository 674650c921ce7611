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
