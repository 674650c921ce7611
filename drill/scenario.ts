/**
 * The drill's scenario format: a start state, changes, commands, injected faults and the expected
 * outcome. Built-in scenarios (`scenarios.ts`) and users' files (`--scenario FILE`, YAML or JSON)
 * use the same shape; `parseScenario` checks a file and names the first bad field.
 */
import * as fs from "node:fs";
import * as YAML from "yaml";

/** How containers of an image behave in the model. */
export interface ImageBehaviour {
  /** Share of user requests that fail (0..1). @default 0 */
  readonly errorRate?: number;
  /** p95 latency in ms. @default 120 */
  readonly p95Ms?: number;
  /** `/health` and `/ready` answer 200. @default true */
  readonly healthy?: boolean;
  /** The revision fails to start (provisioning ends Failed). @default false */
  readonly failsToStart?: boolean;
}

/** A fault injected into the model's API for the step. */
export interface FaultSpec {
  /** HTTP method. @default - any */
  readonly method?: string;
  /** Regular expression on the request path, e.g. `/query$` or `/containerApps/[^/]+$`. */
  readonly path: string;
  /** Answer status; 0 with `drop: true` loses the answer after applying the request. */
  readonly status?: number;
  readonly code?: string;
  readonly message?: string;
  /** How many matching requests fail. @default 1 */
  readonly times?: number;
  /** Apply the request, then lose the answer (a partial failure). */
  readonly drop?: boolean;
  /** For a 429: the `Retry-After` the answer carries (ms). */
  readonly retryAfterMs?: number;
}

/** One step; exactly one action key per step. */
export interface ScenarioStep {
  /** Which stack (for scenarios with several). @default - the scenario's first stack */
  readonly stack?: string;
  /** `pulumi up` of the stack file (`{}`), or of a snapshot of it (`{ file: "main" }`). */
  readonly up?: { readonly file?: string };
  /** A release command line without `--stack`, e.g. `promote --steps 10,100 --pause 4m`. */
  readonly release?: string;
  /** Edits of the stack file: `{ "app.settings.LOG_LEVEL": "WARN" }` (null removes). */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Saves a copy of the stack file under a name (`main`: what is committed). */
  readonly snapshot?: string;
  /** Puts a saved copy back as the stack file (a failed push, a stale branch). */
  readonly restore?: string;
  /** Changes how images behave from now on. */
  readonly images?: Readonly<Record<string, ImageBehaviour>>;
  /** A change made in Azure outside the release: deactivate the revision a label points at. */
  readonly deactivate?: "blue" | "green";
  /** A change made in Azure outside the release: set the labels' weights (`{ blue: 100, green: 0 }`). */
  readonly traffic?: Readonly<Record<string, number>>;
  /** Lets virtual time pass: `90s`, `5m`. */
  readonly advance?: string;
  /** Runs these steps at the same time. */
  readonly parallel?: readonly ScenarioStep[];
  /** Faults active while the step runs. */
  readonly faults?: readonly FaultSpec[];
  /**
   * Steps run while this one is in progress, right after it prints a line containing `after`
   * (e.g. a drift run, a cancelled job: `{ signal: "SIGTERM" }`).
   */
  readonly during?: {
    readonly after: string;
    readonly do: readonly (ScenarioStep | { readonly signal: "SIGINT" | "SIGTERM" })[];
  };
  /** What the step must end with: its exit code and a piece of its output. */
  readonly expect?: { readonly exit?: number; readonly output?: string };
}

/** A whole scenario. */
export interface Scenario {
  readonly id: string;
  /** One line: what the scenario shows. */
  readonly title: string;
  /** Why it failed on the release engine before this design (what broke). */
  readonly before: string;
  /** The committed stack files it starts from. @default ["staging"] */
  readonly stacks?: readonly string[];
  /** Model settings (virtual time). */
  readonly model?: {
    readonly userRequestsPerMinute?: number;
    readonly coldStartMs?: number;
    readonly provisioningMs?: number;
    readonly ingestionLagMs?: number;
    /** The identity's role assignments take effect this long after the start. @default 0 */
    readonly roleAssignmentsAfterMs?: number;
  };
  /** Image behaviours from the start. */
  readonly images?: Readonly<Record<string, ImageBehaviour>>;
  readonly steps: readonly ScenarioStep[];
  /** The end state. */
  readonly expect: {
    /** Traffic by label on the first stack's app. */
    readonly traffic?: Readonly<Record<string, number>>;
    /** The live slot in the first stack's file. */
    readonly live?: "blue" | "green";
    /** Active revisions of the first stack's app. */
    readonly activeRevisions?: number;
    /**
     * The release notifications the chat webhook received, in order: the event, and a step's
     * share (`deploy`, `promote-step 10`, `promote-step 100`, `promoted`, `rollback`, `failure`).
     */
    readonly notifications?: readonly string[];
  };
}

/** A scenario file that does not have the documented shape. */
export class ScenarioError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = "ScenarioError";
  }
}

const STEP_ACTIONS = [
  "up",
  "release",
  "config",
  "snapshot",
  "restore",
  "images",
  "deactivate",
  "traffic",
  "advance",
  "parallel",
] as const;
const STEP_KEYS = [...STEP_ACTIONS, "stack", "faults", "during", "expect"];
const SCENARIO_KEYS = ["id", "title", "before", "stacks", "model", "images", "steps", "expect"];

function checkStep(file: string, step: unknown, where: string): void {
  if (typeof step !== "object" || step === null || Array.isArray(step)) {
    throw new ScenarioError(file, `${where} must be an object`);
  }
  const record = step as Record<string, unknown>;
  if ("signal" in record) {
    if (record.signal !== "SIGINT" && record.signal !== "SIGTERM") {
      throw new ScenarioError(file, `${where}.signal must be SIGINT or SIGTERM`);
    }
    return;
  }
  const unknown = Object.keys(record).filter((key) => !STEP_KEYS.includes(key));
  if (unknown.length > 0) {
    throw new ScenarioError(
      file,
      `${where} has unknown key(s) ${unknown.join(", ")}; allowed: ${STEP_KEYS.join(", ")}`,
    );
  }
  const actions = STEP_ACTIONS.filter((key) => key in record);
  if (actions.length !== 1) {
    throw new ScenarioError(
      file,
      `${where} must have exactly one of ${STEP_ACTIONS.join(", ")}; has ${actions.length === 0 ? "none" : actions.join(", ")}`,
    );
  }
  if ("release" in record && typeof record.release !== "string") {
    throw new ScenarioError(file, `${where}.release must be a command line string`);
  }
  if ("advance" in record && !/^\d+(s|m)$/.test(String(record.advance))) {
    throw new ScenarioError(file, `${where}.advance must look like 90s or 5m`);
  }
  const during = record.during as { after?: unknown; do?: unknown } | undefined;
  if (during !== undefined) {
    if (typeof during.after !== "string" || !Array.isArray(during.do)) {
      throw new ScenarioError(file, `${where}.during needs \`after\` (text) and \`do\` (steps)`);
    }
    during.do.forEach((item, i) => checkStep(file, item, `${where}.during.do[${i}]`));
  }
  if (Array.isArray(record.parallel)) {
    record.parallel.forEach((item, i) => checkStep(file, item, `${where}.parallel[${i}]`));
  }
}

/** Checks a parsed scenario document. */
export function parseScenario(file: string, value: unknown): Scenario {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ScenarioError(file, "a scenario must be an object");
  }
  const record = value as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !SCENARIO_KEYS.includes(key));
  if (unknown.length > 0) {
    throw new ScenarioError(
      file,
      `unknown key(s) ${unknown.join(", ")}; allowed: ${SCENARIO_KEYS.join(", ")}`,
    );
  }
  for (const key of ["id", "title"]) {
    if (typeof record[key] !== "string" || record[key] === "") {
      throw new ScenarioError(file, `\`${key}\` must be a non-empty string`);
    }
  }
  if (!Array.isArray(record.steps) || record.steps.length === 0) {
    throw new ScenarioError(file, "`steps` must be a non-empty list");
  }
  record.steps.forEach((step, i) => checkStep(file, step, `steps[${i}]`));
  if (typeof record.expect !== "object" || record.expect === null) {
    throw new ScenarioError(file, "`expect` must be an object (traffic, live, activeRevisions)");
  }
  return { before: "", ...record } as unknown as Scenario;
}

/** Reads a scenario file (YAML or JSON). */
export function loadScenarioFile(file: string): Scenario {
  let document: unknown;
  try {
    document = YAML.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new ScenarioError(file, (err as Error).message);
  }
  return parseScenario(file, document);
}

/** `90s`, `5m` -> milliseconds. */
export function durationMs(text: string): number {
  const match = /^(\d+)(s|m)$/.exec(text);
  if (match === null) {
    throw new Error(`not a duration: ${text}`);
  }
  return Number(match[1]) * (match[2] === "m" ? 60_000 : 1000);
}
