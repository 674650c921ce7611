/**
 * HTTPS in front of the model: the ARM Container Apps routes and the Logs query route, TLS with a
 * certificate generated at start, bearer-token and api-version checks, injected faults, and a log
 * of every request. 127.0.0.1 only, random port.
 */
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { ContainerAppsAPIClientOptionalParams } from "@azure/arm-appcontainers";
import { generate } from "selfsigned";
import { ModelError, authenticationFailed, missingApiVersion } from "./errors";
import { Json } from "./json";
import { ArmRequest, AzureModel, ModelAnswer } from "./model";

/** A running model server. */
export interface ModelServer {
  /** "https://127.0.0.1:<port>" */
  readonly url: string;
  /** PEM of the self-signed certificate. */
  readonly ca: string;
  close(): Promise<void>;
}

/**
 * `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.App/containerApps[/{name}[/revisions[/{rev}[/{action}]]]]`
 * (ARM paths are case-insensitive).
 */
const ARM_PATH =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.App\/containerApps(?:\/([^/]+)(?:\/(revisions)(?:\/([^/]+)(?:\/([^/]+))?)?)?)?$/i;
/** The Logs API query route, relative to the client's endpoint `<url>/v1`. */
const LOGS_PATH = /^\/v1\/workspaces\/([^/]+)\/query$/i;

/**
 * Starts the server. The certificate is generated with `selfsigned` (EC P-256, SHA-256), subject
 * CN 127.0.0.1 and SAN IP 127.0.0.1 + DNS localhost; clients trust it through `ca`.
 */
export async function startModelServer(model: AzureModel): Promise<ModelServer> {
  const pems = await modelCertificate();
  return listen(pems, (req, res, id) => handle(model, req, res, id));
}

/** The model servers' self-signed certificate for 127.0.0.1 (see `startModelServer`). */
export function modelCertificate(): Promise<{ private: string; cert: string }> {
  return generate([{ name: "commonName", value: "127.0.0.1" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    extensions: [
      { name: "basicConstraints", cA: true },
      { name: "keyUsage", digitalSignature: true, keyCertSign: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 7, ip: "127.0.0.1" },
          { type: 2, value: "localhost" },
        ],
      },
    ],
  });
}

/**
 * An HTTPS server on 127.0.0.1 (random port) with `pems`, each request given to `handler` with a
 * sequence number; `close` ends open connections too.
 */
export async function listen(
  pems: { private: string; cert: string },
  handler: (req: IncomingMessage, res: ServerResponse, id: number) => Promise<void>,
): Promise<ModelServer> {
  const sockets = new Set<Socket>();
  let requestId = 0;
  const server = https.createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    handler(req, res, ++requestId).catch((err: unknown) => {
      if (!res.headersSent) {
        send(res, 500, { error: { code: "InternalServerError", message: String(err) } }, requestId);
      }
    });
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    ca: pems.cert,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const socket of sockets) {
          socket.destroy();
        }
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

async function handle(
  model: AzureModel,
  req: IncomingMessage,
  res: ServerResponse,
  id: number,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  const url = new URL(req.url ?? "/", "https://127.0.0.1");
  const path = url.pathname;
  const apiVersion = url.searchParams.get("api-version");
  const method = (req.method ?? "GET").toUpperCase();
  const faults = model.faultRegistry;
  const reply = (status: number, body?: Json, headers: Record<string, string> = {}): void => {
    faults.record({ method, path, apiVersion, status });
    send(res, status, body, id, headers);
  };
  try {
    // Every ARM and Logs call needs `Authorization: Bearer <token>`; without it both answer 401
    // AuthenticationFailed (https://learn.microsoft.com/en-us/azure/azure-monitor/logs/api/errors
    // "No authentication provided"; https://learn.microsoft.com/en-us/rest/api/azure/ "Request
    // header": Authorization: Bearer).
    if (!/^Bearer\s+\S+/i.test(req.headers.authorization ?? "")) {
      throw authenticationFailed();
    }
    const logs = LOGS_PATH.exec(path);
    const arm = logs === null ? ARM_PATH.exec(path) : null;
    // ARM requires api-version on every request (https://learn.microsoft.com/en-us/rest/api/azure/
    // "Request URI": query-string api-version, required); the Logs API has its
    // version in the path (`/v1`) and the SDK sends none (monitorQueryLogsContext.js removes the
    // ApiVersionPolicy).
    if (logs === null && apiVersion === null) {
      throw missingApiVersion();
    }
    const fault = faults.take(method, path);
    if (fault?.kind === "fail") {
      const headers: Record<string, string> = {};
      if (fault.rule.retryAfterMs !== undefined) {
        headers["Retry-After"] = String(Math.ceil(fault.rule.retryAfterMs / 1000));
        headers["x-ms-retry-after-ms"] = String(fault.rule.retryAfterMs);
      }
      reply(
        fault.rule.status,
        { error: { code: fault.rule.code, message: fault.rule.message } },
        headers,
      );
      return;
    }
    let answer: ModelAnswer | ModelError;
    try {
      const body = parseBody(chunks, req.headers["content-type"]);
      if (logs !== null) {
        if (method !== "POST") {
          throw new ModelError(405, "MethodNotAllowed", "The model's Logs API accepts POST only.");
        }
        answer = model.logsQuery(body ?? null);
      } else if (arm !== null) {
        answer = model.arm(armRequest(method, arm, body));
      } else {
        // Unknown route (code not confirmed).
        throw new ModelError(404, "NotFound", `The model does not serve ${method} ${path}.`);
      }
    } catch (err) {
      if (!(err instanceof ModelError)) {
        throw err;
      }
      answer = err;
    }
    if (fault?.kind === "drop") {
      // Applied; the answer is lost with the connection.
      faults.record({ method, path, apiVersion, status: 0 });
      req.socket.destroy();
      return;
    }
    if (answer instanceof ModelError) {
      reply(answer.status, answer.body());
    } else {
      reply(answer.status, answer.body);
    }
  } catch (err) {
    if (!(err instanceof ModelError)) {
      throw err;
    }
    reply(err.status, err.body());
  }
}

/**
 * The JSON request body, or undefined when empty. Both SDK clients send `Content-Type:
 * application/json` (arm-appcontainers `_createOrUpdateSend`/`_updateSend`, monitor-query-logs
 * `_executeSend`); another media type is 415 UnsupportedMediaType and malformed JSON is 400
 * InvalidRequestContent, ARM's codes
 * (https://learn.microsoft.com/en-us/azure/azure-resource-manager/troubleshooting/common-deployment-errors;
 * messages not confirmed).
 */
function parseBody(chunks: Buffer[], contentType: string | undefined): Json | undefined {
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") {
    return undefined;
  }
  const mediaType = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (mediaType !== "application/json") {
    throw new ModelError(
      415,
      "UnsupportedMediaType",
      `The content media type '${mediaType}' is not supported. Only 'application/json' is supported.`,
    );
  }
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    throw new ModelError(
      400,
      "InvalidRequestContent",
      `The request content was invalid and could not be deserialized: ${String(err)}`,
    );
  }
}

function armRequest(method: string, match: RegExpExecArray, body: Json | undefined): ArmRequest {
  const part = (i: number): string | undefined =>
    match[i] === undefined ? undefined : decodeURIComponent(match[i]);
  return {
    method,
    subscriptionId: part(1) ?? "",
    resourceGroup: part(2) ?? "",
    appName: part(3),
    revisions: match[4] !== undefined,
    revisionName: part(5),
    action: part(6)?.toLowerCase(),
    body,
  };
}

function send(
  res: ServerResponse,
  status: number,
  body: Json | undefined,
  id: number,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": String(Buffer.byteLength(text)),
    "x-ms-request-id": `00000000-0000-4000-8000-${id.toString(16).padStart(12, "0")}`,
  });
  res.end(text);
}

type ClientOptions = ContainerAppsAPIClientOptionalParams;

/**
 * Options that point an Azure SDK client at the model server (assignable to both clients' option
 * types).
 */
export interface ModelClientOptions {
  readonly endpoint: string;
  readonly additionalPolicies: NonNullable<ClientOptions["additionalPolicies"]>;
  readonly retryOptions: NonNullable<ClientOptions["retryOptions"]>;
}

/**
 * Options for `ContainerAppsAPIClient` (api "arm", endpoint `server.url`) or `LogsQueryClient`
 * (api "logs", endpoint `server.url + "/v1"`). The SDK refuses bearer tokens over http, so the
 * server is https with a self-signed certificate: a per-call pipeline policy gives every request
 * an https.Agent that trusts `server.ca` (PipelineRequest.agent, @azure/core-rest-pipeline
 * interfaces.d.ts; AdditionalPolicyConfig, @azure-rest/core-client common.d.ts) and keeps its
 * connections alive, so the clients of one model server share TLS connections instead of
 * opening one per request. Credential
 * scopes are left to each client's default (ARM https://management.azure.com/.default in
 * containerAppsAPIContext.js; Logs https://api.loganalytics.io/.default in
 * monitorQueryLogsContext.js), so options made for one client and given to the other with another
 * endpoint still ask for the right scope. Retry delays are shortened to milliseconds (the model
 * never sleeps; the SDK's backoff would be real time); the number of retries stays the SDK's.
 */
export function modelClientOptions(
  server: { readonly url: string; readonly ca: string },
  api: "arm" | "logs" = "arm",
): ModelClientOptions {
  const agent = new https.Agent({ ca: server.ca, keepAlive: true });
  return {
    endpoint: api === "arm" ? server.url : `${server.url}/v1`,
    additionalPolicies: [
      {
        position: "perCall",
        policy: {
          name: "model-tls",
          sendRequest: (request, next) => {
            request.agent = agent;
            return next(request);
          },
        },
      },
    ],
    retryOptions: { retryDelayInMs: 5, maxRetryDelayInMs: 50 },
  };
}
