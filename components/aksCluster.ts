import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { Provider } from "@pulumi/kubernetes/provider";
import type * as inputs from "@pulumi/azure-native/types/input";
import { NodePoolProfile } from "../lib/environments";
import { nonInteractive } from "../lib/kubeconfig";
import { ACR_PULL_ROLE } from "./identity";

/** Pod and service address ranges of the overlay network (never routed in the VNet). */
export const POD_CIDR = "192.168.0.0/16";
export const SERVICE_CIDR = "172.16.0.0/16";
export const DNS_SERVICE_IP = "172.16.0.10";
const ZONES = ["1", "2", "3"];
/**
 * Built-in role "Network Contributor" (Azure built-in roles, Networking): the cluster identity needs
 * it on a subnet of our own VNet that its nodes join.
 * https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/networking#network-contributor
 */
export const NETWORK_CONTRIBUTOR_ROLE = "4d97b98b-1d4f-4787-a291-c67834d212e7";
const NODE_POOL_NAME = /^[a-z][a-z0-9]{0,11}$/;

export interface AksClusterArgs {
  /** Resource group of the cluster. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Azure region. */
  readonly location: pulumi.Input<string>;
  /** Cluster name (also its DNS prefix). */
  readonly clusterName: string;
  /** Tenant of the Entra ID integration. */
  readonly tenantId: pulumi.Input<string>;
  /** Subscription that holds the built-in role definitions. */
  readonly subscriptionId: pulumi.Input<string>;
  /** Subnet of the nodes (pods get overlay addresses, not VNet addresses). */
  readonly nodeSubnetId: pulumi.Input<string>;
  /** Registry the kubelet identity pulls from (AcrPull). */
  readonly registryId: pulumi.Input<string>;
  /** `Free` (no SLA) or `Standard` (uptime SLA). */
  readonly tier: "Free" | "Standard";
  /** System node pool size. */
  readonly systemPool: NodePoolProfile;
  /** User node pool size (the app runs there). */
  readonly userPool: NodePoolProfile;
  /** Both pools in availability zones 1-3. */
  readonly zones: boolean;
  /** Disable local (certificate) accounts: only Entra ID sign-in reaches the API server. */
  readonly disableLocalAccounts: boolean;
  /** Tags for the cluster. */
  readonly tags: Record<string, string>;
}

/**
 * The AKS cluster: a user-assigned control-plane identity with Network Contributor on the node
 * subnet (granted before the cluster is created), Entra ID with Azure RBAC, OIDC issuer and workload identity, the Key Vault
 * secrets provider with rotation, Azure CNI Overlay, a system and a user pool with the cluster
 * autoscaler, application routing (its Gateway API implementation, see README), the kubelet
 * identity's AcrPull on the registry, and a Kubernetes provider for the cluster.
 */
export class AksCluster extends pulumi.ComponentResource {
  public readonly clusterName: pulumi.Output<string>;
  /** The cluster's OIDC issuer URL: federated identity credentials trust it. */
  public readonly oidcIssuerUrl: pulumi.Output<string>;
  /** Object id of the kubelet identity (pulls images). */
  public readonly kubeletObjectId: pulumi.Output<string>;
  /** Kubeconfig for kubelogin with the Azure CLI sign-in (secret). */
  public readonly kubeconfig: pulumi.Output<string>;
  /** Provider for the cluster's Kubernetes objects. */
  public readonly provider: Provider;
  /** The kubelet's AcrPull grant: pods pull only after it. */
  public readonly acrPull: authorization.RoleAssignment;
  /** Principal id of the control-plane identity (Network Contributor on the node subnet). */
  public readonly controlPlanePrincipalId: pulumi.Output<string>;

  constructor(name: string, args: AksClusterArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("chatbot:kubernetes:AksCluster", name, {}, opts);
    for (const [key, pool] of Object.entries({
      systemPool: args.systemPool,
      userPool: args.userPool,
    })) {
      if (!Number.isInteger(pool.minCount) || pool.minCount < 1 || pool.maxCount < pool.minCount) {
        throw new Error(
          `\`${key}\` must have 1 <= minCount <= maxCount; received minCount ${pool.minCount}, maxCount ${pool.maxCount}`,
        );
      }
    }
    const zones = args.zones ? ZONES : undefined;
    const pool = (
      poolName: string,
      mode: "System" | "User",
      size: NodePoolProfile,
    ): inputs.containerservice.ManagedClusterAgentPoolProfileArgs => {
      if (!NODE_POOL_NAME.test(poolName)) throw new Error(`invalid node pool name ${poolName}`);
      return {
        name: poolName,
        mode,
        type: "VirtualMachineScaleSets",
        osType: "Linux",
        osSKU: "AzureLinux",
        vmSize: size.vmSize,
        enableAutoScaling: true,
        count: size.minCount,
        minCount: size.minCount,
        maxCount: size.maxCount,
        availabilityZones: zones,
        vnetSubnetID: args.nodeSubnetId,
        // Keep the app off the system pool: https://learn.microsoft.com/azure/aks/use-system-pools
        nodeTaints: mode === "System" ? ["CriticalAddonsOnly=true:NoSchedule"] : undefined,
        upgradeSettings: { maxSurge: "33%" },
      };
    };
    const roleDefinition = (role: string) =>
      pulumi.interpolate`/subscriptions/${args.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${role}`;
    // The nodes join a subnet of our VNet, so the cluster identity must hold at least Network
    // Contributor on it, and ARM clients (this program) should bring a user-assigned identity: a
    // system-assigned one exists only once the cluster does, too late for the grant.
    // https://learn.microsoft.com/azure/aks/concepts-network-cni-overview (cluster identity permissions)
    // https://learn.microsoft.com/azure/aks/configure-kubenet (user-assigned identity for ARM clients)
    // https://learn.microsoft.com/azure/aks/use-managed-identity
    const controlPlane = new managedidentity.UserAssignedIdentity(
      `${name}-identity`,
      {
        resourceName: `id-${args.clusterName}`,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        tags: args.tags,
      },
      { parent: this },
    );
    const subnetGrant = new authorization.RoleAssignment(
      `${name}-subnet-network-contributor`,
      {
        scope: args.nodeSubnetId,
        principalId: controlPlane.principalId,
        principalType: "ServicePrincipal",
        roleDefinitionId: roleDefinition(NETWORK_CONTRIBUTOR_ROLE),
      },
      { parent: this },
    );
    const cluster = new containerservice.ManagedCluster(
      `${name}-aks`,
      {
        resourceName: args.clusterName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        dnsPrefix: args.clusterName,
        sku: { name: "Base", tier: args.tier },
        // Without an identityProfile AKS creates the kubelet identity itself (in the node resource
        // group); it gets AcrPull below.
        identity: { type: "UserAssigned", userAssignedIdentities: [controlPlane.id] },
        enableRBAC: true,
        // https://learn.microsoft.com/azure/aks/manage-azure-rbac
        aadProfile: { managed: true, enableAzureRBAC: true, tenantID: args.tenantId },
        disableLocalAccounts: args.disableLocalAccounts,
        // https://learn.microsoft.com/azure/aks/workload-identity-deploy-cluster
        oidcIssuerProfile: { enabled: true },
        securityProfile: { workloadIdentity: { enabled: true } },
        addonProfiles: {
          // https://learn.microsoft.com/azure/aks/csi-secrets-store-configuration-options
          azureKeyvaultSecretsProvider: {
            enabled: true,
            config: { enableSecretRotation: "true", rotationPollInterval: "2m" },
          },
        },
        // https://learn.microsoft.com/azure/aks/azure-cni-overlay
        networkProfile: {
          networkPlugin: "azure",
          networkPluginMode: "overlay",
          podCidr: POD_CIDR,
          serviceCidr: SERVICE_CIDR,
          dnsServiceIP: DNS_SERVICE_IP,
          loadBalancerSku: "standard",
          outboundType: "loadBalancer",
        },
        // Application routing without its NGINX controller; its Gateway API implementation
        // (approuting-istio) is enabled on top, see README "Choosing the target".
        ingressProfile: {
          webAppRouting: { enabled: true, nginx: { defaultIngressControllerType: "None" } },
        },
        autoUpgradeProfile: { upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" },
        agentPoolProfiles: [
          pool("system", "System", args.systemPool),
          pool("user", "User", args.userPool),
        ],
        tags: args.tags,
      },
      { parent: this, dependsOn: [subnetGrant] },
    );

    this.controlPlanePrincipalId = controlPlane.principalId;
    this.kubeletObjectId = cluster.identityProfile.apply(
      (profile) => profile?.kubeletidentity?.objectId ?? "",
    );
    this.acrPull = new authorization.RoleAssignment(
      `${name}-kubelet-acr-pull`,
      {
        scope: args.registryId,
        principalId: this.kubeletObjectId,
        principalType: "ServicePrincipal",
        roleDefinitionId: roleDefinition(ACR_PULL_ROLE),
      },
      { parent: this },
    );

    // `dependsOn` defers the invoke until the cluster exists: during the first preview it is not
    // called and the kubeconfig is unknown (the Kubernetes objects then preview as creates).
    const credentials = containerservice.listManagedClusterUserCredentialsOutput(
      { resourceGroupName: args.resourceGroupName, resourceName: cluster.name },
      { parent: this, dependsOn: [cluster] },
    );
    this.kubeconfig = pulumi.secret(
      credentials.kubeconfigs.apply((configs) => nonInteractive(configs[0].value)),
    );
    this.provider = new Provider(
      `${name}-k8s`,
      { kubeconfig: this.kubeconfig, enableServerSideApply: true, deleteUnreachable: false },
      { parent: this },
    );
    this.clusterName = cluster.name;
    this.oidcIssuerUrl = cluster.oidcIssuerProfile.apply((profile) => profile?.issuerURL ?? "");
    this.registerOutputs({
      clusterName: this.clusterName,
      oidcIssuerUrl: this.oidcIssuerUrl,
      kubeletObjectId: this.kubeletObjectId,
      controlPlanePrincipalId: this.controlPlanePrincipalId,
    });
  }
}
