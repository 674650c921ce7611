/**
 * A chat webhook receiver (Slack's incoming webhook) for the release's notifications, reached
 * in-process through a `fetch` function: it keeps every JSON body it accepted, answers 200 like
 * Slack (https://api.slack.com/messaging/webhooks), and takes the model's injected faults (a 429
 * with `Retry-After`, a 503, a lost answer), so the drill runs the real webhook adapter against it.
 */
import { FaultRegistry } from "./faults";

/** The webhook URL the drill gives the release engine (its path is what faults match). */
export const DRILL_WEBHOOK_URL = "https://chat.drill.invalid/services/T0DRILL/webhook";

export class WebhookReceiver {
  /** The bodies accepted, in order. */
  readonly received: unknown[] = [];

  constructor(private readonly faults: FaultRegistry) {}

  /** A `fetch` for the adapter: POSTs to the receiver; anything else is a network error. */
  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init?.method ?? "GET").toUpperCase();
    if (url.origin !== new URL(DRILL_WEBHOOK_URL).origin) {
      throw new TypeError(`fetch failed: getaddrinfo ENOTFOUND ${url.host}`);
    }
    const fault = this.faults.take(method, url.pathname);
    if (fault?.kind === "drop") {
      this.faults.record({ method, path: url.pathname, apiVersion: null, status: 0 });
      throw new TypeError("fetch failed: socket hang up");
    }
    if (fault?.kind === "fail") {
      const { rule } = fault;
      this.faults.record({ method, path: url.pathname, apiVersion: null, status: rule.status });
      const headers: Record<string, string> =
        rule.retryAfterMs === undefined
          ? {}
          : { "Retry-After": String(Math.ceil(rule.retryAfterMs / 1000)) };
      return new Response(rule.message, { status: rule.status, headers });
    }
    if (method !== "POST" || url.pathname !== new URL(DRILL_WEBHOOK_URL).pathname) {
      this.faults.record({ method, path: url.pathname, apiVersion: null, status: 404 });
      return new Response("no_service", { status: 404 });
    }
    let body: unknown;
    try {
      body = JSON.parse(String(init?.body));
    } catch {
      this.faults.record({ method, path: url.pathname, apiVersion: null, status: 400 });
      return new Response("invalid_payload", { status: 400 });
    }
    if (typeof (body as { text?: unknown }).text !== "string") {
      // Slack refuses a message without text (or blocks): `no_text`.
      this.faults.record({ method, path: url.pathname, apiVersion: null, status: 400 });
      return new Response("no_text", { status: 400 });
    }
    this.received.push(body);
    this.faults.record({ method, path: url.pathname, apiVersion: null, status: 200 });
    return new Response("ok", { status: 200 });
  };
}
