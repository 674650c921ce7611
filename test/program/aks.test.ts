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
  MOCK_GATEWAY_ADDRESS,
  MOCK_KUBELET_OBJECT_ID,
} from "../../simulator/simulate";
import { httpRoute } from "../../lib/kubernetes";
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
  let staging: SimulationResult;
  let devPreview: SimulationResult;
  let invokes: string[];

  before(async () => {
    prod = await runStack("prod", { target: "aks", release: RELEASE });
    prodGreen = await runStack("prod", { target: "aks", release: { ...RELEASE, live: "green" } });
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
});
