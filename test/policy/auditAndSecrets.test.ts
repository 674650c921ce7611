import * as assert from "assert";
import {
  compliantStack,
  officeFirewallRule,
  urnOf,
  VAULT_ID,
  withInputs,
  withResource,
} from "../fixtures/policy/stack";
import { UNKNOWN } from "../../scripts/lib/wire";
import { violationsOf } from "./support";

const VAULT = urnOf("azure-native:keyvault:Vault", "kv");
const AUDIT_MESSAGE =
  "Key Vaults must have a diagnostic setting that sends AuditEvent logs to a Log Analytics workspace.\n" +
  'Key Vault "kv" has no diagnostic setting that sends AuditEvent to a workspace.';

describe("Firewall, audit-log and secret-output policies (through the analyzer)", () => {
  describe("chatbot-postgres-no-azure-services-rule", () => {
    it("passes a firewall rule for one address", async () => {
      // given the compliant stack plus a rule for an office address; when the gates run
      for (const environment of ["dev", "staging", "prod"]) {
        // then nothing is reported
        assert.deepStrictEqual(
          await violationsOf([...compliantStack(), officeFirewallRule()], environment),
          [],
          environment,
        );
      }
    });

    for (const environment of ["dev", "staging", "prod"]) {
      it(`fails in ${environment} when the rule's range is 0.0.0.0-0.0.0.0 (every Azure service)`, async () => {
        // given the office rule widened to Azure's "allow Azure services" range
        const resources = [
          ...compliantStack(),
          officeFirewallRule({ start: "0.0.0.0", end: "0.0.0.0" }),
        ];
        // when the gate runs; then the rule is rejected, mandatory in every environment
        assert.deepStrictEqual(await violationsOf(resources, environment), [
          {
            policy: "chatbot-postgres-no-azure-services-rule",
            enforcementLevel: "mandatory",
            urn: urnOf("azure-native:dbforpostgresql:FirewallRule", "psql-office"),
            message:
              "PostgreSQL firewall rules must not allow all Azure services (start and end IP address 0.0.0.0).\n" +
              'Firewall rule "office" allows 0.0.0.0-0.0.0.0 (every Azure service).',
          },
        ]);
      });
    }

    it("does not mistake a range that starts at 0.0.0.0 for the Azure services rule", async () => {
      const resources = [
        ...compliantStack(),
        officeFirewallRule({ start: "0.0.0.0", end: "0.0.0.1" }),
      ];
      assert.deepStrictEqual(await violationsOf(resources, "prod"), []);
    });
  });

  describe("chatbot-stack-keyvault-audit-logs", () => {
    it("passes a setting that names the vault by its ARM id, without a recorded dependency", async () => {
      // given the setting as `pulumi policy analyze` may see it: the id known, no property deps
      const resources = withResource("kv-diagnostics", (r) => ({
        ...r,
        dependencies: [],
        propertyDependencies: {},
      }));
      assert.deepStrictEqual(await violationsOf(resources, "prod"), []);
    });

    it("passes during preview, while the vault's id and the workspace id are unknown", async () => {
      // given a new stack's preview: both ids are computed by Azure later
      const resources = withInputs("kv-diagnostics", (inputs) => ({
        ...inputs,
        resourceUri: UNKNOWN,
        workspaceId: UNKNOWN,
      }));
      assert.deepStrictEqual(await violationsOf(resources, "prod"), []);
    });

    it("passes a setting that sends the AuditEvent category itself", async () => {
      const resources = withInputs("kv-diagnostics", (inputs) => ({
        ...inputs,
        logs: [{ category: "AuditEvent", enabled: true }],
      }));
      assert.deepStrictEqual(await violationsOf(resources, "prod"), []);
    });

    const failing: { title: string; change: (inputs: Record<string, unknown>) => void }[] = [
      {
        title: "its audit log is disabled",
        change: (inputs) => (inputs.logs = [{ categoryGroup: "audit", enabled: false }]),
      },
      {
        title: "it sends another category only",
        change: (inputs) =>
          (inputs.logs = [{ category: "AzurePolicyEvaluationDetails", enabled: true }]),
      },
      {
        title: "it has no Log Analytics workspace",
        change: (inputs) => delete inputs.workspaceId,
      },
    ];
    for (const { title, change } of failing) {
      it(`fails when the vault's diagnostic setting exists but ${title}`, async () => {
        const resources = withInputs("kv-diagnostics", (inputs) => {
          change(inputs);
          return inputs;
        });
        assert.deepStrictEqual(await violationsOf(resources, "prod"), [
          {
            policy: "chatbot-stack-keyvault-audit-logs",
            enforcementLevel: "mandatory",
            urn: VAULT,
            message: AUDIT_MESSAGE,
          },
        ]);
      });
    }

    it("fails when the diagnostic setting configures another resource", async () => {
      // given the setting pointed at the server instead of the vault
      const resources = withResource("kv-diagnostics", (r) => {
        const resourceUri = VAULT_ID.replace(
          "Microsoft.KeyVault/vaults/kv-chatbot-prod",
          "Microsoft.DBforPostgreSQL/flexibleServers/psql-chatbot-prod",
        );
        return {
          ...r,
          inputs: { ...r.inputs, resourceUri },
          outputs: { ...r.outputs, resourceUri },
          dependencies: [urnOf("azure-native:dbforpostgresql:Server", "psql")],
          propertyDependencies: {
            resourceUri: [urnOf("azure-native:dbforpostgresql:Server", "psql")],
          },
        };
      });
      // when the prod gate runs; then the vault is reported
      assert.deepStrictEqual(
        (await violationsOf(resources, "prod")).map((v) => [v.policy, v.urn, v.message]),
        [["chatbot-stack-keyvault-audit-logs", VAULT, AUDIT_MESSAGE]],
      );
    });

    it("is mandatory in staging and advisory in dev", async () => {
      const resources = compliantStack().filter((r) => r.name !== "kv-diagnostics");
      assert.deepStrictEqual(
        [await violationsOf(resources, "staging"), await violationsOf(resources, "dev")].map(
          (violations) => violations.map((v) => [v.policy, v.enforcementLevel, v.urn]),
        ),
        [
          [["chatbot-stack-keyvault-audit-logs", "mandatory", VAULT]],
          [["chatbot-stack-keyvault-audit-logs", "advisory", VAULT]],
        ],
      );
    });
  });

  describe("chatbot-appinsights-secret-outputs", () => {
    it("fails when the instrumentation key is not a secret output", async () => {
      // given the component registered with the connection string secret only
      const resources = withResource("appi", (r) => ({
        ...r,
        options: { ...r.options, additionalSecretOutputs: ["connectionString"] },
      }));
      // when the dev gate runs (mandatory there too); then the missing output is named
      assert.deepStrictEqual(await violationsOf(resources, "dev"), [
        {
          policy: "chatbot-appinsights-secret-outputs",
          enforcementLevel: "mandatory",
          urn: urnOf("azure-native:applicationinsights:Component", "appi"),
          message:
            "Application Insights components must list their key-bearing outputs in additionalSecretOutputs.\n" +
            "additionalSecretOutputs lacks instrumentationKey.",
        },
      ]);
    });

    it("fails in prod when the component declares no secret outputs", async () => {
      const resources = withResource("appi", (r) => ({
        ...r,
        options: { ...r.options, additionalSecretOutputs: [] },
      }));
      assert.deepStrictEqual(
        (await violationsOf(resources, "prod")).map((v) => [
          v.policy,
          v.enforcementLevel,
          v.message,
        ]),
        [
          [
            "chatbot-appinsights-secret-outputs",
            "mandatory",
            "Application Insights components must list their key-bearing outputs in additionalSecretOutputs.\n" +
              "additionalSecretOutputs lacks connectionString, instrumentationKey.",
          ],
        ],
      );
    });
  });
});
