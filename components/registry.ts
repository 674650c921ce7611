import * as pulumi from "@pulumi/pulumi";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as monitor from "@pulumi/azure-native/monitor";
import * as docker from "@pulumi/docker";
import { AUDIT_DIAGNOSTIC_SETTING_NAME } from "../lib/naming";

/**
 * The registry's resource-log categories: who logged in, and every push, pull and delete
 * (https://learn.microsoft.com/azure/azure-monitor/reference/supported-logs/microsoft-containerregistry-registries-logs).
 */
export const REGISTRY_AUDIT_LOG_CATEGORIES = [
  "ContainerRegistryLoginEvents",
  "ContainerRegistryRepositoryEvents",
] as const;

export interface ContainerRegistryArgs {
  /** Resource group of the registry. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Azure region. */
  readonly location: pulumi.Input<string>;
  /** Globally unique registry name: 5-50 letters and digits. */
  readonly registryName: pulumi.Input<string>;
  /** Registry SKU. */
  readonly sku: "Basic" | "Standard" | "Premium";
  /** Tags for the registry. */
  readonly tags: Record<string, string>;
  /** Log Analytics workspace (ARM id) that receives the registry's login and repository events. */
  readonly logAnalyticsWorkspaceId: pulumi.Input<string>;
}

/**
 * The Azure Container Registry the app pulls from with its managed identity. The admin user is
 * disabled: no registry password exists to leak. Its login and repository events go to Log
 * Analytics through a diagnostic setting.
 */
export class ContainerRegistry extends pulumi.ComponentResource {
  public readonly registryId: pulumi.Output<string>;
  public readonly loginServer: pulumi.Output<string>;

  constructor(
    name: string,
    args: ContainerRegistryArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    super("chatbot:registry:ContainerRegistry", name, {}, opts);
    const registry = new containerregistry.Registry(
      `${name}-acr`,
      {
        registryName: args.registryName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        sku: { name: args.sku },
        adminUserEnabled: false,
        tags: args.tags,
      },
      { parent: this },
    );
    new monitor.DiagnosticSetting(
      `${name}-diagnostics`,
      {
        name: AUDIT_DIAGNOSTIC_SETTING_NAME,
        resourceUri: registry.id,
        workspaceId: args.logAnalyticsWorkspaceId,
        logs: REGISTRY_AUDIT_LOG_CATEGORIES.map((category) => ({ category, enabled: true })),
      },
      { parent: this },
    );
    this.registryId = registry.id;
    this.loginServer = registry.loginServer;
    this.registerOutputs({ registryId: this.registryId, loginServer: this.loginServer });
  }
}

export interface LocalImageArgs {
  /** Registry login server to push to, e.g. `acrchatbotdev1a2b3c.azurecr.io`. */
  readonly loginServer: pulumi.Input<string>;
  /** Repository in the registry. */
  readonly repository: string;
  /** Tag to push: the release version. */
  readonly tag: string;
  /** Build context directory. */
  readonly context: string;
  /** Dockerfile path, relative to the context. */
  readonly dockerfile: string;
  /** Target platform. */
  readonly platform: string;
}

/**
 * Builds a local Dockerfile and pushes it to the registry under the release version's tag. The
 * app runs the pushed digest, so the revision pins exactly what was built. Pushing uses the
 * Docker credentials of whoever runs `pulumi up` (`az acr login --name <registry>`).
 */
export class LocalImage extends pulumi.ComponentResource {
  /** Immutable reference of the pushed image: `<loginServer>/<repository>@sha256:<digest>`. */
  public readonly imageRef: pulumi.Output<string>;

  constructor(name: string, args: LocalImageArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("chatbot:registry:LocalImage", name, {}, opts);
    if (args.tag === "latest") {
      throw new Error('`tag` must be an immutable release version; received "latest"');
    }
    const image = new docker.Image(
      `${name}-image`,
      {
        imageName: pulumi.interpolate`${args.loginServer}/${args.repository}:${args.tag}`,
        build: { context: args.context, dockerfile: args.dockerfile, platform: args.platform },
      },
      { parent: this },
    );
    this.imageRef = image.repoDigest;
    this.registerOutputs({ imageRef: this.imageRef });
  }
}
