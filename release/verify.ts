/**
 * Verification over HTTP: a label URL reaches one revision whatever its traffic weight, so the
 * candidate is checked at 0% before it gets any user. A scaled-to-zero revision (dev) wakes on the
 * first request and may time out until it has started: verification keeps trying for
 * `coldStartMs`, bounded.
 */
import { Endpoint, ReleaseDeps } from "./ports";
import { CheckFailed } from "./traffic";

function join(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, "")}${path}`;
}

function endpointOf(target: string | Endpoint): Endpoint {
  return typeof target === "string" ? { url: target } : target;
}

/** `GET <url>`, with the headers the request carries: `GET <url> (x-chatbot-slot: green)`. */
function describeGet(url: string, headers: Endpoint["headers"]): string {
  const sent = Object.entries(headers ?? {}).map(([name, value]) => `${name}: ${value}`);
  return `GET ${url}${sent.length === 0 ? "" : ` (${sent.join(", ")})`}`;
}

/** One GET per path; returns the failures (`GET <url> -> <why>`), empty when all answered 2xx. */
export async function healthOnce(
  deps: ReleaseDeps,
  target: string | Endpoint,
  paths: readonly string[],
): Promise<string[]> {
  const { url: baseUrl, headers } = endpointOf(target);
  const failures: string[] = [];
  for (const path of paths) {
    const url = join(baseUrl, path);
    const result =
      headers === undefined ? await deps.http.get(url) : await deps.http.get(url, headers);
    if (!result.ok) {
      failures.push(`${describeGet(url, headers)} -> ${result.error ?? `HTTP ${result.status}`}`);
    }
  }
  return failures;
}

/**
 * Every path must answer 2xx; failures are retried every `verifyRetryMs` until `coldStartMs` has
 * passed since the first attempt (a cold start), then it is a `CheckFailed`.
 */
export async function verifyUrl(
  deps: ReleaseDeps,
  what: string,
  target: string | Endpoint,
  paths: readonly string[],
): Promise<void> {
  const { url: baseUrl, headers } = endpointOf(target);
  if (baseUrl === "") {
    throw new CheckFailed(`${what} has no URL (the app reports no ingress FQDN)`);
  }
  const { coldStartMs, verifyRetryMs } = deps.timings;
  const start = deps.clock.now();
  let attempts = 0;
  for (;;) {
    attempts++;
    const failures = await healthOnce(deps, endpointOf(target), paths);
    if (failures.length === 0) {
      deps.report.info(
        `verified ${what}: ${paths.map((path) => describeGet(join(baseUrl, path), headers)).join(", ")} answered 2xx`,
      );
      return;
    }
    const waited = deps.clock.now() - start;
    if (waited >= coldStartMs) {
      throw new CheckFailed(
        `verification of ${what} failed after ${attempts} attempts over ${Math.round(waited / 1000)}s: ${failures.join(", ")}`,
      );
    }
    deps.report.info(
      `${what} not answering yet (${failures.join(", ")}); a scaled-to-zero revision is waking up: retry in ${verifyRetryMs / 1000}s (${Math.round(waited / 1000)}s of ${coldStartMs / 1000}s)`,
    );
    await deps.clock.sleep(verifyRetryMs, deps.signal);
  }
}
