/**
 * The ARM JSON the model answers with: a Container App and its revisions as GET returns them in
 * api-version 2026-07-01 (@azure/arm-appcontainers 4.0.0 models.d.ts `ContainerApp`,
 * `ContainerAppProperties`, `Revision`, `RevisionProperties`; REST reference:
 * https://learn.microsoft.com/en-us/rest/api/resource-manager/containerapps/container-apps-revisions/get-revision).
 */
import type { AppRecord, ContainerAppStore } from "./containerApps";
import { JsonObject, clone, objectAt, stringAt } from "./json";
import { RevisionRecord, statusAt } from "./revisions";

/** One `configuration.ingress.traffic` entry as stored and returned. */
export interface TrafficWeightState {
  revisionName?: string;
  weight?: number;
  latestRevision?: boolean;
  label?: string;
}

/** `properties.template` (containers, scale, revisionSuffix, ... as written). */
export interface TemplateState {
  revisionSuffix?: string;
  containers: Array<{ name?: string; image: string; [key: string]: unknown }>;
  scale?: { minReplicas?: number; maxReplicas?: number; [key: string]: unknown };
  [key: string]: unknown;
}

/** A Container App as GET returns it (ARM JSON, api-version 2026-07-01). */
export interface ContainerAppState {
  id: string;
  name: string;
  type: "Microsoft.App/containerApps";
  location: string;
  tags?: Record<string, string>;
  properties: {
    provisioningState: "Succeeded";
    runningStatus: string;
    latestRevisionName?: string;
    latestReadyRevisionName?: string;
    latestRevisionFqdn?: string;
    environmentId?: string;
    managedEnvironmentId?: string;
    configuration: {
      activeRevisionsMode: "Single" | "Multiple";
      maxInactiveRevisions?: number;
      ingress?: { fqdn: string; traffic: TrafficWeightState[]; [key: string]: unknown };
      [key: string]: unknown;
    };
    template: TemplateState;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** A revision as GET returns it (ARM JSON, api-version 2026-07-01). */
export interface RevisionState {
  id: string;
  name: string;
  type: "Microsoft.App/containerApps/revisions";
  properties: {
    createdTime: string;
    lastActiveTime?: string;
    fqdn: string;
    template: TemplateState;
    active: boolean;
    replicas: number;
    trafficWeight: number;
    provisioningError?: string;
    healthState: "Healthy" | "Unhealthy" | "None";
    provisioningState: "Provisioning" | "Provisioned" | "Failed";
    runningState: "Processing" | "Running" | "Degraded" | "Failed" | "Stopped";
  };
}

/**
 * The app at `now`: what was written plus what the service computes. `provisioningState` is
 * "Succeeded" at once, so the SDK's long-running-operation poller ends on the first answer (a
 * 200/201 whose body carries a terminal provisioningState and no Azure-AsyncOperation/Location
 * header: https://github.com/Azure/azure-resource-manager-rpc/blob/master/v1.0/async-api-reference.md,
 * @azure/core-lro "Body" polling). Defaults Azure fills: activeRevisionsMode "Single"
 * (https://learn.microsoft.com/en-us/azure/container-apps/revisions "Revision modes") and the
 * ingress fqdn `<app>.<environment default domain>`.
 */
export function appJson(store: ContainerAppStore, app: AppRecord, now: number): JsonObject {
  const domain = store.settings.domain;
  const spec = clone(app.spec);
  const properties = objectAt(spec, "properties") ?? {};
  const configuration = objectAt(properties, "configuration") ?? {};
  configuration.activeRevisionsMode = stringAt(configuration, "activeRevisionsMode") ?? "Single";
  const ingress = objectAt(configuration, "ingress");
  if (ingress !== undefined) {
    ingress.fqdn = `${app.name}.${domain}`;
  }
  const computed: JsonObject = { provisioningState: "Succeeded", runningStatus: "Running" };
  const latest = app.revisions.at(-1);
  if (latest !== undefined) {
    computed.latestRevisionName = latest.name;
    computed.latestRevisionFqdn = `${latest.name}.${domain}`;
  }
  const ready = store.latestReady(app, now);
  if (ready !== undefined) {
    computed.latestReadyRevisionName = ready.name;
  }
  const out: JsonObject = {
    id: store.appId(app),
    name: app.name,
    type: "Microsoft.App/containerApps",
  };
  for (const [key, value] of Object.entries(spec)) {
    if (key !== "properties") {
      out[key] = value;
    }
  }
  out.properties = { ...computed, ...properties, configuration };
  return out;
}

/**
 * A revision at `now` (rule 12). `trafficWeight` is the weight routed to it now (latestRevision
 * entries count for the revision they reach). The 2026-07-01 Revision has no `labels` property
 * (models.d.ts `RevisionProperties`; the SDK's revisionPropertiesDeserializer reads none): labels
 * live only in `configuration.ingress.traffic[].label`, so none is reported here. `template` is
 * the template as created, with its revisionSuffix.
 */
export function revisionJson(
  store: ContainerAppStore,
  app: AppRecord,
  rec: RevisionRecord,
  now: number,
): JsonObject {
  const status = statusAt(rec, now, store.lifecycle(app));
  const weight = store
    .routeAt(app, now)
    .filter((e) => e.revision === rec)
    .reduce((sum, e) => sum + e.weight, 0);
  const properties: JsonObject = { createdTime: new Date(rec.createdMs).toISOString() };
  if (status.lastActiveMs !== undefined) {
    properties.lastActiveTime = new Date(status.lastActiveMs).toISOString();
  }
  properties.fqdn = `${rec.name}.${store.settings.domain}`;
  properties.template = clone(rec.template);
  properties.active = status.active;
  properties.replicas = status.replicas;
  properties.trafficWeight = weight;
  if (status.provisioningError !== undefined) {
    properties.provisioningError = status.provisioningError;
  }
  properties.healthState = status.healthState;
  properties.provisioningState = status.provisioningState;
  properties.runningState = status.runningState;
  return {
    id: `${store.appId(app)}/revisions/${rec.name}`,
    name: rec.name,
    type: "Microsoft.App/containerApps/revisions",
    properties,
  };
}
