/**
 * Deploy: a new version lands in the idle slot as a new revision at 0% traffic, waits until it is
 * ready, and is verified on its own label URL. Live traffic never moves.
 *
 * 1. The release block gets the new slot, `latest` = that slot, canary 0, generation + 1 (so the
 *    new revision's suffix is new even for an earlier template) and is written to the stack file.
 * 2. A targeted `pulumi up` of the Container App creates the revision (the whole stack when the
 *    app does not exist yet). If it fails, the block is put back with the bumped generation: a
 *    suffix Azure may have burned is never sent again.
 * 3. The revision Azure created is recorded in the block (`<slot>.revision`).
 * 4. Ready: provisioned, active, running; a revision that cannot pull its image or read Key Vault
 *    because the identity's role assignments have not taken effect is restarted, bounded.
 * 5. Verified on `https://<app>---<slot>.<domain>` (cold starts allowed for), then the marker
 *    `<slot>:<revision>` lets `promote` move traffic to exactly this revision.
 * 6. Revisions in neither slot are deactivated.
 * Undo: nothing to undo for traffic (it never moved); a failed candidate stays idle at 0%.
 */
import { parseSuffix } from "../lib/release";
import {
  ReleaseContext,
  assertTrafficMatches,
  labelEndpoint,
  loadContext,
  revisionOf,
  shortStackName,
  suffixOf,
} from "./context";
import { deactivateSuperseded } from "./lifecycle";
import { EXIT, ExitCode, ReleaseDeps, StackLockedError } from "./ports";
import {
  DIGEST_IMAGE,
  ReleaseConfigError,
  ReleaseState,
  Slot,
  otherSlot,
  parseReleaseState,
  trafficOf,
} from "./state";
import { bestEffort, recordRelease } from "./record";
import { CheckFailed, Refused, waitReady, writeTraffic } from "./traffic";
import { verifyUrl } from "./verify";

export interface DeployCommand {
  readonly kind: "deploy";
  readonly version: string;
  readonly image: string;
  /** Target slot. @default - the slot that is not live */
  readonly slot?: Slot;
  readonly smokePaths: readonly string[];
}

/** The generation a revision's suffix carries (`...-<fingerprint>g<generation>`). */
function generationOf(appName: string, revision: string): number | undefined {
  const suffix = suffixOf(appName, revision);
  return suffix === undefined ? undefined : parseSuffix(suffix)?.generation;
}

/**
 * A deploy whose update failed. Live traffic did not move either way. When Azure created the new
 * revision before the failure (the PUT landed, its answer or a later step failed), the block keeps
 * it in the target slot, unverified: the Container App's template now describes it, so a later
 * `pulumi up` must send its suffix again, never the previous one. Otherwise the previous slots
 * come back with the bumped generation, so a suffix Azure may have seen is never sent again.
 */
async function failedUpdate(
  deps: ReleaseDeps,
  attempt: {
    readonly loaded: ReleaseContext | undefined;
    readonly previous: ReleaseState | undefined;
    readonly next: ReleaseState;
    readonly target: Slot;
    readonly command: DeployCommand;
  },
  err: Error,
): Promise<ExitCode> {
  const { loaded, previous, next, target, command } = attempt;
  const app =
    loaded === undefined ? undefined : await deps.azure.getApp(loaded.ref).catch(() => undefined);
  const created = app?.latestRevisionName;
  const suffix =
    loaded === undefined || created === undefined
      ? undefined
      : suffixOf(loaded.ref.appName, created);
  const why = `pulumi up of the deploy failed: ${err.message.replace(/\.$/, "")}; live traffic did not move`;
  if (
    loaded !== undefined &&
    created !== undefined &&
    suffix !== undefined &&
    generationOf(loaded.ref.appName, created) === next.generation
  ) {
    await recordRelease(deps, {
      ...next,
      [target]: { version: command.version, image: command.image, revision: suffix },
    });
    const live = revisionOf({ ...loaded, release: next }, next.live);
    await deactivateSuperseded(deps, loaded.ref, [created, ...(live === undefined ? [] : [live])]);
    deps.report.error(
      `error: ${why}; Azure created revision ${created} before the failure: it is in ${target} at 0%, not verified; deploy again to verify a candidate`,
    );
    return EXIT.errorRolledBack;
  }
  if (previous !== undefined) {
    await recordRelease(deps, { ...previous, generation: next.generation });
  }
  deps.report.error(
    `error: ${why}; the stack file keeps the previous slots at generation ${next.generation}`,
  );
  return EXIT.errorRolledBack;
}

/** The marker a verified deploy leaves on the stack: the slot and its exact revision. */
export function verifiedMarker(slot: Slot, revision: string): string {
  return `${slot}:${revision}`;
}

function nextRelease(
  previous: ReleaseState | undefined,
  command: DeployCommand,
  appExists: boolean,
): { next: ReleaseState; target: Slot } {
  const deployed = { version: command.version, image: command.image };
  if (previous === undefined || !appExists) {
    // No app yet: the first update creates it with this version live in one slot.
    const target = command.slot ?? previous?.live ?? "blue";
    return {
      target,
      next: {
        live: target,
        latest: target,
        canaryPercent: 0,
        generation: (previous?.generation ?? 0) + 1,
        [target]: deployed,
      },
    };
  }
  const live = previous.live;
  const target = command.slot ?? otherSlot(live);
  if (target === live) {
    throw new Refused(
      `slot ${live} is live (version ${previous[live]?.version}); deploy to the idle slot ${otherSlot(live)}`,
    );
  }
  return {
    target,
    next: {
      ...previous,
      latest: target,
      canaryPercent: 0,
      generation: previous.generation + 1,
      [target]: deployed,
    },
  };
}

/** Runs a deploy. Throws `Refused`, `CheckFailed` or an error; returns the exit code otherwise. */
export async function deploy(
  loaded: ReleaseContext | undefined,
  command: DeployCommand,
  deps: ReleaseDeps,
): Promise<ExitCode> {
  const stack = deps.workspace.stackName;
  if (shortStackName(stack) === "prod" && !DIGEST_IMAGE.test(command.image)) {
    throw new ReleaseConfigError(
      `\`--image\` must be a digest (<registry>/<repository>@sha256:<64 hex>) on stack prod, got ${command.image}`,
    );
  }
  let previous = loaded?.release ?? parseReleaseState(await deps.workspace.readRelease());
  const first = loaded?.app === undefined;
  if (loaded !== undefined && !first) {
    // The targeted `up` applies the block's traffic: it must be what Azure serves now.
    assertTrafficMatches(loaded);
  }
  let { next, target } = nextRelease(previous, command, !first);
  if (loaded !== undefined && !first && previous !== undefined && previous.canaryPercent > 0) {
    // A leftover canary share ends with one traffic write, recorded, before the update: on AKS
    // the update rolls the slot's Deployment out before it writes the route, so the share would
    // otherwise reach the new, unverified pods during the rollout.
    const reset = { ...previous, canaryPercent: 0, generation: previous.generation + 1 };
    await writeTraffic(
      deps,
      loaded.ref,
      trafficOf(loaded.ref.appName, reset),
      reset.generation,
      reset.live,
    );
    await recordRelease(deps, reset);
    deps.report.info(
      `the canary of ${otherSlot(previous.live)} (${previous.canaryPercent}%) ends: ${previous.live} serves 100% before ${target} gets the new version at 0%`,
    );
    previous = reset;
    ({ next, target } = nextRelease(previous, command, true));
  }
  // Written before the update: the program reads the new slot from it.
  await deps.workspace.writeRelease(next);
  await bestEffort(deps, "clear the verified marker", () =>
    deps.workspace.writeVerified(undefined),
  );
  try {
    await deps.workspace.up(
      `release: deploy ${command.version} to ${target} (generation ${next.generation})`,
      first ? "stack" : "app",
    );
  } catch (err) {
    if (err instanceof StackLockedError) {
      // The update never started: put the block back exactly.
      if (previous !== undefined) {
        await recordRelease(deps, previous);
      }
      throw new Refused(`another update holds the stack lock of ${stack}: ${err.message}`);
    }
    return failedUpdate(deps, { loaded, previous, next, target, command }, err as Error);
  }

  // Record the revision Azure created for the slot.
  const ctx = loaded !== undefined && !first ? loaded : await loadContext(deps);
  const app = await deps.azure.getApp(ctx.ref);
  const created = app?.latestRevisionName;
  const suffix = created === undefined ? undefined : suffixOf(ctx.ref.appName, created);
  if (
    created === undefined ||
    suffix === undefined ||
    generationOf(ctx.ref.appName, created) !== next.generation
  ) {
    throw new Error(
      `after the deploy, the app's latest revision is ${created ?? "(none)"}, not a revision of generation ${next.generation}`,
    );
  }
  const recorded: ReleaseState = {
    ...next,
    [target]: { version: command.version, image: command.image, revision: suffix },
  };
  await recordRelease(deps, recorded);
  deps.report.info(
    `deployed ${command.version} to ${target} as revision ${created} at ${first ? 100 : 0}% traffic`,
  );

  const verifiedCtx: ReleaseContext = { ...ctx, app: app ?? ctx.app, release: recorded };
  try {
    await waitReady(deps, ctx.ref, created);
    await verifyUrl(
      deps,
      `${target} (${created})`,
      labelEndpoint(verifiedCtx, target),
      command.smokePaths,
    );
  } catch (err) {
    if (err instanceof CheckFailed) {
      throw new CheckFailed(
        first
          ? `${err.message}; the first release in ${target} is not verified`
          : `${err.message}; ${target} is not verified and gets no traffic (live stays ${recorded.live})`,
      );
    }
    throw err;
  }
  await deps.workspace.writeVerified(verifiedMarker(target, created));
  const live = revisionOf(verifiedCtx, recorded.live);
  await deactivateSuperseded(deps, ctx.ref, [created, ...(live === undefined ? [] : [live])]);
  deps.report.info(
    first || target === recorded.live
      ? `deployed ${command.version} to ${target}: the first release, ${target} is live at 100%`
      : `deployed ${command.version} to ${target}: verified at 0% traffic; live stays ${recorded.live} (${recorded[recorded.live]?.version}, ${live ?? "?"}); next: npm run release -- promote --stack ${stack}`,
  );
  return EXIT.ok;
}
