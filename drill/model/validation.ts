/**
 * The checks Azure makes on a Container App write, before anything changes. Where Azure's exact
 * error code could not be confirmed the model answers InvalidParameterValueInContainerTemplate in
 * Container Apps' "field(s) are either invalid or missing" format, and the comment says so.
 */
import { ModelError, invalidField, notSupportedByModel } from "./errors";
import { Json, JsonObject, arrayAt, clone, isObject, objectAt, stringAt } from "./json";

/** One entry of `configuration.ingress.traffic` (models.d.ts `TrafficWeight`). */
export interface TrafficEntry {
  readonly revisionName?: string;
  readonly latestRevision?: boolean;
  readonly weight: number;
  readonly label?: string;
}

/** Read-only properties the service computes; a client's copy of them is ignored. */
const READ_ONLY_PROPERTIES = [
  "provisioningState",
  "runningStatus",
  "latestRevisionName",
  "latestReadyRevisionName",
  "latestRevisionFqdn",
  "customDomainVerificationId",
  "outboundIpAddresses",
  "eventStreamEndpoint",
];

/** Lower case alphanumerics or single dashes, starts with a letter, ends with an alphanumeric. */
const DNS_LABEL = /^[a-z](?:(?:[a-z0-9]|-(?!-))*[a-z0-9])?$/;

/**
 * The body without what the service computes (id, name, type, read-only properties, ingress fqdn).
 */
export function stripReadOnly(body: JsonObject): JsonObject {
  const copy = clone(body);
  for (const key of ["id", "name", "type", "systemData"]) {
    delete copy[key];
  }
  const properties = objectAt(copy, "properties");
  if (properties !== undefined) {
    for (const key of READ_ONLY_PROPERTIES) {
      delete properties[key];
    }
    const ingress = objectAt(objectAt(properties, "configuration"), "ingress");
    if (ingress !== undefined) {
      delete ingress.fqdn;
    }
  }
  return copy;
}

/**
 * Revision suffix rules (https://learn.microsoft.com/en-us/azure/container-apps/revisions "Name
 * suffix": lower case alphanumerics or '-', starts with a letter, ends with an alphanumeric, no
 * '--') and at most 54 characters for app name plus suffix, answered with
 * ContainerAppInvalidRevisionName and this message (quoted verbatim in
 * microsoft/azure-container-apps#1443 and Azure/azure-quickstart-templates#14660).
 */
export function checkRevisionName(appName: string, suffix: string): void {
  const name = `${appName}--${suffix}`;
  if (!DNS_LABEL.test(suffix) || name.length > 54) {
    throw new ModelError(
      400,
      "ContainerAppInvalidRevisionName",
      `Revision name has an invalid value '${name}'. A revision name must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character. The length of the revision name must not be more than a combined 54 characters with the container app name.`,
    );
  }
}

/**
 * Rule 2: a revision name already used by the app. Azure reports it as ContainerAppOperationError
 * "Failed to provision revision for container app ... Field 'template.revisionsuffix' is invalid
 * with details: 'Invalid value: "<suffix>": revision with suffix <suffix> already exists'"
 * (Azure/terraform-azurerm-avm-res-app-containerapp#115, microsoft/azure-container-apps#1278; the
 * code ContainerAppOperationError is recorded in public runbooks of the same failure). Azure
 * accepts the write and fails the revision asynchronously; the model refuses the write at once.
 */
export function suffixInUse(appName: string, suffix: string): ModelError {
  return new ModelError(
    400,
    "ContainerAppOperationError",
    `Failed to provision revision for container app '${appName}'. Error details: The following field(s) are either invalid or missing. Field 'template.revisionsuffix' is invalid with details: 'Invalid value: "${suffix}": revision with suffix ${suffix} already exists';.`,
  );
}

/**
 * Rule 3: `activeRevisionsMode` is "Single" (the default) or "Multiple"
 * (https://learn.microsoft.com/en-us/azure/container-apps/revisions "Revision modes"). The Labels
 * mode of newer APIs is refused as not modelled; any other value (code not confirmed).
 */
export function checkMode(configuration: JsonObject): "Single" | "Multiple" {
  const mode = stringAt(configuration, "activeRevisionsMode") ?? "Single";
  if (mode.toLowerCase() === "labels") {
    throw notSupportedByModel("activeRevisionsMode 'Labels'");
  }
  if (mode !== "Single" && mode !== "Multiple") {
    throw invalidField(
      "configuration.activeRevisionsMode",
      mode,
      "allowed values are Single, Multiple",
    );
  }
  return mode;
}

/**
 * A template needs at least one container with an image (models.d.ts `Template`, `BaseContainer`;
 * code not confirmed).
 */
export function checkTemplate(properties: JsonObject): JsonObject {
  const template = objectAt(properties, "template");
  const containers = arrayAt(template, "containers");
  if (template === undefined || containers === undefined || containers.length === 0) {
    throw invalidField("template.containers", "", "at least one container is required");
  }
  for (const container of containers) {
    if (!isObject(container) || typeof container.image !== "string" || container.image === "") {
      throw invalidField("template.containers.image", "", "every container needs an image");
    }
  }
  return template;
}

/**
 * `maxInactiveRevisions` is an integer >= 0 (models.d.ts `Configuration.maxInactiveRevisions`; code
 * not confirmed).
 */
export function checkMaxInactive(configuration: JsonObject): void {
  const value = configuration.maxInactiveRevisions;
  if (value !== undefined && (typeof value !== "number" || !Number.isInteger(value) || value < 0)) {
    throw invalidField(
      "configuration.maxInactiveRevisions",
      String(value),
      "must be an integer >= 0",
    );
  }
}

const TRAFFIC = "configuration.ingress.traffic";

/**
 * Rule 4: the traffic block, checked against the revisions that exist for the app plus the one
 * this write creates (a traffic entry may name it: Azure-Samples/containerapps-blue-green). The
 * documented rules: "The combined weight of all traffic split rules must equal 100%", revisions
 * named by revisionName or latestRevision
 * (https://learn.microsoft.com/en-us/azure/container-apps/traffic-splitting); a label names one
 * revision at a time and follows the suffix naming rules, at most 64 characters
 * (https://learn.microsoft.com/en-us/azure/container-apps/revisions "Labels"). Azure's codes for
 * these refusals are not confirmed (code not confirmed for each below). Not checked, as Azure does
 * not check it: traffic to an inactive revision (microsoft/azure-container-apps#1345). Labels move
 * with their entry, so a block clears labels from every revision it does not list.
 */
export function validateTraffic(traffic: Json, known: ReadonlySet<string>): TrafficEntry[] {
  if (!Array.isArray(traffic)) {
    throw invalidField(TRAFFIC, typeof traffic, "traffic must be an array of traffic weights");
  }
  const entries: TrafficEntry[] = [];
  const labels = new Set<string>();
  traffic.forEach((raw, index) => {
    const field = `${TRAFFIC}[${index}]`;
    if (!isObject(raw)) {
      throw invalidField(field, String(raw), "a traffic weight must be an object");
    }
    // weight: integer 0..100 (code not confirmed)
    const weight = raw.weight ?? 0;
    if (typeof weight !== "number" || !Number.isInteger(weight) || weight < 0 || weight > 100) {
      throw invalidField(
        `${field}.weight`,
        String(weight),
        "weight must be an integer from 0 to 100",
      );
    }
    // exactly one of revisionName / latestRevision: true (code not confirmed)
    const byName = typeof raw.revisionName === "string" && raw.revisionName !== "";
    const byLatest = raw.latestRevision === true;
    if (byName === byLatest) {
      throw invalidField(
        field,
        String(index),
        "a traffic weight needs exactly one of revisionName and latestRevision: true",
      );
    }
    // the named revision exists for this app (code not confirmed)
    const revisionName = byName ? String(raw.revisionName) : undefined;
    if (revisionName !== undefined && !known.has(revisionName)) {
      throw invalidField(
        `${field}.revisionName`,
        revisionName,
        `revision ${revisionName} does not exist for this container app`,
      );
    }
    // labels: naming rules, unique (code not confirmed)
    let label: string | undefined;
    if (raw.label !== undefined && raw.label !== null) {
      label = String(raw.label);
      if (!DNS_LABEL.test(label) || label.length > 64) {
        throw invalidField(
          `${field}.label`,
          label,
          "a label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, end with an alphanumeric character, not have '--' and not be more than 64 characters",
        );
      }
      if (labels.has(label)) {
        throw invalidField(
          `${field}.label`,
          label,
          `label ${label} is already assigned to another traffic weight`,
        );
      }
      labels.add(label);
    }
    entries.push({ revisionName, latestRevision: byLatest || undefined, weight, label });
  });
  // weights sum to 100 (code not confirmed)
  const total = entries.reduce((sum, e) => sum + e.weight, 0);
  if (total !== 100) {
    throw invalidField(TRAFFIC, String(total), "the traffic weights must add up to 100");
  }
  return entries;
}
