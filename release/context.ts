/**
 * What every release command reads first: the stack's release block and gates (the stack file),
 * its outputs, and the deployed Container App. The stack file is checked against Azure before any
 * change: a block older than the deployed generation is refused (it would move traffic back).
 */
import { GateThresholds } from "../lib/gates";
import { editedTraffic } from "../lib/guard";
import { REVISION_SEPARATOR } from "../lib/naming";
import { AppInfo, AppRef, Endpoint, ReleaseDeps } from "./ports";
import {
  ReleaseState,
  Slot,
  parseGateState,
  parseReleaseState,
  slotRevision,
  slotWeight,
  trafficOf,
} from "./state";
import { Refused, describeTraffic } from "./traffic";

/** The stack has not been created yet (no outputs): only a first deploy can run. */
export class StackNotCreated extends Refused {
  constructor(stack: string) {
    super(
      `stack ${stack} has no outputs \`containerAppName\` and \`resourceGroupName\`: it has not been created; deploy creates it, or run pulumi up --stack ${shortStackName(stack)}`,
    );
    this.name = "StackNotCreated";
  }
}

/** A command's view of one stack. */
export interface ReleaseContext {
  /** The stack name as given. */
  readonly stack: string;
  readonly ref: AppRef;
  /** Log Analytics workspace (customer) id, "" when the stack does not export it. */
  readonly workspaceId: string;
  readonly gates: GateThresholds;
  /** The stack file's block, with slots' revisions recorded from Azure where it had none. */
  readonly release: ReleaseState | undefined;
  /** The deployed app; `undefined` before the first `pulumi up`. */
  readonly app: AppInfo | undefined;
  /** Set (for `status` only) when the stack file is older than the deployed generation. */
  readonly behind?: string;
}

/** The short stack name (`org/project/prod` -> `prod`). */
export function shortStackName(stack: string): string {
  return stack.slice(stack.lastIndexOf("/") + 1);
}

/**
 * `https://<app>---<label>.<domain>` from the app's FQDN `<app>.<domain>`; on a target that reaches
 * a slot by a header (`AppInfo.slotHeader`, AKS), the production URL (`labelEndpoint` adds the header).
 */
export function labelUrl(ctx: ReleaseContext, slot: Slot): string {
  if (ctx.app?.slotHeader !== undefined) {
    return productionUrl(ctx);
  }
  const fqdn = ctx.app?.fqdn ?? "";
  const dot = fqdn.indexOf(".");
  return dot < 0 ? "" : `https://${ctx.ref.appName}---${slot}${fqdn.slice(dot)}`;
}

/** Where a slot's checks go: its label URL, with the slot header on a target that has one. */
export function labelEndpoint(ctx: ReleaseContext, slot: Slot): Endpoint {
  const header = ctx.app?.slotHeader;
  return header === undefined
    ? { url: labelUrl(ctx, slot) }
    : { url: labelUrl(ctx, slot), headers: { [header]: slot } };
}

/** The production URL, `https://<app>.<domain>`. */
export function productionUrl(ctx: ReleaseContext): string {
  if (ctx.app?.url !== undefined) {
    return ctx.app.url.replace(/\/+$/, "");
  }
  return ctx.app?.fqdn === undefined ? "" : `https://${ctx.app.fqdn}`;
}

/** The revision suffix of `<app>--<suffix>`. */
export function suffixOf(appName: string, revisionName: string): string | undefined {
  const prefix = `${appName}${REVISION_SEPARATOR}`;
  return revisionName.startsWith(prefix) ? revisionName.slice(prefix.length) : undefined;
}

/** The revision each label points at in Azure's traffic. */
export function deployedLabels(ctx: {
  ref: AppRef;
  app: AppInfo | undefined;
}): Partial<Record<Slot, string>> {
  const labels: Partial<Record<Slot, string>> = {};
  for (const entry of ctx.app?.traffic ?? []) {
    if (entry.label === "blue" || entry.label === "green") {
      labels[entry.label] = entry.revisionName;
    }
  }
  return labels;
}

/**
 * The base name of the stack's revision names (`<app>--<suffix>`): the Container App's name, else
 * (on AKS, where `containerAppName` is "") the `appName` output or `latestRevision`'s base.
 */
export function appNameOf(out: Readonly<Record<string, string>>): string {
  return out.containerAppName || out.appName || (out.latestRevision ?? "").split("--")[0] || "";
}

/**
 * Reads the stack file, its outputs and the deployed app. Throws `Refused` when the stack file is
 * older than the deployed generation, unless `readOnly` (status), which reports it instead.
 */
export async function loadContext(
  deps: ReleaseDeps,
  options: { readonly readOnly?: boolean } = {},
): Promise<ReleaseContext> {
  const stack = deps.workspace.stackName;
  const release = parseReleaseState(await deps.workspace.readRelease());
  const gates =
    deps.gates ??
    parseGateState(await deps.workspace.readGates(), await deps.workspace.readEnvironment());
  const out = await deps.workspace.outputs();
  if (out.target === "aks" && out.gatewayUrl === "") {
    throw new Refused(
      `stack ${stack} runs with \`aksClusterOnly\` (the first deploy of an AKS stack): it has a cluster but no gateway, route or slots yet; finish the first deploy (README "First deploy of an AKS stack": pulumi config rm aksClusterOnly --stack ${shortStackName(stack)}, then pulumi up) before releasing`,
    );
  }
  const appName = appNameOf(out);
  const resourceGroup = out.resourceGroupName ?? "";
  if (appName === "" || resourceGroup === "") {
    throw new StackNotCreated(stack);
  }
  const ref = { resourceGroup, appName };
  const app = await deps.azure.getApp(ref);
  const ctx = { stack, ref, workspaceId: out.logAnalyticsWorkspaceId ?? "", gates, app };
  if (release === undefined && app !== undefined) {
    // The program refuses an `up` without a block, so a deployed app with none is a lost or
    // hand-edited stack file: a deploy from nothing would put its version live at generation 1.
    const missing = `Pulumi.${shortStackName(stack)}.yaml has no release block (chatbot-platform:release), but ${appName} is deployed (generation ${app.generation ?? 0}, serving ${describeTraffic(app.traffic.filter((entry) => entry.weight > 0))}). Restore the block the last release committed (git log -p -- Pulumi.${shortStackName(stack)}.yaml) before releasing`;
    if (options.readOnly === true) {
      return { ...ctx, release, behind: missing };
    }
    throw new Refused(missing);
  }
  if (release === undefined || app === undefined) {
    return { ...ctx, release };
  }
  const deployed = app.generation;
  if (deployed !== undefined && release.generation < deployed) {
    const behind = `Pulumi.${shortStackName(stack)}.yaml is behind what is deployed: its release block has generation ${release.generation}, the Container App ${appName} carries generation ${deployed} (a later release's stack file was not committed). Bring the stack file up to date first: the release workflow commits it`;
    if (options.readOnly === true) {
      return { ...ctx, release, behind };
    }
    throw new Refused(behind);
  }
  // At the same generation, the block must send the traffic that generation was released with.
  const recordedLive = app.released;
  const sent = editedTraffic(release, deployed, recordedLive);
  if (sent !== undefined && recordedLive !== undefined) {
    const edited = `Pulumi.${shortStackName(stack)}.yaml's release block says live ${sent.live} (canary ${sent.canaryPercent}%) at generation ${release.generation}, but generation ${deployed} was released with live ${recordedLive.live} (canary ${recordedLive.canaryPercent}%): the block was edited without the release command. Put the block back as the last release committed it (git log -p -- Pulumi.${shortStackName(stack)}.yaml) before releasing`;
    if (options.readOnly === true) {
      return { ...ctx, release, behind: edited };
    }
    throw new Refused(edited);
  }
  // At the same generation, slots record the revision their label points at (a block written
  // before revisions were recorded, or a deploy whose write-back was lost).
  const labels = deployedLabels({ ref, app });
  const recorded: { -readonly [K in keyof ReleaseState]: ReleaseState[K] } = { ...release };
  if (deployed === undefined || release.generation === deployed) {
    for (const slot of ["blue", "green"] as const) {
      const state = release[slot];
      const label = labels[slot];
      const suffix = label === undefined ? undefined : suffixOf(appName, label);
      if (state !== undefined && state.revision === undefined && suffix !== undefined) {
        recorded[slot] = { ...state, revision: suffix };
      }
    }
  }
  return { ...ctx, release: recorded };
}

/**
 * Refuses when Azure's traffic is not what the stack file says (changed outside the release
 * command): a promotion would start from a state nobody chose.
 */
export function assertTrafficMatches(ctx: ReleaseContext): void {
  if (ctx.release === undefined || ctx.app === undefined) {
    return;
  }
  const want = trafficOf(ctx.ref.appName, ctx.release)
    .map((entry) => `${entry.label}=${entry.revisionName}:${entry.weight}`)
    .sort()
    .join(", ");
  const have = ctx.app.traffic
    .filter((entry) => entry.label === "blue" || entry.label === "green")
    .map((entry) => `${entry.label}=${entry.revisionName}:${entry.weight}`)
    .sort()
    .join(", ");
  if (want !== have) {
    const release = ctx.release;
    const versions = (["blue", "green"] as const)
      .filter((slot) => release[slot] !== undefined)
      .map((slot) => `${slot} (${release[slot]?.version}) ${slotWeight(release, slot)}%`)
      .join(", ");
    const short = shortStackName(ctx.stack);
    throw new Refused(
      `Azure's traffic on ${ctx.ref.appName} (${have || "none"}) is not what the stack file says (${want}); it was changed outside the release command. Decide which is right before anything else: pulumi up --stack ${short} puts the stack file's traffic back (${versions}); npm run release -- rollback --stack ${short} records a rollback instead (after traffic was set by hand following a failed rollback)`,
    );
  }
}

/** The revision name of a slot in the context's release. */
export function revisionOf(ctx: ReleaseContext, slot: Slot): string | undefined {
  return ctx.release === undefined ? undefined : slotRevision(ctx.ref.appName, ctx.release, slot);
}
