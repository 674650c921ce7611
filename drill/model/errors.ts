/**
 * The error answers the model gives, each with where its code and message come from. An answer
 * is `{ status, body: { error: { code, message } } }`, the ARM error contract
 * (https://learn.microsoft.com/en-us/azure/azure-resource-manager/troubleshooting/common-deployment-errors
 * lists the codes; the SDK reads `error.code`/`error.message` into `RestError`).
 */
import { JsonObject } from "./json";

/** A failed answer: HTTP status plus the `{ error: { code, message } }` body. */
export class ModelError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly inner?: JsonObject,
  ) {
    super(message);
    this.name = "ModelError";
  }

  /** The JSON body Azure sends. */
  body(): JsonObject {
    const error: JsonObject = { code: this.code, message: this.message };
    if (this.inner !== undefined) {
      error.innererror = this.inner;
    }
    return { error };
  }
}

/**
 * No `api-version` query parameter: ARM answers 400 MissingApiVersionParameter with this exact
 * message (seen verbatim in MicrosoftDocs/feedback#2279, Azure/azure-sdk-for-go#22571,
 * cloudquery/cloudquery#6626).
 */
export function missingApiVersion(): ModelError {
  return new ModelError(
    400,
    "MissingApiVersionParameter",
    "The api-version query parameter (?api-version=) is required for all requests.",
  );
}

/**
 * No bearer token: 401 AuthenticationFailed, same text from ARM and from the Logs API
 * (https://learn.microsoft.com/en-us/azure/azure-monitor/logs/api/errors "No authentication
 * provided"; ARM: hashicorp/terraform-provider-azurerm#3612).
 */
export function authenticationFailed(): ModelError {
  return new ModelError(
    401,
    "AuthenticationFailed",
    "Authentication failed. The 'Authorization' header is missing.",
  );
}

/**
 * Unknown resource: 404 ResourceNotFound, ARM's message format
 * (https://learn.microsoft.com/en-us/azure/azure-resource-manager/troubleshooting/error-not-found;
 * the Container Apps form is quoted in Azure-Samples/azure-search-openai-demo-csharp#238). For a
 * revision the same code is used (code not confirmed for the revisions sub-resource).
 */
export function resourceNotFound(type: string, name: string, resourceGroup: string): ModelError {
  return new ModelError(
    404,
    "ResourceNotFound",
    `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

/** Another subscription than the model's (code from ARM's error list; message not confirmed). */
export function subscriptionNotFound(subscriptionId: string): ModelError {
  return new ModelError(
    404,
    "SubscriptionNotFound",
    `The subscription '${subscriptionId}' could not be found.`,
  );
}

/**
 * Container Apps' template/configuration validation answer: "The following field(s) are either
 * invalid or missing. Field '<field>' is invalid with details: 'Invalid value: ...'" with code
 * InvalidParameterValueInContainerTemplate (the format is quoted in
 * microsoft/azure-container-apps#1159). Used for the traffic and template rules below whose exact
 * Azure code could not be confirmed: each call site says "(code not confirmed)".
 */
export function invalidField(field: string, value: string, details: string): ModelError {
  return new ModelError(
    400,
    "InvalidParameterValueInContainerTemplate",
    `The following field(s) are either invalid or missing. Field '${field}' is invalid with details: 'Invalid value: "${value}": ${details}';.`,
  );
}

/** A request the model does not implement (code not confirmed: the model's own answer). */
export function notSupportedByModel(what: string): ModelError {
  return new ModelError(400, "NotSupportedByModel", `${what} is not supported by this model`);
}

/**
 * The Logs API's answer to a query it cannot run: 400 BadArgumentError
 * (https://learn.microsoft.com/en-us/azure/azure-monitor/logs/api/errors "Query syntax error":
 * code BadArgumentError with an innererror). The model runs one query shape only.
 */
export function badQuery(detail: string): ModelError {
  return new ModelError(
    400,
    "BadArgumentError",
    "the model understands only the release gate query",
    {
      code: "SyntaxError",
      message: detail,
    },
  );
}
