import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import {
  AppIdentity,
  BlueGreenApp,
  BlueGreenAppArgs,
  ContainerEnvironment,
  ContainerRegistry,
  KeyVault,
  LocalImage,
  Postgres,
  PostgresArgs,
  PrivateNetwork,
} from "../../components";
import { isSecretValue, SimulationResult } from "../../simulator/simulate";
import { findResource, inventory, runComponent, urnsOf } from "../helpers/simulation";

const TAGS = { environment: "test", service: "chatbot-api", owner: "platform-team" };
const RG = "rg-test";
const SUB = "00000000-0000-0000-0000-000000000000";

describe("PrivateNetwork", () => {
  it("creates the VNet with three delegated subnets and two linked private DNS zones", async () => {
    // when
    const result = await runComponent(
      () =>
        new PrivateNetwork("net", {
          resourceGroupName: RG,
          location: "eastus2",
          virtualNetworkName: "vnet-test",
          addressSpace: "10.40.0.0/16",
          containerAppsSubnet: "10.40.0.0/23",
          postgresSubnet: "10.40.2.0/24",
          privateEndpointsSubnet: "10.40.3.0/24",
          postgresDnsZoneName: "chatbot-test.private.postgres.database.azure.com",
          tags: TAGS,
        }),
    );
    // then
    assert.deepStrictEqual(inventory(result), [
      "azure-native:network:VirtualNetwork net-vnet",
      "azure-native:privatedns:PrivateZone net-keyvault-dns",
      "azure-native:privatedns:PrivateZone net-postgres-dns",
      "azure-native:privatedns:VirtualNetworkLink net-keyvault-dns-link",
      "azure-native:privatedns:VirtualNetworkLink net-postgres-dns-link",
      "chatbot:network:PrivateNetwork net",
    ]);
    const vnet = findResource(result, "azure-native:network:VirtualNetwork", "net-vnet");
    assert.deepStrictEqual(vnet.inputs.addressSpace, { addressPrefixes: ["10.40.0.0/16"] });
    assert.deepStrictEqual(vnet.inputs.subnets, [
      {
        name: "snet-container-apps",
        addressPrefix: "10.40.0.0/23",
        delegations: [{ name: "container-apps", serviceName: "Microsoft.App/environments" }],
      },
      {
        name: "snet-postgres",
        addressPrefix: "10.40.2.0/24",
        delegations: [
          { name: "postgres", serviceName: "Microsoft.DBforPostgreSQL/flexibleServers" },
        ],
      },
      {
        name: "snet-private-endpoints",
        addressPrefix: "10.40.3.0/24",
        privateEndpointNetworkPolicies: "Disabled",
      },
    ]);
    assert.strictEqual(
      findResource(result, "azure-native:privatedns:PrivateZone", "net-keyvault-dns").inputs
        .privateZoneName,
      "privatelink.vaultcore.azure.net",
    );
    const link = findResource(
      result,
      "azure-native:privatedns:VirtualNetworkLink",
      "net-postgres-dns-link",
    );
    assert.strictEqual(
      vnet.id,
      `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.network/VirtualNetwork/vnet-test`,
    );
    assert.deepStrictEqual(link.inputs.virtualNetwork, { id: vnet.id });
    assert.strictEqual(link.inputs.registrationEnabled, false);
  });

  it("fails when the PostgreSQL DNS zone name is not a postgres.database.azure.com zone", async () => {
    await assert.rejects(
      runComponent(
        () =>
          new PrivateNetwork("net", {
            resourceGroupName: RG,
            location: "eastus2",
            virtualNetworkName: "vnet-test",
            addressSpace: "10.40.0.0/16",
            containerAppsSubnet: "10.40.0.0/23",
            postgresSubnet: "10.40.2.0/24",
            privateEndpointsSubnet: "10.40.3.0/24",
            postgresDnsZoneName: "chatbot.internal",
            tags: TAGS,
          }),
      ),
      {
        message:
          '`postgresDnsZoneName` must end in ".postgres.database.azure.com"; received "chatbot.internal"',
      },
    );
  });
});

describe("ContainerEnvironment", () => {
  const base = {
    resourceGroupName: RG,
    location: "eastus2",
    environmentName: "cae-test",
    logAnalyticsName: "log-test",
    appInsightsName: "appi-test",
    logRetentionDays: 30,
    tags: TAGS,
  };

  it("wires the environment's logs to Log Analytics and Application Insights to the workspace", async () => {
    const result = await runComponent(() => new ContainerEnvironment("env", base));
    assert.deepStrictEqual(inventory(result), [
      "azure-native:app:ManagedEnvironment env-env",
      "azure-native:applicationinsights:Component env-insights",
      "azure-native:operationalinsights:Workspace env-logs",
      "chatbot:environment:ContainerEnvironment env",
    ]);
    const environment = findResource(result, "azure-native:app:ManagedEnvironment", "env-env");
    assert.deepStrictEqual(environment.inputs.appLogsConfiguration, {
      destination: "log-analytics",
      logAnalyticsConfiguration: {
        customerId: "44444444-4444-4444-4444-444444444444",
        sharedKey: "mock-primary-shared-key",
      },
    });
    assert.deepStrictEqual(environment.secretPaths, ["appLogsConfiguration"]);
    assert.strictEqual(environment.inputs.vnetConfiguration, undefined);
    assert.strictEqual(environment.inputs.zoneRedundant, false);
    const insights = findResource(
      result,
      "azure-native:applicationinsights:Component",
      "env-insights",
    );
    assert.strictEqual(insights.inputs.ingestionMode, "LogAnalytics");
    assert.strictEqual(
      insights.inputs.workspaceResourceId,
      `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.operationalinsights/Workspace/log-test`,
    );
    assert.strictEqual(
      findResource(result, "azure-native:operationalinsights:Workspace", "env-logs").inputs
        .retentionInDays,
      30,
    );
  });

  it("keeps the Application Insights keys secret in state, and the Log Analytics key in the environment's inputs", async () => {
    let component: ContainerEnvironment | undefined;
    const result = await runComponent(() => {
      component = new ContainerEnvironment("env", base);
    });
    const insights = findResource(
      result,
      "azure-native:applicationinsights:Component",
      "env-insights",
    );
    assert.deepStrictEqual(insights.options.additionalSecretOutputs, [
      "connectionString",
      "instrumentationKey",
    ]);
    // the engine stores both as secrets (the simulator applies additionalSecretOutputs as it does)
    assert.deepStrictEqual(
      ["appId", "connectionString", "instrumentationKey"].map((key) =>
        isSecretValue(insights.serializedOutputs[key]),
      ),
      [false, true, true],
    );
    assert.strictEqual(await pulumi.isSecret(component!.appInsightsConnectionString), true);
  });

  it("integrates with a VNet and spreads across zones when given a subnet", async () => {
    const result = await runComponent(
      () =>
        new ContainerEnvironment("env", {
          ...base,
          infrastructureSubnetId: "/subnets/apps",
          zoneRedundant: true,
        }),
    );
    const environment = findResource(result, "azure-native:app:ManagedEnvironment", "env-env");
    assert.deepStrictEqual(environment.inputs.vnetConfiguration, {
      infrastructureSubnetId: "/subnets/apps",
      internal: false,
    });
    assert.strictEqual(environment.inputs.zoneRedundant, true);
  });

  it("fails when zone redundancy is asked without a subnet", async () => {
    await assert.rejects(
      runComponent(() => new ContainerEnvironment("env", { ...base, zoneRedundant: true })),
      {
        message:
          "`zoneRedundant` requires `infrastructureSubnetId`: zone redundancy needs a VNet-integrated environment",
      },
    );
  });

  it("fails when log retention is outside 30-730 days", async () => {
    await assert.rejects(
      runComponent(() => new ContainerEnvironment("env", { ...base, logRetentionDays: 7 })),
      {
        message: "`logRetentionDays` must be an integer from 30 to 730; received 7",
      },
    );
  });
});

describe("ContainerRegistry and LocalImage", () => {
  it("creates a registry with the admin user disabled and its logs sent to the workspace", async () => {
    const result = await runComponent(
      () =>
        new ContainerRegistry("reg", {
          resourceGroupName: RG,
          location: "eastus2",
          registryName: "acrtest123",
          sku: "Premium",
          tags: TAGS,
          logAnalyticsWorkspaceId: "/subscriptions/s/workspaces/log-test",
        }),
    );
    const registry = findResource(result, "azure-native:containerregistry:Registry", "reg-acr");
    assert.strictEqual(registry.inputs.adminUserEnabled, false);
    assert.deepStrictEqual(registry.inputs.sku, { name: "Premium" });
    assert.strictEqual(registry.inputs.registryName, "acrtest123");
    const setting = findResource(
      result,
      "azure-native:monitor:DiagnosticSetting",
      "reg-diagnostics",
    );
    assert.deepStrictEqual(
      {
        name: setting.inputs.name,
        resourceUri: setting.inputs.resourceUri,
        workspaceId: setting.inputs.workspaceId,
        logs: setting.inputs.logs,
      },
      {
        name: "audit-to-log-analytics",
        resourceUri: registry.id,
        workspaceId: "/subscriptions/s/workspaces/log-test",
        logs: [
          { category: "ContainerRegistryLoginEvents", enabled: true },
          { category: "ContainerRegistryRepositoryEvents", enabled: true },
        ],
      },
    );
  });

  it("builds the Dockerfile, tags it with the version and exposes the pushed digest", async () => {
    let imageRef: pulumi.Output<string> | undefined;
    const result = await runComponent(() => {
      imageRef = new LocalImage("img", {
        loginServer: "acrtest123.azurecr.io",
        repository: "chatbot-api",
        tag: "1.4.2",
        context: "app",
        dockerfile: "Dockerfile",
        platform: "linux/amd64",
      }).imageRef;
    });
    const image = findResource(result, "docker:index/image:Image", "img-image");
    assert.strictEqual(image.inputs.imageName, "acrtest123.azurecr.io/chatbot-api:1.4.2");
    assert.deepStrictEqual(image.inputs.build, {
      context: "app",
      dockerfile: "Dockerfile",
      platform: "linux/amd64",
    });
    const ref = await new Promise((resolve) => imageRef?.apply(resolve));
    assert.strictEqual(ref, `acrtest123.azurecr.io/chatbot-api@sha256:${"0".repeat(56)}c0ffee42`);
  });

  it("fails when the image tag is latest", async () => {
    await assert.rejects(
      runComponent(
        () =>
          new LocalImage("img", {
            loginServer: "acr.azurecr.io",
            repository: "chatbot-api",
            tag: "latest",
            context: ".",
            dockerfile: "Dockerfile",
            platform: "linux/amd64",
          }),
      ),
      { message: '`tag` must be an immutable release version; received "latest"' },
    );
  });
});

describe("AppIdentity", () => {
  it("grants Key Vault Secrets User and AcrPull to a user-assigned identity as a service principal", async () => {
    const result = await runComponent(
      () =>
        new AppIdentity("app", {
          resourceGroupName: RG,
          location: "eastus2",
          identityName: "id-test",
          subscriptionId: SUB,
          keyVaultId: "/vaults/kv",
          registryId: "/registries/acr",
          tags: TAGS,
        }),
    );
    assert.deepStrictEqual(inventory(result), [
      "azure-native:authorization:RoleAssignment app-acr-pull",
      "azure-native:authorization:RoleAssignment app-kv-secrets-user",
      "azure-native:managedidentity:UserAssignedIdentity app-id",
      "chatbot:identity:AppIdentity app",
    ]);
    assert.deepStrictEqual(
      findResource(result, "azure-native:authorization:RoleAssignment", "app-kv-secrets-user")
        .inputs,
      {
        principalId: "22222222-2222-2222-2222-222222222222",
        principalType: "ServicePrincipal",
        roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6`,
        scope: "/vaults/kv",
      },
    );
    assert.deepStrictEqual(
      findResource(result, "azure-native:authorization:RoleAssignment", "app-acr-pull").inputs,
      {
        principalId: "22222222-2222-2222-2222-222222222222",
        principalType: "ServicePrincipal",
        roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d`,
        scope: "/registries/acr",
      },
    );
  });
});

const WORKSPACE = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.OperationalInsights/workspaces/log-test`;

describe("KeyVault", () => {
  const base = {
    resourceGroupName: RG,
    location: "eastus2",
    vaultName: "kv-test-abc123",
    tenantId: "tenant",
    purgeProtection: true,
    softDeleteRetentionDays: 90,
    logAnalyticsWorkspaceId: WORKSPACE,
    tags: TAGS,
  };

  it("uses RBAC, soft delete and purge protection and writes secrets as secrets", async () => {
    const result = await runComponent(
      () =>
        new KeyVault("vault", {
          ...base,
          protect: true,
          secrets: [{ name: "openai-api-key", value: "sk-test" }],
        }),
    );
    const vault = findResource(result, "azure-native:keyvault:Vault", "vault-kv");
    assert.deepStrictEqual(vault.inputs.properties, {
      tenantId: "tenant",
      sku: { family: "A", name: "standard" },
      enableRbacAuthorization: true,
      enableSoftDelete: true,
      softDeleteRetentionInDays: 90,
      enablePurgeProtection: true,
      enabledForDeployment: false,
      enabledForDiskEncryption: false,
      enabledForTemplateDeployment: false,
      publicNetworkAccess: "Enabled",
      networkAcls: { defaultAction: "Allow", bypass: "AzureServices" },
    });
    assert.strictEqual(vault.options.protect, true);
    const secret = findResource(result, "azure-native:keyvault:Secret", "vault-openai-api-key");
    assert.deepStrictEqual(secret.inputs.properties, { value: "sk-test" });
    assert.deepStrictEqual(secret.secretPaths, ["properties"]);
    assert.strictEqual(secret.inputs.secretName, "openai-api-key");
  });

  it("sends the vault's audit log to Log Analytics before it writes any secret", async () => {
    // given a vault with one secret
    const result = await runComponent(
      () => new KeyVault("vault", { ...base, secrets: [{ name: "openai-api-key", value: "x" }] }),
    );
    // then one diagnostic setting sends the audit category group to the workspace's own tables
    const vault = findResource(result, "azure-native:keyvault:Vault", "vault-kv");
    const diagnostics = findResource(
      result,
      "azure-native:monitor:DiagnosticSetting",
      "vault-diagnostics",
    );
    assert.deepStrictEqual(diagnostics.inputs, {
      name: "audit-to-log-analytics",
      resourceUri: vault.id,
      workspaceId: WORKSPACE,
      logAnalyticsDestinationType: "Dedicated",
      logs: [{ categoryGroup: "audit", enabled: true }],
    });
    assert.strictEqual(
      diagnostics.id,
      `${vault.id}/providers/Microsoft.Insights/diagnosticSettings/audit-to-log-analytics`,
    );
    // and the secret is written only once auditing is on
    const secret = findResource(result, "azure-native:keyvault:Secret", "vault-openai-api-key");
    assert.ok(
      secret.options.dependencies.includes(diagnostics.urn),
      "the secret waits for the diagnostic setting",
    );
  });

  it("never sends purge protection false (Azure rejects it)", async () => {
    const result = await runComponent(
      () => new KeyVault("vault", { ...base, purgeProtection: false }),
    );
    const properties = findResource(result, "azure-native:keyvault:Vault", "vault-kv").inputs
      .properties as Record<string, unknown>;
    assert.strictEqual("enablePurgeProtection" in properties, false);
  });

  it("denies public access and adds a private endpoint in the vault's DNS zone", async () => {
    let vaultComponent: KeyVault | undefined;
    const result = await runComponent(() => {
      vaultComponent = new KeyVault("vault", {
        ...base,
        denyPublicNetwork: true,
        privateEndpoint: { subnetId: "/subnets/pe", dnsZoneId: "/zones/kv" },
      });
    });
    const properties = findResource(result, "azure-native:keyvault:Vault", "vault-kv").inputs
      .properties as Record<string, unknown>;
    assert.strictEqual(properties.publicNetworkAccess, "Disabled");
    assert.deepStrictEqual(properties.networkAcls, {
      defaultAction: "Deny",
      bypass: "AzureServices",
    });
    const endpoint = findResource(result, "azure-native:network:PrivateEndpoint", "vault-pe");
    assert.strictEqual((endpoint.inputs.subnet as Record<string, unknown>).id, "/subnets/pe");
    assert.deepStrictEqual(endpoint.inputs.privateLinkServiceConnections, [
      {
        name: "keyvault",
        privateLinkServiceId: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.keyvault/Vault/kv-test-abc123`,
        groupIds: ["vault"],
      },
    ]);
    assert.deepStrictEqual(
      findResource(result, "azure-native:network:PrivateDnsZoneGroup", "vault-pe-dns").inputs
        .privateDnsZoneConfigs,
      [{ name: "vaultcore", privateDnsZoneId: "/zones/kv" }],
    );
    const zoneGroup = findResource(
      result,
      "azure-native:network:PrivateDnsZoneGroup",
      "vault-pe-dns",
    );
    assert.deepStrictEqual(
      await urnsOf(vaultComponent!.privateAccessResources),
      [endpoint.urn, zoneGroup.urn],
      "consumers can wait for the private endpoint and its DNS registration",
    );
  });

  it("has no private access resources without a private endpoint", async () => {
    let vaultComponent: KeyVault | undefined;
    await runComponent(() => {
      vaultComponent = new KeyVault("vault", base);
    });
    assert.deepStrictEqual(vaultComponent!.privateAccessResources, []);
  });

  it("fails when public access is denied without a private endpoint", async () => {
    await assert.rejects(
      runComponent(() => new KeyVault("vault", { ...base, denyPublicNetwork: true })),
      {
        message: "`denyPublicNetwork` requires `privateEndpoint`: nothing could reach the vault",
      },
    );
  });

  it("fails when a secret name is not a Key Vault name", async () => {
    await assert.rejects(
      runComponent(
        () => new KeyVault("vault", { ...base, secrets: [{ name: "OPENAI_API_KEY", value: "x" }] }),
      ),
      {
        message:
          "`secrets` names must be unique, 1-127 letters, digits and '-'; received \"OPENAI_API_KEY\"",
      },
    );
  });

  it("fails when soft delete retention is outside 7-90 days", async () => {
    await assert.rejects(
      runComponent(() => new KeyVault("vault", { ...base, softDeleteRetentionDays: 3 })),
      {
        message: "`softDeleteRetentionDays` must be an integer from 7 to 90; received 3",
      },
    );
  });
});

describe("Postgres", () => {
  const base: PostgresArgs = {
    resourceGroupName: RG,
    location: "eastus2",
    serverName: "psql-test-abc123",
    skuName: "Standard_D4ds_v5",
    tier: "GeneralPurpose",
    version: "16",
    storageSizeGB: 128,
    backupRetentionDays: 35,
    geoRedundantBackup: true,
    highAvailability: "ZoneRedundant",
    databaseName: "chatbot",
    administratorLogin: "chatbotadmin",
    privateAccess: { subnetId: "/subnets/pg", dnsZoneId: "/zones/pg" },
    logAnalyticsWorkspaceId: WORKSPACE,
    tags: TAGS,
  };

  it("creates a private, zone-redundant server and chains its children", async () => {
    const result = await runComponent(() => new Postgres("pg", { ...base, protect: true }));
    assert.deepStrictEqual(inventory(result), [
      "azure-native:dbforpostgresql:Database pg-db",
      "azure-native:dbforpostgresql:Server pg-server",
      "azure-native:monitor:DiagnosticSetting pg-diagnostics",
      "chatbot:database:Postgres pg",
      "random:index/randomPassword:RandomPassword pg-admin-password",
    ]);
    const server = findResource(result, "azure-native:dbforpostgresql:Server", "pg-server");
    assert.deepStrictEqual(server.inputs.network, {
      publicNetworkAccess: "Disabled",
      delegatedSubnetResourceId: "/subnets/pg",
      privateDnsZoneArmResourceId: "/zones/pg",
    });
    assert.deepStrictEqual(server.inputs.highAvailability, {
      mode: "ZoneRedundant",
      standbyAvailabilityZone: "",
    });
    assert.deepStrictEqual(server.inputs.backup, {
      backupRetentionDays: 35,
      geoRedundantBackup: "Enabled",
    });
    assert.deepStrictEqual(server.inputs.sku, { name: "Standard_D4ds_v5", tier: "GeneralPurpose" });
    assert.strictEqual(server.inputs.version, "16");
    assert.deepStrictEqual(server.secretPaths, ["administratorLoginPassword"]);
    assert.strictEqual(server.options.protect, true);
    const database = findResource(result, "azure-native:dbforpostgresql:Database", "pg-db");
    assert.ok(
      database.options.dependencies.includes(server.urn),
      "the database waits for the server",
    );
  });

  it("keeps a Burstable dev-sized server private too, with no firewall rule", async () => {
    // given the dev sizing; when the component runs
    const result = await runComponent(
      () =>
        new Postgres("pg", {
          ...base,
          tier: "Burstable",
          skuName: "Standard_B1ms",
          highAvailability: "Disabled",
          geoRedundantBackup: false,
        }),
    );
    // then the server is in its subnet without a public endpoint, and nothing opens it to Azure
    const server = findResource(result, "azure-native:dbforpostgresql:Server", "pg-server");
    assert.deepStrictEqual(server.inputs.network, {
      publicNetworkAccess: "Disabled",
      delegatedSubnetResourceId: "/subnets/pg",
      privateDnsZoneArmResourceId: "/zones/pg",
    });
    assert.strictEqual(server.options.protect, false);
    assert.deepStrictEqual(
      result.resources
        .filter((r) => r.type === "azure-native:dbforpostgresql:FirewallRule")
        .map((r) => r.name),
      [],
    );
  });

  it("sends the server log to Log Analytics, after the database", async () => {
    const result = await runComponent(() => new Postgres("pg", base));
    const server = findResource(result, "azure-native:dbforpostgresql:Server", "pg-server");
    const diagnostics = findResource(
      result,
      "azure-native:monitor:DiagnosticSetting",
      "pg-diagnostics",
    );
    assert.deepStrictEqual(diagnostics.inputs, {
      name: "audit-to-log-analytics",
      resourceUri: server.id,
      workspaceId: WORKSPACE,
      logs: [{ category: "PostgreSQLLogs", enabled: true }],
    });
    const database = findResource(result, "azure-native:dbforpostgresql:Database", "pg-db");
    assert.ok(
      diagnostics.options.dependencies.includes(database.urn),
      "the diagnostic setting waits for the database (one change at a time on the server)",
    );
  });

  it("keeps the generated password and the connection string secret", async () => {
    let postgres: Postgres | undefined;
    const result = await runComponent(() => {
      postgres = new Postgres("pg", base);
    });
    const password = findResource(
      result,
      "random:index/randomPassword:RandomPassword",
      "pg-admin-password",
    );
    assert.deepStrictEqual(password.options.additionalSecretOutputs, ["bcryptHash", "result"]);
    assert.strictEqual(await pulumi.isSecret(postgres!.connectionString), true);
    assert.strictEqual(await pulumi.isSecret(postgres!.administratorPassword), true);
  });

  it("fails when high availability is asked of a Burstable server", async () => {
    await assert.rejects(
      runComponent(
        () => new Postgres("pg", { ...base, tier: "Burstable", skuName: "Standard_B1ms" }),
      ),
      {
        message:
          '`highAvailability` must be "Disabled" on the Burstable tier; received "ZoneRedundant"',
      },
    );
  });

  it("fails when backup retention is outside 7-35 days", async () => {
    await assert.rejects(
      runComponent(() => new Postgres("pg", { ...base, backupRetentionDays: 40 })),
      {
        message: "`backupRetentionDays` must be an integer from 7 to 35; received 40",
      },
    );
  });
});

describe("BlueGreenApp", () => {
  const blue = {
    version: "1.4.2",
    image: "acr.azurecr.io/chatbot-api:1.4.2",
    suffix: "v1-4-2",
    revision: "v1-4-2-ad8b40g3",
  };
  const green = { version: "1.5.0", image: "acr.azurecr.io/chatbot-api:1.5.0", suffix: "v1-5-0" };
  /** Generation 4: blue live (recorded at generation 3), green just deployed as a 10% canary. */
  const base: BlueGreenAppArgs = {
    resourceGroupName: RG,
    location: "eastus2",
    appName: "chatbot-api-test",
    environmentId: "/environments/cae",
    defaultDomain: "example.eastus2.azurecontainerapps.io",
    identityId: "/identities/id",
    registryLoginServer: "acr.azurecr.io",
    keyVaultUri: "https://kv.vault.azure.net/",
    release: { live: "blue", latest: "green", canaryPercent: 10, generation: 4, blue, green },
    stackName: "test",
    image: green.image,
    cpu: 1,
    memory: "2Gi",
    minReplicas: 2,
    maxReplicas: 4,
    concurrentRequests: 50,
    maxInactiveRevisions: 10,
    targetPort: 8000,
    healthPath: "/health",
    readyPath: "/ready",
    settings: { LOG_LEVEL: "INFO" },
    secrets: [{ envName: "OPENAI_API_KEY", secretName: "openai-api-key" }],
    tags: TAGS,
  };
  /** The fingerprint of `base`'s template with green's image (release.test.ts pins the same). */
  const GREEN_TEMPLATE = "bcec72";

  function appOf(result: SimulationResult) {
    return findResource(result, "azure-native:app:ContainerApp", "api-app");
  }

  function suffixOf(result: SimulationResult): unknown {
    return (appOf(result).inputs.template as Record<string, unknown>).revisionSuffix;
  }

  function resolved<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
  }

  it("describes the latest slot's revision and splits traffic by the live slot", async () => {
    // when
    let outputs: BlueGreenApp | undefined;
    const result = await runComponent(() => {
      outputs = new BlueGreenApp("api", base);
    });
    // then
    const app = appOf(result);
    assert.strictEqual(app.inputs.containerAppName, "chatbot-api-test");
    assert.strictEqual(app.inputs.environmentId, "/environments/cae");
    assert.strictEqual(app.inputs.workloadProfileName, "Consumption");
    assert.deepStrictEqual(app.inputs.identity, {
      type: "UserAssigned",
      userAssignedIdentities: ["/identities/id"],
    });
    assert.deepStrictEqual(app.inputs.configuration, {
      activeRevisionsMode: "Multiple",
      maxInactiveRevisions: 10,
      ingress: {
        external: true,
        allowInsecure: false,
        targetPort: 8000,
        transport: "auto",
        traffic: [
          { revisionName: "chatbot-api-test--v1-4-2-ad8b40g3", label: "blue", weight: 90 },
          { revisionName: "chatbot-api-test--v1-5-0-bcec72g4", label: "green", weight: 10 },
        ],
      },
      registries: [{ server: "acr.azurecr.io", identity: "/identities/id" }],
      secrets: [
        {
          name: "openai-api-key",
          keyVaultUrl: "https://kv.vault.azure.net/secrets/openai-api-key",
          identity: "/identities/id",
        },
      ],
    });
    const probe = (
      type: string,
      path: string,
      delay: number,
      period: number,
      failures: number,
    ) => ({
      type,
      httpGet: { path, port: 8000, scheme: "HTTP" },
      initialDelaySeconds: delay,
      periodSeconds: period,
      timeoutSeconds: 5,
      failureThreshold: failures,
    });
    assert.deepStrictEqual(app.inputs.template, {
      revisionSuffix: "v1-5-0-bcec72g4",
      containers: [
        {
          name: "chatbot-api",
          image: "acr.azurecr.io/chatbot-api:1.5.0",
          resources: { cpu: 1, memory: "2Gi" },
          env: [
            { name: "LOG_LEVEL", value: "INFO" },
            { name: "OPENAI_API_KEY", secretRef: "openai-api-key" },
          ],
          probes: [
            probe("Liveness", "/health", 10, 10, 3),
            probe("Readiness", "/ready", 10, 10, 3),
            probe("Startup", "/health", 5, 10, 10),
          ],
        },
      ],
      scale: {
        minReplicas: 2,
        maxReplicas: 4,
        rules: [{ name: "http-concurrency", http: { metadata: { concurrentRequests: "50" } } }],
      },
    });
    assert.deepStrictEqual(app.inputs.tags, {
      ...TAGS,
      "chatbot-release-generation": "4",
      "chatbot-release-traffic": "g=4,live=blue,canary=10",
    });
    const urls = await resolved(
      pulumi.all([outputs!.url, outputs!.labelUrls.blue, outputs!.labelUrls.green]),
    );
    assert.deepStrictEqual(urls, [
      "https://chatbot-api-test.example.eastus2.azurecontainerapps.io",
      "https://chatbot-api-test---blue.example.eastus2.azurecontainerapps.io",
      "https://chatbot-api-test---green.example.eastus2.azurecontainerapps.io",
    ]);
    assert.strictEqual(
      await resolved(outputs!.latestRevision),
      "chatbot-api-test--v1-5-0-bcec72g4",
    );
  });

  it("keeps the latest slot's recorded revision while its template is unchanged", async () => {
    // given green recorded at generation 2 with the template the args still give
    const release = {
      ...base.release,
      green: { ...green, revision: `v1-5-0-${GREEN_TEMPLATE}g2` },
    };
    // when
    const result = await runComponent(() => new BlueGreenApp("api", { ...base, release }));
    // then the revision is the recorded one: no new revision
    assert.strictEqual(suffixOf(result), "v1-5-0-bcec72g2");
    assert.deepStrictEqual(
      (
        (appOf(result).inputs.configuration as Record<string, unknown>).ingress as Record<
          string,
          unknown
        >
      ).traffic,
      [
        { revisionName: "chatbot-api-test--v1-4-2-ad8b40g3", label: "blue", weight: 90 },
        { revisionName: "chatbot-api-test--v1-5-0-bcec72g2", label: "green", weight: 10 },
      ],
    );
  });

  it("fails when a pinned image's template no longer matches the latest slot's recorded revision", async () => {
    // given green recorded with another template
    const release = { ...base.release, green: { ...green, revision: "v1-5-0-000000g2" } };
    // when / then: refused before the Container App is registered
    await assert.rejects(
      runComponent(() => new BlueGreenApp("api", { ...base, release })),
      {
        name: "RevisionChangedError",
        message:
          "this configuration changes the revision template of slot green (10% of traffic): " +
          "revision chatbot-api-test--v1-5-0-000000g2 was deployed with template 000000, the " +
          "config now gives template bcec72 (an image, app setting, secret reference, CPU, " +
          "memory, probe or scale change). Azure refuses a revision suffix reused with another " +
          "template, and a template change must not move traffic by itself, so nothing was " +
          "changed. Ship it as a new candidate in the idle slot: npm run release -- deploy " +
          "--stack test --version 1.5.0 --image acr.azurecr.io/chatbot-api:1.5.0",
      },
    );
  });

  it("names a built image's revision once its digest is known", async () => {
    // given green recorded with the template of the image the build produces
    const release = { ...base.release, green: { ...green, revision: "v1-5-0-bcec72g2" } };
    // when the image is an Output (a build's digest)
    const result = await runComponent(
      () => new BlueGreenApp("api", { ...base, release, image: pulumi.output(green.image) }),
    );
    // then
    assert.strictEqual(suffixOf(result), "v1-5-0-bcec72g2");
  });

  it("fails when a built image's template no longer matches the latest slot's recorded revision", async () => {
    // given green recorded with another template
    const release = { ...base.release, green: { ...green, revision: "v1-5-0-000000g2" } };
    // when the built image's digest resolves, then the update fails with the same refusal
    await assert.rejects(
      runComponent(
        () => new BlueGreenApp("api", { ...base, release, image: pulumi.output(green.image) }),
      ),
      {
        name: "RevisionChangedError",
        message:
          "this configuration changes the revision template of slot green (10% of traffic): " +
          "revision chatbot-api-test--v1-5-0-000000g2 was deployed with template 000000, the " +
          "config now gives template bcec72 (an image, app setting, secret reference, CPU, " +
          "memory, probe or scale change). Azure refuses a revision suffix reused with another " +
          "template, and a template change must not move traffic by itself, so nothing was " +
          "changed. Ship it as a new candidate in the idle slot: npm run release -- deploy " +
          "--stack test --version 1.5.0 --image acr.azurecr.io/chatbot-api:1.5.0",
      },
    );
  });

  it("gives an empty label URL to a slot with no version", async () => {
    let app: BlueGreenApp | undefined;
    await runComponent(() => {
      app = new BlueGreenApp("api", {
        ...base,
        release: { live: "blue", latest: "blue", canaryPercent: 0, generation: 0, blue },
        image: blue.image,
      });
    });
    assert.strictEqual(await resolved(app!.labelUrls.green), "");
  });

  it("fails when the app name is not a valid Container App name", async () => {
    await assert.rejects(
      runComponent(() => new BlueGreenApp("api", { ...base, appName: "Chatbot--API" })),
      {
        message:
          "`appName` must be 2-32 lowercase letters, digits and single '-', starting with a letter; received \"Chatbot--API\"",
      },
    );
  });

  it("fails when min replicas are above max replicas", async () => {
    await assert.rejects(
      runComponent(() => new BlueGreenApp("api", { ...base, minReplicas: 5, maxReplicas: 4 })),
      {
        message: "`minReplicas` (5) must not be above `maxReplicas` (4)",
      },
    );
  });

  it("fails when the latest slot holds no version", async () => {
    await assert.rejects(
      runComponent(
        () =>
          new BlueGreenApp("api", {
            ...base,
            release: { live: "blue", latest: "green", canaryPercent: 0, generation: 0, blue },
          }),
      ),
      { message: '`release.latest` is "green", a slot with no version' },
    );
  });
});
