/**
 * The restore program (`restore/`) under Pulumi's mock runtime, evaluated once: what it registers
 * for a restore of staging's server, and that it touches nothing of the source. Bad settings fail
 * before any resource.
 */
import * as assert from "node:assert/strict";
import { RESTORE_CONFIG_KEY, RESTORE_PROJECT, RestoreSettings } from "../../restore/config";
import { DEFAULT_CHECK_QUERY } from "../../restore/drill";
import { restoreProgram } from "../../restore/program";
import { loadRestoreSettings } from "../../restore/config";
import { SimulatedResource, SimulationResult, simulateStack } from "../../simulator/simulate";
import {
  DNS_ZONE,
  ENVIRONMENT_ID,
  IDENTITY_ID,
  RG,
  SOURCE_ID,
  SOURCE_NAME,
  SUBNET,
  VAULT_URI,
} from "./model";

const SETTINGS: RestoreSettings = {
  sourceStack: "staging",
  sourceServerId: SOURCE_ID,
  pointInTimeUtc: "2026-11-29T09:45:00Z",
  serverName: "psql-chatbot-staging-ab12cd-r202611291000",
  resourceGroupName: RG,
  location: "eastus2",
  subnetId: SUBNET,
  dnsZoneId: DNS_ZONE,
  environmentId: ENVIRONMENT_ID,
  identityId: IDENTITY_ID,
  keyVaultUri: VAULT_URI,
  passwordSecretName: "postgres-admin-password",
  databaseName: "chatbot",
  administratorLogin: "chatbotadmin",
  jobName: "pgcheck-202611291000",
  checkImage: "docker.io/library/postgres:16-alpine",
  checkQuery: DEFAULT_CHECK_QUERY,
  tags: { environment: "staging", "chatbot:restore-drill": "restore-staging-20261129t100000" },
};

function run(settings: unknown): Promise<SimulationResult> {
  return simulateStack({
    stack: "restore-staging-20261129t100000",
    config: {
      config: { [`${RESTORE_PROJECT}:${RESTORE_CONFIG_KEY}`]: JSON.stringify(settings) },
      secretKeys: [],
    },
    program: () => restoreProgram(loadRestoreSettings()) as unknown as Record<string, unknown>,
  });
}

describe("restore program (mock runtime)", () => {
  let result: SimulationResult;
  const find = (type: string): SimulatedResource => {
    const found = result.resources.filter((r) => r.type === type);
    assert.equal(found.length, 1, type);
    return found[0];
  };

  before(async () => {
    result = await run(SETTINGS);
  });

  it("registers exactly the restored server and the check job, in their components", () => {
    assert.deepEqual(
      result.resources.map((r) => `${r.type} ${r.name}`),
      [
        "chatbot:database:RestoredPostgres restore",
        "azure-native:dbforpostgresql:Server restore-server",
        "chatbot:database:RestoreCheckJob restore-check",
        "azure-native:app:Job restore-check-job",
      ],
    );
  });

  it("restores the source to the point in time into the source's delegated subnet, sending no sizes (inherited from the source)", () => {
    const server = find("azure-native:dbforpostgresql:Server");
    assert.deepEqual(server.inputs, {
      serverName: SETTINGS.serverName,
      resourceGroupName: RG,
      location: "eastus2",
      availabilityZone: "", // the provider's default: Azure picks the zone
      createMode: "PointInTimeRestore",
      sourceServerResourceId: SOURCE_ID,
      pointInTimeUTC: "2026-11-29T09:45:00Z",
      network: { delegatedSubnetResourceId: SUBNET, privateDnsZoneArmResourceId: DNS_ZONE },
      tags: SETTINGS.tags,
    });
    assert.equal(server.options.protect, false);
    assert.deepEqual(server.options.customTimeouts, { create: "3h", update: "", delete: "" });
  });

  it("never touches the source: no resource is named like it or has its id as its own", () => {
    for (const resource of result.resources) {
      assert.notEqual(resource.inputs.serverName, SOURCE_NAME);
      assert.notEqual(resource.id.toLowerCase(), SOURCE_ID.toLowerCase());
    }
  });

  it("checks with psql from the environment, the password a Key Vault reference through the identity", () => {
    const job = find("azure-native:app:Job");
    assert.deepEqual(job.inputs, {
      jobName: "pgcheck-202611291000",
      resourceGroupName: RG,
      location: "eastus2",
      environmentId: ENVIRONMENT_ID,
      identity: { type: "UserAssigned", userAssignedIdentities: [IDENTITY_ID] },
      configuration: {
        triggerType: "Manual",
        manualTriggerConfig: { parallelism: 1, replicaCompletionCount: 1 },
        replicaTimeout: 600,
        replicaRetryLimit: 0,
        secrets: [
          {
            name: "postgres-password",
            keyVaultUrl: `${VAULT_URI}secrets/postgres-admin-password`,
            identity: IDENTITY_ID,
          },
        ],
      },
      template: {
        containers: [
          {
            name: "psql",
            image: "docker.io/library/postgres:16-alpine",
            command: ["psql"],
            args: ["-v", "ON_ERROR_STOP=1", "-c", DEFAULT_CHECK_QUERY],
            env: [
              { name: "PGHOST", value: `${SETTINGS.serverName}.postgres.database.azure.com` },
              { name: "PGPORT", value: "5432" },
              { name: "PGDATABASE", value: "chatbot" },
              { name: "PGUSER", value: "chatbotadmin" },
              { name: "PGSSLMODE", value: "require" },
              { name: "PGCONNECT_TIMEOUT", value: "30" },
              { name: "PGPASSWORD", secretRef: "postgres-password" },
            ],
            resources: { cpu: 0.25, memory: "0.5Gi" },
          },
        ],
      },
      tags: SETTINGS.tags,
    });
    const server = find("azure-native:dbforpostgresql:Server");
    assert.ok(job.options.dependencies.includes(server.urn), "the job waits for the restore");
  });

  it("exports what the drill reads", () => {
    // `state` is Azure's (Ready after the restore); the mocks compute no value for it.
    const outputs = { ...result.outputs };
    delete outputs.state;
    assert.deepEqual(outputs, {
      serverId: `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/${RG}/providers/Microsoft.dbforpostgresql/Server/${SETTINGS.serverName}`,
      serverName: SETTINGS.serverName,
      host: `${SETTINGS.serverName}.postgres.database.azure.com`,
      jobName: "pgcheck-202611291000",
      resourceGroupName: RG,
      pointInTimeUtc: "2026-11-29T09:45:00Z",
      sourceServerId: SOURCE_ID,
    });
  });

  const failures: [string, Partial<RestoreSettings>, string][] = [
    [
      "the restore time is not ISO 8601 UTC",
      { pointInTimeUtc: "2026-11-29 09:45" },
      '`chatbot-restore-drill:restore.pointInTimeUtc`: expected an ISO 8601 UTC time such as 2026-11-29T09:45:00Z, got "2026-11-29 09:45"',
    ],
    [
      "the new server would take the source's name",
      { serverName: SOURCE_NAME },
      `\`chatbot-restore-drill:restore.serverName\` must differ from the source server's name (a restore creates a new server), got ${SOURCE_NAME}`,
    ],
    [
      "the source is not a Flexible Server id",
      { sourceServerId: "/subscriptions/x/psql" },
      '`chatbot-restore-drill:restore.sourceServerId`: expected a Flexible Server id, got "/subscriptions/x/psql"',
    ],
    [
      "the job name is too long",
      { jobName: "pgcheck-2026112910000000000000000" },
      "`chatbot-restore-drill:restore.jobName`: expected 2-32 lowercase letters, digits and '-', got \"pgcheck-2026112910000000000000000\"",
    ],
  ];
  for (const [title, change, message] of failures) {
    it(`fails before any resource when ${title}`, async () => {
      await assert.rejects(run({ ...SETTINGS, ...change }), (err: Error) => {
        assert.equal(err.message, message);
        return true;
      });
    });
  }
});
