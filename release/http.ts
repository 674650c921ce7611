/** `HttpChecker` over the global `fetch`, with a per-request timeout. */
import { HttpChecker, HttpResult } from "./ports";

export class FetchHttpChecker implements HttpChecker {
  constructor(
    private readonly timeoutMs = 10_000,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  async get(url: string, headers: Readonly<Record<string, string>> = {}): Promise<HttpResult> {
    try {
      const response = await this.fetchFn(url, {
        method: "GET",
        headers,
        redirect: "manual",
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      return { ok: response.status >= 200 && response.status < 300, status: response.status };
    } catch (err) {
      return { ok: false, status: 0, error: (err as Error).message };
    }
  }
}
