import * as assert from "assert";
import {
  ACTION_GROUP_ID,
  compliantStack,
  SERVER_ID,
  urnOf,
  withInputs,
  withResource,
} from "../fixtures/policy/stack";
import { UNKNOWN } from "../../scripts/lib/wire";
import { environmentConfig, violationsOf } from "./support";
import {
  ALERT_KEY_TAG,
  ALERT_KIND_TAG,
  REQUIRED_SLO_ALERTS,
} from "../../policy/policies/stackSloAlerting";
import * as rules from "../../lib/monitoring/rules";
import * as slo from "../../lib/monitoring/slo";

const ROOT = urnOf("pulumi:pulumi:Stack", "chatbot-platform-prod");
const SLO =
  "The stack must have enabled SLO alert rules for p95 latency and error rate (log search alert rules tagged chatbot-alert-kind: slo) that notify an action group with at least one receiver.\n";
const NO_P95 =
  "The stack has no enabled SLO alert rule slo-p95-latency (a ScheduledQueryRule tagged chatbot-alert-kind: slo, chatbot-alert: slo-p95-latency).";
const DIAGNOSTICS =
  "Stateful resources must have a diagnostic setting that sends their logs to a Log Analytics workspace.\n";
const BUDGET =
  "The stack must have a consumption budget with an enabled notification to an email address, action group or role.\n";
const COST = "The stack's estimated monthly cost must stay under the configured ceiling.\n";
/** The fixture's estimate with prod's usage (test/cost/estimate.test.ts derives each item). */
const FIXTURE_COST =
  "Estimated $2438.88 per month (usage of prod, prices of 2026-11-29) exceeds the ceiling of";
const FIXTURE_LARGEST = "largest: app $1051.20, logs $758.58, psql $574.80.";

/** The violations as [policy, level, urn, message] rows. */
async function rows(
  resources: Parameters<typeof violationsOf>[0],
  environment: Parameters<typeof violationsOf>[1] = "prod",
): Promise<string[][]> {
  return (await violationsOf(resources, environment)).map((v) => [
    v.policy,
    v.enforcementLevel,
    v.urn,
    v.message,
  ]);
}

describe("Operations policies: alerting, diagnostics, budget, cost (through the analyzer)", () => {
  describe("chatbot-stack-slo-alerting", () => {
    it("passes during preview while the rule's action group id is unknown", async () => {
      // given a new stack: the group's id is computed by Azure; the dependency is recorded
      const resources = withInputs("slo-latency", (inputs) => ({
        ...inputs,
        actions: { actionGroups: [UNKNOWN] },
      }));
      assert.deepStrictEqual(await rows(resources), []);
    });

    it("passes a rule that names the group by its ARM id, without a recorded dependency", async () => {
      const resources = withResource("slo-latency", (r) => ({
        ...r,
        dependencies: [],
        propertyDependencies: {},
      }));
      assert.deepStrictEqual(await rows(resources), []);
    });

    const failing: {
      title: string;
      resources: () => ReturnType<typeof compliantStack>;
      message: string;
    }[] = [
      {
        title: "the action group has no receiver",
        resources: () => withInputs("ag-page", (inputs) => ({ ...inputs, emailReceivers: [] })),
        message: "No enabled action group has a receiver (ag-page).",
      },
      {
        title: "the action group is disabled",
        resources: () => withInputs("ag-page", (inputs) => ({ ...inputs, enabled: false })),
        message: "No enabled action group has a receiver (ag-page).",
      },
      {
        title: "there is no action group",
        resources: () => compliantStack().filter((r) => r.name !== "ag-page"),
        message: "The stack has no action group.",
      },
      {
        title: "the p95 SLO rule is disabled",
        resources: () => withInputs("slo-latency", (inputs) => ({ ...inputs, enabled: false })),
        message: NO_P95,
      },
      {
        // the App Insights daily-cap rule is a log search alert that notifies the group, but
        // no SLO rule: alone it does not satisfy the policy
        title: "the p95 rule is the daily-cap rule instead (tagged baseline)",
        resources: () =>
          withInputs("slo-latency", (inputs) => ({
            ...inputs,
            tags: {
              ...(inputs.tags as Record<string, string>),
              [ALERT_KIND_TAG]: "baseline",
              [ALERT_KEY_TAG]: "appi-daily-cap",
            },
          })),
        message: NO_P95,
      },
      {
        title: "the p95 rule has no kind tag",
        resources: () =>
          withInputs("slo-latency", (inputs) => {
            const tags = { ...(inputs.tags as Record<string, string>) };
            delete tags[ALERT_KIND_TAG];
            return { ...inputs, tags };
          }),
        message: NO_P95,
      },
      {
        title: "the error-rate SLO rule is missing",
        resources: () => compliantStack().filter((r) => r.name !== "slo-errors"),
        message:
          "The stack has no enabled SLO alert rule slo-error-rate (a ScheduledQueryRule tagged chatbot-alert-kind: slo, chatbot-alert: slo-error-rate).",
      },
      {
        title: "the rule notifies another action group",
        resources: () =>
          withResource("slo-latency", (r) => {
            const inputs = {
              ...r.inputs,
              actions: { actionGroups: [ACTION_GROUP_ID.replace("-page", "-other")] },
            };
            return { ...r, inputs, outputs: inputs, dependencies: [], propertyDependencies: {} };
          }),
        message:
          "The SLO alert rule slo-p95-latency (slo-latency) notifies no action group with a receiver (ag-page).",
      },
    ];
    for (const { title, resources, message } of failing) {
      it(`fails in prod when ${title}`, async () => {
        assert.deepStrictEqual(await rows(resources()), [
          ["chatbot-stack-slo-alerting", "mandatory", ROOT, SLO + message],
        ]);
      });
    }

    it("reads the tags the Monitoring component sets and requires keys it registers", () => {
      assert.deepStrictEqual(
        [ALERT_KIND_TAG, ALERT_KEY_TAG, REQUIRED_SLO_ALERTS],
        [rules.ALERT_KIND_TAG, rules.ALERT_KEY_TAG, slo.REQUIRED_SLO_ALERTS],
      );
    });

    it("is mandatory in staging and advisory in dev", async () => {
      const resources = compliantStack().filter((r) => r.name !== "slo-latency");
      const message = SLO + NO_P95;
      assert.deepStrictEqual(
        [await rows(resources, "staging"), await rows(resources, "dev")],
        [
          [["chatbot-stack-slo-alerting", "mandatory", ROOT, message]],
          [["chatbot-stack-slo-alerting", "advisory", ROOT, message]],
        ],
      );
    });
  });

  describe("chatbot-stack-diagnostic-settings", () => {
    const PSQL = urnOf("azure-native:dbforpostgresql:Server", "psql");
    const PSQL_MESSAGE =
      DIAGNOSTICS +
      'azure-native:dbforpostgresql:Server "psql" has no diagnostic setting that sends logs to a workspace.';

    it("passes a setting that names the server by its ARM id, without a recorded dependency", async () => {
      const resources = withResource("psql-diagnostics", (r) => ({
        ...r,
        dependencies: [],
        propertyDependencies: {},
      }));
      assert.deepStrictEqual(await rows(resources), []);
    });

    it("fails in prod when the server has no diagnostic setting", async () => {
      const resources = compliantStack().filter((r) => r.name !== "psql-diagnostics");
      assert.deepStrictEqual(await rows(resources), [
        ["chatbot-stack-diagnostic-settings", "mandatory", PSQL, PSQL_MESSAGE],
      ]);
    });

    it("fails in prod when the server's setting sends no log to a workspace", async () => {
      const resources = withInputs("psql-diagnostics", (inputs) => {
        delete inputs.workspaceId;
        return inputs;
      });
      assert.deepStrictEqual(await rows(resources), [
        ["chatbot-stack-diagnostic-settings", "mandatory", PSQL, PSQL_MESSAGE],
      ]);
    });

    it("fails when the registry's setting configures the server instead", async () => {
      // given the registry's setting pointed at the server, by id and by dependency
      const resources = withResource("acr-diagnostics", (r) => {
        const inputs = { ...r.inputs, resourceUri: SERVER_ID };
        return {
          ...r,
          inputs,
          outputs: inputs,
          propertyDependencies: { resourceUri: [PSQL] },
        };
      });
      // then the registry is reported, in staging (mandatory) and dev (advisory)
      const registry = urnOf("azure-native:containerregistry:Registry", "acr");
      const message =
        DIAGNOSTICS +
        'azure-native:containerregistry:Registry "acr" has no diagnostic setting that sends logs to a workspace.';
      assert.deepStrictEqual(
        [await rows(resources, "staging"), await rows(resources, "dev")],
        [
          [["chatbot-stack-diagnostic-settings", "mandatory", registry, message]],
          [["chatbot-stack-diagnostic-settings", "advisory", registry, message]],
        ],
      );
    });
  });

  describe("chatbot-stack-budget", () => {
    it("passes a budget that notifies an email address only", async () => {
      const resources = withInputs("budget", (inputs) => ({
        ...inputs,
        notifications: {
          forecast110: {
            enabled: true,
            operator: "GreaterThan",
            threshold: 110,
            thresholdType: "Forecasted",
            contactEmails: ["finops@example.com"],
          },
        },
      }));
      assert.deepStrictEqual(await rows(resources), []);
    });

    it("fails in prod when the budget's only notification is disabled", async () => {
      const resources = withInputs("budget", (inputs) => {
        (inputs.notifications as { actual80: { enabled: boolean } }).actual80.enabled = false;
        return inputs;
      });
      assert.deepStrictEqual(await rows(resources), [
        [
          "chatbot-stack-budget",
          "mandatory",
          urnOf("azure-native:consumption:Budget", "budget"),
          BUDGET + 'Budget "budget" notifies nobody.',
        ],
      ]);
    });

    it("fails when there is no budget: mandatory in prod and staging, advisory in dev", async () => {
      const resources = compliantStack().filter((r) => r.name !== "budget");
      const message = BUDGET + "The stack has no consumption budget.";
      assert.deepStrictEqual(
        [
          await rows(resources, "prod"),
          await rows(resources, "staging"),
          await rows(resources, "dev"),
        ],
        [
          [["chatbot-stack-budget", "mandatory", ROOT, message]],
          [["chatbot-stack-budget", "mandatory", ROOT, message]],
          [["chatbot-stack-budget", "advisory", ROOT, message]],
        ],
      );
    });
  });

  describe("chatbot-stack-cost-ceiling", () => {
    it("fails in prod when the estimate passes $3,000 (minReplicas 3 -> 5)", async () => {
      // given the fixture's app with 5 warm replicas per revision instead of 3: 2 revisions x 2
      // more replicas x (2 vCPU x $0.000024 + 4 GiB x $0.000003) x 2,628,000 s = $630.72 more
      const resources = withInputs("app", (inputs) => {
        (inputs.template as { scale: { minReplicas: number } }).scale.minReplicas = 5;
        return inputs;
      });
      assert.deepStrictEqual(await rows(resources), [
        [
          "chatbot-stack-cost-ceiling",
          "mandatory",
          ROOT,
          COST +
            "Estimated $3069.60 per month (usage of prod, prices of 2026-11-29) exceeds the ceiling of $3000.00; largest: app $1681.92, logs $758.58, psql $574.80.",
        ],
      ]);
    });

    it("judges the stack by the committed dev ($150, advisory) and staging ($600, advisory) ceilings", async () => {
      // given the prod-sized fixture judged by the committed configs themselves
      const resources = compliantStack();
      assert.deepStrictEqual(
        [
          await rows(resources, environmentConfig("dev")),
          await rows(resources, environmentConfig("staging")),
        ],
        [
          [
            [
              "chatbot-stack-cost-ceiling",
              "advisory",
              ROOT,
              `${COST}${FIXTURE_COST} $150.00; ${FIXTURE_LARGEST}`,
            ],
          ],
          [
            [
              "chatbot-stack-cost-ceiling",
              "advisory",
              ROOT,
              `${COST}${FIXTURE_COST} $600.00; ${FIXTURE_LARGEST}`,
            ],
          ],
        ],
      );
    });
  });
});
