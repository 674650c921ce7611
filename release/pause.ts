/**
 * The promotion's pause against the stack's own error-rate window: one rule, checked before the
 * release lock is taken (`orchestrator.ts`, so a queued promotion is not refused only after its
 * wait) and again by `promote` (the stack file after `--refresh-from` may lengthen the window).
 */
import { GateThresholds } from "../lib/gates";
import { MINUTE } from "./observe";
import { ReleaseConfigError } from "./state";

/**
 * Throws `ReleaseConfigError` (exit 2) when a promotion with canary steps (below 100) pauses less
 * than the stack's `releaseGates.rollbackErrorRateWindowMinutes`: each step would be judged on
 * less data than the trigger looks at. A switch at once (steps `100`) has no pause to judge.
 */
export function assertPauseCoversWindow(
  stack: string,
  command: { readonly steps: readonly number[]; readonly pauseMs: number },
  gates: Pick<GateThresholds, "rollbackErrorRateWindowMinutes">,
): void {
  const window = gates.rollbackErrorRateWindowMinutes;
  if (command.steps.some((step) => step < 100) && command.pauseMs < window * MINUTE) {
    throw new ReleaseConfigError(
      `\`--pause\` ${command.pauseMs / 1000}s is shorter than stack ${stack}'s error-rate trigger window (releaseGates.rollbackErrorRateWindowMinutes: ${window} min): each step would be judged on less data than the trigger looks at; use --pause ${window}m or more`,
    );
  }
}
