/**
 * The chat adapter: a Logic App (Consumption) that receives Azure Monitor's common alert schema
 * from the action group and posts a chat message. Slack's and Teams' incoming webhooks do not
 * read the common alert schema (Slack wants `{"text": ...}`
 * (https://api.slack.com/messaging/webhooks), a Teams Workflows webhook wants a message with an
 * Adaptive Card attachment
 * (https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook)),
 * so the action group calls this workflow (a Logic App receiver) and the workflow reshapes the
 * alert. We chose a Logic App over an Azure Function: no code to build or host, it is one ARM
 * resource, and Azure's own docs use it for exactly this
 * (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-logic-apps).
 *
 * The webhook URLs are secrets: they reach the workflow as `SecureString` parameters (never shown
 * in the definition or run history), and the HTTP actions' inputs are obfuscated in run history
 * (https://learn.microsoft.com/azure/logic-apps/logic-apps-securing-a-logic-app#secure-data-in-run-history-by-using-obfuscation).
 */

/** The chat services the adapter posts to, with the secure parameter that holds each URL. */
export const CHAT_TARGETS = {
  slack: "slackWebhookUrl",
  teams: "teamsWebhookUrl",
} as const;
export type ChatTarget = keyof typeof CHAT_TARGETS;

/** The workflow's HTTP trigger (its callback URL is what the action group calls). */
export const ADAPTER_TRIGGER = "manual";

/** An expression for one field of the alert's `data.essentials` (common alert schema). */
const essential = (field: string) => `@{triggerBody()?['data']?['essentials']?['${field}']}`;

/** The message line: `[prod] Fired Sev1 <rule>: <description> (fired <time>)`. */
export function alertText(environment: string): string {
  return (
    `[${environment}] ${essential("monitorCondition")} ${essential("severity")} ` +
    `${essential("alertRule")}: ${essential("description")} (fired ${essential("firedDateTime")})`
  );
}

/** The body each chat service takes. */
function body(target: ChatTarget, text: string): unknown {
  return target === "slack"
    ? { text }
    : {
        type: "message",
        attachments: [
          {
            contentType: "application/vnd.microsoft.card.adaptive",
            content: {
              type: "AdaptiveCard",
              version: "1.4",
              body: [{ type: "TextBlock", text, wrap: true }],
            },
          },
        ],
      };
}

/**
 * The workflow definition (Workflow Definition Language) for the chat services that have a URL.
 * Throws when there is none: an adapter without a target would accept alerts and drop them.
 */
export function chatAdapterDefinition(
  targets: readonly ChatTarget[],
  environment: string,
): Record<string, unknown> {
  if (targets.length === 0) {
    throw new Error("the chat adapter needs at least one of `slack`, `teams`");
  }
  const text = alertText(environment);
  return {
    $schema:
      "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
    contentVersion: "1.0.0.0",
    parameters: Object.fromEntries(
      targets.map((target) => [CHAT_TARGETS[target], { type: "SecureString" }]),
    ),
    triggers: {
      [ADAPTER_TRIGGER]: { type: "Request", kind: "Http", inputs: { schema: {} } },
    },
    actions: Object.fromEntries(
      targets.map((target) => [
        `Post_to_${target}`,
        {
          type: "Http",
          runAfter: {},
          runtimeConfiguration: { secureData: { properties: ["inputs"] } },
          inputs: {
            method: "POST",
            uri: `@parameters('${CHAT_TARGETS[target]}')`,
            headers: { "Content-Type": "application/json" },
            body: body(target, text),
          },
        },
      ]),
    ),
    outputs: {},
  };
}
