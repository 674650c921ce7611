/**
 * `Notifier` over a Slack incoming webhook (or any receiver that reads JSON: a Teams webhook
 * shows nothing of it without a flow that reads `text`): one POST per event with the notification
 * as its JSON body (its `text` field is what Slack shows). Each
 * attempt times out; a 429 or 5xx answer is retried twice, after the answer's `Retry-After`
 * (seconds or an HTTP date, RFC 9110 section 10.2.3) when it has one, capped so a release is
 * never held up for long. The URL is a secret (it is the credential): messages name its host only.
 */
import { Notifier, ReleaseNotification } from "./ports";

/** Attempts after the first one, for 429 and 5xx answers. */
export const WEBHOOK_RETRIES = 2;
/** One attempt's timeout. */
export const WEBHOOK_TIMEOUT_MS = 5_000;
/** The longest `Retry-After` honoured; a longer one is cut to this. */
export const WEBHOOK_MAX_RETRY_AFTER_MS = 10_000;
/** Waits before a retry when the answer has no `Retry-After`. */
export const WEBHOOK_BACKOFF_MS: readonly number[] = [1_000, 2_000];

export interface WebhookOptions {
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Waits between attempts. @default a real timer */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default WEBHOOK_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /** Used to read an HTTP-date `Retry-After`. @default Date.now */
  readonly now?: () => number;
}

/** The wait a `Retry-After` value asks for (ms), or `undefined` when it has none or it is not valid. */
export function retryAfterMs(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === "") {
    return undefined;
  }
  if (/^\d+$/.test(value.trim())) {
    return Number(value.trim()) * 1000;
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** A webhook URL as messages show it: its host only (the path is the secret). */
export function webhookHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(not a URL)";
  }
}

export class WebhookNotifier implements Notifier {
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(
    private readonly url: string,
    options: WebhookOptions = {},
  ) {
    if (!/^https:\/\/[^\s/]+\/\S*$/.test(url)) {
      throw new Error(
        `the release webhook must be an https:// URL, got one for ${webhookHost(url)}`,
      );
    }
    this.fetchFn = options.fetch ?? fetch;
    this.sleep =
      options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()));
    this.timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
    this.now = options.now ?? Date.now;
  }

  async send(notification: ReleaseNotification): Promise<void> {
    const host = webhookHost(this.url);
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetchFn(this.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(notification),
          redirect: "error",
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (err) {
        throw new Error(`POST to ${host} failed: ${(err as Error).message}`);
      }
      if (response.ok) {
        return;
      }
      const retryable = response.status === 429 || response.status >= 500;
      if (!retryable || attempt >= WEBHOOK_RETRIES) {
        throw new Error(
          `${host} answered ${response.status}${retryable ? ` after ${attempt + 1} attempts` : ""}`,
        );
      }
      const asked = retryAfterMs(response.headers.get("retry-after"), this.now());
      await this.sleep(Math.min(asked ?? WEBHOOK_BACKOFF_MS[attempt], WEBHOOK_MAX_RETRY_AFTER_MS));
    }
  }
}
