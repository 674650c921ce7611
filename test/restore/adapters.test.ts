/**
 * The restore drill's thin adapters: ARM's server document mapped as the drill reads it, the GET's
 * answers (404 is "not found", other errors are errors), and the Automation API calls on the
 * restore stack (config key, the server's create event as the moment it is Ready, outputs).
 */
import * as assert from "node:assert/strict";
import {
  ArmPostgres,
  AutomationRestoreStack,
  AutomationSourceStack,
  RestoreStack,
  serverInfo,
} from "../../restore/adapters";
import { RestoreSettings } from "../../restore/config";
import { DNS_ZONE, SOURCE_ID, SUBNET } from "./model";

const ARM_SERVER = {
  id: SOURCE_ID,
  name: "psql-chatbot-staging-ab12cd",
  location: "East US 2",
  tags: { environment: "staging" },
  properties: {
    state: "Ready",
    version: "16",
    administratorLogin: "chatbotadmin",
    backup: { backupRetentionDays: 14, earliestRestoreDate: "2026-11-15T10:00:00.123+00:00" },
    network: { delegatedSubnetResourceId: SUBNET, privateDnsZoneArmResourceId: DNS_ZONE },
  },
};

describe("restore adapters", () => {
  it("maps ARM's server: region name normalized, earliest restore point, private access", () => {
    assert.deepEqual(serverInfo(ARM_SERVER), {
      id: SOURCE_ID,
      name: "psql-chatbot-staging-ab12cd",
      location: "eastus2",
      state: "Ready",
      version: "16",
      administratorLogin: "chatbotadmin",
      earliestRestoreMs: Date.parse("2026-11-15T10:00:00.123Z"),
      backupRetentionDays: 14,
      delegatedSubnetId: SUBNET,
      privateDnsZoneId: DNS_ZONE,
      tags: { environment: "staging" },
    });
  });

  it("GETs the server with a bearer token at API version 2025-08-01; 404 is undefined, other failures throw", async () => {
    const requests: string[] = [];
    const credential = { getToken: async () => ({ token: "t0k", expiresOnTimestamp: 0 }) };
    const answer = (status: number, body: unknown) =>
      (async (url: string | URL | Request, init?: RequestInit) => {
        requests.push(`${String(url)} ${(init?.headers as Record<string, string>).authorization}`);
        return new Response(JSON.stringify(body), { status });
      }) as typeof fetch;

    assert.equal(
      (await new ArmPostgres(credential, answer(200, ARM_SERVER)).getServer(SOURCE_ID))?.state,
      "Ready",
    );
    assert.equal(
      await new ArmPostgres(credential, answer(404, {})).getServer(SOURCE_ID),
      undefined,
    );
    await assert.rejects(
      new ArmPostgres(credential, answer(403, { error: "AuthorizationFailed" })).getServer(
        SOURCE_ID,
      ),
      { message: `GET ${SOURCE_ID} answered 403: {"error":"AuthorizationFailed"}` },
    );
    assert.equal(
      requests[0],
      `https://management.azure.com${SOURCE_ID}?api-version=2025-08-01 Bearer t0k`,
    );
  });

  it("flattens the platform stack's outputs to strings", async () => {
    const source = new AutomationSourceStack({
      outputs: async () => ({
        postgresServerId: { value: SOURCE_ID, secret: false },
        missingSecrets: { value: [], secret: false },
      }),
    });
    assert.deepEqual(await source.outputs(), { postgresServerId: SOURCE_ID, missingSecrets: "[]" });
  });

  it("writes the settings to the restore key, reports the server's creation, reads the outputs, destroys and removes", async () => {
    // given a restore stack whose up emits the server's outputs event
    const calls: string[] = [];
    const fake = {
      name: "restore-staging-20261129t100000",
      setConfig: async (key: string, value: { value: string }) => {
        calls.push(`setConfig ${key} ${value.value}`);
      },
      up: async (options: { onEvent: (event: unknown) => void }) => {
        calls.push("up");
        options.onEvent({
          resOutputsEvent: { metadata: { type: "random:index:X", op: "create" } },
        });
        options.onEvent({
          resOutputsEvent: {
            metadata: { type: "azure-native:dbforpostgresql:Server", op: "create" },
          },
        });
        return {
          outputs: {
            serverId: { value: "/id" },
            serverName: { value: "psql-r" },
            host: { value: "psql-r.postgres.database.azure.com" },
            state: { value: "Ready" },
            jobName: { value: "pgcheck-1" },
          },
        };
      },
      destroy: async () => void calls.push("destroy"),
      workspace: { removeStack: async (name: string) => void calls.push(`removeStack ${name}`) },
    } as unknown as RestoreStack;
    const stack = new AutomationRestoreStack(fake, () => undefined);
    let ready = 0;

    // when
    const outputs = await stack.up({ sourceStack: "staging" } as RestoreSettings, () => ready++);
    await stack.destroy();
    await stack.remove();

    // then
    assert.equal(ready, 1);
    assert.deepEqual(outputs, {
      serverId: "/id",
      serverName: "psql-r",
      host: "psql-r.postgres.database.azure.com",
      state: "Ready",
      jobName: "pgcheck-1",
    });
    assert.deepEqual(calls, [
      'setConfig chatbot-restore-drill:restore {"sourceStack":"staging"}',
      "up",
      "destroy",
      "removeStack restore-staging-20261129t100000",
    ]);
  });
});
