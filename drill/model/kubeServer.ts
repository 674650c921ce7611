/**
 * HTTPS in front of the cluster model (`kube.ts`), like `server.ts` for ARM: the Kubernetes API
 * paths the release engine calls, and the Logs query route for the app's telemetry (the same
 * `/v1/workspaces/{id}/query` as the Azure model, so the engine's `LogsTelemetry` reads it
 * unchanged). Bearer token required (401 Unauthorized otherwise, the API server's answer to an
 * unauthenticated request: https://kubernetes.io/docs/reference/access-authn-authz/authentication/);
 * injected faults answer first, a 429 with `Retry-After`. 127.0.0.1 only, random port.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Json } from "./json";
import { KubeModel, KubeStatusError } from "./kube";
import { ModelServer, listen, modelCertificate } from "./server";

const LOGS_PATH = /^\/v1\/workspaces\/([^/]+)\/query$/i;

/** Starts the cluster model's server. */
export async function startKubeModelServer(model: KubeModel): Promise<ModelServer> {
  return listen(await modelCertificate(), (req, res) => handle(model, req, res));
}

function send(
  res: ServerResponse,
  status: number,
  body: Json,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "Content-Type": "application/json",
    "Content-Length": String(Buffer.byteLength(text)),
  });
  res.end(text);
}

async function handle(model: KubeModel, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  const url = new URL(req.url ?? "/", "https://127.0.0.1");
  const method = (req.method ?? "GET").toUpperCase();
  const path = url.pathname;
  const reply = (status: number, body: Json, headers: Record<string, string> = {}) => {
    model.faults.record({ method, path, apiVersion: null, status });
    send(res, status, body, headers);
  };
  if (!/^Bearer\s+\S+/i.test(req.headers.authorization ?? "")) {
    reply(401, new KubeStatusError(401, "Unauthorized", "Unauthorized").body());
    return;
  }
  const fault = model.faults.take(method, path);
  if (fault?.kind === "fail") {
    const headers: Record<string, string> = {};
    if (fault.rule.retryAfterMs !== undefined) {
      headers["Retry-After"] = String(Math.ceil(fault.rule.retryAfterMs / 1000));
    }
    reply(
      fault.rule.status,
      new KubeStatusError(fault.rule.status, fault.rule.code, fault.rule.message).body(),
      headers,
    );
    return;
  }
  const text = Buffer.concat(chunks).toString("utf8");
  let answer: { status: number; body: Json };
  try {
    const body = text === "" ? undefined : (JSON.parse(text) as Json);
    answer = LOGS_PATH.test(path)
      ? { status: 200, body: model.logsQuery(body ?? null) }
      : { status: 200, body: model.request(method, path, url.searchParams, body) };
  } catch (err) {
    if (err instanceof KubeStatusError) {
      answer = { status: err.code, body: err.body() };
    } else if (err instanceof SyntaxError) {
      answer = { status: 400, body: new KubeStatusError(400, "BadRequest", err.message).body() };
    } else if ((err as { status?: number }).status !== undefined) {
      // The telemetry store's ModelError (a malformed gate query).
      const modelError = err as { status: number; body: () => Json };
      answer = { status: modelError.status, body: modelError.body() };
    } else {
      throw err;
    }
  }
  if (fault?.kind === "drop") {
    model.faults.record({ method, path, apiVersion: null, status: 0 });
    req.socket.destroy();
    return;
  }
  reply(answer.status, answer.body);
}
