/**
 * Verification over HTTP: a label URL reaches one revision whatever its traffic weight, so the
 * candidate is checked at 0% before it gets any user. A scaled-to-zero revision (dev) wakes on the
 * first request and may time out until it has started: verification keeps trying for
 * `coldStartMs`, bounded.
 */
import { ReleaseDeps } from "./ports";
import { CheckFailed } from "./traffic";

function join(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, "")}${path}`;
}

/** One GET per path; returns the failures (`GET <url> -> <why>`), empty when all answered 2xx. */
export async function healthOnce(
  deps: ReleaseDeps,
  baseUrl: string,
  paths: readonly string[],
): Promise<string[]> {
  const failures: string[] = [];
  for (const path of paths) {
    const url = join(baseUrl, path);
    const result = await deps.http.get(url);
    if (!result.ok) {
      failures.push(`GET ${url} -> ${result.error ?? `HTTP ${result.status}`}`);
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
  baseUrl: string,
  paths: readonly string[],
): Promise<void> {
  if (baseUrl === "") {
    throw new CheckFailed(`${what} has no URL (the app reports no ingress FQDN)`);
  }
  const { coldStartMs, verifyRetryMs } = deps.timings;
  const start = deps.clock.now();
  let attempts = 0;
  for (;;) {
    attempts++;
    const failures = await healthOnce(deps, baseUrl, paths);
    if (failures.length === 0) {
      deps.report.info(
        `verified ${what}: ${paths.map((path) => `GET ${join(baseUrl, path)}`).join(", ")} answered 2xx`,
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
