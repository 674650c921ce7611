/**
 * A thin client of the Kubernetes API for the release engine's AKS adapter: JSON GET, PUT and
 * PATCH over `node:https` with the cluster's CA and a bearer token (or a client certificate), as a
 * kubeconfig gives them (`kubeconfig.ts`). No Kubernetes client library: the engine makes a handful
 * of REST calls (https://kubernetes.io/docs/reference/using-api/api-concepts/), and every rule it
 * relies on is an HTTP status:
 * - 409 Conflict on an update whose `metadata.resourceVersion` is stale (optimistic concurrency,
 *   https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions);
 * - 429 Too Many Requests with `Retry-After` when API Priority and Fairness throttles
 *   (https://kubernetes.io/docs/concepts/cluster-administration/flow-control/): waited for and
 *   retried, bounded;
 * - a failure is a `Status` object (`reason`, `message`) that `KubeError` carries.
 */
import https from "node:https";

/** A failed Kubernetes API call: HTTP status and the `Status` object's reason and message. */
export class KubeError extends Error {
  readonly statusCode: number;
  constructor(
    status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = "KubeError";
    // The same property name the Azure SDK's RestError uses: the engine's retry of 409 reads it.
    this.statusCode = status;
  }
}

/** The Kubernetes API calls the AKS adapter makes. Paths start with `/api` or `/apis`. */
export interface KubeApi {
  get(path: string): Promise<Record<string, unknown>>;
  put(path: string, body: unknown): Promise<Record<string, unknown>>;
  /** `application/merge-patch+json` (RFC 7386). */
  mergePatch(path: string, body: unknown): Promise<Record<string, unknown>>;
}

/** How requests authenticate. */
export type KubeAuth =
  | { readonly kind: "token"; readonly token: () => Promise<string> }
  | { readonly kind: "certificate"; readonly cert: string; readonly key: string };

/** Where the API server is and how to trust and reach it. */
export interface KubeEndpoint {
  /** `https://<fqdn>:443` */
  readonly server: string;
  /** PEM of the cluster CA. */
  readonly ca: string;
  readonly auth: KubeAuth;
}

/** Attempts of a throttled (429) call. */
export const THROTTLE_ATTEMPTS = 4;

/** `Retry-After` in seconds (the API server sends whole seconds), capped; 1 s when absent. */
export function retryAfterMs(header: string | string[] | undefined, capMs = 30_000): number {
  const value = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(value) && value >= 0 ? Math.min(value * 1000, capMs) : 1000;
}

/** The Kubernetes API over HTTPS. */
export class HttpsKubeApi implements KubeApi {
  private readonly agent: https.Agent;

  constructor(
    private readonly endpoint: KubeEndpoint,
    private readonly options: {
      readonly timeoutMs?: number;
      /** Waits between throttled attempts. @default real time */
      readonly sleep?: (ms: number) => Promise<void>;
    } = {},
  ) {
    this.agent = new https.Agent({
      ca: endpoint.ca,
      ...(endpoint.auth.kind === "certificate"
        ? { cert: endpoint.auth.cert, key: endpoint.auth.key }
        : {}),
    });
  }

  get(path: string): Promise<Record<string, unknown>> {
    return this.call("GET", path, undefined, undefined);
  }

  put(path: string, body: unknown): Promise<Record<string, unknown>> {
    return this.call("PUT", path, body, "application/json");
  }

  mergePatch(path: string, body: unknown): Promise<Record<string, unknown>> {
    return this.call("PATCH", path, body, "application/merge-patch+json");
  }

  private async call(
    method: string,
    path: string,
    body: unknown,
    contentType: string | undefined,
  ): Promise<Record<string, unknown>> {
    const sleep =
      this.options.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
    for (let attempt = 1; ; attempt++) {
      const answer = await this.once(method, path, body, contentType);
      if (answer.status === 429 && attempt < THROTTLE_ATTEMPTS) {
        await sleep(retryAfterMs(answer.retryAfter));
        continue;
      }
      if (answer.status >= 200 && answer.status < 300) {
        return answer.json;
      }
      throw new KubeError(
        answer.status,
        typeof answer.json.reason === "string" ? answer.json.reason : "Unknown",
        `${method} ${path}: ${answer.status} ${typeof answer.json.message === "string" ? answer.json.message : "(no message)"}`,
      );
    }
  }

  private async once(
    method: string,
    path: string,
    body: unknown,
    contentType: string | undefined,
  ): Promise<{
    status: number;
    json: Record<string, unknown>;
    retryAfter: string | string[] | undefined;
  }> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (this.endpoint.auth.kind === "token") {
      headers.Authorization = `Bearer ${await this.endpoint.auth.token()}`;
    }
    const text = body === undefined ? undefined : JSON.stringify(body);
    if (text !== undefined && contentType !== undefined) {
      headers["Content-Type"] = contentType;
      headers["Content-Length"] = String(Buffer.byteLength(text));
    }
    const url = new URL(path, this.endpoint.server);
    return new Promise((resolve, reject) => {
      const req = https.request(
        url,
        { method, headers, agent: this.agent, timeout: this.options.timeoutMs ?? 30_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            const raw = Buffer.concat(chunks).toString("utf8");
            let json: Record<string, unknown> = {};
            try {
              json = raw === "" ? {} : (JSON.parse(raw) as Record<string, unknown>);
            } catch {
              json = { message: raw.slice(0, 200) };
            }
            resolve({ status: res.statusCode ?? 0, json, retryAfter: res.headers["retry-after"] });
          });
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on("error", reject);
      req.end(text);
    });
  }
}
