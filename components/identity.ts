import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";

/** Built-in role "Key Vault Secrets User": read secret values. */
export const KEY_VAULT_SECRETS_USER_ROLE = "4633458b-17de-408a-b874-0445c86b69e6";
/** Built-in role "AcrPull": pull images. */
export const ACR_PULL_ROLE = "7f951dda-4ed3-4680-a7ca-43fe172d538d";

export interface AppIdentityArgs {
  /** Resource group of the identity. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Azure region. */
  readonly location: pulumi.Input<string>;
  /** Identity name. */
  readonly identityName: string;
  /** Subscription that holds the built-in role definitions. */
  readonly subscriptionId: pulumi.Input<string>;
  /** Key Vault the app reads secrets from. */
  readonly keyVaultId: pulumi.Input<string>;
  /** Registry the app pulls images from. */
  readonly registryId: pulumi.Input<string>;
  /** Tags for the identity. */
  readonly tags: Record<string, string>;
}

/**
 * The app's user-assigned managed identity and its two role assignments. It exists before the
 * app, so the app's first revision can already read Key Vault and pull from the registry (a
 * system-assigned identity would not exist until the app did).
 */
export class AppIdentity extends pulumi.ComponentResource {
  public readonly identityId: pulumi.Output<string>;
  public readonly clientId: pulumi.Output<string>;
  public readonly principalId: pulumi.Output<string>;
  /** The role assignments; the app depends on them. */
  public readonly roleAssignments: authorization.RoleAssignment[];

  constructor(name: string, args: AppIdentityArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("chatbot:identity:AppIdentity", name, {}, opts);
    const identity = new managedidentity.UserAssignedIdentity(
      `${name}-id`,
      {
        resourceName: args.identityName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        tags: args.tags,
      },
      { parent: this },
    );
    const grant = (suffix: string, scope: pulumi.Input<string>, role: string) =>
      new authorization.RoleAssignment(
        `${name}-${suffix}`,
        {
          scope,
          principalId: identity.principalId,
          principalType: "ServicePrincipal",
          roleDefinitionId: pulumi.interpolate`/subscriptions/${args.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
        },
        { parent: this },
      );
    this.roleAssignments = [
      grant("kv-secrets-user", args.keyVaultId, KEY_VAULT_SECRETS_USER_ROLE),
      grant("acr-pull", args.registryId, ACR_PULL_ROLE),
    ];
    this.identityId = identity.id;
    this.clientId = identity.clientId;
    this.principalId = identity.principalId;
    this.registerOutputs({
      identityId: this.identityId,
      clientId: this.clientId,
      principalId: this.principalId,
    });
  }
}
