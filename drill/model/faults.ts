/**
 * Injected failures (rule 17). A `fail` rule answers instead of the model and changes nothing; an
 * `applyThenDrop` rule lets the model apply the request and then destroys the socket, so the
 * client sees a network error for a change that happened (partial failure).
 */

/** Answer the next matching requests with this error, without changing state. */
export interface FailRule {
  method?: string;
  /** Matched against the path without the query string. */
  path: RegExp;
  status: number;
  code: string;
  message: string;
  /** @default 1 */
  times?: number;
  /**
   * With a 429 (or 503), sent as `Retry-After` (whole seconds, rounded up) and
   * `x-ms-retry-after-ms`: ARM's throttling answer carries Retry-After
   * (https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/request-limits-and-throttling
   * "Error code"), and the SDK's throttlingRetryStrategy reads retry-after-ms,
   * x-ms-retry-after-ms, then Retry-After (@typespec/ts-http-runtime
   * retryStrategies/throttlingRetryStrategy.js), which keeps the retries fast.
   */
  retryAfterMs?: number;
}

/** Apply the next matching requests, then drop the answer (the socket is destroyed). */
export interface DropRule {
  method?: string;
  path: RegExp;
  /** @default 1 */
  times?: number;
}

/** One request the server received and the status it answered (0: socket destroyed). */
export interface LogEntry {
  readonly method: string;
  readonly path: string;
  readonly apiVersion: string | null;
  readonly status: number;
}

export interface FaultInjector {
  /** The next `times` (default 1) requests matching method+path regex (path without query) fail with this answer, without changing state. */
  fail(rule: FailRule): void;
  /** Like fail, but the request IS applied and only the response is lost (status 0 => socket destroyed): partial failure. */
  applyThenDrop(rule: DropRule): void;
  clear(): void;
  /** Every request the server received: method, path, api-version, status answered. */
  readonly log: ReadonlyArray<LogEntry>;
}

/** What to do with one request. */
export type FaultDecision =
  { readonly kind: "fail"; readonly rule: FailRule } | { readonly kind: "drop" } | undefined;

interface Armed {
  readonly kind: "fail" | "drop";
  readonly method?: string;
  readonly path: RegExp;
  remaining: number;
  readonly rule?: FailRule;
}

/** The model's fault injector; the server consults `take` for every request and `record`s it. */
export class FaultRegistry implements FaultInjector {
  private armed: Armed[] = [];
  private readonly entries: LogEntry[] = [];

  get log(): ReadonlyArray<LogEntry> {
    return this.entries;
  }

  fail(rule: FailRule): void {
    this.armed.push({
      kind: "fail",
      method: rule.method,
      path: rule.path,
      remaining: times(rule.times),
      rule: { ...rule },
    });
  }

  applyThenDrop(rule: DropRule): void {
    this.armed.push({
      kind: "drop",
      method: rule.method,
      path: rule.path,
      remaining: times(rule.times),
    });
  }

  clear(): void {
    this.armed = [];
  }

  /** The first armed rule matching the request, consumed once. */
  take(method: string, path: string): FaultDecision {
    const found = this.armed.find(
      (a) =>
        a.remaining > 0 &&
        (a.method === undefined || a.method.toUpperCase() === method.toUpperCase()) &&
        matches(a.path, path),
    );
    if (found === undefined) {
      return undefined;
    }
    found.remaining -= 1;
    this.armed = this.armed.filter((a) => a.remaining > 0);
    return found.kind === "fail" && found.rule !== undefined
      ? { kind: "fail", rule: found.rule }
      : { kind: "drop" };
  }

  record(entry: LogEntry): void {
    this.entries.push(entry);
  }
}

function times(value: number | undefined): number {
  const n = value ?? 1;
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`times must be an integer >= 1, got ${value}`);
  }
  return n;
}

function matches(pattern: RegExp, path: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(path);
}
