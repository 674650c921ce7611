import * as pulumi from "@pulumi/pulumi";
import * as app from "@pulumi/azure-native/app";
import { GENERATION_TAG, TRAFFIC_TAG, releasedTraffic, trafficTagValue } from "../lib/guard";
import { MAX_CONTAINER_APP_NAME_LENGTH, revisionName } from "../lib/naming";
import {
  computeTraffic,
  latestSuffix,
  Release,
  SLOTS,
  Slot,
  templateFingerprint,
} from "../lib/release";
import { revisionTemplate, templateSpec } from "../lib/template";

export { CONTAINER_NAME, MAX_PROBE_FAILURE_THRESHOLD } from "../lib/template";

/** An environment variable the app reads from Key Vault. */
export interface SecretReference {
  /** Environment variable name, e.g. `OPENAI_API_KEY`. */
  readonly envName: string;
  /** Key Vault secret (and Container App secret) name, e.g. `openai-api-key`. */
  readonly secretName: string;
}

export interface BlueGreenAppArgs {
  /** Resource group of the app. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Azure region. */
  readonly location: pulumi.Input<string>;
  /** Deterministic app name (2-32 lowercase letters, digits, '-'): revision names derive from it. */
  readonly appName: string;
  /** Managed environment id. */
  readonly environmentId: pulumi.Input<string>;
  /** The environment's default domain, for the production and label URLs. */
  readonly defaultDomain: pulumi.Input<string>;
  /** User-assigned identity used to pull images and read Key Vault. */
  readonly identityId: pulumi.Input<string>;
  /** Registry the identity pulls from. */
  readonly registryLoginServer: pulumi.Input<string>;
  /** Key Vault URI (ending in '/') that holds every secret in `secrets`. */
  readonly keyVaultUri: pulumi.Input<string>;
  /** The validated release: slots, live slot, latest slot, canary share, generation. */
  readonly release: Release;
  /** The stack name, for the release command a refused template change names. */
  readonly stackName: string;
  /** Image of the `latest` slot: the revision this update describes. */
  readonly image: pulumi.Input<string>;
  /** vCPU per replica. */
  readonly cpu: number;
  /** Memory per replica, e.g. `2Gi`. */
  readonly memory: string;
  /** Minimum replicas (0 scales to zero). */
  readonly minReplicas: number;
  /** Maximum replicas. */
  readonly maxReplicas: number;
  /** Concurrent requests per replica before scaling out. */
  readonly concurrentRequests: number;
  /** Inactive revisions kept for rollback. */
  readonly maxInactiveRevisions: number;
  /** Port the container listens on. */
  readonly targetPort: number;
  /** Liveness and startup probe path. */
  readonly healthPath: string;
  /** Readiness probe path. */
  readonly readyPath: string;
  /**
   * Plain environment variables.
   * @default {}
   */
  readonly settings?: Readonly<Record<string, string>>;
  /**
   * Environment variables read from Key Vault through the identity.
   * @default []
   */
  readonly secrets?: readonly SecretReference[];
  /**
   * Resources the app must wait for: the identity's role assignments and the Key Vault secrets.
   * @default []
   */
  readonly dependsOn?: pulumi.Resource[];
  /** Tags for the app. */
  readonly tags: Record<string, string>;
}

const APP_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * The chatbot API as a Container App with revision-based blue/green (Microsoft's documented
 * pattern): Multiple revision mode, one revision per deploy (`<app>--<slug>-<fingerprint>g<generation>`,
 * see `lib/release.ts`), labels `blue` and `green` on the two slots' revisions, and traffic split
 * by the release's live slot. The template describes only the `latest` slot, so promoting or
 * rolling back (changing `live`) changes the traffic block and nothing else: no new revision. A
 * config that changes a recorded revision's template is refused before any resource.
 * The Container App carries the release generation as a tag: the program's guard (`lib/guard.ts`)
 * refuses to apply an older release block.
 */
export class BlueGreenApp extends pulumi.ComponentResource {
  public readonly appName: string;
  /** Production URL: traffic split by weight. */
  public readonly url: pulumi.Output<string>;
  /** The name of the latest slot's revision (`<app>--<suffix>`). */
  public readonly latestRevision: pulumi.Output<string>;
  /** Label URLs, `https://<app>---<label>.<domain>`; "" for a slot with no version. */
  public readonly labelUrls: Record<Slot, pulumi.Output<string>>;

  constructor(name: string, args: BlueGreenAppArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("chatbot:app:BlueGreenApp", name, {}, opts);
    if (
      !APP_NAME.test(args.appName) ||
      args.appName.length < 2 ||
      args.appName.length > MAX_CONTAINER_APP_NAME_LENGTH
    ) {
      throw new Error(
        `\`appName\` must be 2-${MAX_CONTAINER_APP_NAME_LENGTH} lowercase letters, digits and single '-', starting with a letter; received ${JSON.stringify(args.appName)}`,
      );
    }
    if (args.minReplicas > args.maxReplicas) {
      throw new Error(
        `\`minReplicas\` (${args.minReplicas}) must not be above \`maxReplicas\` (${args.maxReplicas})`,
      );
    }
    const latest = args.release[args.release.latest];
    if (latest === undefined) {
      throw new Error(
        `\`release.latest\` is ${JSON.stringify(args.release.latest)}, a slot with no version`,
      );
    }
    const secrets = args.secrets ?? [];
    const spec = <I>(image: I) => templateSpec(args, image);
    const suffixFor = (image: string): string =>
      latestSuffix(
        args.release,
        args.appName,
        templateFingerprint(revisionTemplate(spec(image))),
        args.stackName,
      );
    // A plain image is checked now, before any resource; a built image once its digest is known.
    const suffix: pulumi.Input<string> =
      typeof args.image === "string"
        ? suffixFor(args.image)
        : pulumi.output(args.image).apply(suffixFor);
    const traffic = pulumi
      .output(suffix)
      .apply((latest) => computeTraffic(args.release, args.appName, latest));

    const containerApp = new app.ContainerApp(
      `${name}-app`,
      {
        containerAppName: args.appName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        environmentId: args.environmentId,
        workloadProfileName: "Consumption",
        identity: { type: "UserAssigned", userAssignedIdentities: [args.identityId] },
        configuration: {
          activeRevisionsMode: "Multiple",
          maxInactiveRevisions: args.maxInactiveRevisions,
          ingress: {
            external: true,
            allowInsecure: false,
            targetPort: args.targetPort,
            transport: "auto",
            traffic,
          },
          registries: [{ server: args.registryLoginServer, identity: args.identityId }],
          secrets: secrets.map((secret) => ({
            name: secret.secretName,
            keyVaultUrl: pulumi.interpolate`${args.keyVaultUri}secrets/${secret.secretName}`,
            identity: args.identityId,
          })),
        },
        template: { revisionSuffix: suffix, ...revisionTemplate(spec(args.image)) },
        tags: {
          ...args.tags,
          [GENERATION_TAG]: String(args.release.generation),
          [TRAFFIC_TAG]: trafficTagValue(releasedTraffic(args.release), args.release.generation),
        },
      },
      { parent: this, dependsOn: args.dependsOn ?? [] },
    );

    this.appName = args.appName;
    this.latestRevision = pulumi
      .output(suffix)
      .apply((latest) => revisionName(args.appName, latest));
    this.url = pulumi.interpolate`https://${containerApp.name}.${args.defaultDomain}`;
    const labelUrl = (slot: Slot) =>
      args.release[slot] === undefined
        ? pulumi.output("")
        : pulumi.interpolate`https://${args.appName}---${slot}.${args.defaultDomain}`;
    this.labelUrls = { blue: labelUrl(SLOTS[0]), green: labelUrl(SLOTS[1]) };
    this.registerOutputs({
      url: this.url,
      blueLabelUrl: this.labelUrls.blue,
      greenLabelUrl: this.labelUrls.green,
      latestRevision: this.latestRevision,
    });
  }
}
