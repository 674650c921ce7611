import * as pulumi from "@pulumi/pulumi";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { CustomResource } from "@pulumi/kubernetes/apiextensions";
import { Namespace, ServiceAccount } from "@pulumi/kubernetes/core/v1";
import { Provider } from "@pulumi/kubernetes/provider";
import {
  gateway,
  httpRoute,
  namespace,
  NAMESPACE,
  SERVICE_ACCOUNT,
  secretProviderClass,
  serviceAccount,
  SlotSpec,
  presentSlots,
} from "../lib/kubernetes";
import { revisionName } from "../lib/naming";
import { recordedSuffix, Release, Slot } from "../lib/release";
import { KubernetesSlot } from "./kubernetesSlot";

/** Audience of every federated credential Azure exchanges a Kubernetes token for. */
export const TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";

export interface KubernetesAppArgs {
  /** Provider of the cluster. */
  readonly provider: Provider;
  /** The validated release: slots, live slot, latest slot, canary share, generation. */
  readonly release: Release;
  /** App name the revision names derive from (`<app>--<suffix>`, as on Container Apps). */
  readonly appName: string;
  /** Revision suffix of the latest slot (computed by the platform from the template). */
  readonly latestSuffix: pulumi.Input<string>;
  /** Image of the latest slot (the other slot runs its recorded image). */
  readonly latestImage: pulumi.Input<string>;
  /** The workload of a slot, without slot, version, image and revision. */
  readonly workload: Omit<
    SlotSpec<pulumi.Input<string>>,
    "slot" | "version" | "image" | "revision"
  >;
  /** Resource group of the app's user-assigned identity. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Name of the app's user-assigned identity (the federated credential goes on it). */
  readonly identityName: string;
  /** Client id of that identity (service account annotation, secret provider class). */
  readonly identityClientId: pulumi.Input<string>;
  /** The cluster's OIDC issuer URL. */
  readonly oidcIssuerUrl: pulumi.Input<string>;
  /** Key Vault name and tenant the secrets are read from. */
  readonly keyVaultName: pulumi.Input<string>;
  readonly tenantId: pulumi.Input<string>;
  /** Key Vault secret names the app reads (synced for its environment variables). */
  readonly secretNames: readonly string[];
  /** What the pods need before they start (grants, secrets, the vault's private endpoint). */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The chatbot API on Kubernetes, blue/green on Gateway API: namespace, service account bound to
 * the app's identity by a federated credential (workload identity), SecretProviderClass, one
 * `KubernetesSlot` per slot with a version, and the Gateway and HTTPRoute whose default rule
 * carries the release block's weights. Promote and roll back change the HTTPRoute only.
 */
export class KubernetesApp extends pulumi.ComponentResource {
  /** `http://<gateway address>`: production traffic, split by weight. */
  public readonly gatewayUrl: pulumi.Output<string>;
  /** The latest slot's revision (`<app>--<suffix>`), the pod template's revision annotation. */
  public readonly latestRevision: pulumi.Output<string>;
  public readonly namespace: string;

  constructor(name: string, args: KubernetesAppArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("chatbot:kubernetes:KubernetesApp", name, {}, opts);
    const release = args.release;
    if (release[release.latest] === undefined) {
      throw new Error(
        `\`release.latest\` is ${JSON.stringify(release.latest)}, a slot with no version`,
      );
    }
    if (args.secretNames.length === 0) {
      throw new Error("`secretNames` must name at least one Key Vault secret; received []");
    }
    const options = { parent: this, provider: args.provider };
    const ns = new Namespace(`${name}-namespace`, namespace(), options);
    const inNamespace = { ...options, dependsOn: [ns] };
    const account = new ServiceAccount(
      `${name}-service-account`,
      serviceAccount(args.identityClientId),
      inNamespace,
    );
    // One credential per service account; a second one on the same identity must depend on this
    // one (Azure rejects concurrent writes of credentials on one identity).
    // https://learn.microsoft.com/azure/aks/workload-identity-deploy-cluster
    const credential = new managedidentity.FederatedIdentityCredential(
      `${name}-federated-credential`,
      {
        resourceGroupName: args.resourceGroupName,
        resourceName: args.identityName,
        federatedIdentityCredentialResourceName: `aks-${NAMESPACE}-${SERVICE_ACCOUNT}`,
        issuer: args.oidcIssuerUrl,
        subject: `system:serviceaccount:${NAMESPACE}:${SERVICE_ACCOUNT}`,
        audiences: [TOKEN_EXCHANGE_AUDIENCE],
      },
      { parent: this, dependsOn: args.dependsOn ?? [] },
    );
    const secrets = new CustomResource(
      `${name}-secret-provider-class`,
      secretProviderClass({
        vaultName: args.keyVaultName,
        clientId: args.identityClientId,
        tenantId: args.tenantId,
        secretNames: args.secretNames,
      }),
      inNamespace,
    );

    const slotImage = (slot: Slot): pulumi.Input<string> =>
      slot === release.latest ? args.latestImage : (release[slot]?.image ?? "");
    const slotRevision = (slot: Slot): pulumi.Input<string> =>
      slot === release.latest ? args.latestSuffix : recordedSuffix(release[slot]!);
    const slots = presentSlots(release).map(
      (slot) =>
        new KubernetesSlot(
          `${name}-${slot}`,
          {
            provider: args.provider,
            latest: slot === release.latest,
            spec: {
              ...args.workload,
              slot,
              version: release[slot]!.version,
              image: slotImage(slot),
              revision: slotRevision(slot),
            },
            dependsOn: [account, credential, secrets, ...(args.dependsOn ?? [])],
          },
          { parent: this },
        ),
    );
    // `status` is listed so the resource exposes it: the gateway's address is read from it.
    const gw = new CustomResource(
      `${name}-gateway`,
      { ...gateway(), status: undefined },
      inNamespace,
    );
    new CustomResource(`${name}-route`, httpRoute(release), {
      ...options,
      dependsOn: [gw, ...slots],
    });

    this.namespace = NAMESPACE;
    const status = gw as unknown as {
      status: pulumi.Output<{ addresses?: { value?: string }[] } | undefined>;
    };
    this.gatewayUrl = status.status.apply((s) => `http://${s?.addresses?.[0]?.value ?? "pending"}`);
    this.latestRevision = pulumi
      .output(args.latestSuffix)
      .apply((suffix) => revisionName(args.appName, suffix));
    this.registerOutputs({
      gatewayUrl: this.gatewayUrl,
      latestRevision: this.latestRevision,
      namespace: this.namespace,
    });
  }
}
