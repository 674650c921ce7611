// The local Azure model (drill/model), driven through the real Azure SDK clients over HTTPS.
import assert from "node:assert/strict";
import https from "node:https";
import { ContainerAppsAPIClient } from "@azure/arm-appcontainers";
import type { ContainerApp, Revision, TrafficWeight } from "@azure/arm-appcontainers";
import { LogsQueryClient, LogsQueryResultStatus } from "@azure/monitor-query-logs";
import {
  AzureModel,
  ManualClock,
  ModelOptions,
  ModelServer,
  RequestRow,
  modelClientOptions,
  startModelServer,
} from "../../drill/model";

const RG = "rg-chatbot-prod";
const APP = "chatbot-api-prod";
const IMAGE_1 = "chatbotregistry.azurecr.io/chatbot-api:1.4.2";
const IMAGE_2 = "chatbotregistry.azurecr.io/chatbot-api:1.5.0";
const START = Date.parse("2026-11-29T10:00:00Z");
const credential = {
  getToken: async () => ({ token: "test", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

interface World {
  clock: ManualClock;
  model: AzureModel;
  server: ModelServer;
  arm: ContainerAppsAPIClient;
  logs: LogsQueryClient;
}

let current: World | undefined;

async function world(options: Partial<ModelOptions> = {}): Promise<World> {
  const clock = new ManualClock();
  const model = new AzureModel({ clock, userRequestsPerMinute: 0, ...options });
  const server = await startModelServer(model);
  current = {
    clock,
    model,
    server,
    arm: new ContainerAppsAPIClient(credential, model.subscriptionId, modelClientOptions(server)),
    logs: new LogsQueryClient(credential, modelClientOptions(server, "logs")),
  };
  return current;
}

/** Closes the server of the test's world (registered per describe, not as a root hook). */
async function closeWorld(): Promise<void> {
  await current?.server.close();
  current = undefined;
}

interface AppSpec {
  suffix?: string;
  image?: string;
  mode?: string;
  traffic?: TrafficWeight[];
  minReplicas?: number;
  maxInactiveRevisions?: number;
  keyVaultSecret?: boolean;
}

function containerApp(spec: AppSpec = {}): ContainerApp {
  const identity =
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-chatbot-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-chatbot-api-prod";
  return {
    location: "eastus2",
    tags: { environment: "prod" },
    environmentId:
      "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-chatbot-prod/providers/Microsoft.App/managedEnvironments/cae-chatbot-prod",
    configuration: {
      activeRevisionsMode: spec.mode ?? "Multiple",
      maxInactiveRevisions: spec.maxInactiveRevisions,
      ingress: { external: true, targetPort: 8000, traffic: spec.traffic },
      secrets: spec.keyVaultSecret
        ? [
            {
              name: "openai-api-key",
              keyVaultUrl: "https://kv-chatbot-prod.vault.azure.net/secrets/openai-api-key",
              identity,
            },
          ]
        : undefined,
    },
    template: {
      revisionSuffix: spec.suffix,
      containers: [
        { name: "api", image: spec.image ?? IMAGE_1, resources: { cpu: 2, memory: "4Gi" } },
      ],
      scale: { minReplicas: spec.minReplicas ?? 2, maxReplicas: 10 },
    },
  };
}

/** Expects a RestError with exactly this status, code and message. */
async function rejectsWith(
  promise: Promise<unknown>,
  status: number,
  code: string,
  message: string,
): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    const e = err as { statusCode?: number; code?: string; message?: string };
    assert.deepEqual(
      { status: e.statusCode, code: e.code, message: e.message },
      { status, code, message },
    );
    return true;
  });
}

async function listRevisions(w: World): Promise<Revision[]> {
  const out: Revision[] = [];
  for await (const r of w.arm.containerAppsRevisions.listRevisions(RG, APP)) {
    out.push(r);
  }
  return out;
}

function revisionState(r: Revision): Record<string, unknown> {
  return {
    name: r.name,
    active: r.active,
    provisioningState: r.provisioningState,
    runningState: r.runningState,
    healthState: r.healthState,
    replicas: r.replicas,
    trafficWeight: r.trafficWeight,
  };
}

function gateQuery(
  from: string,
  to: string,
  revision: string,
  excluded = ['"GET /health"', '"GET /ready"'],
): string {
  return [
    "AppRequests",
    `| where TimeGenerated >= datetime(${from}) and TimeGenerated < datetime(${to})`,
    `| where AppRoleInstance matches regex "^${revision}-[0-9a-f]{8,10}-[0-9a-z]{5}$"`,
    excluded.length === 0
      ? "| where isempty(OperationSyntheticSource)"
      : `| where isempty(OperationSyntheticSource) and Name !in (${excluded.join(", ")})`,
    "| summarize requests = sum(ItemCount), failed = sumif(ItemCount, Success == false), p95 = percentilew(DurationMs, ItemCount, 95)",
  ].join("\n");
}

async function gate(w: World, query: string): Promise<unknown[]> {
  const result = await w.logs.queryWorkspace("ws-chatbot-prod", query, { duration: "P1D" });
  assert.equal(result.status, LogsQueryResultStatus.Success);
  if (result.status !== LogsQueryResultStatus.Success) {
    return [];
  }
  assert.deepEqual(result.tables[0].columnDescriptors, [
    { name: "requests", type: "long" },
    { name: "failed", type: "long" },
    { name: "p95", type: "real" },
  ]);
  return result.tables[0].rows[0];
}

/** An independent nearest-rank p95 of row durations. */
function p95(rows: RequestRow[]): number {
  const sorted = rows.map((r) => r.DurationMs).sort((a, b) => a - b);
  return sorted[Math.ceil(0.95 * sorted.length) - 1];
}

function raw(
  server: ModelServer,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${server.url}${path}`, { method, headers, ca: server.ca }, (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: text === "" ? undefined : JSON.parse(text),
        }),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

const APP_PATH = `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/${RG}/providers/Microsoft.App/containerApps/${APP}`;

describe("drill model: virtual clock", () => {
  it("sleep advances virtual time at once and rejects with the abort reason", async () => {
    const clock = new ManualClock();
    assert.equal(clock.now(), START);
    await clock.sleep(90_000);
    assert.equal(clock.now(), START + 90_000);
    const controller = new AbortController();
    const reason = new Error("cancelled");
    controller.abort(reason);
    await assert.rejects(clock.sleep(1_000, controller.signal), (err) => err === reason);
    assert.equal(clock.now(), START + 90_000);
  });
});

describe("drill model: ARM surface", () => {
  afterEach(closeWorld);

  it("fails when api-version is missing (400 MissingApiVersionParameter) or the bearer token is missing (401)", async () => {
    const w = await world();
    assert.deepEqual(
      await raw(w.server, "GET", APP_PATH, { Authorization: "Bearer test" }).then((r) => [
        r.status,
        r.body,
      ]),
      [
        400,
        {
          error: {
            code: "MissingApiVersionParameter",
            message:
              "The api-version query parameter (?api-version=) is required for all requests.",
          },
        },
      ],
    );
    assert.deepEqual(
      await raw(w.server, "GET", `${APP_PATH}?api-version=2026-07-01`, {}).then((r) => [
        r.status,
        r.body,
      ]),
      [
        401,
        {
          error: {
            code: "AuthenticationFailed",
            message: "Authentication failed. The 'Authorization' header is missing.",
          },
        },
      ],
    );
    assert.deepEqual(
      w.model.faults.log.map((e) => [e.method, e.apiVersion, e.status]),
      [
        ["GET", null, 400],
        ["GET", "2026-07-01", 401],
      ],
    );
  });

  it("fails when the app or the revision is unknown (404 ResourceNotFound)", async () => {
    const w = await world();
    await rejectsWith(
      w.arm.containerApps.get(RG, APP),
      404,
      "ResourceNotFound",
      `The Resource 'Microsoft.App/containerApps/${APP}' under resource group '${RG}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    );
    await w.arm.containerApps.createOrUpdate(RG, APP, containerApp({ suffix: "v1-4-2" }));
    await rejectsWith(
      w.arm.containerAppsRevisions.activateRevision(RG, APP, `${APP}--nope`),
      404,
      "ResourceNotFound",
      `The Resource 'Microsoft.App/containerApps/${APP}/revisions/${APP}--nope' under resource group '${RG}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    );
  });

  it("fails when the body is not JSON (415 UnsupportedMediaType, 400 InvalidRequestContent)", async () => {
    const w = await world();
    const put = (contentType: string, body: string): Promise<unknown[]> =>
      raw(
        w.server,
        "PUT",
        `${APP_PATH}?api-version=2026-07-01`,
        { Authorization: "Bearer test", "Content-Type": contentType },
        body,
      ).then((r) => [r.status, (r.body as { error: { code: string } }).error.code]);
    assert.deepEqual(await put("text/plain", "{}"), [415, "UnsupportedMediaType"]);
    assert.deepEqual(await put("application/json", "{"), [400, "InvalidRequestContent"]);
    assert.equal(w.model.app(RG, APP), undefined);
  });
});

describe("drill model: container app writes", () => {
  afterEach(closeWorld);

  it("rule 1: a template change or a new suffix creates a revision; the same template does not", async () => {
    const w = await world();
    const created = await w.arm.containerApps.createOrUpdate(
      RG,
      APP,
      containerApp({ suffix: "v1-4-2" }),
    );
    assert.equal(created.latestRevisionName, `${APP}--v1-4-2`);
    assert.equal(created.provisioningState, "Succeeded");
    await w.arm.containerApps.createOrUpdate(RG, APP, containerApp({ suffix: "v1-4-2" }));
    // A PATCH keeps the stored suffix (JSON Merge Patch): `""` asks for a generated one.
    const changed = await w.arm.containerApps.update(RG, APP, {
      location: "eastus2",
      template: { revisionSuffix: "", containers: [{ name: "api", image: IMAGE_2 }] },
    });
    assert.match(changed.latestRevisionName ?? "", /^chatbot-api-prod--[a-z0-9]{7}$/);
    await w.arm.containerApps.createOrUpdate(
      RG,
      APP,
      containerApp({ suffix: "v1-5-0", image: IMAGE_2 }),
    );
    assert.deepEqual(
      w.model.faults.log.map((e) => [e.method, e.status]),
      [
        ["PUT", 201],
        ["PUT", 200],
        ["PATCH", 200],
        ["PUT", 200],
      ],
    );
    const names = (await listRevisions(w)).map((r) => r.name);
    assert.deepEqual(names, [`${APP}--v1-4-2`, changed.latestRevisionName, `${APP}--v1-5-0`]);
    assert.equal(w.model.app(RG, APP)?.properties.latestRevisionName, `${APP}--v1-5-0`);
  });

  it("rule 2: fails when a suffix is reused with a different template (400 ContainerAppOperationError) and changes nothing", async () => {
    const w = await world();
    await w.arm.containerApps.createOrUpdate(RG, APP, containerApp({ suffix: "v1-4-2" }));
    await w.arm.containerApps.createOrUpdate(
      RG,
      APP,
      containerApp({ suffix: "v1-5-0", image: IMAGE_2 }),
    );
    const appBefore = w.model.app(RG, APP);
    const revisionsBefore = w.model.revisions(RG, APP);
    const message = (suffix: string): string =>
      `Failed to provision revision for container app '${APP}'. Error details: The following field(s) are either invalid or missing. Field 'template.revisionsuffix' is invalid with details: 'Invalid value: "${suffix}": revision with suffix ${suffix} already exists';.`;
    // the latest revision's suffix with another image
    await rejectsWith(
      w.arm.containerApps.createOrUpdate(
        RG,
        APP,
        containerApp({ suffix: "v1-5-0", image: "chatbotregistry.azurecr.io/chatbot-api:1.5.1" }),
      ),
      400,
      "ContainerAppOperationError",
      message("v1-5-0"),
    );
    // an older revision's suffix
    await rejectsWith(
      w.arm.containerApps.createOrUpdate(
        RG,
        APP,
        containerApp({ suffix: "v1-4-2", image: "chatbotregistry.azurecr.io/chatbot-api:1.5.1" }),
      ),
      400,
      "ContainerAppOperationError",
      message("v1-4-2"),
    );
    assert.deepEqual(w.model.app(RG, APP), appBefore);
    assert.deepEqual(w.model.revisions(RG, APP), revisionsBefore);
  });

  it("rule 3: Multiple keeps every revision active; Single deactivates the old one once the new one is ready; Labels is refused", async () => {
    const w = await world();
    await w.arm.containerApps.createOrUpdate(RG, APP, containerApp({ suffix: "v1-4-2" }));
    await w.arm.containerApps.createOrUpdate(
      RG,
      APP,
      containerApp({ suffix: "v1-5-0", image: IMAGE_2 }),
    );
    w.clock.advance(60_000);
    assert.deepEqual(
      (await listRevisions(w)).map((r) => [r.name, r.active, r.runningState]),
      [
        [`${APP}--v1-4-2`, true, "Running"],
        [`${APP}--v1-5-0`, true, "Running"],
      ],
    );

    const single = "chatbot-api-single";
    await w.arm.containerApps.createOrUpdate(
      RG,
      single,
      containerApp({ suffix: "v1", mode: "Single" }),
    );
    w.clock.advance(60_000);
    await w.arm.containerApps.createOrUpdate(
      RG,
      single,
      containerApp({ suffix: "v2", mode: "Single", image: IMAGE_2 }),
    );
    const states = (): unknown =>
      w.model.revisions(RG, single).map((r) => [r.name, r.properties.active]);
    assert.deepEqual(states(), [
      [`${single}--v1`, true],
      [`${single}--v2`, true],
    ]);
    w.clock.advance(60_000);
    assert.deepEqual(states(), [
      [`${single}--v1`, false],
      [`${single}--v2`, true],
    ]);

    await rejectsWith(
      w.arm.containerApps.createOrUpdate(
        RG,
        "chatbot-api-labels",
        containerApp({ suffix: "v1", mode: "Labels" }),
      ),
      400,
      "NotSupportedByModel",
      "activeRevisionsMode 'Labels' is not supported by this model",
    );
  });

  it("rule 4: fails when weights do not add up to 100, a revision is unknown, a label is duplicated or an entry names no revision", async () => {
    const w = await world();
    await w.arm.containerApps.createOrUpdate(
      RG,
      APP,
      containerApp({
        suffix: "v1-4-2",
        traffic: [{ latestRevision: true, weight: 100, label: "blue" }],
      }),
    );
    const before = w.model.app(RG, APP);
    const field = (f: string, value: string, details: string): string =>
      `The following field(s) are either invalid or missing. Field '${f}' is invalid with details: 'Invalid value: "${value}": ${details}';.`;
    const patch = (traffic: TrafficWeight[]): Promise<ContainerApp> =>
      w.arm.containerApps.update(RG, APP, {
        location: "eastus2",
        configuration: { ingress: { traffic } },
      });
    await rejectsWith(
      patch([
        { revisionName: `${APP}--v1-4-2`, weight: 60 },
        { latestRevision: true, weight: 30 },
      ]),
      400,
      "InvalidParameterValueInContainerTemplate",
      field("configuration.ingress.traffic", "90", "the traffic weights must add up to 100"),
    );
    await rejectsWith(
      patch([{ revisionName: `${APP}--v9-9-9`, weight: 100 }]),
      400,
      "InvalidParameterValueInContainerTemplate",
      field(
        "configuration.ingress.traffic[0].revisionName",
        `${APP}--v9-9-9`,
        `revision ${APP}--v9-9-9 does not exist for this container app`,
      ),
    );
    await rejectsWith(
      patch([
        { revisionName: `${APP}--v1-4-2`, weight: 100, label: "blue" },
        { latestRevision: true, weight: 0, label: "blue" },
      ]),
      400,
      "InvalidParameterValueInContainerTemplate",
      field(
        "configuration.ingress.traffic[1].label",
        "blue",
        "label blue is already assigned to another traffic weight",
      ),
    );
    await rejectsWith(
      patch([{ revisionName: `${APP}--v1-4-2`, latestRevision: true, weight: 100 }]),
      400,
      "InvalidParameterValueInContainerTemplate",
      field(
        "configuration.ingress.traffic[0]",
        "0",
        "a traffic weight needs exactly one of revisionName and latestRevision: true",
      ),
    );
    await rejectsWith(
      patch([{ revisionName: `${APP}--v1-4-2`, weight: 100.5 }]),
      400,
      "InvalidParameterValueInContainerTemplate",
      field(
        "configuration.ingress.traffic[0].weight",
        "100.5",
        "weight must be an integer from 0 to 100",
      ),
    );
    assert.deepEqual(w.model.app(RG, APP), before);
  });

  it("rule 4: a traffic entry may name the revision the same write creates; a label moves with its entry and is cleared elsewhere", async () => {
    const w = await world();
    await w.arm.containerApps.createOrUpdate(
      RG,
      APP,
      containerApp({
        suffix: "v1-4-2",
        traffic: [{ latestRevision: true, weight: 100, label: "blue" }],
      }),
    );
    await w.arm.containerApps.createOrUpdate(
      RG,
      APP,
      containerApp({
        suffix: "v1-5-0",
        image: IMAGE_2,
        traffic: [
          { revisionName: `${APP}--v1-4-2`, weight: 100, label: "blue" },
          { revisionName: `${APP}--v1-5-0`, weight: 0, label: "green" },
        ],
      }),
    );
    w.clock.advance(60_000);
    const hit = (label: string): string[] => {
      const before = w.model.requestRows().length;
      const answer = w.model.httpGet(`https://${APP}---${label}.${w.model.domain}/health`);
      assert.equal(answer.status, 200, label);
      return w.model
        .requestRows()
        .slice(before)
        .map((r) => r.AppRoleInstance.slice(0, `${APP}--v1-4-2`.length));
    };
    assert.deepEqual(hit("blue"), [`${APP}--v1-4-2`]);
    assert.deepEqual(hit("green"), [`${APP}--v1-5-0`]);
    await w.arm.containerApps.update(RG, APP, {
      location: "eastus2",
      configuration: {
        ingress: {
          traffic: [
            { revisionName: `${APP}--v1-5-0`, weight: 100, label: "blue" },
            { revisionName: `${APP}--v1-4-2`, weight: 0 },
          ],
        },
      },
    });
    assert.deepEqual(hit("blue"), [`${APP}--v1-5-0`]);
    assert.deepEqual(w.model.httpGet(`https://${APP}---green.${w.model.domain}/health`), {
      status: 404,
      error: "Error 404 - This Container App is stopped or does not exist.",
      durationMs: 0,
    });
  });

  it("rule 4: traffic to a deactivated revision is accepted, and requests routed to it fail with 404", async () => {
    const w = await world();
    await w.arm.containerApps.createOrUpdate(RG, APP, containerApp({ suffix: "v1-4-2" }));
    await w.arm.containerApps.createOrUpdate(
      RG,
      APP,
      containerApp({ suffix: "v1-5-0", image: IMAGE_2 }),
    );
    w.clock.advance(60_000);
    await w.arm.containerAppsRevisions.deactivateRevision(RG, APP, `${APP}--v1-5-0`);
    await w.arm.containerApps.update(RG, APP, {
      location: "eastus2",
      configuration: {
        ingress: {
          traffic: [
            { revisionName: `${APP}--v1-4-2`, weight: 0, label: "blue" },
            { revisionName: `${APP}--v1-5-0`, weight: 100, label: "green" },
          ],
        },
      },
    });
    const notFound = {
      status: 404,
      error: "Error 404 - This Container App is stopped or does not exist.",
      durationMs: 0,
    };
    assert.deepEqual(w.model.httpGet(`https://${APP}---green.${w.model.domain}/health`), notFound);
    assert.deepEqual(w.model.httpGet(`https://${APP}.${w.model.domain}/api/chat`), notFound);
    assert.equal(w.model.httpGet(`https://${APP}---blue.${w.model.domain}/health`).status, 200);
  });

  it("rule 5: omitting traffic in Multiple mode on create sends 100% to the latest revision", async () => {
    const w = await world();
    const app = await w.arm.containerApps.createOrUpdate(
      RG,
      APP,
      containerApp({ suffix: "v1-4-2" }),
    );
    assert.deepEqual(app.configuration?.ingress?.traffic, [
      { weight: 100, latestRevision: true, revisionName: undefined, label: undefined },
    ]);
    assert.equal(app.configuration?.ingress?.fqdn, `${APP}.${w.model.domain}`);
  });

  it("rule 6: more inactive revisions than maxInactiveRevisions purge the oldest; its name stays used", async () => {
    const w = await world();
    for (const [i, suffix] of ["v1", "v2", "v3", "v4"].entries()) {
      await w.arm.containerApps.createOrUpdate(
        RG,
        APP,
        containerApp({ suffix, image: `${IMAGE_1}-${i}`, maxInactiveRevisions: 2 }),
      );
    }
    for (const suffix of ["v1", "v2", "v3"]) {
      await w.arm.containerAppsRevisions.deactivateRevision(RG, APP, `${APP}--${suffix}`);
    }
    assert.deepEqual(
      (await listRevisions(w)).map((r) => [r.name, r.active]),
      [
        [`${APP}--v2`, false],
        [`${APP}--v3`, false],
        [`${APP}--v4`, true],
      ],
    );
    await rejectsWith(
      w.arm.containerAppsRevisions.getRevision(RG, APP, `${APP}--v1`),
      404,
      "ResourceNotFound",
      `The Resource 'Microsoft.App/containerApps/${APP}/revisions/${APP}--v1' under resource group '${RG}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    );
    await rejectsWith(
      w.arm.containerApps.createOrUpdate(
        RG,
        APP,
        containerApp({ suffix: "v1", image: IMAGE_2, maxInactiveRevisions: 2 }),
      ),
      400,
      "ContainerAppOperationError",
      `Failed to provision revision for container app '${APP}'. Error details: The following field(s) are either invalid or missing. Field 'template.revisionsuffix' is invalid with details: 'Invalid value: "v1": revision with suffix v1 already exists';.`,
    );
  });

  it("rule 7: deactivating a revision that holds traffic is accepted; the weight stays and production requests fail", async () => {
    const w = await world();
    await w.arm.containerApps.createOrUpdate(RG, APP, containerApp({ suffix: "v1-4-2" }));
    w.clock.advance(60_000);
    await w.arm.containerAppsRevisions.deactivateRevision(RG, APP, `${APP}--v1-4-2`);
    assert.deepEqual(w.model.faults.log.at(-1), {
      method: "POST",
      path: `${APP_PATH}/revisions/${APP}--v1-4-2/deactivate`,
      apiVersion: "2026-07-01",
      status: 200,
    });
    const [rev] = await listRevisions(w);
    assert.deepEqual(revisionState(rev), {
      name: `${APP}--v1-4-2`,
      active: false,
      provisioningState: "Provisioned",
      runningState: "Stopped",
      healthState: "None",
      replicas: 0,
      trafficWeight: 100,
    });
    assert.equal(w.model.httpGet(`https://${APP}.${w.model.domain}/api/chat`).status, 404);
  });
});

describe("drill model: revision lifecycle", () => {
  afterEach(closeWorld);

  it("rule 8: a new revision provisions for provisioningMs, then runs minReplicas replicas", async () => {
    const w = await world();
    await w.arm.containerApps.createOrUpdate(
      RG,
      APP,
      containerApp({ suffix: "v1-4-2", minReplicas: 3 }),
    );
    const get = async (): Promise<Record<string, unknown>> =>
      revisionState(await w.arm.containerAppsRevisions.getRevision(RG, APP, `${APP}--v1-4-2`));
    const provisioning = {
      name: `${APP}--v1-4-2`,
      active: true,
      provisioningState: "Provisioning",
      runningState: "Processing",
      healthState: "None",
      replicas: 0,
      trafficWeight: 100,
    };
    assert.deepEqual(await get(), provisioning);
    w.clock.advance(59_999);
    assert.deepEqual(await get(), provisioning);
    w.clock.advance(1);
    assert.deepEqual(await get(), {
      ...provisioning,
      provisioningState: "Provisioned",
      runningState: "Running",
      healthState: "Healthy",
      replicas: 3,
    });
  });

  it("rule 8: an image that fails to start ends Failed; an unhealthy one ends Degraded and answers 503", async () => {
    const w = await world();
    w.model.setImageBehaviour(IMAGE_1, { failsToStart: true });
    w.model.setImageBehaviour(IMAGE_2, { healthy: false });
    await w.arm.containerApps.createOrUpdate(RG, APP, containerApp({ suffix: "v1-4-2" }));
    await w.arm.containerApps.createOrUpdate(
      RG,
      APP,
      containerApp({
        suffix: "v1-5-0",
        image: IMAGE_2,
        traffic: [{ latestRevision: true, weight: 100, label: "green" }],
      }),
    );
    w.clock.advance(60_000);
    const [failed, degraded] = await listRevisions(w);
    assert.deepEqual(
      [revisionState(failed), failed.provisioningError],
      [
        {
          name: `${APP}--v1-4-2`,
          active: true,
          provisioningState: "Failed",
          runningState: "Failed",
          healthState: "Unhealthy",
          replicas: 0,
          trafficWeight: 0,
        },
        `Container of revision '${APP}--v1-4-2' (image '${IMAGE_1}') exited before it became ready: startup probe failed`,
      ],
    );
    assert.deepEqual(revisionState(degraded), {
      name: `${APP}--v1-5-0`,
      active: true,
      provisioningState: "Provisioned",
      runningState: "Degraded",
      healthState: "Unhealthy",
      replicas: 2,
      trafficWeight: 100,
    });
    assert.deepEqual(w.model.httpGet(`https://${APP}---green.${w.model.domain}/health`), {
      status: 503,
      error: "no healthy upstream",
      durationMs: 0,
    });
  });

  it("rule 9: a revision started before its role assignments are effective fails until a restart after them", async () => {
    const w = await world();
    w.model.setRoleAssignmentsEffectiveAt(START + 300_000);
    await w.arm.containerApps.createOrUpdate(
      RG,
      APP,
      containerApp({ suffix: "v1-4-2", keyVaultSecret: true }),
    );
    const get = (): Promise<Revision> =>
      w.arm.containerAppsRevisions.getRevision(RG, APP, `${APP}--v1-4-2`);
    w.clock.advance(60_000);
    const failing = await get();
    assert.deepEqual(
      [failing.provisioningState, failing.runningState, failing.provisioningError],
      [
        "Provisioned",
        "Failed",
        "Unable to get value using Managed identity /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-chatbot-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-chatbot-api-prod for secret openai-api-key from https://kv-chatbot-prod.vault.azure.net/secrets/openai-api-key: Forbidden (the identity has no effective Key Vault Secrets User role assignment on the vault)",
      ],
    );
    await w.arm.containerAppsRevisions.restartRevision(RG, APP, `${APP}--v1-4-2`);
    w.clock.advance(30_000);
    assert.equal((await get()).runningState, "Failed");
    w.clock.advance(300_000);
    assert.equal((await get()).runningState, "Failed");
    await w.arm.containerAppsRevisions.restartRevision(RG, APP, `${APP}--v1-4-2`);
    assert.deepEqual(
      [(await get()).runningState, (await get()).provisioningError],
      ["Processing", undefined],
    );
    w.clock.advance(30_000);
    assert.deepEqual(revisionState(await get()), {
      name: `${APP}--v1-4-2`,
      active: true,
      provisioningState: "Provisioned",
      runningState: "Running",
      healthState: "Healthy",
      replicas: 2,
      trafficWeight: 100,
    });
  });

  it("rule 9: with a registry identity the image pull fails first; an inactive revision cannot be restarted", async () => {
    const w = await world();
    w.model.setRoleAssignmentsEffectiveAt(START + 300_000);
    const app = containerApp({ suffix: "v1-4-2" });
    const identity =
      "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-chatbot-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-chatbot-api-prod";
    app.configuration = {
      ...app.configuration,
      registries: [{ server: "chatbotregistry.azurecr.io", identity }],
    };
    await w.arm.containerApps.createOrUpdate(RG, APP, app);
    w.clock.advance(60_000);
    const revision = await w.arm.containerAppsRevisions.getRevision(RG, APP, `${APP}--v1-4-2`);
    assert.deepEqual(
      [revision.runningState, revision.provisioningError],
      [
        "Failed",
        `Failed to pull image from registry 'chatbotregistry.azurecr.io' with managed identity '${identity}': unauthorized (the identity has no effective AcrPull role assignment on the registry)`,
      ],
    );
    await w.arm.containerAppsRevisions.deactivateRevision(RG, APP, `${APP}--v1-4-2`);
    await rejectsWith(
      w.arm.containerAppsRevisions.restartRevision(RG, APP, `${APP}--v1-4-2`),
      400,
      "BadRequest",
      `Revision '${APP}--v1-4-2' is not active and cannot be restarted.`,
    );
  });

  it("rule 10: a minReplicas 0 revision idles at 0 replicas; requests during the cold start time out", async () => {
    const w = await world();
    await w.arm.containerApps.createOrUpdate(
      RG,
      APP,
      containerApp({ suffix: "v1-4-2", minReplicas: 0 }),
    );
    w.clock.advance(60_000);
    const replicas = async (): Promise<unknown[]> => {
      const r = await w.arm.containerAppsRevisions.getRevision(RG, APP, `${APP}--v1-4-2`);
      return [r.runningState, r.replicas];
    };
    assert.deepEqual(await replicas(), ["Running", 0]);
    const url = `https://${APP}.${w.model.domain}/api/chat`;
    assert.deepEqual(w.model.httpGet(url), { status: 0, error: "timeout", durationMs: 20_000 });
    assert.deepEqual(await replicas(), ["Running", 1]);
    w.clock.advance(19_999);
    assert.deepEqual(w.model.httpGet(url), { status: 0, error: "timeout", durationMs: 1 });
    w.clock.advance(1);
    assert.equal(w.model.httpGet(url).status, 200);
    w.clock.advance(300_000);
    assert.deepEqual(await replicas(), ["Running", 0]);
  });

  it("rule 11: deactivate stops the revision; activate processes for activationMs, then runs", async () => {
    const w = await world();
    await w.arm.containerApps.createOrUpdate(RG, APP, containerApp({ suffix: "v1-4-2" }));
    await w.arm.containerApps.createOrUpdate(
      RG,
      APP,
      containerApp({ suffix: "v1-5-0", image: IMAGE_2 }),
    );
    w.clock.advance(60_000);
    const name = `${APP}--v1-4-2`;
    await w.arm.containerAppsRevisions.deactivateRevision(RG, APP, name);
    const stopped = await w.arm.containerAppsRevisions.getRevision(RG, APP, name);
    assert.deepEqual(
      [
        stopped.active,
        stopped.runningState,
        stopped.replicas,
        stopped.lastActiveTime?.toISOString(),
      ],
      [false, "Stopped", 0, "2026-11-29T10:01:00.000Z"],
    );
    w.clock.advance(5_000);
    await w.arm.containerAppsRevisions.activateRevision(RG, APP, name);
    const get = async (): Promise<unknown[]> => {
      const r = await w.arm.containerAppsRevisions.getRevision(RG, APP, name);
      return [r.active, r.runningState, r.replicas];
    };
    assert.deepEqual(await get(), [true, "Processing", 0]);
    w.clock.advance(30_000);
    assert.deepEqual(await get(), [true, "Running", 2]);
  });

  it("rule 12: a revision reports trafficWeight, the template as created, and no labels (the 2026-07-01 shape)", async () => {
    const w = await world();
    await w.arm.containerApps.createOrUpdate(RG, APP, containerApp({ suffix: "v1-4-2" }));
    await w.arm.containerApps.createOrUpdate(
      RG,
      APP,
      containerApp({
        suffix: "v1-5-0",
        image: IMAGE_2,
        traffic: [
          { revisionName: `${APP}--v1-4-2`, weight: 80, label: "blue" },
          { latestRevision: true, weight: 20, label: "green" },
        ],
      }),
    );
    w.clock.advance(60_000);
    const [blue, green] = w.model.revisions(RG, APP);
    assert.deepEqual(blue, {
      id: `${APP_PATH}/revisions/${APP}--v1-4-2`,
      name: `${APP}--v1-4-2`,
      type: "Microsoft.App/containerApps/revisions",
      properties: {
        createdTime: "2026-11-29T10:00:00.000Z",
        fqdn: `${APP}--v1-4-2.${w.model.domain}`,
        template: {
          revisionSuffix: "v1-4-2",
          containers: [{ name: "api", image: IMAGE_1, resources: { cpu: 2, memory: "4Gi" } }],
          scale: { minReplicas: 2, maxReplicas: 10 },
        },
        active: true,
        replicas: 2,
        trafficWeight: 80,
        healthState: "Healthy",
        provisioningState: "Provisioned",
        runningState: "Running",
      },
    });
    assert.equal(green.properties.trafficWeight, 20);
  });
});

describe("drill model: telemetry", () => {
  afterEach(closeWorld);

  const chat = (rows: RequestRow[]): RequestRow[] =>
    rows.filter((r) => r.Name === "POST /api/chat");
  const on = (rows: RequestRow[], revision: string): RequestRow[] =>
    rows.filter((r) => r.AppRoleInstance.startsWith(`${revision}-`));

  it("rule 13: production traffic follows the traffic weights in force at each instant", async () => {
    const w = await world({ userRequestsPerMinute: 600 });
    await w.arm.containerApps.createOrUpdate(
      RG,
      APP,
      containerApp({ suffix: "v1-4-2", traffic: [{ latestRevision: true, weight: 100 }] }),
    );
    await w.arm.containerApps.createOrUpdate(
      RG,
      APP,
      containerApp({
        suffix: "v1-5-0",
        image: IMAGE_2,
        traffic: [
          { revisionName: `${APP}--v1-4-2`, weight: 100 },
          { revisionName: `${APP}--v1-5-0`, weight: 0 },
        ],
      }),
    );
    w.clock.advance(70_000);
    await w.arm.containerApps.update(RG, APP, {
      location: "eastus2",
      configuration: {
        ingress: {
          traffic: [
            { revisionName: `${APP}--v1-4-2`, weight: 80 },
            { revisionName: `${APP}--v1-5-0`, weight: 20 },
          ],
        },
      },
    });
    w.clock.advance(60_000);
    const rows = chat(w.model.requestRows());
    const before = rows.filter((r) => r.timeMs < START + 70_000);
    const after = rows.filter((r) => r.timeMs >= START + 70_000);
    // Nothing answers while both revisions provision (0-60 s); 10 requests per second after.
    assert.equal(rows.filter((r) => r.timeMs < START + 60_000).length, 0);
    assert.deepEqual([before.length, on(before, `${APP}--v1-4-2`).length], [100, 100]);
    assert.equal(after.length, 600);
    const green = on(after, `${APP}--v1-5-0`).length;
    assert.equal(on(after, `${APP}--v1-4-2`).length + green, 600);
    assert.ok(green >= 90 && green <= 150, `about 20% of 600 to v1-5-0, got ${green}`);
  });

  it("rule 14: each running replica is probed on /health and /ready every 10 s", async () => {
    const w = await world();
    await w.arm.containerApps.createOrUpdate(
      RG,
      APP,
      containerApp({ suffix: "v1-4-2", minReplicas: 3 }),
    );
    w.clock.advance(120_000);
    const probes = w.model
      .requestRows()
      .filter((r) => r.Name === "GET /health" || r.Name === "GET /ready");
    // Ready at 60 s: ticks at 60, 70, ..., 110 s, 3 replicas, 2 paths.
    assert.equal(probes.length, 6 * 3 * 2);
    assert.equal(new Set(probes.map((r) => r.AppRoleInstance)).size, 3);
    assert.deepEqual(
      [...new Set(probes.map((r) => r.timeMs - START))],
      [60_000, 70_000, 80_000, 90_000, 100_000, 110_000],
    );
    assert.ok(probes.every((r) => r.Success && r.ResultCode === "200"));
  });

  it("rule 15: rows carry the AppRequests columns and arrive late: invisible before their ingestion time", async () => {
    const w = await world({ userRequestsPerMinute: 600 });
    await w.arm.containerApps.createOrUpdate(RG, APP, containerApp({ suffix: "v1-4-2" }));
    w.clock.advance(120_000);
    const [row] = chat(w.model.requestRows());
    assert.deepEqual(Object.keys(row).sort(), [
      "AppRoleInstance",
      "DurationMs",
      "ItemCount",
      "Name",
      "OperationSyntheticSource",
      "ResultCode",
      "Success",
      "TimeGenerated",
      "ingestionTimeMs",
      "timeMs",
    ]);
    assert.deepEqual(
      [
        row.TimeGenerated,
        row.ItemCount,
        row.OperationSyntheticSource,
        row.ingestionTimeMs - row.timeMs,
      ],
      ["2026-11-29T10:01:00.000Z", 1, "", 150_000],
    );
    assert.match(
      row.AppRoleInstance,
      /^chatbot-api-prod--v1-4-2-[0-9a-f]{8}-[bcdfghjklmnpqrstvwxz2456789]{5}$/,
    );
    const query = gateQuery(
      "2026-11-29T10:01:00.000Z",
      "2026-11-29T10:02:00.000Z",
      `${APP}--v1-4-2`,
    );
    assert.deepEqual(await gate(w, query), [0, 0, null]);
    w.clock.advance(89_999); // the minute's first row is ingested at 10:03:30
    assert.deepEqual((await gate(w, query)).slice(0, 2), [0, 0]);
    w.clock.advance(60_001); // every row of 10:01 is ingested by 10:04:00
    assert.deepEqual((await gate(w, query)).slice(0, 2), [600, 0]);
  });

  it("rule 16: the gate query counts the candidate's user requests; probes dilute a naive count but not the gate", async () => {
    const w = await world({ userRequestsPerMinute: 600 });
    w.model.setImageBehaviour(IMAGE_1, { errorRate: 0.1, p95Ms: 300 });
    await w.arm.containerApps.createOrUpdate(
      RG,
      APP,
      containerApp({ suffix: "v1-4-2", minReplicas: 3 }),
    );
    w.clock.advance(60_000 + 120_000 + 150_000);
    const from = "2026-11-29T10:01:00.000Z";
    const to = "2026-11-29T10:03:00.000Z";
    const rows = w.model
      .requestRows()
      .filter((r) => r.timeMs >= START + 60_000 && r.timeMs < START + 180_000);
    const users = chat(rows);
    const failedUsers = users.filter((r) => !r.Success).length;
    assert.equal(users.length, 1200);
    assert.ok(failedUsers > 80 && failedUsers < 160, `about 10% of 1200 fail, got ${failedUsers}`);
    assert.deepEqual(await gate(w, gateQuery(from, to, `${APP}--v1-4-2`)), [
      1200,
      failedUsers,
      p95(users),
    ]);
    const naive = await gate(w, gateQuery(from, to, `${APP}--v1-4-2`, []));
    // 12 probe ticks x 3 replicas x 2 paths dilute the error rate
    assert.deepEqual(naive.slice(0, 2), [1200 + 72, failedUsers]);
    assert.ok((naive[1] as number) / (naive[0] as number) < failedUsers / 1200);
    // timespan narrows the window further
    const firstMinute = await w.logs.queryWorkspace(
      "ws-chatbot-prod",
      gateQuery(from, to, `${APP}--v1-4-2`),
      {
        startTime: new Date(START + 60_000),
        endTime: new Date(START + 120_000),
      },
    );
    assert.equal(
      firstMinute.status === LogsQueryResultStatus.Success && firstMinute.tables[0].rows[0][0],
      600,
    );
    for (const timespan of [
      { startTime: new Date(START + 60_000), duration: "PT1M" },
      { duration: "PT1M", endTime: new Date(START + 120_000) },
    ]) {
      const result = await w.logs.queryWorkspace(
        "ws-chatbot-prod",
        gateQuery(from, to, `${APP}--v1-4-2`),
        timespan,
      );
      assert.equal(
        result.status === LogsQueryResultStatus.Success && result.tables[0].rows[0][0],
        600,
      );
    }
  });

  it("rule 16: fails when the query is not the gate query (400 BadArgumentError)", async () => {
    const w = await world();
    const good = gateQuery(
      "2026-11-29T10:01:00.000Z",
      "2026-11-29T10:02:00.000Z",
      `${APP}--v1-4-2`,
    );
    for (const query of [
      "AppRequests | take 10",
      good.replace("| where", "|  where"),
      good.replace("sum(ItemCount)", "count()"),
      good.replace(".000Z", "Z"),
    ]) {
      await assert.rejects(
        w.logs.queryWorkspace("ws-chatbot-prod", query, { duration: "PT1H" }),
        (err: unknown) => {
          const e = err as { statusCode?: number; code?: string; message?: string };
          assert.deepEqual(
            [e.statusCode, e.code, e.message],
            [400, "BadArgumentError", "the model understands only the release gate query"],
          );
          return true;
        },
      );
    }
  });
});

describe("drill model: faults", () => {
  afterEach(closeWorld);

  it("rule 17: a throttled request (429 with Retry-After) is retried by the SDK and succeeds", async () => {
    const w = await world();
    await w.arm.containerApps.createOrUpdate(RG, APP, containerApp({ suffix: "v1-4-2" }));
    w.model.faults.fail({
      method: "GET",
      path: /\/containerApps\/chatbot-api-prod$/,
      status: 429,
      code: "TooManyRequests",
      message: "Too many requests.",
      retryAfterMs: 20,
      times: 2,
    });
    const started = Date.now();
    const app = await w.arm.containerApps.get(RG, APP);
    assert.equal(app.latestRevisionName, `${APP}--v1-4-2`);
    assert.ok(Date.now() - started < 2_000);
    assert.deepEqual(
      w.model.faults.log.filter((e) => e.method === "GET").map((e) => e.status),
      [429, 429, 200],
    );
    w.model.faults.fail({
      path: /\/containerApps\/chatbot-api-prod$/,
      status: 429,
      code: "TooManyRequests",
      message: "Too many requests.",
      retryAfterMs: 1_500,
    });
    const throttled = await raw(w.server, "GET", `${APP_PATH}?api-version=2026-07-01`, {
      Authorization: "Bearer test",
    });
    assert.deepEqual(
      [
        throttled.status,
        throttled.headers["retry-after"],
        throttled.headers["x-ms-retry-after-ms"],
        throttled.body,
      ],
      [429, "2", "1500", { error: { code: "TooManyRequests", message: "Too many requests." } }],
    );
  });

  it("rule 17: fails when another operation is in progress (409 Conflict) and changes nothing", async () => {
    const w = await world();
    await w.arm.containerApps.createOrUpdate(RG, APP, containerApp({ suffix: "v1-4-2" }));
    const before = w.model.app(RG, APP);
    w.model.faults.fail({
      method: "PUT",
      path: /\/containerApps\/chatbot-api-prod$/,
      status: 409,
      code: "Conflict",
      message: "Another operation is in progress on the container app.",
    });
    await rejectsWith(
      w.arm.containerApps.createOrUpdate(
        RG,
        APP,
        containerApp({ suffix: "v1-5-0", image: IMAGE_2 }),
      ),
      409,
      "Conflict",
      "Another operation is in progress on the container app.",
    );
    assert.deepEqual(w.model.app(RG, APP), before);
  });

  it("rule 17: applyThenDrop leaves the state changed while the client sees an error", async () => {
    const w = await world();
    await w.arm.containerApps.createOrUpdate(RG, APP, containerApp({ suffix: "v1-4-2" }));
    // The SDK retries a reset connection 3 times: drop all 4 answers.
    w.model.faults.applyThenDrop({
      method: "PUT",
      path: /\/containerApps\/chatbot-api-prod$/,
      times: 4,
    });
    await assert.rejects(
      w.arm.containerApps.createOrUpdate(
        RG,
        APP,
        containerApp({ suffix: "v1-5-0", image: IMAGE_2 }),
      ),
      (err: unknown) => {
        assert.equal((err as { code?: string }).code, "ECONNRESET");
        return true;
      },
    );
    assert.deepEqual(
      w.model.faults.log.map((e) => [e.method, e.status]),
      [
        ["PUT", 201],
        ["PUT", 0],
        ["PUT", 0],
        ["PUT", 0],
        ["PUT", 0],
      ],
    );
    assert.deepEqual(
      w.model.revisions(RG, APP).map((r) => r.name),
      [`${APP}--v1-4-2`, `${APP}--v1-5-0`],
    );
  });
});
