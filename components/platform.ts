import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as resources from "@pulumi/azure-native/resources";
import * as random from "@pulumi/random";
import { MANAGED_SECRETS, PlatformConfig, POSTGRES_PASSWORD_SECRET, PROJECT } from "../lib/config";
import { UNIQUE_SUFFIX_LENGTH } from "../lib/naming";
import { NAMESPACE } from "../lib/kubernetes";
import { latestSuffix, Release, templateFingerprint } from "../lib/release";
import { AppTemplateInput, revisionTemplate, templateSpec } from "../lib/template";
import { AksCluster } from "./aksCluster";
import { BlueGreenApp } from "./blueGreenApp";
import { ContainerEnvironment } from "./containerEnvironment";
import { AppIdentity } from "./identity";
import { KeyVault } from "./keyVault";
import { KubernetesApp } from "./kubernetesApp";
import { PrivateNetwork } from "./network";
import { Monitoring } from "./monitoring";
import { Postgres } from "./postgres";
import { ContainerRegistry, LocalImage } from "./registry";

export interface ChatbotPlatformArgs {
  /** The validated stack configuration (from `lib/config.ts`). */
  readonly config: PlatformConfig;
}

/** What the stack exports. */
export interface PlatformOutputs {
  productionUrl: pulumi.Output<string>;
  blueLabelUrl: pulumi.Output<string>;
  greenLabelUrl: pulumi.Output<string>;
  liveSlot: string;
  liveVersion: string;
  latestSlot: string;
  /** The latest slot's revision (`<app>--<suffix>`): the release command records its suffix. */
  latestRevision: pulumi.Output<string>;
  /** The release generation this update applied (also the Container App's tag). */
  releaseGeneration: number;
  containerAppName: string;
  resourceGroupName: pulumi.Output<string>;
  keyVaultName: pulumi.Output<string>;
  keyVaultUri: pulumi.Output<string>;
  postgresHost: pulumi.Output<string>;
  /** The PostgreSQL server's ARM id and the app's database: the restore drill restores them. */
  postgresServerId: pulumi.Output<string>;
  postgresDatabaseName: string;
  /** The Container Apps environment ("" on AKS) and the app's identity: the restore drill's check job runs there with them. */
  containerEnvironmentId: pulumi.Output<string>;
  appIdentityId: pulumi.Output<string>;
  registryLoginServer: pulumi.Output<string>;
  /** Application Insights application id: the release command reads the error budget from it. */
  appInsightsAppId: pulumi.Output<string>;
  /** The subscription of the stack's resources (the release command's ARM calls use it). */
  subscriptionId: pulumi.Output<string>;
  /** Log Analytics workspace id (customer id): the release gates query the app's requests there. */
  logAnalyticsWorkspaceId: pulumi.Output<string>;
  /** Key Vault secret names the app reads that this stack's config does not set. */
  missingSecrets: string[];
  /** Where the app runs: `containerApps` or `aks`. */
  target: string;
  /** AKS only: the cluster, the gateway's URL (`http://<address>`) and the app's namespace. */
  clusterName?: pulumi.Output<string>;
  gatewayUrl?: pulumi.Output<string>;
  kubeNamespace?: string;
}

/** The AKS cluster of a stack: `aks-<prefix>-<environment>`. */
export const clusterNameOf = (prefix: string, environment: string) =>
  `aks-${prefix}-${environment}`;

/**
 * The whole chatbot platform of one stack: resource group, private network, Container Apps
 * environment with Log Analytics and Application Insights, registry, private PostgreSQL, Key Vault
 * with every secret (both audited in Log Analytics), the app's identity, and the blue/green
 * Container App.
 */
export class ChatbotPlatform extends pulumi.ComponentResource {
  public readonly outputs: PlatformOutputs;

  constructor(name: string, args: ChatbotPlatformArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("chatbot:platform:ChatbotPlatform", name, {}, opts);
    const config = args.config;
    const { names, profile, tags, location } = config;
    const parent = { parent: this };
    const release = config.release;
    const latest = release[release.latest];
    const aks = config.target === "aks";

    // The app's revision-scope settings. With a pinned image, a config that changes a deployed
    // revision's template is refused here, before any resource (a built image is checked once its
    // digest is known).
    const appTemplate: AppTemplateInput = {
      cpu: config.app.cpu,
      memory: config.app.memory,
      minReplicas: config.app.minReplicas,
      maxReplicas: config.app.maxReplicas,
      concurrentRequests: config.app.concurrentRequests,
      targetPort: config.app.targetPort,
      healthPath: config.app.healthPath,
      readyPath: config.app.readyPath,
      settings: {
        ENVIRONMENT: config.environment,
        SERVICE_NAME: tags.service,
        ...config.app.settings,
      },
      secrets: [
        { envName: "DATABASE_URL", secretName: MANAGED_SECRETS.DATABASE_URL },
        {
          envName: "APPLICATIONINSIGHTS_CONNECTION_STRING",
          secretName: MANAGED_SECRETS.APPLICATIONINSIGHTS_CONNECTION_STRING,
        },
        ...config.secrets.map(({ envName, secretName }) => ({ envName, secretName })),
      ],
    };
    if (config.imageBuild === undefined && latest?.image !== undefined) {
      latestSuffix(
        release,
        names.containerApp,
        templateFingerprint(revisionTemplate(templateSpec(appTemplate, latest.image))),
        config.stack,
      );
    }

    const client = authorization.getClientConfigOutput(parent);
    const group = new resources.ResourceGroup(
      `${name}-rg`,
      { resourceGroupName: names.resourceGroup, location, tags },
      parent,
    );
    const resourceGroupName = group.name;
    // Global names (vault, registry, server) get a per-stack random suffix: a destroyed and
    // recreated stack never collides with its own soft-deleted vault.
    const unique = new random.RandomString(
      `${name}-unique`,
      { length: UNIQUE_SUFFIX_LENGTH, lower: true, upper: false, numeric: true, special: false },
      parent,
    ).result;

    // Every environment is VNet-integrated: PostgreSQL has private access only, reachable from the
    // Container Apps environment's subnet and nothing else (no firewall rule, no public endpoint).
    const network = new PrivateNetwork(
      `${name}-network`,
      {
        resourceGroupName,
        location,
        virtualNetworkName: names.virtualNetwork,
        addressSpace: config.addressSpace,
        containerAppsSubnet: config.subnets.containerApps,
        postgresSubnet: config.subnets.postgres,
        privateEndpointsSubnet: config.subnets.privateEndpoints,
        postgresDnsZoneName: `${config.namePrefix}-${config.environment}.private.postgres.database.azure.com`,
        delegateAppSubnet: !aks,
        tags,
      },
      parent,
    );

    const environment = new ContainerEnvironment(
      `${name}-environment`,
      {
        resourceGroupName,
        location,
        environmentName: names.environment,
        logAnalyticsName: names.logAnalytics,
        appInsightsName: names.appInsights,
        logRetentionDays: profile.logRetentionDays,
        infrastructureSubnetId: aks ? undefined : network.containerAppsSubnetId,
        zoneRedundant: aks ? false : profile.zoneRedundant,
        containerApps: !aks,
        tags,
      },
      parent,
    );

    const registry = new ContainerRegistry(
      `${name}-registry`,
      {
        resourceGroupName,
        location,
        registryName: pulumi.interpolate`${names.registryBase}${unique}`,
        sku: profile.registrySku,
        tags,
        logAnalyticsWorkspaceId: environment.workspaceId,
      },
      parent,
    );

    const pg = config.postgres;
    const postgres = new Postgres(
      `${name}-postgres`,
      {
        resourceGroupName,
        location,
        serverName: pulumi.interpolate`${names.postgresBase}${unique}`,
        skuName: pg.skuName,
        tier: pg.tier,
        version: pg.version,
        storageSizeGB: pg.storageSizeGB,
        backupRetentionDays: pg.backupRetentionDays,
        geoRedundantBackup: pg.geoRedundantBackup,
        highAvailability: pg.highAvailability,
        databaseName: pg.databaseName,
        administratorLogin: pg.administratorLogin,
        privateAccess: { subnetId: network.postgresSubnetId, dnsZoneId: network.postgresDnsZoneId },
        logAnalyticsWorkspaceId: environment.workspaceId,
        dependsOn: network.dnsLinks,
        protect: profile.protectStateful,
        tags,
      },
      parent,
    );

    const vault = new KeyVault(
      `${name}-vault`,
      {
        resourceGroupName,
        location,
        vaultName: pulumi.interpolate`${names.keyVaultBase}${unique}`,
        tenantId: client.tenantId,
        purgeProtection: profile.purgeProtection,
        softDeleteRetentionDays: profile.softDeleteRetentionDays,
        denyPublicNetwork: profile.privateKeyVault,
        privateEndpoint: profile.privateKeyVault
          ? { subnetId: network.privateEndpointsSubnetId, dnsZoneId: network.keyVaultDnsZoneId }
          : undefined,
        logAnalyticsWorkspaceId: environment.workspaceId,
        secrets: [
          { name: POSTGRES_PASSWORD_SECRET, value: postgres.administratorPassword },
          { name: MANAGED_SECRETS.DATABASE_URL, value: postgres.connectionString },
          {
            name: MANAGED_SECRETS.APPLICATIONINSIGHTS_CONNECTION_STRING,
            value: environment.appInsightsConnectionString,
          },
          ...config.secrets.flatMap((secret) =>
            secret.value === undefined
              ? []
              : [{ name: secret.secretName, value: pulumi.secret(secret.value) }],
          ),
        ],
        protect: profile.protectStateful,
        tags,
      },
      parent,
    );

    const missingSecrets = config.secrets.filter((secret) => secret.value === undefined);
    // What a missing secret stops on each target: ARM validates a Container App's Key Vault
    // references; on AKS the Secrets Store CSI driver fails to mount the pods' secrets volume
    // (FailedMount), so the slot's pods never start.
    // https://learn.microsoft.com/azure/container-apps/manage-secrets#reference-secret-from-key-vault
    // https://learn.microsoft.com/azure/aks/csi-secrets-store-driver#troubleshooting
    const blocked = aks
      ? "the Secrets Store CSI driver cannot mount the app's secrets, so its pods on AKS do not start"
      : "Azure refuses to create or update the Container App";
    for (const secret of missingSecrets) {
      pulumi.log.warn(
        `Key Vault secret "${secret.secretName}" (env ${secret.envName}) has no value in this stack's config; ` +
          `the app references it, and ${blocked} until it exists. Create it with: ` +
          `pulumi config set --secret --path 'secretValues.${secret.envName}' '<value>' --stack ${config.stack} && pulumi up --stack ${config.stack}`,
        this,
      );
    }

    const identity = new AppIdentity(
      `${name}-identity`,
      {
        resourceGroupName,
        location,
        identityName: names.identity,
        subscriptionId: client.subscriptionId,
        keyVaultId: vault.vaultId,
        registryId: registry.registryId,
        tags,
      },
      parent,
    );

    const image =
      config.imageBuild === undefined || latest === undefined
        ? (latest?.image ?? "")
        : new LocalImage(
            `${name}-image`,
            {
              loginServer: registry.loginServer,
              repository: config.imageBuild.repository,
              tag: latest.version,
              context: config.imageBuild.context,
              dockerfile: config.imageBuild.dockerfile,
              platform: config.imageBuild.platform,
            },
            parent,
          ).imageRef;

    // The first revision (or pod) reads Key Vault and pulls from the registry: grants and secrets
    // first, and where the vault is private (prod), its endpoint and the DNS that resolves it.
    const appDependsOn = [
      ...identity.roleAssignments,
      ...vault.secretResources,
      ...vault.privateAccessResources,
      ...network.dnsLinks,
    ];
    const hosting = aks
      ? this.onKubernetes(name, {
          config,
          release,
          appTemplate,
          image,
          resourceGroupName,
          tenantId: client.tenantId,
          subscriptionId: client.subscriptionId,
          nodeSubnetId: network.containerAppsSubnetId,
          registryId: registry.registryId,
          identity,
          vault,
          dependsOn: appDependsOn,
        })
      : this.onContainerApps(name, {
          config,
          release,
          appTemplate,
          image,
          resourceGroupName,
          environment,
          identity,
          registryLoginServer: registry.loginServer,
          keyVaultUri: vault.vaultUri,
          dependsOn: appDependsOn,
        });

    // Alerts, notifications, dashboard and budget. The Container App's id is read from its URL
    // output (the cluster's from its name) so that its rules wait for it (a metric alert's scope
    // must exist).
    const alerts = config.alerts;
    new Monitoring(
      `${name}-monitoring`,
      {
        resourceGroupName,
        resourceGroupId: group.id,
        location,
        environment: config.environment,
        baseName: `${config.namePrefix}-${config.environment}`,
        routing: profile.alertRouting,
        emails: alerts.emails,
        pagerEmails: alerts.pagerEmails,
        slackWebhookUrl: alerts.webhooks.slack,
        teamsWebhookUrl: alerts.webhooks.teams,
        pagerWebhookUrl: alerts.webhooks.pager,
        workspaceId: environment.workspaceId,
        subscriptionId: client.subscriptionId,
        gates: config.gates,
        healthPath: config.app.healthPath,
        readyPath: config.app.readyPath,
        // On AKS the cluster's id, read from its name output so that its rules wait for it.
        cluster: aks
          ? {
              id: pulumi
                .all([group.id, hosting.clusterName ?? ""])
                .apply(
                  ([id, clusterName]) =>
                    `${id}/providers/Microsoft.ContainerService/managedClusters/${clusterName}`,
                ),
              name: clusterNameOf(config.namePrefix, config.environment),
              appName: names.containerApp,
            }
          : undefined,
        containerApp: aks
          ? undefined
          : {
              id: pulumi
                .all([group.id, hosting.productionUrl])
                .apply(
                  ([id]) => `${id}/providers/Microsoft.App/containerApps/${names.containerApp}`,
                ),
              name: names.containerApp,
              cpu: config.app.cpu,
              memory: config.app.memory,
              minReplicas: config.app.minReplicas,
            },
        postgresServerId: postgres.serverId,
        postgresStorageSizeGB: config.postgres.storageSizeGB,
        keyVaultId: vault.vaultId,
        registryId: registry.registryId,
        monthlyBudget: alerts.monthlyBudget,
        tags,
      },
      parent,
    );

    const live = release[release.live];
    this.outputs = {
      ...hosting,
      liveSlot: release.live,
      liveVersion: live?.version ?? "",
      latestSlot: release.latest,
      releaseGeneration: release.generation,
      resourceGroupName,
      keyVaultName: vault.vaultName,
      keyVaultUri: vault.vaultUri,
      postgresHost: postgres.host,
      postgresServerId: postgres.serverId,
      postgresDatabaseName: config.postgres.databaseName,
      containerEnvironmentId: environment.environmentId,
      appIdentityId: identity.identityId,
      registryLoginServer: registry.loginServer,
      appInsightsAppId: environment.appInsightsAppId,
      logAnalyticsWorkspaceId: environment.workspaceCustomerId,
      subscriptionId: client.subscriptionId,
      missingSecrets: missingSecrets.map((secret) => secret.secretName),
      target: config.target,
    };
    this.registerOutputs({ ...this.outputs, project: PROJECT });
  }

  /** The blue/green Container App in the Container Apps environment. */
  private onContainerApps(name: string, args: HostingArgs & ContainerAppsHostingArgs): Hosting {
    const { config, release } = args;
    const app = new BlueGreenApp(
      `${name}-api`,
      {
        resourceGroupName: args.resourceGroupName,
        location: config.location,
        appName: config.names.containerApp,
        environmentId: args.environment.environmentId,
        defaultDomain: args.environment.defaultDomain,
        identityId: args.identity.identityId,
        registryLoginServer: args.registryLoginServer,
        keyVaultUri: args.keyVaultUri,
        release,
        stackName: config.stack,
        image: args.image,
        maxInactiveRevisions: config.app.maxInactiveRevisions,
        ...args.appTemplate,
        dependsOn: args.dependsOn,
        tags: config.tags,
      },
      { parent: this },
    );
    return {
      productionUrl: app.url,
      blueLabelUrl: app.labelUrls.blue,
      greenLabelUrl: app.labelUrls.green,
      latestRevision: app.latestRevision,
      containerAppName: app.appName,
    };
  }

  /** The AKS cluster and the app on it, blue/green on Gateway API (README "Choosing the target"). */
  private onKubernetes(name: string, args: HostingArgs & KubernetesHostingArgs): Hosting {
    const { config, release, appTemplate } = args;
    const cluster = new AksCluster(
      `${name}-cluster`,
      {
        resourceGroupName: args.resourceGroupName,
        location: config.location,
        clusterName: clusterNameOf(config.namePrefix, config.environment),
        tenantId: args.tenantId,
        subscriptionId: args.subscriptionId,
        nodeSubnetId: args.nodeSubnetId,
        registryId: args.registryId,
        tier: config.profile.kubernetes.tier,
        systemPool: config.profile.kubernetes.systemPool,
        userPool: config.profile.kubernetes.userPool,
        zones: config.profile.kubernetes.zones,
        disableLocalAccounts: config.environment === "prod",
        tags: config.tags,
      },
      { parent: this },
    );
    if (config.aksClusterOnly) {
      // The first `pulumi up` of a new AKS stack: the cluster without any Kubernetes object (README
      // "First deploy of an AKS stack"). Nothing runs yet, so there is no URL and no revision.
      const none = pulumi.output("");
      return {
        productionUrl: none,
        blueLabelUrl: none,
        greenLabelUrl: none,
        latestRevision: none,
        containerAppName: "",
        clusterName: cluster.clusterName,
        gatewayUrl: none,
        kubeNamespace: NAMESPACE,
      };
    }
    const appName = config.names.containerApp;
    const suffixFor = (image: string) =>
      latestSuffix(
        release,
        appName,
        templateFingerprint(revisionTemplate(templateSpec(appTemplate, image))),
        config.stack,
      );
    const latestSuffixValue =
      typeof args.image === "string"
        ? suffixFor(args.image)
        : pulumi.output(args.image).apply(suffixFor);
    const spec = templateSpec(appTemplate, "");
    const app = new KubernetesApp(
      `${name}-k8s-app`,
      {
        provider: cluster.provider,
        release,
        appName,
        latestSuffix: latestSuffixValue,
        latestImage: args.image,
        workload: {
          env: spec.env,
          cpu: appTemplate.cpu,
          memory: appTemplate.memory,
          minReplicas: appTemplate.minReplicas,
          maxReplicas: appTemplate.maxReplicas,
          targetPort: appTemplate.targetPort,
          healthPath: appTemplate.healthPath,
          readyPath: appTemplate.readyPath,
          requireZoneSpread: config.profile.kubernetes.zones,
        },
        resourceGroupName: args.resourceGroupName,
        identityName: config.names.identity,
        identityClientId: args.identity.clientId,
        oidcIssuerUrl: cluster.oidcIssuerUrl,
        keyVaultName: args.vault.vaultName,
        tenantId: args.tenantId,
        secretNames: (appTemplate.secrets ?? []).map((secret) => secret.secretName),
        dependsOn: [...args.dependsOn, args.identity, cluster.acrPull],
      },
      { parent: this },
    );
    const slotUrl = (slot: "blue" | "green") =>
      release[slot] === undefined ? pulumi.output("") : app.gatewayUrl;
    return {
      productionUrl: app.gatewayUrl,
      blueLabelUrl: slotUrl("blue"),
      greenLabelUrl: slotUrl("green"),
      latestRevision: app.latestRevision,
      containerAppName: "",
      clusterName: cluster.clusterName,
      gatewayUrl: app.gatewayUrl,
      kubeNamespace: app.namespace,
    };
  }
}

/** The outputs that depend on where the app runs. */
type Hosting = Pick<
  PlatformOutputs,
  | "productionUrl"
  | "blueLabelUrl"
  | "greenLabelUrl"
  | "latestRevision"
  | "containerAppName"
  | "clusterName"
  | "gatewayUrl"
  | "kubeNamespace"
>;

/** What both hosting targets receive from the shared platform. */
interface HostingArgs {
  readonly config: PlatformConfig;
  readonly release: Release;
  readonly appTemplate: AppTemplateInput;
  readonly image: pulumi.Input<string>;
  readonly resourceGroupName: pulumi.Output<string>;
  readonly identity: AppIdentity;
  readonly dependsOn: pulumi.Resource[];
}

interface ContainerAppsHostingArgs {
  readonly environment: ContainerEnvironment;
  readonly registryLoginServer: pulumi.Output<string>;
  readonly keyVaultUri: pulumi.Output<string>;
}

interface KubernetesHostingArgs {
  readonly tenantId: pulumi.Output<string>;
  readonly subscriptionId: pulumi.Output<string>;
  readonly nodeSubnetId: pulumi.Output<string>;
  readonly registryId: pulumi.Output<string>;
  readonly vault: KeyVault;
}
