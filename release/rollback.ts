/**
 * Rollback puts back the slot that served before the latest release, with one ARM write:
 * - the latest slot is live (it was promoted): the other slot becomes live at 100%;
 * - the latest slot was never promoted but has a canary share: the canary ends (live at 100%);
 * - otherwise the live slot already serves everything: nothing to roll back, refused.
 * The target revision is checked first: provisioned, active and running. An inactive one is
 * activated and waited for; one that cannot be made ready is refused (traffic never goes to a
 * revision that would not answer: Azure accepts traffic to an inactive revision).
 */
import { ReleaseContext, revisionOf } from "./context";
import { EXIT, ExitCode, ReleaseDeps } from "./ports";
import { latestSlot, otherSlot, trafficOf } from "./state";
import { deactivateSuperseded } from "./lifecycle";
import { bestEffort, recordRelease } from "./record";
import { Refused, ensureServable, writeTraffic } from "./traffic";

export interface RollbackCommand {
  readonly kind: "rollback";
}

export async function rollback(ctx: ReleaseContext, deps: ReleaseDeps): Promise<ExitCode> {
  const release = ctx.release;
  const stack = ctx.stack;
  if (release === undefined || ctx.app === undefined) {
    throw new Refused(`nothing to roll back to on stack ${stack}: no release yet`);
  }
  const live = release.live;
  const other = otherSlot(live);
  const candidate = release[other];
  if (candidate === undefined) {
    throw new Refused(
      `nothing to roll back to on stack ${stack}: the slot that is not live is empty`,
    );
  }
  const latest = latestSlot(release);
  if (latest !== live && release.canaryPercent === 0) {
    throw new Refused(
      `nothing to roll back on stack ${stack}: ${live} (${release[live]?.version}) already serves 100% and ${other} (${candidate.version}) was never promoted`,
    );
  }
  const back = latest === live ? other : live;
  const target = revisionOf(ctx, back);
  if (target === undefined) {
    throw new Refused(`slot ${back} has no revision to roll back to`);
  }
  await ensureServable(deps, ctx.ref, target);
  const generation = release.generation + 1;
  await writeTraffic(
    deps,
    ctx.ref,
    trafficOf(ctx.ref.appName, { ...release, live: back, canaryPercent: 0 }),
    generation,
    back,
  );
  await recordRelease(deps, { ...release, live: back, canaryPercent: 0, generation });
  await bestEffort(deps, "clear the verified marker", () =>
    deps.workspace.writeVerified(undefined),
  );
  const idle = otherSlot(back);
  const idleRevision = revisionOf(ctx, idle);
  await deactivateSuperseded(deps, ctx.ref, [
    target,
    ...(idleRevision === undefined ? [] : [idleRevision]),
  ]);
  deps.report.info(
    back === live
      ? `rolled back stack ${stack}: the canary of ${idle} (${release[idle]?.version}) ended; ${back} (${release[back]?.version}, ${target}) is live at 100%`
      : `rolled back stack ${stack}: ${back} (${release[back]?.version}, ${target}) is live at 100%; ${idle} (${release[idle]?.version}) is idle`,
  );
  return EXIT.ok;
}
