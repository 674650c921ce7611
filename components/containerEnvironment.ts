import * as pulumi from "@pulumi/pulumi";
import * as app from "@pulumi/azure-native/app";
import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";

/** Application Insights outputs that carry the instrumentation key, kept secret in state. */
export const APP_INSIGHTS_SECRET_OUTPUTS = ["connectionString", "instrumentationKey"] as const;

export interface ContainerEnvironmentArgs {
  /** Resource group of the environment. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Azure region. */
  readonly location: pulumi.Input<string>;
  /** Managed environment name. */
  readonly environmentName: string;
  /** Log Analytics workspace name. */
  readonly logAnalyticsName: string;
  /** Application Insights component name. */
  readonly appInsightsName: string;
  /** Days Log Analytics keeps logs, the audit logs of Key Vault and PostgreSQL included (30-730). */
  readonly logRetentionDays: number;
  /**
   * Subnet for a VNet-integrated environment (delegated to `Microsoft.App/environments`).
   * @default - no VNet integration
   */
  readonly infrastructureSubnetId?: pulumi.Input<string>;
  /**
   * Spread replicas across availability zones (requires `infrastructureSubnetId`).
   * @default false
   */
  readonly zoneRedundant?: boolean;
  /**
   * Create the Container Apps environment. `false` (the AKS target) keeps only Log Analytics and
   * Application Insights; `environmentId` and `defaultDomain` are then "".
   * @default true
   */
  readonly containerApps?: boolean;
  /** Tags for every child. */
  readonly tags: Record<string, string>;
}

/**
 * Where the app runs and reports: a Log Analytics workspace, a workspace-based Application Insights
 * component, and a Container Apps managed environment that sends its logs to the workspace. With a
 * subnet it is VNet-integrated, and it can be zone-redundant.
 */
export class ContainerEnvironment extends pulumi.ComponentResource {
  public readonly environmentId: pulumi.Output<string>;
  /** The environment's default domain: label URLs are `https://<app>---<label>.<defaultDomain>`. */
  public readonly defaultDomain: pulumi.Output<string>;
  public readonly workspaceId: pulumi.Output<string>;
  /** Log Analytics workspace id (customer id, a GUID): where the Logs query API reads. */
  public readonly workspaceCustomerId: pulumi.Output<string>;
  /** Application Insights application id (for queries such as the release's error budget). */
  public readonly appInsightsAppId: pulumi.Output<string>;
  /** Application Insights connection string (a secret: it carries the instrumentation key). */
  public readonly appInsightsConnectionString: pulumi.Output<string>;

  constructor(
    name: string,
    args: ContainerEnvironmentArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super("chatbot:environment:ContainerEnvironment", name, {}, opts);
    if (
      !Number.isInteger(args.logRetentionDays) ||
      args.logRetentionDays < 30 ||
      args.logRetentionDays > 730
    ) {
      throw new Error(
        `\`logRetentionDays\` must be an integer from 30 to 730; received ${JSON.stringify(args.logRetentionDays)}`,
      );
    }
    if (args.zoneRedundant && args.infrastructureSubnetId === undefined) {
      throw new Error(
        "`zoneRedundant` requires `infrastructureSubnetId`: zone redundancy needs a VNet-integrated environment",
      );
    }

    const workspace = new operationalinsights.Workspace(
      `${name}-logs`,
      {
        workspaceName: args.logAnalyticsName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        sku: { name: "PerGB2018" },
        retentionInDays: args.logRetentionDays,
        tags: args.tags,
      },
      { parent: this },
    );
    const insights = new applicationinsights.Component(
      `${name}-insights`,
      {
        resourceName: args.appInsightsName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: "web",
        applicationType: "web",
        ingestionMode: "LogAnalytics",
        workspaceResourceId: workspace.id,
        tags: args.tags,
      },
      // Both carry the instrumentation key: Pulumi state and logs keep them encrypted.
      { parent: this, additionalSecretOutputs: [...APP_INSIGHTS_SECRET_OUTPUTS] },
    );
    this.workspaceId = workspace.id;
    this.workspaceCustomerId = workspace.customerId;
    this.appInsightsAppId = insights.appId;
    this.appInsightsConnectionString = pulumi.secret(insights.connectionString);
    if (args.containerApps === false) {
      this.environmentId = pulumi.output("");
      this.defaultDomain = pulumi.output("");
      this.registerOutputs({
        workspaceId: this.workspaceId,
        workspaceCustomerId: this.workspaceCustomerId,
        appInsightsAppId: this.appInsightsAppId,
      });
      return;
    }

    const sharedKey = operationalinsights
      .getSharedKeysOutput(
        { resourceGroupName: args.resourceGroupName, workspaceName: workspace.name },
        { parent: this },
      )
      .apply((keys) => keys.primarySharedKey ?? "");

    const environment = new app.ManagedEnvironment(
      `${name}-env`,
      {
        environmentName: args.environmentName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        appLogsConfiguration: {
          destination: "log-analytics",
          logAnalyticsConfiguration: {
            customerId: workspace.customerId,
            sharedKey: pulumi.secret(sharedKey),
          },
        },
        workloadProfiles: [{ name: "Consumption", workloadProfileType: "Consumption" }],
        vnetConfiguration:
          args.infrastructureSubnetId === undefined
            ? undefined
            : { infrastructureSubnetId: args.infrastructureSubnetId, internal: false },
        zoneRedundant: args.zoneRedundant ?? false,
        tags: args.tags,
      },
      { parent: this },
    );

    this.environmentId = environment.id;
    this.defaultDomain = environment.defaultDomain;
    this.registerOutputs({
      environmentId: this.environmentId,
      defaultDomain: this.defaultDomain,
      workspaceId: this.workspaceId,
      workspaceCustomerId: this.workspaceCustomerId,
      appInsightsAppId: this.appInsightsAppId,
    });
  }
}
