/**
 * The one list of errors the user fixes (the stack file, the policy config, the command line, an
 * export file) rather than a bug: every command prints such an error's message without a stack
 * trace and exits 2 (`EXIT_CONFIG_ERROR`); `plan` of several stacks shows the stack as `ERROR` and
 * plans the others. Anything else is a bug: its stack trace and exit 4 (`scripts/run.mjs`).
 *
 * Matched by name, not by class: the program's errors come from `lib/` modules that the commands
 * load only after the policy pack has started (and `lib/guard.ts` loads azure-native), and an
 * error thrown inside the program under the mock runtime keeps its name. `test/cli/userErrors.test.ts`
 * checks that each class below still carries its name.
 */
export const USER_ERROR_NAMES: readonly string[] = [
  // lib/config: a stack config value the schema refuses (names the key, file:line:col).
  "ConfigError",
  // lib/release.ts: the config changes a deployed revision's template without a release.
  "RevisionChangedError",
  // lib/guard.ts: the stack file's release block is older than what is deployed (generation guard).
  "ReleaseBehindError",
  // lib/guard.ts: the release block was edited by hand at the deployed generation.
  "ReleaseEditedError",
  // scripts/lib/policyConfig.ts: an unknown policy or setting, a bad value in a policy config.
  "PolicyConfigError",
  // scripts/lib/cli.ts: a bad option or file named on the command line.
  "UsageError",
  // scripts/cli/stacks.ts: a `--stack` that is not a stack of this repository.
  "StackNameError",
  // scripts/lib/stackExport.ts: a file that is not a `pulumi stack export`.
  "StackExportError",
  // The `yaml` package: a stack file that is not YAML.
  "YAMLParseError",
];

/** True for an error the user fixes (see `USER_ERROR_NAMES`): exit 2, its message only. */
export function isUserError(error: unknown): error is Error {
  return error instanceof Error && USER_ERROR_NAMES.includes(error.name);
}
