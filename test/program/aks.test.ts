/* eslint-disable @typescript-eslint/no-explicit-any -- the assertions read nested manifest fields */
/**
 * `target: aks` under the mock runtime, in all three environments: what the program registers (the
 * cluster, federated credential, per-slot workloads, SecretProviderClass, Gateway, HTTPRoute; no
 * Container App), that flipping `live` changes only the HTTPRoute, that a first preview works while
 * the cluster does not exist, and that every Kubernetes object passes its Kubernetes or Gateway API
 * schema (kubernetes-models). Four program evaluations, shared by every assertion.
 */
import * as assert from "assert";
import {
  findResource,
  resourcesOfType,
  runStack,
  stackConfig,
  withConfig,
} from "../helpers/simulation";
import {
  SimulatedResource,
  SimulationResult,
  simulateStack,
  UNKNOWN,
} from "../../simulator/simulate";
import {
  invokeError,
  MOCK_CLUSTER_IDENTITY,
  MOCK_GATEWAY_ADDRESS,
  MOCK_KUBELET_OBJECT_ID,
} from "../../simulator/simulate";
import { httpRoute } from "../../lib/kubernetes";
import { ConfigError, parseConfig } from "../../lib/config";
import { nonInteractive, KUBELOGIN_ARGS } from "../../lib/kubeconfig";
import { parseRelease } from "../../lib/config";

const DIGEST = (c: string) => `chatbotregistry.azurecr.io/chatbot-api@sha256:${c.repeat(64)}`;
const RELEASE = {
  live: "blue",
  latest: "green",
  canaryPercent: 0,
  generation: 4,
  blue: { version: "1.4.2", image: DIGEST("a"), revision: "v1-4-2-201988g0" },
  green: { version: "1.5.0", image: DIGEST("b") },
};

/** ESM-only packages from CommonJS: ts-node compiles `import()` to `require()`, which they refuse. */
const importEsm = new Function("specifier", "return import(specifier)") as (
  specifier: string,
) => Promise<Record<string, new (data: unknown) => { validate(): void }>>;

/** The schema model of each kind the program registers. */
async function models(): Promise<Record<string, new (data: unknown) => { validate(): void }>> {
  const [apps, core, autoscaling, policy, gateway] = await Promise.all([
    importEsm("kubernetes-models/apps/v1"),
    importEsm("kubernetes-models/v1"),
    importEsm("kubernetes-models/autoscaling/v2"),
    importEsm("kubernetes-models/policy/v1"),
    importEsm("@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1"),
  ]);
  return {
    Deployment: apps.Deployment,
    Service: core.Service,
    Namespace: core.Namespace,
    ServiceAccount: core.ServiceAccount,
    HorizontalPodAutoscaler: autoscaling.HorizontalPodAutoscaler,
    PodDisruptionBudget: policy.PodDisruptionBudget,
    Gateway: gateway.Gateway,
    HTTPRoute: gateway.HTTPRoute,
  };
}

/** The Kubernetes objects a run registered (providers excluded), as manifests. */
function manifests(
  result: SimulationResult,
): { resource: SimulatedResource; object: Record<string, unknown> }[] {
  return result.resources
    .filter((r) => r.type.startsWith("kubernetes:") && r.custom)
    .map((resource) => {
      const { apiVersion, kind, metadata, spec } = resource.inputs;
      return { resource, object: JSON.parse(JSON.stringify({ apiVersion, kind, metadata, spec })) };
    });
}

const K8S = {
  deployment: "kubernetes:apps/v1:Deployment",
  service: "kubernetes:core/v1:Service",
  hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
  pdb: "kubernetes:policy/v1:PodDisruptionBudget",
  route: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
  spc: "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass",
};

describe("target: aks", () => {
  let prod: SimulationResult;
  let prodGreen: SimulationResult;
  /** prod with another `app.settings` value: the latest slot (green) gets a new template. */
  let prodSettings: SimulationResult;
  /** prod's first `pulumi up` as a new AKS stack: `aksClusterOnly: true`. */
  let prodClusterOnly: SimulationResult;
  let staging: SimulationResult;
  let devPreview: SimulationResult;
  let invokes: string[];

  before(async () => {
    prod = await runStack("prod", { target: "aks", release: RELEASE });
    prodGreen = await runStack("prod", { target: "aks", release: { ...RELEASE, live: "green" } });
    prodSettings = await runStack("prod", {
      target: "aks",
      release: RELEASE,
      app: { settings: { LOG_LEVEL: "DEBUG" } },
    });
    prodClusterOnly = await runStack("prod", {
      target: "aks",
      release: RELEASE,
      aksClusterOnly: true,
    });
    staging = await runStack("staging", { target: "aks" });
    // A first preview: the cluster does not exist, so listing its credentials would fail.
    invokes = [];
    devPreview = await simulateStack({
      stack: "dev",
      config: withConfig(stackConfig("dev"), { target: "aks" }),
      preview: true,
      call: (args) => {
        invokes.push(args.token);
        if (args.token === "azure-native:containerservice:listManagedClusterUserCredentials") {
          throw invokeError("ResourceNotFound: managedClusters/aks-chatbot-dev was not found");
        }
        return undefined;
      },
    });
  });

  it("registers the cluster and the app on it instead of a Container App", () => {
    // given prod with both slots; then the cluster, the grant, the credential and both slots exist
    const types = prod.resources.map((r) => r.type);
    assert.ok(!types.includes("azure-native:app:ContainerApp"));
    assert.ok(!types.includes("azure-native:app:ManagedEnvironment"));
    assert.ok(types.includes("azure-native:operationalinsights:Workspace"));
    assert.ok(!types.includes("kubernetes:core/v1:Secret"));
    for (const type of [K8S.deployment, K8S.service, K8S.hpa, K8S.pdb]) {
      assert.deepStrictEqual(
        resourcesOfType(prod, type).map((r) => (r.inputs.metadata as { name: string }).name),
        ["chatbot-api-blue", "chatbot-api-green"],
        type,
      );
    }
    assert.strictEqual(resourcesOfType(prod, K8S.route).length, 1);
    assert.strictEqual(resourcesOfType(prod, K8S.spc).length, 1);
    assert.deepStrictEqual(
      {
        target: prod.outputs.target,
        clusterName: prod.outputs.clusterName,
        gatewayUrl: prod.outputs.gatewayUrl,
        kubeNamespace: prod.outputs.kubeNamespace,
        containerAppName: prod.outputs.containerAppName,
        latestRevision: prod.outputs.latestRevision,
      },
      {
        target: "aks",
        clusterName: "aks-chatbot-prod",
        gatewayUrl: `http://${MOCK_GATEWAY_ADDRESS}`,
        kubeNamespace: "chatbot",
        containerAppName: "",
        latestRevision: `chatbot-api-prod--${
          (
            resourcesOfType(prod, K8S.deployment)[1].inputs.spec as {
              template: { metadata: { annotations: Record<string, string> } };
            }
          ).template.metadata.annotations["chatbot.platform/revision"]
        }`,
      },
    );
  });

  it("configures the cluster: Entra ID, workload identity, CSI rotation, overlay, pools, zones in prod", () => {
    const cluster = (result: SimulationResult) =>
      findResource(result, "azure-native:containerservice:ManagedCluster", "chatbot-cluster-aks")
        .inputs;
    const inputs = cluster(prod);
    assert.deepStrictEqual(inputs.aadProfile, {
      managed: true,
      enableAzureRBAC: true,
      tenantID: "11111111-1111-1111-1111-111111111111",
    });
    assert.strictEqual(inputs.disableLocalAccounts, true);
    assert.strictEqual(cluster(staging).disableLocalAccounts, false);
    assert.deepStrictEqual(inputs.oidcIssuerProfile, { enabled: true });
    assert.deepStrictEqual(inputs.securityProfile, { workloadIdentity: { enabled: true } });
    assert.deepStrictEqual(inputs.addonProfiles, {
      azureKeyvaultSecretsProvider: {
        enabled: true,
        config: { enableSecretRotation: "true", rotationPollInterval: "2m" },
      },
    });
    assert.deepStrictEqual(
      [
        (inputs.networkProfile as Record<string, unknown>).networkPlugin,
        (inputs.networkProfile as Record<string, unknown>).networkPluginMode,
      ],
      ["azure", "overlay"],
    );
    assert.deepStrictEqual(inputs.ingressProfile, {
      webAppRouting: { enabled: true, nginx: { defaultIngressControllerType: "None" } },
    });
    const pools = (result: SimulationResult) =>
      (cluster(result).agentPoolProfiles as Record<string, unknown>[]).map((p) => [
        p.name,
        p.mode,
        p.vmSize,
        p.enableAutoScaling,
        p.minCount,
        p.maxCount,
        p.availabilityZones,
      ]);
    assert.deepStrictEqual(pools(prod), [
      ["system", "System", "Standard_D4ds_v5", true, 3, 5, ["1", "2", "3"]],
      ["user", "User", "Standard_D8ds_v5", true, 3, 12, ["1", "2", "3"]],
    ]);
    assert.deepStrictEqual(pools(staging), [
      ["system", "System", "Standard_D2ds_v5", true, 2, 3, undefined],
      ["user", "User", "Standard_D4ds_v5", true, 2, 5, undefined],
    ]);
    // the kubelet identity pulls from the registry
    const grant = findResource(
      prod,
      "azure-native:authorization:RoleAssignment",
      "chatbot-cluster-kubelet-acr-pull",
    );
    assert.deepStrictEqual(
      [
        grant.inputs.principalId,
        grant.inputs.principalType,
        String(grant.inputs.roleDefinitionId).split("/").pop(),
      ],
      [MOCK_KUBELET_OBJECT_ID, "ServicePrincipal", "7f951dda-4ed3-4680-a7ca-43fe172d538d"],
    );
  });

  it("federates the app's identity with the service account and reads Key Vault through it", () => {
    const credential = findResource(
      prod,
      "azure-native:managedidentity:FederatedIdentityCredential",
      "chatbot-k8s-app-federated-credential",
    ).inputs;
    assert.deepStrictEqual(credential, {
      resourceGroupName: "rg-chatbot-prod",
      resourceName: "id-chatbot-api-prod",
      federatedIdentityCredentialResourceName: "aks-chatbot-chatbot-api",
      issuer:
        "https://eastus2.oic.prod-aks.azure.com/11111111-1111-1111-1111-111111111111/aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa/",
      subject: "system:serviceaccount:chatbot:chatbot-api",
      audiences: ["api://AzureADTokenExchange"],
    });
    const spc = resourcesOfType(prod, K8S.spc)[0].inputs.spec as Record<string, any>;
    assert.deepStrictEqual(spc.parameters, {
      usePodIdentity: "false",
      clientID: "33333333-3333-3333-3333-333333333333",
      keyvaultName: "kv-chatbot-prd-a1b2c3",
      tenantId: "11111111-1111-1111-1111-111111111111",
      objects:
        "array:\n  - |\n    objectName: database-url\n    objectType: secret\n  - |\n    objectName: appinsights-connection-string\n    objectType: secret\n  - |\n    objectName: openai-api-key\n    objectType: secret\n",
    });
    assert.deepStrictEqual(spc.secretObjects[0].secretName, "chatbot-api-secrets");
    const account = findResource(
      prod,
      "kubernetes:core/v1:ServiceAccount",
      "chatbot-k8s-app-service-account",
    );
    assert.deepStrictEqual((account.inputs.metadata as Record<string, unknown>).annotations, {
      "azure.workload.identity/client-id": "33333333-3333-3333-3333-333333333333",
    });
    // no Kubernetes object carries a secret value (the synced Secret exists only in the cluster)
    for (const { resource } of manifests(prod)) {
      assert.deepStrictEqual(resource.secretPaths, [], resource.name);
    }
  });

  it("runs each slot safely: no replicas under an HPA, probes, limits, non-root, digest, zone spread", () => {
    const deployment = findResource(
      prod,
      K8S.deployment,
      "chatbot-k8s-app-green-deployment",
    ).inputs;
    const spec = deployment.spec as Record<string, any>;
    assert.strictEqual("replicas" in spec, false);
    const pod = spec.template.spec;
    const container = pod.containers[0];
    assert.deepStrictEqual(spec.template.metadata.labels, {
      "app.kubernetes.io/name": "chatbot-api",
      "chatbot.platform/slot": "green",
      "chatbot.platform/version": "v1-5-0",
      "azure.workload.identity/use": "true",
    });
    assert.strictEqual(container.image, DIGEST("b"));
    assert.deepStrictEqual(container.resources, {
      requests: { cpu: "2000m", memory: "4Gi" },
      limits: { cpu: "2000m", memory: "4Gi" },
    });
    assert.deepStrictEqual(
      [container.livenessProbe.httpGet.path, container.readinessProbe.httpGet.path],
      ["/health", "/ready"],
    );
    assert.deepStrictEqual(container.lifecycle, { preStop: { sleep: { seconds: 15 } } });
    assert.strictEqual(pod.terminationGracePeriodSeconds, 45);
    assert.deepStrictEqual(
      [pod.securityContext.runAsNonRoot, container.securityContext.readOnlyRootFilesystem],
      [true, true],
    );
    assert.deepStrictEqual(
      pod.topologySpreadConstraints.map((c: Record<string, string>) => [
        c.topologyKey,
        c.whenUnsatisfiable,
      ]),
      [
        ["topology.kubernetes.io/zone", "DoNotSchedule"],
        ["kubernetes.io/hostname", "ScheduleAnyway"],
      ],
    );
    const hpa = findResource(prod, K8S.hpa, "chatbot-k8s-app-green-hpa").inputs.spec as Record<
      string,
      unknown
    >;
    assert.deepStrictEqual([hpa.minReplicas, hpa.maxReplicas], [3, 10]);
    // dev lets Container Apps scale to zero; an HPA keeps at least one pod
    const devHpa = findResource(devPreview, K8S.hpa, "chatbot-k8s-app-blue-hpa").inputs
      .spec as Record<string, unknown>;
    assert.deepStrictEqual([devHpa.minReplicas, devHpa.maxReplicas], [1, 2]);
  });

  it("changes only the HTTPRoute when live moves to green", () => {
    // given the same release with live blue, then live green
    const byUrn = (result: SimulationResult) =>
      new Map(result.resources.map((r) => [r.urn, JSON.stringify(r.inputs)]));
    const [before, after] = [byUrn(prod), byUrn(prodGreen)];
    // then exactly the HTTPRoute differs
    const changed = [...before.keys()].filter((urn) => before.get(urn) !== after.get(urn));
    assert.deepStrictEqual(
      changed.map((urn) => urn.split("::").pop()),
      ["chatbot-k8s-app-route"],
    );
    const weights = (result: SimulationResult) =>
      (
        (resourcesOfType(result, K8S.route)[0].inputs.spec as Record<string, any>).rules[2]
          .backendRefs as { name: string; weight: number }[]
      ).map((b) => [b.name, b.weight]);
    assert.deepStrictEqual(weights(prod), [
      ["chatbot-api-blue", 100],
      ["chatbot-api-green", 0],
    ]);
    assert.deepStrictEqual(weights(prodGreen), [
      ["chatbot-api-blue", 0],
      ["chatbot-api-green", 100],
    ]);
  });

  it("previews a new stack while the cluster does not exist (the credentials invoke waits)", () => {
    assert.ok(!invokes.includes("azure-native:containerservice:listManagedClusterUserCredentials"));
    const provider = findResource(devPreview, "pulumi:providers:kubernetes", "chatbot-cluster-k8s");
    assert.strictEqual(provider.inputs.kubeconfig, UNKNOWN);
    assert.strictEqual(resourcesOfType(devPreview, K8S.deployment).length, 1);
  });

  it("passes the kubeconfig to the provider for kubelogin with the Azure CLI sign-in, as a secret", () => {
    const provider = findResource(prod, "pulumi:providers:kubernetes", "chatbot-cluster-k8s");
    assert.deepStrictEqual(provider.secretPaths, ["kubeconfig"]);
    assert.match(
      String(provider.inputs.kubeconfig),
      /args:\n\s+- get-token\n\s+- --login\n\s+- azurecli\n/,
    );
    assert.match(String(provider.inputs.kubeconfig), /interactiveMode: Never/);
  });

  it("validates every Kubernetes object against its schema in every environment", async () => {
    const byKind = await models();
    let validated = 0;
    for (const result of [prod, prodGreen, staging, devPreview]) {
      for (const { resource, object } of manifests(result)) {
        const kind = String(object.kind);
        if (kind === "SecretProviderClass") {
          // no published model: the CSI driver's required fields, checked by hand
          const spec = object.spec as Record<string, any>;
          assert.deepStrictEqual(
            [
              object.apiVersion,
              spec.provider,
              typeof spec.parameters.objects,
              spec.parameters.usePodIdentity,
            ],
            ["secrets-store.csi.x-k8s.io/v1", "azure", "string", "false"],
          );
          continue;
        }
        const Model = byKind[kind];
        assert.ok(Model, `no model for ${kind}`);
        assert.doesNotThrow(() => new Model(object).validate(), `${result.stack} ${resource.name}`);
        validated += 1;
      }
    }
    // prod and prodGreen: 4 x 2 slot objects + namespace, account, gateway, route = 12 each;
    // staging and dev: 4 + 4 = 8 each
    assert.strictEqual(validated, 40);
  });

  it("fails validation for a negative backend weight", async () => {
    const { HTTPRoute } = await models().then((m) => ({ HTTPRoute: m.HTTPRoute }));
    const route = JSON.parse(JSON.stringify(httpRoute(parseRelease(RELEASE))));
    route.spec.rules[2].backendRefs[0].weight = -1;
    assert.throws(() => new HTTPRoute(route).validate(), /weight/);
  });

  it("converts any user of the AKS kubeconfig to kubelogin azurecli and refuses one without users", () => {
    const config = Buffer.from("users:\n- name: u\n  user:\n    token: abc\n").toString("base64");
    assert.strictEqual(
      nonInteractive(config),
      `users:\n  - name: u\n    user:\n      exec:\n        apiVersion: client.authentication.k8s.io/v1beta1\n        command: kubelogin\n        args:\n${KUBELOGIN_ARGS.map((a) => `          - ${a}\n`).join("")}        interactiveMode: Never\n        provideClusterInfo: false\n`,
    );
    assert.throws(
      () => nonInteractive(Buffer.from("kind: Config\n").toString("base64")),
      /^Error: the kubeconfig AKS returned has no `users` list$/,
    );
  });
  it("gives the cluster a user-assigned identity with Network Contributor on the node subnet, granted before the cluster", () => {
    const identity = findResource(
      prod,
      "azure-native:managedidentity:UserAssignedIdentity",
      "chatbot-cluster-identity",
    );
    assert.deepStrictEqual(identity.inputs, {
      resourceName: "id-aks-chatbot-prod",
      resourceGroupName: "rg-chatbot-prod",
      location: "eastus2",
      tags: { environment: "prod", service: "chatbot-api", owner: "platform-team" },
    });
    const grant = findResource(
      prod,
      "azure-native:authorization:RoleAssignment",
      "chatbot-cluster-subnet-network-contributor",
    );
    const vnet = resourcesOfType(prod, "azure-native:network:VirtualNetwork")[0];
    assert.deepStrictEqual(grant.inputs, {
      scope: `${vnet.id}/subnets/snet-container-apps`,
      principalId: MOCK_CLUSTER_IDENTITY.principalId,
      principalType: "ServicePrincipal",
      roleDefinitionId:
        "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7",
    });
    const cluster = findResource(
      prod,
      "azure-native:containerservice:ManagedCluster",
      "chatbot-cluster-aks",
    );
    assert.deepStrictEqual(cluster.inputs.identity, {
      type: "UserAssigned",
      userAssignedIdentities: [identity.id],
    });
    // the nodes' subnet is the one the identity may manage
    for (const pool of cluster.inputs.agentPoolProfiles as { vnetSubnetID: string }[]) {
      assert.strictEqual(pool.vnetSubnetID, grant.inputs.scope);
    }
    // the grant exists before AKS creates anything in the subnet
    assert.ok(cluster.options.dependencies.includes(grant.urn), "cluster dependsOn the grant");
    // the kubelet identity AKS creates still pulls from the registry, the control plane does not
    const acrPull = findResource(
      prod,
      "azure-native:authorization:RoleAssignment",
      "chatbot-cluster-kubelet-acr-pull",
    );
    assert.strictEqual(acrPull.inputs.principalId, MOCK_KUBELET_OBJECT_ID);
    assert.notStrictEqual(MOCK_KUBELET_OBJECT_ID, MOCK_CLUSTER_IDENTITY.principalId);
  });

  it("bounds the wait for the Gateway's address (10 minutes) and waits for nothing else custom", () => {
    const gateway = resourcesOfType(prod, "kubernetes:gateway.networking.k8s.io/v1:Gateway")[0];
    assert.deepStrictEqual((gateway.inputs.metadata as Record<string, unknown>).annotations, {
      "pulumi.com/waitFor": "jsonpath={.status.addresses[0].value}",
      "pulumi.com/timeoutSeconds": "600",
    });
  });

  it("freezes the pod template of the slot that is not latest: a settings change rolls only the latest slot", () => {
    // given prod (latest green) and the same release after an `app.settings` change
    const deployments = (result: SimulationResult) =>
      new Map(resourcesOfType(result, K8S.deployment).map((r) => [r.name, r]));
    const [before, after] = [deployments(prod), deployments(prodSettings)];
    const blue = "chatbot-k8s-app-blue-deployment";
    const green = "chatbot-k8s-app-green-deployment";
    // then the non-latest slot ignores its template, the latest one follows the program
    assert.deepStrictEqual(after.get(blue)!.options.ignoreChanges, ["spec.template"]);
    assert.deepStrictEqual(after.get(green)!.options.ignoreChanges, []);
    // what Pulumi would apply: an ignored path keeps its previous value
    const applied = (next: SimulatedResource, previous: SimulatedResource) => {
      const inputs = JSON.parse(JSON.stringify(next.inputs)) as Record<string, any>;
      for (const path of next.options.ignoreChanges) {
        const [head, leaf] = path.split(".");
        inputs[head][leaf] = (previous.inputs[head] as Record<string, unknown>)[leaf];
      }
      return JSON.stringify(inputs);
    };
    const changed = [blue, green].filter(
      (name) =>
        applied(after.get(name)!, before.get(name)!) !== JSON.stringify(before.get(name)!.inputs),
    );
    assert.deepStrictEqual(changed, [green]);
    const env = (r: SimulatedResource) =>
      (r.inputs.spec as Record<string, any>).template.spec.containers[0].env as {
        name: string;
        value?: string;
      }[];
    assert.deepStrictEqual(
      env(after.get(green)!).find((e) => e.name === "LOG_LEVEL"),
      { name: "LOG_LEVEL", value: "DEBUG" },
    );
    // the latest slot gets a new revision; the frozen slot keeps its recorded one
    const revision = (r: SimulatedResource) =>
      (r.inputs.spec as Record<string, any>).template.metadata.annotations[
        "chatbot.platform/revision"
      ];
    assert.strictEqual(revision(after.get(blue)!), "v1-4-2-201988g0");
    assert.notStrictEqual(revision(after.get(green)!), revision(before.get(green)!));
    // with only one slot it is the latest: nothing is frozen
    for (const r of resourcesOfType(staging, K8S.deployment)) {
      assert.deepStrictEqual(r.options.ignoreChanges, [], r.name);
    }
  });

  it("reads every secret environment variable from the Secret the SecretProviderClass syncs, under a key it syncs, in every environment", () => {
    let checked = 0;
    for (const result of [prod, staging, devPreview]) {
      const spc = resourcesOfType(result, K8S.spc)[0].inputs.spec as Record<string, any>;
      const objects = [...String(spc.parameters.objects).matchAll(/objectName: (\S+)\n/g)].map(
        (m) => m[1],
      );
      const synced = spc.secretObjects as {
        secretName: string;
        data: { objectName: string; key: string }[];
      }[];
      assert.strictEqual(synced.length, 1, result.stack);
      // every synced key comes from an object the provider fetches
      for (const item of synced[0].data) {
        assert.ok(objects.includes(item.objectName), `${result.stack}: ${item.objectName}`);
      }
      for (const deployment of resourcesOfType(result, K8S.deployment)) {
        const env = (deployment.inputs.spec as Record<string, any>).template.spec.containers[0]
          .env as { name: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
        const refs = env.filter((e) => e.valueFrom !== undefined);
        assert.deepStrictEqual(
          refs.map((e) => e.name),
          ["DATABASE_URL", "APPLICATIONINSIGHTS_CONNECTION_STRING", "OPENAI_API_KEY"],
          deployment.name,
        );
        for (const ref of refs) {
          const { name, key } = ref.valueFrom!.secretKeyRef;
          assert.strictEqual(name, synced[0].secretName, `${deployment.name} ${ref.name}`);
          assert.ok(
            synced[0].data.some((item) => item.key === key),
            `${result.stack} ${deployment.name}: ${ref.name} reads key ${key}, not synced`,
          );
          checked += 1;
        }
      }
    }
    // prod 2 Deployments, staging and dev 1 each, 3 secret variables in each
    assert.strictEqual(checked, 12);
  });

  it("registers the cluster but no Kubernetes object with aksClusterOnly (a new stack's first up)", () => {
    const types = prodClusterOnly.resources.map((r) => r.type);
    assert.ok(types.includes("azure-native:containerservice:ManagedCluster"));
    assert.ok(types.includes("azure-native:authorization:RoleAssignment"));
    assert.deepStrictEqual(
      prodClusterOnly.resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.type),
      [],
    );
    assert.ok(!types.includes("azure-native:managedidentity:FederatedIdentityCredential"));
    assert.deepStrictEqual(
      {
        target: prodClusterOnly.outputs.target,
        clusterName: prodClusterOnly.outputs.clusterName,
        gatewayUrl: prodClusterOnly.outputs.gatewayUrl,
        productionUrl: prodClusterOnly.outputs.productionUrl,
        blueLabelUrl: prodClusterOnly.outputs.blueLabelUrl,
        greenLabelUrl: prodClusterOnly.outputs.greenLabelUrl,
        latestRevision: prodClusterOnly.outputs.latestRevision,
        kubeNamespace: prodClusterOnly.outputs.kubeNamespace,
      },
      {
        target: "aks",
        clusterName: "aks-chatbot-prod",
        gatewayUrl: "",
        productionUrl: "",
        blueLabelUrl: "",
        greenLabelUrl: "",
        latestRevision: "",
        kubeNamespace: "chatbot",
      },
    );
    // everything in Azure is the same as the full stack's
    const azure = (result: SimulationResult) =>
      result.resources
        .filter((r) => r.custom && r.type.startsWith("azure-native:"))
        .filter((r) => r.type !== "azure-native:managedidentity:FederatedIdentityCredential")
        .map((r) => `${r.urn} ${JSON.stringify(r.inputs)}`);
    assert.deepStrictEqual(azure(prodClusterOnly), azure(prod));
  });

  it("refuses aksClusterOnly on a Container Apps stack, accepts it on AKS", () => {
    const raw = (target: string | undefined) => ({
      environment: "dev",
      release: JSON.stringify({ live: "blue", blue: RELEASE.blue }),
      aksClusterOnly: "true",
      ...(target === undefined ? {} : { target }),
    });
    assert.throws(
      () => parseConfig(raw(undefined), "dev"),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.length === 1 &&
        err.problems[0] ===
          "Invalid `chatbot-platform:aksClusterOnly`: received true; applies only to `target: aks` (a Container Apps stack has no cluster); remove it.",
    );
    assert.strictEqual(parseConfig(raw("aks"), "dev").aksClusterOnly, true);
    assert.strictEqual(
      parseConfig({ ...raw("aks"), aksClusterOnly: undefined }, "dev").aksClusterOnly,
      false,
    );
  });
});
