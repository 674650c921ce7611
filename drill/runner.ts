/**
 * Runs drill scenarios end to end: a model of Azure served over HTTPS on 127.0.0.1, the real
 * program evaluated under Pulumi's mock runtime and applied to it (`workspace.ts`), and the real
 * release engine driving it through the real Azure SDK clients, with faults injected. Time is
 * virtual: a scenario's hours of canary steps take a moment.
 */
import * as path from "node:path";
import { ContainerAppsAPIClient } from "@azure/arm-appcontainers";
import { loadStackConfig } from "../simulator/simulate";
import { parseArgs } from "../release/args";
import { ArmContainerApps, AzureCredential, LogsTelemetry } from "../release/azure";
import { appNameOf } from "../release/context";
import { defaultRule } from "../release/aks";
import { NAMESPACE, ROUTE_NAME } from "../lib/kubernetes";
import { runRelease } from "../release/orchestrator";
import { Clock, DEFAULT_TIMINGS, EXIT, HttpChecker, Notifier, ReleaseDeps } from "../release/ports";
import { WebhookNotifier } from "../release/webhook";
import { ReleaseConfigError, parseReleaseState } from "../release/state";
import {
  AzureModel,
  DRILL_WEBHOOK_URL,
  ManualClock,
  WebhookReceiver,
  modelClientOptions,
  startModelServer,
} from "./model";
import { FaultSpec, Scenario, ScenarioStep, durationMs } from "./scenario";
import { DrillWorkspace, UpRefused, copyConfig, setConfigPath } from "./workspace";
import { AksDrillWorkspace } from "./aksWorkspace";
import { routeDrift, startAksTarget } from "./aksTarget";
import type { FaultInjector } from "./model";
import type { KubeModel } from "./model/kube";
import type { ContainerAppPort, TelemetryPort } from "../release/ports";

/** Where a scenario runs: Container Apps (ARM model) or AKS (cluster model). */
export type DrillTarget = "containerApps" | "aks";
/** The built-in scenarios that run for `aks` too (ids suffixed `@aks`). */
export const AKS_SCENARIOS: readonly string[] = [
  "config-change-without-version",
  "exception-mid-canary",
  "error-rate-trigger",
  "rollback-to-inactive-revision",
  "failed-deploy-then-redeploy",
  "watch-inconclusive",
  "notification-webhook-down",
  "undo-refused-then-recorded",
  "hand-edited-live-slot",
  "canary-reset-on-deploy",
  "half-canary-rolled-back",
];

/** The repository root, where the committed stack files are. */
export const ROOT = path.resolve(__dirname, "..");

/** What one scenario ended with. */
export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly passed: boolean;
  /** The exit code of the scenario's last command. */
  readonly exit: number | undefined;
  /** Traffic by label on the first stack's app at the end. */
  readonly traffic: Readonly<Record<string, number>>;
  /** The live slot in the first stack's file at the end. */
  readonly live: string | undefined;
  readonly activeRevisions: number;
  /** The notifications the chat webhook received (`promote-step 10`), in order. */
  readonly notifications: readonly string[];
  /** The line that shows what happened (the last step's expected output, or its last line). */
  readonly summary: string;
  /** Every expectation that did not hold. */
  readonly problems: readonly string[];
  /** Everything the commands printed, in order. */
  readonly output: readonly string[];
}

/** A token credential for the model (it checks that a bearer token is sent, not which). */
const TEST_CREDENTIAL: AzureCredential = {
  getToken: async () => ({ token: "drill-token", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

/** GETs on the app's URLs, answered by the model (label and production hosts are not in DNS). */
export function modelHttpChecker(model: AzureModel): HttpChecker {
  return {
    get: async (url) => {
      const answer = model.httpGet(url);
      return {
        ok: answer.status >= 200 && answer.status < 300,
        status: answer.status,
        ...(answer.error === undefined ? {} : { error: answer.error }),
      };
    },
  };
}

/** `SUBSCRIPTION` of the mock runtime (`simulator/simulate.ts`) and of the model. */
const SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";

interface Run {
  readonly scenario: Scenario;
  readonly model: AzureModel;
  /** The ARM client of the model (changes made by hand go through it). */
  readonly arm: ContainerAppsAPIClient;
  readonly clock: ManualClock;
  readonly engineClock: Clock;
  readonly pending: (() => Promise<void>)[];
  readonly stacks: Map<string, DrillWorkspace | AksDrillWorkspace>;
  readonly snapshots: Map<string, DrillWorkspace["config"]>;
  readonly azure: ContainerAppPort;
  readonly telemetry: TelemetryPort;
  /** The cluster model on target `aks` (faults and image behaviours go there). */
  readonly kube?: KubeModel;
  readonly http: HttpChecker;
  readonly notifier: Notifier;
  readonly webhook: WebhookReceiver;
  /** The steps whose `during` actions have run (once per step and run). */
  readonly triggered: Set<ScenarioStep>;
  readonly output: string[];
  readonly problems: string[];
  lastExit: number | undefined;
  summary: string;
}

function applyFaults(
  model: { readonly faults: FaultInjector },
  faults: readonly FaultSpec[] | undefined,
): void {
  for (const fault of faults ?? []) {
    const base = {
      ...(fault.method === undefined ? {} : { method: fault.method }),
      path: new RegExp(fault.path),
      times: fault.times ?? 1,
    };
    if (fault.drop === true) {
      model.faults.applyThenDrop(base);
    } else {
      model.faults.fail({
        ...base,
        status: fault.status ?? 500,
        code: fault.code ?? "InternalServerError",
        message: fault.message ?? "injected fault",
        ...(fault.retryAfterMs === undefined ? {} : { retryAfterMs: fault.retryAfterMs }),
      });
    }
  }
}

function stackOf(
  run: Run,
  step: { stack?: string },
): { name: string; workspace: DrillWorkspace | AksDrillWorkspace } {
  const name = step.stack ?? run.scenario.stacks?.[0] ?? "staging";
  const workspace = run.stacks.get(name);
  if (workspace === undefined) {
    throw new Error(`step names stack ${name}, which the scenario does not list in \`stacks\``);
  }
  return { name, workspace };
}

/**
 * Traffic changed by hand (the portal, `az containerapp ingress traffic set`, `kubectl edit
 * httproute`): the weights only, as a person changes them; the tags and annotations the release
 * wrote (generation, recorded traffic) stay as they are.
 */
async function setTrafficByHand(
  run: Run,
  workspace: DrillWorkspace | AksDrillWorkspace,
  weights: Readonly<Record<string, number>>,
): Promise<void> {
  const weightOf = (label: string | undefined, current: number | undefined) =>
    label === undefined ? current : (weights[label] ?? current);
  if (run.kube !== undefined) {
    const route = run.kube.get("httproutes", NAMESPACE, ROUTE_NAME);
    const refs = (defaultRule(route ?? {})?.backendRefs ?? []) as {
      name?: string;
      weight?: number;
    }[];
    for (const ref of refs) {
      ref.weight = weightOf(ref.name?.replace(/^chatbot-api-/, ""), ref.weight);
    }
    run.kube.apply(route ?? {});
    return;
  }
  const out = await workspace.outputs();
  const [group, name] = [out.resourceGroupName, appNameOf(out)];
  const app = await run.arm.containerApps.get(group, name);
  const traffic = (app.configuration?.ingress?.traffic ?? []).map((entry) => ({
    ...entry,
    weight: weightOf(entry.label, entry.weight),
  }));
  // A PATCH without `tags` leaves them as they are (JSON merge patch).
  await run.arm.containerApps.update(group, name, {
    location: app.location,
    configuration: { ingress: { traffic } },
  });
}

/** Runs one release command line against a stack; returns its exit code. */
async function releaseStep(
  run: Run,
  step: ScenarioStep,
  lines: string[],
  controller: AbortController,
): Promise<number> {
  const { name, workspace } = stackOf(run, step);
  const argv = [
    ...(step.release ?? "").split(/\s+/).filter((part) => part !== ""),
    "--stack",
    name,
  ];
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (err) {
    if (err instanceof ReleaseConfigError) {
      lines.push(`error: ${err.message}`);
      return EXIT.usage;
    }
    throw err;
  }
  const say = (line: string) => {
    lines.push(line);
    run.output.push(`[${name}] ${line}`);
    const during = step.during;
    if (during !== undefined && line.includes(during.after) && !run.triggered.has(step)) {
      run.triggered.add(step);
      run.pending.push(() => duringActions(run, step, controller));
    }
  };
  const deps: ReleaseDeps = {
    workspace,
    azure: run.azure,
    telemetry: run.telemetry,
    http: run.http,
    clock: run.engineClock,
    report: { info: say, error: say },
    timings: DEFAULT_TIMINGS,
    owner: `drill ${run.scenario.id} ${name} ${parsed.command.kind}`,
    signal: controller.signal,
    notifier: run.notifier,
  };
  return runRelease(parsed.command, deps);
}

async function duringActions(run: Run, step: ScenarioStep, controller: AbortController) {
  for (const action of step.during?.do ?? []) {
    if ("signal" in action) {
      controller.abort(new Error(action.signal));
    } else {
      await runStep(run, action, true);
    }
  }
}

/** `pulumi up` of a stack file: 0 applied, 3 refused by the program, 1 rejected by Azure. */
async function upStep(run: Run, step: ScenarioStep, lines: string[]): Promise<number> {
  const { workspace } = stackOf(run, step);
  const file = step.up?.file;
  const config = file === undefined ? workspace.config : run.snapshots.get(file);
  if (config === undefined) {
    throw new Error(`no snapshot named ${file}`);
  }
  try {
    await workspace.apply(config, `pulumi up${file === undefined ? "" : ` (${file})`}`);
    lines.push("pulumi up: applied");
    return 0;
  } catch (err) {
    lines.push(`pulumi up: ${(err as Error).message}`);
    return err instanceof UpRefused ? EXIT.refused : EXIT.checkFailed;
  }
}

/**
 * Runs one step and checks its expectations. A step's faults last until it ends; those of a
 * `during` action (`nested`) last until the step it runs inside ends.
 */
async function runStep(run: Run, step: ScenarioStep, nested = false): Promise<void> {
  const lines: string[] = [];
  let exit: number | undefined;
  applyFaults(run.kube ?? run.model, step.faults);
  try {
    if (step.release !== undefined) {
      exit = await releaseStep(run, step, lines, new AbortController());
    } else if (step.up !== undefined) {
      exit = await upStep(run, step, lines);
      run.output.push(...lines.map((line) => `[${stackOf(run, step).name}] ${line}`));
    } else if (step.config !== undefined) {
      const { workspace } = stackOf(run, step);
      for (const [key, value] of Object.entries(step.config)) {
        setConfigPath(workspace.config, key, value);
      }
    } else if (step.snapshot !== undefined) {
      run.snapshots.set(step.snapshot, copyConfig(stackOf(run, step).workspace.config));
    } else if (step.restore !== undefined) {
      const saved = run.snapshots.get(step.restore);
      if (saved === undefined) {
        throw new Error(`no snapshot named ${step.restore}`);
      }
      stackOf(run, step).workspace.config = copyConfig(saved);
    } else if (step.images !== undefined) {
      for (const [image, behaviour] of Object.entries(step.images)) {
        (run.kube ?? run.model).setImageBehaviour(image, behaviour);
      }
    } else if (step.deactivate !== undefined) {
      const { workspace } = stackOf(run, step);
      const out = await workspace.outputs();
      const ref = {
        resourceGroup: out.resourceGroupName,
        appName: appNameOf(out),
      };
      const app = await run.azure.getApp(ref);
      const revision = app?.traffic.find((entry) => entry.label === step.deactivate)?.revisionName;
      if (revision === undefined) {
        throw new Error(`label ${step.deactivate} points at no revision`);
      }
      await run.azure.deactivate(ref, revision);
    } else if (step.traffic !== undefined) {
      await setTrafficByHand(run, stackOf(run, step).workspace, step.traffic);
    } else if (step.advance !== undefined) {
      run.clock.advance(durationMs(step.advance));
    } else if (step.parallel !== undefined) {
      await Promise.all(step.parallel.map((item) => runStep(run, item)));
    }
  } finally {
    if (!nested) {
      (run.kube ?? run.model).faults.clear();
    }
  }
  if (exit !== undefined) {
    run.lastExit = exit;
  }
  const what = step.release ?? (step.up !== undefined ? "pulumi up" : "step");
  const expect = step.expect;
  if (expect?.exit !== undefined && exit !== expect.exit) {
    run.problems.push(
      `${what}: exit ${exit}, expected ${expect.exit}: ${lines.slice(-3).join(" / ")}`,
    );
  }
  if (expect?.output !== undefined) {
    const line = lines.find((item) => item.includes(expect.output ?? ""));
    if (line === undefined) {
      run.problems.push(`${what}: printed nothing containing "${expect.output}"`);
    } else {
      run.summary = line;
    }
  } else if (lines.length > 0) {
    run.summary = lines[lines.length - 1];
  }
}

/** Runs one scenario with a fresh model and server. */
export async function runScenario(
  scenario: Scenario,
  target: DrillTarget = "containerApps",
): Promise<ScenarioResult> {
  const clock = new ManualClock();
  const settings = scenario.model ?? {};
  const model = new AzureModel({
    clock,
    ...(settings.userRequestsPerMinute === undefined
      ? {}
      : { userRequestsPerMinute: settings.userRequestsPerMinute }),
    ...(settings.coldStartMs === undefined ? {} : { coldStartMs: settings.coldStartMs }),
    ...(settings.provisioningMs === undefined ? {} : { provisioningMs: settings.provisioningMs }),
    ...(settings.ingestionLagMs === undefined ? {} : { ingestionLagMs: settings.ingestionLagMs }),
  });
  if (settings.roleAssignmentsAfterMs !== undefined) {
    model.setRoleAssignmentsEffectiveAt(clock.now() + settings.roleAssignmentsAfterMs);
  }
  for (const [image, behaviour] of Object.entries(scenario.images ?? {})) {
    model.setImageBehaviour(image, behaviour);
  }
  const server = await startModelServer(model);
  const aks =
    target === "aks" ? await startAksTarget(scenario, clock, TEST_CREDENTIAL, ROOT) : undefined;
  try {
    const options = {
      ...modelClientOptions(server),
      retryOptions: { maxRetries: 2, retryDelayInMs: 1, maxRetryDelayInMs: 5 },
    };
    const arm = new ContainerAppsAPIClient(TEST_CREDENTIAL, SUBSCRIPTION, {
      ...options,
      endpoint: server.url,
    });
    const pending: (() => Promise<void>)[] = [];
    const engineClock: Clock = {
      now: () => clock.now(),
      sleep: async (ms, signal) => {
        while (pending.length > 0) {
          await pending.shift()?.();
        }
        signal?.throwIfAborted();
        clock.advance(ms);
      },
    };
    // The step's faults go to the model the target runs on (`applyFaults`); so do the webhook's.
    const webhook = new WebhookReceiver(aks?.kube.faults ?? model.faultRegistry);
    // The real adapter against the model's receiver; its waits before a retry are virtual time.
    const notifier = new WebhookNotifier(DRILL_WEBHOOK_URL, {
      fetch: webhook.fetch,
      sleep: async (ms) => clock.advance(ms),
      now: () => clock.now(),
    });
    const stacks = new Map<string, DrillWorkspace>();
    for (const name of scenario.stacks ?? ["staging"]) {
      const config = loadStackConfig(path.join(ROOT, `Pulumi.${name}.yaml`));
      stacks.set(name, new DrillWorkspace(name, config, arm));
    }
    const run: Run = {
      scenario: target === "aks" ? { ...scenario, id: `${scenario.id}@aks` } : scenario,
      model,
      arm,
      clock,
      engineClock,
      pending,
      stacks,
      snapshots: new Map(),
      azure: new ArmContainerApps(TEST_CREDENTIAL, SUBSCRIPTION, {
        ...options,
        endpoint: server.url,
      }),
      telemetry: new LogsTelemetry(TEST_CREDENTIAL, { ...options, endpoint: `${server.url}/v1` }),
      http: modelHttpChecker(model),
      ...(aks === undefined
        ? {}
        : {
            kube: aks.kube,
            stacks: aks.stacks,
            azure: aks.azure,
            telemetry: aks.telemetry,
            http: aks.http,
          }),
      notifier,
      webhook,
      triggered: new Set(),
      output: [],
      problems: [],
      lastExit: undefined,
      summary: "",
    };
    for (const step of scenario.steps) {
      await runStep(run, step);
    }
    return await finish(run);
  } catch (err) {
    return {
      id: target === "aks" ? `${scenario.id}@aks` : scenario.id,
      title: scenario.title,
      passed: false,
      exit: undefined,
      traffic: {},
      live: undefined,
      activeRevisions: 0,
      notifications: [],
      summary: `drill error: ${(err as Error).message}`,
      problems: [`drill error: ${(err as Error).stack ?? String(err)}`],
      output: [],
    };
  } finally {
    await server.close();
    await aks?.server.close();
  }
}

/** Reads the end state and checks the scenario's expectations. */
async function finish(run: Run): Promise<ScenarioResult> {
  const { workspace } = stackOf(run, {});
  const out = await workspace.outputs();
  const ref = {
    resourceGroup: out.resourceGroupName ?? "",
    appName: appNameOf(out),
  };
  const app = ref.appName === "" ? undefined : await run.azure.getApp(ref);
  const traffic: Record<string, number> = {};
  for (const entry of app?.traffic ?? []) {
    if (entry.label !== undefined) {
      traffic[entry.label] = entry.weight;
    }
  }
  const revisions = app === undefined ? [] : await run.azure.listRevisions(ref);
  const activeRevisions = revisions.filter((revision) => revision.active).length;
  const live = parseReleaseState(await workspace.readRelease())?.live;
  if (run.kube !== undefined) {
    // On AKS the stack file must reproduce the HTTPRoute the engine left (a later up changes nothing).
    run.problems.push(...routeDrift(run.kube, await workspace.readRelease()));
  }
  const expect = run.scenario.expect;
  for (const [label, weight] of Object.entries(expect.traffic ?? {})) {
    if (traffic[label] !== weight) {
      run.problems.push(`traffic ${label}=${traffic[label] ?? "none"}, expected ${weight}`);
    }
  }
  if (expect.live !== undefined && live !== expect.live) {
    run.problems.push(`live ${live ?? "none"} in the stack file, expected ${expect.live}`);
  }
  if (expect.activeRevisions !== undefined && activeRevisions !== expect.activeRevisions) {
    run.problems.push(
      `${activeRevisions} active revisions (${revisions
        .filter((revision) => revision.active)
        .map((revision) => revision.name)
        .join(", ")}), expected ${expect.activeRevisions}`,
    );
  }
  const notifications = run.webhook.received.map((body) => {
    const { event, step } = body as { event: string; step?: number };
    return step === undefined ? event : `${event} ${step}`;
  });
  if (
    expect.notifications !== undefined &&
    JSON.stringify(notifications) !== JSON.stringify(expect.notifications)
  ) {
    run.problems.push(
      `notifications [${notifications.join(", ")}], expected [${expect.notifications.join(", ")}]`,
    );
  }
  return {
    id: run.scenario.id,
    title: run.scenario.title,
    passed: run.problems.length === 0,
    exit: run.lastExit,
    traffic,
    live,
    activeRevisions,
    notifications,
    summary: run.summary,
    problems: run.problems,
    output: run.output,
  };
}

/** `blue=100 green=0` */
export function describeTraffic(traffic: Readonly<Record<string, number>>): string {
  const entries = Object.entries(traffic).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0
    ? "none"
    : entries.map(([label, weight]) => `${label}=${weight}`).join(" ");
}
