/**
 * Recording what Azure now serves. After a traffic write succeeded, the stack file must say so
 * (with the new generation) or every later `pulumi up` and release command is refused as behind.
 * A failed write is retried; if it keeps failing, the engine stops with exit 5 and prints the
 * exact command that records the state. Tag writes (verified marker, lock) are bookkeeping: a
 * failure is reported and never turns a finished release into a failed one.
 */
import { ReleaseDeps } from "./ports";
import { ReleaseState, RELEASE_CONFIG_KEY } from "./state";

/** Attempts of a stack-file write after a traffic change. */
export const RECORD_ATTEMPTS = 3;
/** Wait between those attempts. */
export const RECORD_RETRY_MS = 2_000;

/** The stack file could not record what Azure now serves: a person must write it. */
export class StateNotRecorded extends Error {
  constructor(
    readonly release: ReleaseState,
    readonly stack: string,
    cause: Error,
  ) {
    super(
      `Azure now serves generation ${release.generation} (live ${release.live}, canary ${release.canaryPercent}%), but the stack file could not be written: ${cause.message.replace(/\.$/, "")}. Record it before anything else (until then every pulumi up and release command of the stack is refused as behind): ${recordCommand(stack, release)}`,
    );
    this.name = "StateNotRecorded";
  }
}

/** The command that writes `release` into the stack file by hand. */
export function recordCommand(stack: string, release: ReleaseState): string {
  const value = { value: JSON.stringify(release), objectValue: release, secret: false };
  return `pulumi config set-all --stack ${stack} --json '${JSON.stringify({ [RELEASE_CONFIG_KEY]: value })}'`;
}

/** Writes the release block, retrying; throws `StateNotRecorded` when it keeps failing. */
export async function recordRelease(deps: ReleaseDeps, release: ReleaseState): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.workspace.writeRelease(release);
      return;
    } catch (err) {
      if (attempt >= RECORD_ATTEMPTS) {
        throw new StateNotRecorded(release, deps.workspace.stackName, err as Error);
      }
      await deps.clock.sleep(RECORD_RETRY_MS);
    }
  }
}

/** Runs a bookkeeping write; a failure is reported as a warning, not thrown. */
export async function bestEffort(
  deps: ReleaseDeps,
  what: string,
  write: () => Promise<void>,
): Promise<void> {
  try {
    await write();
  } catch (err) {
    deps.report.error(`warning: could not ${what}: ${(err as Error).message}`);
  }
}
