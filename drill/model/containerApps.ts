/**
 * Container Apps state and the rules Azure applies to writes (pure: no HTTP, no clock of its own;
 * every call gets the virtual time). The JSON is the ARM shape of api-version 2026-07-01
 * (Azure/azure-rest-api-specs specification/app/resource-manager/Microsoft.App/ContainerApps,
 * mirrored by @azure/arm-appcontainers 4.0.0 models.d.ts: ContainerApp, Configuration, Ingress,
 * TrafficWeight, Template, Revision).
 */
import { ModelError, invalidField, resourceNotFound } from "./errors";
import {
  Json,
  JsonObject,
  clone,
  isObject,
  jsonEqual,
  mergePatch,
  numberAt,
  objectAt,
  stringAt,
  withoutNulls,
} from "./json";
import { token } from "./random";
import {
  LifecycleContext,
  RevisionRecord,
  everReadyBy,
  insertPhase,
  readyAtOf,
  statusAt,
} from "./revisions";
import {
  TrafficEntry,
  checkMaxInactive,
  checkMode,
  checkRevisionName,
  checkTemplate,
  stripReadOnly,
  suffixInUse,
  validateTraffic,
} from "./validation";

/** The traffic in force from `at` on (weight changes are kept with their time). */
export interface TrafficSnapshot {
  readonly at: number;
  readonly single: boolean;
  readonly entries: readonly TrafficEntry[];
}

/** A traffic entry resolved to the revision it reaches at some instant. */
export interface RoutedEntry {
  readonly revision: RevisionRecord | undefined;
  readonly weight: number;
  readonly label?: string;
}

/** A Container App as the model stores it. */
export interface AppRecord {
  readonly resourceGroup: string;
  readonly name: string;
  readonly createdMs: number;
  /** The resource as last written (read-only properties stripped). */
  spec: JsonObject;
  readonly revisions: RevisionRecord[];
  /** Every revision name this app ever had, purged ones included. */
  readonly usedNames: Set<string>;
  readonly traffic: TrafficSnapshot[];
  /** Where generated traffic and probes have got to (workload.ts). */
  generation: { untilMs: number; nextUser: number; nextProbe: number };
}

/** Settings the store needs. */
export interface StoreSettings {
  readonly subscriptionId: string;
  readonly domain: string;
  readonly seed: number;
}

/**
 * Alphabet of generated suffixes, e.g. `myapp--0wlqy09` (REST API reference example revision
 * names).
 */
const SUFFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** The store of apps and revisions, keyed by resource group and name. */
export class ContainerAppStore {
  private readonly apps = new Map<string, AppRecord>();

  constructor(
    readonly settings: StoreSettings,
    readonly lifecycle: (app: AppRecord) => LifecycleContext,
  ) {}

  get(resourceGroup: string, name: string): AppRecord | undefined {
    return this.apps.get(`${resourceGroup.toLowerCase()}/${name.toLowerCase()}`);
  }

  all(): AppRecord[] {
    return [...this.apps.values()];
  }

  /** The app, or 404 ResourceNotFound. */
  require(resourceGroup: string, name: string): AppRecord {
    const app = this.get(resourceGroup, name);
    if (app === undefined) {
      throw resourceNotFound("Microsoft.App/containerApps", name, resourceGroup);
    }
    return app;
  }

  /** The revision (not purged), or 404. */
  requireRevision(app: AppRecord, revisionName: string): RevisionRecord {
    const rec = app.revisions.find((r) => r.name === revisionName && !r.purged);
    if (rec === undefined) {
      throw resourceNotFound(
        `Microsoft.App/containerApps/${app.name}/revisions`,
        revisionName,
        app.resourceGroup,
      );
    }
    return rec;
  }

  /**
   * PUT (createOrUpdate, full body) or PATCH (update, JSON Merge Patch). Every check runs before
   * anything changes: a rejected write leaves no trace. Returns whether the app was created.
   */
  write(
    resourceGroup: string,
    name: string,
    body: Json,
    kind: "put" | "patch",
    now: number,
  ): { created: boolean; app: AppRecord } {
    const existing = this.get(resourceGroup, name);
    if (!isObject(body)) {
      // (code not confirmed)
      throw invalidField("properties", typeof body, "the request body must be a JSON object");
    }
    if (kind === "patch" && existing === undefined) {
      throw resourceNotFound("Microsoft.App/containerApps", name, resourceGroup);
    }
    const incoming = stripReadOnly(body);
    const spec = (
      kind === "put" ? withoutNulls(incoming) : mergePatch(existing?.spec, incoming)
    ) as JsonObject;
    // Tags are not merged on PATCH: the request's `tags` replace the resource's tags as a whole
    // (ARM resource provider contract, "PATCH": tags in a PATCH body replace all existing tags;
    // https://github.com/cloud-and-ai-microsoft/resource-provider-contract/blob/master/v1.0/put-resource.md
    // and learn.microsoft.com/azure/azure-resource-manager/management/tag-resources: "PATCH ...
    // replaces the tags"; code not confirmed for Microsoft.App specifically).
    if (kind === "patch" && isObject(incoming) && isObject(incoming.tags)) {
      spec.tags = withoutNulls(incoming.tags);
    }
    if (existing === undefined && typeof spec.location !== "string") {
      // ARM requires a location on tracked resources (code LocationRequired; message not
      // confirmed).
      throw new ModelError(
        400,
        "LocationRequired",
        "The location property is required for this definition.",
      );
    }
    const properties = objectAt(spec, "properties") ?? {};
    spec.properties = properties;
    const configuration = objectAt(properties, "configuration") ?? {};
    properties.configuration = configuration;
    const mode = checkMode(configuration);
    const template = checkTemplate(properties);
    checkMaxInactive(configuration);

    // Rule 1: a revision-scope change (anything in `template`) or a new suffix creates a revision
    // named <app>--<suffix>, random when no suffix is given
    // (https://learn.microsoft.com/en-us/azure/container-apps/revisions "Revision-scope changes",
    // "Name suffix"); it becomes latestRevisionName.
    const latest = existing?.revisions.at(-1);
    const suffixGiven = stringAt(template, "revisionSuffix") || undefined;
    const creates =
      latest === undefined ||
      !jsonEqual(withoutSuffix(template), withoutSuffix(latest.template)) ||
      (suffixGiven !== undefined && suffixGiven !== latest.suffix);
    let suffix: string | undefined;
    if (creates) {
      if (suffixGiven !== undefined) {
        checkRevisionName(name, suffixGiven);
      }
      suffix = suffixGiven ?? this.randomSuffix(name, existing);
      // Rule 2: a name is unique for the app's life, purged revisions included; the latest
      // revision's suffix with a different template is this error too (see suffixInUse).
      if (existing?.usedNames.has(`${name}--${suffix}`)) {
        throw suffixInUse(name, suffix);
      }
    }
    const newName = suffix === undefined ? undefined : `${name}--${suffix}`;
    const entries = this.checkIngress(configuration, existing, newName);

    // Everything is valid: apply.
    const app: AppRecord = existing ?? {
      resourceGroup,
      name,
      createdMs: now,
      spec,
      revisions: [],
      usedNames: new Set(),
      traffic: [],
      generation: { untilMs: now, nextUser: -1, nextProbe: -1 },
    };
    app.spec = spec;
    let created: RevisionRecord | undefined;
    if (newName !== undefined && suffix !== undefined) {
      created = {
        name: newName,
        suffix,
        createdMs: now,
        template: { ...clone(template), revisionSuffix: suffix },
        phases: [{ at: now, kind: "start", cause: "create" }],
        purged: false,
      };
      app.revisions.push(created);
      app.usedNames.add(newName);
    }
    if (entries !== undefined) {
      app.traffic.push({ at: now, single: mode === "Single", entries });
    }
    if (existing === undefined) {
      this.apps.set(`${resourceGroup.toLowerCase()}/${name.toLowerCase()}`, app);
    }
    if (mode === "Single") {
      this.enforceSingle(app, created, now);
    }
    this.purge(app, now);
    return { created: existing === undefined, app };
  }

  /**
   * Rules 4 and 5 for the ingress block: traffic defaults to 100% latestRevision when omitted
   * (https://learn.microsoft.com/en-us/azure/container-apps/traffic-splitting: "By default, when
   * ingress is enabled, all traffic is routed to the latest deployed revision"), else it must pass
   * `validateTraffic`. Returns the entries, or undefined without ingress.
   */
  private checkIngress(
    configuration: JsonObject,
    existing: AppRecord | undefined,
    newName: string | undefined,
  ): TrafficEntry[] | undefined {
    const ingress = objectAt(configuration, "ingress");
    if (ingress === undefined) {
      return undefined;
    }
    if (ingress.traffic === undefined) {
      ingress.traffic = [{ weight: 100, latestRevision: true }];
    }
    const known = new Set(existing?.revisions.filter((r) => !r.purged).map((r) => r.name) ?? []);
    if (newName !== undefined) {
      known.add(newName);
    }
    return validateTraffic(ingress.traffic, known);
  }

  /**
   * Rule 3, Single mode: the old revisions are deactivated once the new one is ready, and stay
   * when it never becomes ready (https://learn.microsoft.com/en-us/azure/container-apps/revisions
   * "Revision modes" and "Zero downtime deployment"). Without a new revision, all but the latest
   * are deactivated now.
   */
  private enforceSingle(app: AppRecord, created: RevisionRecord | undefined, now: number): void {
    const ctx = this.lifecycle(app);
    let at = now;
    if (created !== undefined) {
      const ready = readyAtOf(created, created.phases[0], ctx);
      if (ready === undefined) {
        return;
      }
      at = ready;
    }
    const latest = app.revisions.at(-1);
    for (const rec of app.revisions) {
      if (rec !== latest && !rec.purged && statusAt(rec, at, ctx).active) {
        insertPhase(rec, { at, kind: "stop", cause: "deactivate" });
      }
    }
  }

  /**
   * Rule 6: more inactive revisions than `configuration.maxInactiveRevisions` (default 100) purge
   * the oldest inactive ones (https://learn.microsoft.com/en-us/azure/container-apps/revisions
   * "Inactive status": "up to 100 inactive entries"; "Activation state": "the oldest ones being
   * purged"). Purged revisions leave the list; their names stay used (rule 2).
   */
  purge(app: AppRecord, now: number): void {
    const max =
      numberAt(
        objectAt(objectAt(app.spec, "properties"), "configuration"),
        "maxInactiveRevisions",
      ) ?? 100;
    const ctx = this.lifecycle(app);
    const inactive = app.revisions.filter((r) => !r.purged && !statusAt(r, now, ctx).active);
    for (let i = 0; i < inactive.length - max; i++) {
      inactive[i].purged = true;
    }
  }

  /** The latest revision created by `t`. */
  latestCreated(app: AppRecord, t: number): RevisionRecord | undefined {
    return app.revisions.filter((r) => r.createdMs <= t).at(-1);
  }

  /** The newest revision that became ready by `t` (latestReadyRevisionName). */
  latestReady(app: AppRecord, t: number): RevisionRecord | undefined {
    const ctx = this.lifecycle(app);
    for (let i = app.revisions.length - 1; i >= 0; i--) {
      const rec = app.revisions[i];
      if (!rec.purged && rec.createdMs <= t && everReadyBy(rec, t, ctx)) {
        return rec;
      }
    }
    return undefined;
  }

  /**
   * The traffic in force at `t`, resolved to revisions. `latestRevision: true` follows the latest
   * ready revision: "traffic doesn't switch to the latest revision until it's ready"
   * (https://learn.microsoft.com/en-us/azure/container-apps/revisions "Zero downtime deployment").
   * Single mode sends everything to the latest ready revision.
   */
  routeAt(app: AppRecord, t: number): RoutedEntry[] {
    let snapshot: TrafficSnapshot | undefined;
    for (const s of app.traffic) {
      if (s.at <= t) {
        snapshot = s;
      }
    }
    if (snapshot === undefined) {
      return [];
    }
    const latest = this.latestReady(app, t) ?? this.latestCreated(app, t);
    if (snapshot.single) {
      return [{ revision: latest, weight: 100 }];
    }
    return snapshot.entries.map((e) => ({
      revision:
        e.latestRevision === true
          ? latest
          : app.revisions.find((r) => r.name === e.revisionName && !r.purged),
      weight: e.weight,
      label: e.label,
    }));
  }

  private randomSuffix(name: string, existing: AppRecord | undefined): string {
    for (let attempt = 0; ; attempt++) {
      const suffix = token(
        SUFFIX_ALPHABET,
        7,
        this.settings.seed,
        `suffix|${name}`,
        existing?.revisions.length ?? 0,
        attempt,
      );
      if (!existing?.usedNames.has(`${name}--${suffix}`)) {
        return suffix;
      }
    }
  }

  /** `/subscriptions/.../containerApps/<name>`. */
  appId(app: AppRecord): string {
    return `/subscriptions/${this.settings.subscriptionId}/resourceGroups/${app.resourceGroup}/providers/Microsoft.App/containerApps/${app.name}`;
  }

  /**
   * Rules 7 and 11, POST .../revisions/{name}/deactivate: active false, runningState "Stopped",
   * no replicas, lastActiveTime set (https://learn.microsoft.com/en-us/azure/container-apps/revisions
   * "Activation state", https://learn.microsoft.com/en-us/azure/container-apps/application-lifecycle-management
   * "Deactivation"). A revision that still has traffic weight is deactivated all the same: Azure
   * does not refuse it, its traffic entry stays and requests routed to it fail
   * (microsoft/azure-container-apps#410 deactivates a revision holding 50% of the traffic and the
   * entry remains; #1345 deactivates the only active revision).
   */
  deactivate(app: AppRecord, rec: RevisionRecord, now: number): void {
    if (statusAt(rec, now, this.lifecycle(app)).active) {
      insertPhase(rec, { at: now, kind: "stop", cause: "deactivate" });
    }
    this.purge(app, now);
  }

  /** Rule 11, POST .../activate: active again, "Processing" then "Running" after activationMs. */
  activate(app: AppRecord, rec: RevisionRecord, now: number): void {
    if (!statusAt(rec, now, this.lifecycle(app)).active) {
      insertPhase(rec, { at: now, kind: "start", cause: "activate" });
    }
  }

  /**
   * POST .../restart: new replicas, "Processing" then "Running" (or failing again); rule 9: a
   * restart after the role assignments are effective recovers a revision that could not pull its
   * image or read its secrets (https://learn.microsoft.com/en-us/azure/container-apps/manage-secrets:
   * "Restart an existing revision" to pick up secret changes). An inactive revision cannot be
   * restarted (microsoft/vscode-azurecontainerapps#322; code and message not confirmed).
   */
  restart(app: AppRecord, rec: RevisionRecord, now: number): void {
    if (!statusAt(rec, now, this.lifecycle(app)).active) {
      throw new ModelError(
        400,
        "BadRequest",
        `Revision '${rec.name}' is not active and cannot be restarted.`,
      );
    }
    insertPhase(rec, { at: now, kind: "start", cause: "restart" });
  }
}

function withoutSuffix(template: JsonObject): JsonObject {
  const copy = clone(template);
  delete copy.revisionSuffix;
  return copy;
}
