/**
 * The release orchestration: status, deploy, promote and rollback over one stack. Every outside
 * call goes through `ReleaseDeps`, so each branch is unit-tested with fakes.
 */
import {
  EXIT,
  ExitCode,
  RELEASE_LOCK_TAG,
  ReleaseDeps,
  RevisionRef,
  StackLockedError,
} from "./ports";
import {
  DIGEST_IMAGE,
  ReleaseConfigError,
  ReleaseState,
  Slot,
  latestSlot,
  otherSlot,
  parseReleaseState,
  revisionName,
  revisionSuffix,
  slotWeight,
} from "./state";

/** The paths a smoke check requests on a label URL. */
export const DEFAULT_SMOKE_PATHS: readonly string[] = ["/health", "/ready"];

export interface StatusCommand {
  readonly kind: "status";
}
export interface DeployCommand {
  readonly kind: "deploy";
  readonly version: string;
  readonly image: string;
  /** Target slot. @default - the slot that is not live */
  readonly slot?: Slot;
  readonly smokePaths: readonly string[];
}
export interface PromoteCommand {
  readonly kind: "promote";
  /** Traffic shares for the idle slot; the last is 100. @default [100] */
  readonly steps: readonly number[];
  /** Observation time after each step but the last. @default 0 */
  readonly pauseMs: number;
  readonly smokePaths: readonly string[];
}
export interface RollbackCommand {
  readonly kind: "rollback";
}
export type ReleaseCommand = StatusCommand | DeployCommand | PromoteCommand | RollbackCommand;

/** Outputs the release command reads from the stack. */
interface AppOutputs {
  readonly appName: string;
  readonly resourceGroup: string;
  readonly labelUrl: Record<Slot, string>;
  readonly productionUrl: string;
  readonly appInsightsAppId: string;
}

/** A failed check; the message says which and why. */
class CheckFailed extends Error {}

/** The short stack name (`org/project/prod` -> `prod`). */
export function shortStackName(stack: string): string {
  return stack.slice(stack.lastIndexOf("/") + 1);
}

/** The marker a verified deploy leaves on the stack. */
export function verifiedMarker(slot: Slot, version: string): string {
  return `${slot}:${version}`;
}

/** Runs one release command and returns the process exit code. */
export async function runRelease(command: ReleaseCommand, deps: ReleaseDeps): Promise<ExitCode> {
  try {
    switch (command.kind) {
      case "status":
        return await status(deps);
      case "deploy":
        return await exclusive("deploy", deps, () => deploy(command, deps));
      case "promote":
        return await exclusive("promote", deps, () => promote(command, deps));
      case "rollback":
        return await exclusive("rollback", deps, () => rollback(deps));
    }
  } catch (err) {
    if (err instanceof ReleaseConfigError) {
      deps.report.error(`error: ${err.message}`);
      return EXIT.usage;
    }
    throw err;
  }
}

async function readState(deps: ReleaseDeps): Promise<ReleaseState | undefined> {
  return parseReleaseState(await deps.workspace.readRelease());
}

async function readOutputs(deps: ReleaseDeps): Promise<AppOutputs> {
  const out = await deps.workspace.outputs();
  const required = (key: string): string => {
    const value = out[key];
    if (value === undefined || value === "") {
      throw new CheckFailed(
        `stack output \`${key}\` is missing; run \`pulumi up\` for the stack first`,
      );
    }
    return value;
  };
  return {
    appName: required("containerAppName"),
    resourceGroup: required("resourceGroupName"),
    labelUrl: { blue: out.blueLabelUrl ?? "", green: out.greenLabelUrl ?? "" },
    productionUrl: out.productionUrl ?? "",
    appInsightsAppId: out.appInsightsAppId ?? "",
  };
}

/**
 * Runs a command that changes the stack under the release lock. Refuses, changing nothing, while
 * another update holds Pulumi's stack lock or another release holds the release lock (a promotion
 * holds it through its pauses, when Pulumi's lock is free).
 */
async function exclusive(
  name: string,
  deps: ReleaseDeps,
  run: () => Promise<ExitCode>,
): Promise<ExitCode> {
  const stack = deps.workspace.stackName;
  if (await deps.workspace.updateInProgress()) {
    deps.report.error(
      `refused: another update is in progress on stack ${stack} (stack lock); nothing changed`,
    );
    return EXIT.refused;
  }
  const holder = await deps.workspace.readLock();
  if (holder !== undefined) {
    deps.report.error(
      `refused: another release holds stack ${stack} (${holder}); nothing changed; if that release is no longer running, remove its lock with: pulumi stack tag rm ${RELEASE_LOCK_TAG} --stack ${stack}`,
    );
    return EXIT.refused;
  }
  await deps.workspace.writeLock(`${name} by ${deps.owner}`);
  try {
    return await run();
  } finally {
    await deps.workspace.writeLock(undefined);
  }
}

async function status(deps: ReleaseDeps): Promise<ExitCode> {
  const release = await readState(deps);
  const stack = deps.workspace.stackName;
  if (release === undefined) {
    deps.report.info(`stack ${stack}: no release yet (run deploy)`);
    return EXIT.ok;
  }
  const out = await deps.workspace.outputs();
  const verified = await deps.workspace.readVerified();
  const latest = latestSlot(release);
  deps.report.info(`stack ${stack}: live ${release.live}, latest ${latest}`);
  for (const slot of ["blue", "green"] as const) {
    const state = release[slot];
    if (state === undefined) {
      deps.report.info(`${slot}: empty`);
      continue;
    }
    const marks = [
      slot === release.live ? "live" : "",
      slot === latest ? "latest" : "",
      verified === verifiedMarker(slot, state.version) ? "verified" : "",
    ].filter((m) => m !== "");
    const url = out[`${slot}LabelUrl`] ?? "";
    deps.report.info(
      `${slot}: version ${state.version}, weight ${slotWeight(release, slot)}%, image ${state.image}, url ${url === "" ? "(none)" : url}${marks.length > 0 ? ` [${marks.join(", ")}]` : ""}`,
    );
  }
  return EXIT.ok;
}

/** Runs `up` with the new release; on failure writes `previous` back. */
async function upOrRestore(
  deps: ReleaseDeps,
  previous: ReleaseState | undefined,
  message: string,
): Promise<ExitCode | undefined> {
  try {
    await deps.workspace.up(message);
    return undefined;
  } catch (err) {
    await deps.workspace.writeRelease(previous);
    const stack = deps.workspace.stackName;
    if (err instanceof StackLockedError) {
      deps.report.error(
        `refused: another update is in progress on stack ${stack} (stack lock); the release config was restored`,
      );
      return EXIT.refused;
    }
    deps.report.error(
      `error: pulumi up failed on stack ${stack}: ${(err as Error).message}; the release config was restored`,
    );
    return EXIT.upFailed;
  }
}

async function deploy(command: DeployCommand, deps: ReleaseDeps): Promise<ExitCode> {
  const stack = deps.workspace.stackName;
  if (shortStackName(stack) === "prod" && !DIGEST_IMAGE.test(command.image)) {
    throw new ReleaseConfigError(
      `\`--image\` must be a digest (<registry>/<repository>@sha256:<64 hex>) on stack prod, got ${command.image}`,
    );
  }
  const previous = await readState(deps);
  const deployed = { version: command.version, image: command.image };
  let next: ReleaseState;
  let target: Slot;
  if (previous === undefined) {
    target = command.slot ?? "blue";
    next = { live: target, latest: target, canaryPercent: 0, [target]: deployed };
  } else {
    const live = previous.live;
    target = command.slot ?? otherSlot(live);
    if (target === live) {
      deps.report.error(
        `refused: slot ${live} is live (version ${previous[live]?.version}); deploy to the idle slot ${otherSlot(live)}; nothing changed`,
      );
      return EXIT.refused;
    }
    for (const slot of ["blue", "green"] as const) {
      const existing = previous[slot];
      if (
        existing !== undefined &&
        revisionSuffix(existing.version) === revisionSuffix(command.version)
      ) {
        deps.report.error(
          `refused: version ${command.version} is already deployed in slot ${slot} (revision suffix ${revisionSuffix(command.version)}); Azure keeps a revision suffix for the app's lifetime, so release a new version; nothing changed`,
        );
        return EXIT.refused;
      }
    }
    next = { ...previous, latest: target, [target]: deployed };
  }

  await deps.workspace.writeRelease(next);
  const upFailed = await upOrRestore(
    deps,
    previous,
    `release: deploy ${command.version} to ${target}`,
  );
  if (upFailed !== undefined) {
    return upFailed;
  }
  // Only now does the target slot hold another revision: a refused or failed `up` keeps the marker.
  await deps.workspace.writeVerified(undefined);
  const first = previous === undefined;
  try {
    const out = await readOutputs(deps);
    const ref: RevisionRef = {
      resourceGroup: out.resourceGroup,
      appName: out.appName,
      revision: revisionName(out.appName, command.version),
    };
    await waitReady(ref, deps);
    await smokeCheck(target, out.labelUrl[target], command.smokePaths, deps);
  } catch (err) {
    if (!(err instanceof CheckFailed)) {
      throw err;
    }
    deps.report.error(
      first
        ? `error: ${err.message}; the first release in ${target} is not verified`
        : `error: ${err.message}; ${target} is not verified and gets no more traffic than before (live stays ${next.live})`,
    );
    return EXIT.checkFailed;
  }
  if (first) {
    deps.report.info(
      `deployed ${command.version} to ${target}: first release, ${target} is live at 100%`,
    );
    return EXIT.ok;
  }
  await deps.workspace.writeVerified(verifiedMarker(target, command.version));
  deps.report.info(
    `deployed ${command.version} to ${target}: verified at ${slotWeight(next, target)}% traffic; live stays ${next.live} (${next[next.live]?.version}); next: npm run release -- promote --stack ${stack}`,
  );
  return EXIT.ok;
}

async function waitReady(ref: RevisionRef, deps: ReleaseDeps): Promise<void> {
  const { readyTimeoutMs, readyPollMs } = deps.policy;
  let waited = 0;
  for (;;) {
    const state = await deps.readiness.state(ref);
    if (state.provisioningState === "Failed" || state.runningState === "Failed") {
      throw new CheckFailed(
        `revision ${ref.revision} failed (provisioningState ${state.provisioningState}, runningState ${state.runningState})`,
      );
    }
    if (
      state.provisioningState === "Provisioned" &&
      (state.runningState === "Running" || state.runningState === "RunningAtMaxScale")
    ) {
      deps.report.info(`revision ${ref.revision} is ready`);
      return;
    }
    if (waited >= readyTimeoutMs) {
      throw new CheckFailed(
        `revision ${ref.revision} not ready after ${waited / 1000}s (provisioningState ${state.provisioningState}, runningState ${state.runningState})`,
      );
    }
    await deps.clock.sleep(readyPollMs);
    waited += readyPollMs;
  }
}

/** Every path must answer 2xx within `smokeAttempts` tries. */
async function smokeCheck(
  slot: Slot,
  baseUrl: string,
  paths: readonly string[],
  deps: ReleaseDeps,
): Promise<void> {
  if (baseUrl === "") {
    throw new CheckFailed(`stack output \`${slot}LabelUrl\` is empty`);
  }
  for (const path of paths) {
    const url = `${baseUrl.replace(/\/+$/, "")}${path}`;
    let last = "";
    let passed = false;
    for (let attempt = 1; attempt <= deps.policy.smokeAttempts && !passed; attempt++) {
      if (attempt > 1) {
        await deps.clock.sleep(deps.policy.smokeRetryMs);
      }
      const result = await deps.http.get(url);
      passed = result.ok;
      last = result.error ?? `HTTP ${result.status}`;
    }
    if (!passed) {
      throw new CheckFailed(
        `smoke check failed: GET ${url} -> ${last} after ${deps.policy.smokeAttempts} attempts`,
      );
    }
    deps.report.info(`smoke check passed: GET ${url}`);
  }
}

/** Health checks every interval for `pauseMs`, then the error budget of the revision. */
async function observe(
  baseUrl: string,
  paths: readonly string[],
  pauseMs: number,
  revision: string,
  appInsightsAppId: string,
  deps: ReleaseDeps,
): Promise<void> {
  const p = deps.policy;
  const ticks = Math.max(1, Math.floor(pauseMs / p.healthIntervalMs));
  let consecutive = 0;
  for (let tick = 0; tick < ticks; tick++) {
    await deps.clock.sleep(pauseMs === 0 ? 0 : p.healthIntervalMs);
    const failures: string[] = [];
    for (const path of paths) {
      const url = `${baseUrl.replace(/\/+$/, "")}${path}`;
      const result = await deps.http.get(url);
      if (!result.ok) {
        failures.push(`GET ${url} -> ${result.error ?? `HTTP ${result.status}`}`);
      }
    }
    consecutive = failures.length === 0 ? 0 : consecutive + 1;
    if (consecutive > p.maxConsecutiveHealthFailures) {
      throw new CheckFailed(
        `health check failed ${consecutive} times in a row (limit ${p.maxConsecutiveHealthFailures}): ${failures.join(", ")}`,
      );
    }
    if (tick === ticks - 1 && consecutive > 0) {
      throw new CheckFailed(`health check failed at the end of the step: ${failures.join(", ")}`);
    }
  }
  if (appInsightsAppId === "") {
    deps.report.info("error budget: skipped (the stack has no `appInsightsAppId` output)");
    return;
  }
  const rate = await deps.budget.sample(appInsightsAppId, revision, p.errorRateWindowMinutes);
  const errorRate = rate.requests === 0 ? 0 : (100 * rate.failedRequests) / rate.requests;
  if (errorRate > p.maxErrorRatePercent) {
    throw new CheckFailed(
      `error rate ${errorRate.toFixed(1)}% over ${p.errorRateWindowMinutes} min (${rate.failedRequests} of ${rate.requests} requests) exceeds ${p.maxErrorRatePercent}%`,
    );
  }
  const speed = await deps.budget.sample(appInsightsAppId, revision, p.responseTimeWindowMinutes);
  if (speed.averageDurationMs > p.maxAverageResponseMs) {
    throw new CheckFailed(
      `average response time ${Math.round(speed.averageDurationMs)} ms over ${p.responseTimeWindowMinutes} min exceeds ${p.maxAverageResponseMs} ms`,
    );
  }
  deps.report.info(
    `error budget ok: ${errorRate.toFixed(1)}% errors over ${p.errorRateWindowMinutes} min, ${Math.round(speed.averageDurationMs)} ms average over ${p.responseTimeWindowMinutes} min`,
  );
}

async function promote(command: PromoteCommand, deps: ReleaseDeps): Promise<ExitCode> {
  const stack = deps.workspace.stackName;
  const previous = await readState(deps);
  const idle = previous === undefined ? undefined : otherSlot(previous.live);
  const candidate = previous !== undefined && idle !== undefined ? previous[idle] : undefined;
  const verified = await deps.workspace.readVerified();
  if (
    previous === undefined ||
    idle === undefined ||
    candidate === undefined ||
    verified !== verifiedMarker(idle, candidate.version)
  ) {
    const what =
      idle === undefined || candidate === undefined
        ? "the idle slot is empty"
        : `${idle} (${candidate.version}) has not passed a deploy's checks`;
    deps.report.error(
      `refused: no verified idle slot on stack ${stack}: ${what}; run deploy first; nothing changed`,
    );
    return EXIT.refused;
  }
  const out = await readOutputs(deps);
  const revision = revisionName(out.appName, candidate.version);
  const from = previous.live;

  for (const step of command.steps) {
    const final = step === 100;
    const next: ReleaseState = final
      ? { ...previous, live: idle, canaryPercent: 0 }
      : { ...previous, canaryPercent: step };
    await deps.workspace.writeRelease(next);
    const upFailed = await upOrRestore(deps, previous, `release: promote ${idle} to ${step}%`);
    if (upFailed !== undefined) {
      // A lock at the first step changed nothing; after an applied step Azure still sends that
      // step's traffic to the new slot, so put the original traffic back.
      return upFailed === EXIT.refused && step === command.steps[0]
        ? upFailed
        : rollbackAfterFailure(previous, deps, step, EXIT.upFailed);
    }
    deps.report.info(`step ${step}%: ${idle} (${candidate.version}) gets ${step}% of traffic`);
    try {
      if (final) {
        await smokeCheck(idle, out.productionUrl || out.labelUrl[idle], command.smokePaths, deps);
      } else {
        await observe(
          out.labelUrl[idle],
          command.smokePaths,
          command.pauseMs,
          revision,
          out.appInsightsAppId,
          deps,
        );
      }
    } catch (err) {
      if (!(err instanceof CheckFailed)) {
        throw err;
      }
      deps.report.error(`error: promotion of ${idle} failed at ${step}%: ${err.message}`);
      return rollbackAfterFailure(previous, deps, step, EXIT.checkFailed);
    }
  }
  await deps.workspace.writeVerified(undefined);
  deps.report.info(
    `promoted ${idle} (${candidate.version}) to live on stack ${stack}; ${from} (${previous[from]?.version}) is idle; undo with: npm run release -- rollback --stack ${stack}`,
  );
  return EXIT.ok;
}

/** Puts `previous` back with one `up` after a failed promotion step. */
async function rollbackAfterFailure(
  previous: ReleaseState,
  deps: ReleaseDeps,
  step: number,
  code: ExitCode,
): Promise<ExitCode> {
  const stack = deps.workspace.stackName;
  await deps.workspace.writeRelease(previous);
  await deps.workspace.writeVerified(undefined);
  try {
    await deps.workspace.up(`release: automatic rollback to ${previous.live}`);
  } catch (err) {
    deps.report.error(
      `error: automatic rollback on stack ${stack} failed: ${(err as Error).message}; the stack config says ${previous.live} is live: run npm run release -- rollback --stack ${stack} or pulumi up --stack ${stack}`,
    );
    return EXIT.rollbackFailed;
  }
  deps.report.error(
    `rolled back automatically after the ${step}% step: ${previous.live} (${previous[previous.live]?.version}) serves ${slotWeight(previous, previous.live)}% of traffic`,
  );
  return code;
}

/**
 * Rollback puts back the slot that served before the latest release:
 * - the latest slot is live (it was promoted): the other slot becomes live at 100%;
 * - the latest slot was never promoted but gets a canary share: the canary ends (live at 100%);
 * - otherwise the live slot already serves everything, and the other slot holds a version that was
 *   never promoted (or was rolled back already): nothing to roll back, refused.
 */
async function rollback(deps: ReleaseDeps): Promise<ExitCode> {
  const stack = deps.workspace.stackName;
  const previous = await readState(deps);
  if (previous === undefined) {
    deps.report.error(
      `refused: nothing to roll back to on stack ${stack}: no release yet; nothing changed`,
    );
    return EXIT.refused;
  }
  const live = previous.live;
  const latest = latestSlot(previous);
  const other = otherSlot(live);
  const candidate = previous[other];
  if (candidate === undefined) {
    deps.report.error(
      `refused: nothing to roll back to on stack ${stack}: the slot that is not live is empty; nothing changed`,
    );
    return EXIT.refused;
  }
  if (latest !== live && previous.canaryPercent === 0) {
    deps.report.error(
      `refused: nothing to roll back on stack ${stack}: ${live} (${previous[live]?.version}) already serves 100% and ${other} (${candidate.version}) was never promoted; nothing changed`,
    );
    return EXIT.refused;
  }
  const back = latest === live ? other : live;
  const next: ReleaseState = { ...previous, live: back, canaryPercent: 0 };
  await deps.workspace.writeRelease(next);
  const upFailed = await upOrRestore(deps, previous, `release: rollback to ${back}`);
  if (upFailed !== undefined) {
    return upFailed;
  }
  await deps.workspace.writeVerified(undefined);
  const idle = otherSlot(back);
  deps.report.info(
    back === live
      ? `rolled back stack ${stack}: the canary of ${idle} (${previous[idle]?.version}) ended; ${back} (${previous[back]?.version}) is live at 100%`
      : `rolled back stack ${stack}: ${back} (${previous[back]?.version}) is live at 100%; ${idle} (${previous[idle]?.version}) is idle`,
  );
  return EXIT.ok;
}
