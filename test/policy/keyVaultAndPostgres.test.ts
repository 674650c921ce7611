import * as assert from "assert";
import { UNKNOWN } from "../../scripts/lib/wire";
import { urnOf, withInputs } from "../fixtures/policy/stack";
import { violationsOf } from "./support";

const VAULT = urnOf("azure-native:keyvault:Vault", "kv");
const SERVER = urnOf("azure-native:dbforpostgresql:Server", "psql");

interface Case {
  title: string;
  resource: "kv" | "psql";
  change: (inputs: Record<string, Record<string, unknown>>) => void;
  policy: string;
  message: string;
}

const cases: Case[] = [
  {
    title: "fails when a vault uses access policies instead of RBAC",
    resource: "kv",
    change: (vault) => (vault.properties.enableRbacAuthorization = false),
    policy: "chatbot-keyvault-rbac",
    message:
      "Key Vaults must use RBAC authorization (enableRbacAuthorization true).\n" +
      "properties.enableRbacAuthorization is false.",
  },
  {
    title: "fails when a vault has no purge protection",
    resource: "kv",
    change: (vault) => delete vault.properties.enablePurgeProtection,
    policy: "chatbot-keyvault-purge-protection",
    message:
      "Key Vaults must keep soft delete on and enable purge protection.\n" +
      "properties.enablePurgeProtection is undefined.",
  },
  {
    title: "fails when a vault turns soft delete off",
    resource: "kv",
    change: (vault) => (vault.properties.enableSoftDelete = false),
    policy: "chatbot-keyvault-purge-protection",
    message:
      "Key Vaults must keep soft delete on and enable purge protection.\n" +
      "properties.enableSoftDelete is false.",
  },
  {
    title: "fails when a prod vault allows public network access",
    resource: "kv",
    change: (vault) => (vault.properties.publicNetworkAccess = "Enabled"),
    policy: "chatbot-keyvault-private-network",
    message:
      "Key Vaults must deny public network access (publicNetworkAccess Disabled).\n" +
      'properties.publicNetworkAccess is "Enabled".',
  },
  {
    title: "fails when a prod server has no zone-redundant HA",
    resource: "psql",
    change: (server) => (server.highAvailability = { mode: "SameZone" }),
    policy: "chatbot-postgres-zone-redundant-ha",
    message:
      'PostgreSQL servers must use ZoneRedundant high availability.\nhighAvailability.mode is "SameZone".',
  },
  {
    title: "fails when a prod server has no geo-redundant backup",
    resource: "psql",
    change: (server) => (server.backup.geoRedundantBackup = "Disabled"),
    policy: "chatbot-postgres-geo-redundant-backup",
    message:
      'PostgreSQL servers must enable geo-redundant backup.\nbackup.geoRedundantBackup is "Disabled".',
  },
  {
    title: "fails when backups are kept fewer days than prod requires",
    resource: "psql",
    change: (server) => (server.backup.backupRetentionDays = 14),
    policy: "chatbot-postgres-backup-retention",
    message:
      "PostgreSQL servers must retain backups for at least the configured number of days.\n" +
      "backup.backupRetentionDays is 14; at least 30 required.",
  },
  {
    title: "fails when a prod server is reachable from the internet",
    resource: "psql",
    change: (server) => (server.network.publicNetworkAccess = "Enabled"),
    policy: "chatbot-postgres-private-network",
    message:
      'PostgreSQL servers must disable public network access.\nnetwork.publicNetworkAccess is "Enabled".',
  },
  {
    title: "fails when a server runs an unsupported major version",
    resource: "psql",
    change: (server) => ((server as Record<string, unknown>).version = "13"),
    policy: "chatbot-postgres-supported-version",
    message:
      'PostgreSQL servers must run a supported major version.\nversion is "13"; 15 or later required.',
  },
];

describe("Key Vault and PostgreSQL policies (through the analyzer)", () => {
  for (const c of cases) {
    it(c.title, async () => {
      // given the compliant prod stack with one property of the vault or server changed
      const resources = withInputs(c.resource, (inputs) => {
        c.change(inputs as Record<string, Record<string, unknown>>);
        return inputs;
      });
      // when the prod gate runs
      const violations = await violationsOf(resources, "prod");
      // then exactly that policy reports that resource
      assert.deepStrictEqual(violations, [
        {
          policy: c.policy,
          enforcementLevel: "mandatory",
          urn: c.resource === "kv" ? VAULT : SERVER,
          message: c.message,
        },
      ]);
    });
  }

  it("takes backup retention from the environment's threshold (staging: 14 days)", async () => {
    // given 14 days of retention, which prod rejects
    const resources = withInputs("psql", (inputs) => {
      (inputs.backup as Record<string, unknown>).backupRetentionDays = 14;
      return inputs;
    });
    // when the staging gate runs; then it passes
    assert.deepStrictEqual(await violationsOf(resources, "staging"), []);
  });

  it("treats an unset retention as Azure's default of 7 days", async () => {
    // given no backupRetentionDays
    const resources = withInputs("psql", (inputs) => {
      delete (inputs.backup as Record<string, unknown>).backupRetentionDays;
      return inputs;
    });
    // when the staging gate runs (at least 14 days)
    const violations = await violationsOf(resources, "staging");
    // then the retention policy reports 7 days
    assert.deepStrictEqual(
      violations.map((v) => [v.policy, v.message]),
      [
        [
          "chatbot-postgres-backup-retention",
          "PostgreSQL servers must retain backups for at least the configured number of days.\n" +
            "backup.backupRetentionDays is 7; at least 14 required.",
        ],
      ],
    );
  });

  it("accepts a VNet-integrated server that leaves publicNetworkAccess unset (private access)", async () => {
    // given private access through a delegated subnet whose id is unknown during preview
    const resources = withInputs("psql", (inputs) => {
      inputs.network = {
        delegatedSubnetResourceId: UNKNOWN,
        privateDnsZoneArmResourceId: UNKNOWN,
      };
      return inputs;
    });
    // when the prod gate runs as a preview; then it passes
    assert.deepStrictEqual(await violationsOf(resources, "prod"), []);
  });

  it("fails when a server has neither a delegated subnet nor publicNetworkAccess Disabled", async () => {
    // given no network block at all (public access is Azure's default)
    const resources = withInputs("psql", (inputs) => {
      delete inputs.network;
      return inputs;
    });
    // when the prod gate runs; then the private-network policy reports it
    assert.deepStrictEqual(await violationsOf(resources, "prod"), [
      {
        policy: "chatbot-postgres-private-network",
        enforcementLevel: "mandatory",
        urn: SERVER,
        message:
          "PostgreSQL servers must disable public network access.\nnetwork.publicNetworkAccess is not set.",
      },
    ]);
  });
});
