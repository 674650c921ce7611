/**
 * Runs the program under Pulumi's mock runtime with a stack's real configuration and records
 * everything the SDK sends to the engine: each resource's type, name, parent, inputs (serialized
 * exactly as the engine receives them, with secret and unknown markers) and options (protect,
 * dependencies, provider, ...), plus the stack outputs. Used by the offline `plan` gate and by the
 * stack tests. The mocks return the outputs Azure would compute (URIs, host names, ids).
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { PROJECT } from "../lib/config";

/** What the SDK sent to the engine for one resource. */
export interface SimulatedResource {
  urn: string;
  /** The id the mocks gave the resource ("" for components and unknown ids). */
  id: string;
  type: string;
  name: string;
  custom: boolean;
  /** Parent URN; "" for none. */
  parent: string;
  /** Inputs with secrets unwrapped and unknown values as `UNKNOWN`. */
  inputs: Record<string, unknown>;
  /** Inputs exactly as serialized for the engine (secret signature objects, unknown sentinel). */
  serializedInputs: Record<string, unknown>;
  /** Top-level input keys that hold a secret anywhere inside. */
  secretPaths: string[];
  options: {
    protect: boolean;
    dependencies: string[];
    provider: string;
    propertyDependencies: Record<string, string[]>;
    ignoreChanges: string[];
    deleteBeforeReplace: boolean;
    retainOnDelete: boolean;
    aliases: string[];
    additionalSecretOutputs: string[];
    customTimeouts?: { create?: string; update?: string; delete?: string };
  };
  /** The state the mocks returned (what the resource's outputs resolve to). */
  outputs: Record<string, unknown>;
  /**
   * The same state as the engine stores it (secret signature objects where an output is secret:
   * an input that was secret, or an `additionalSecretOutputs` key), plus, for a component, what it
   * passed to `registerOutputs`: both end up in the stack's state.
   */
  serializedOutputs: Record<string, unknown>;
}

export interface SimulationResult {
  project: string;
  stack: string;
  preview: boolean;
  resources: SimulatedResource[];
  /** Stack outputs with secrets unwrapped. */
  outputs: Record<string, unknown>;
  /** Stack output names whose values are secret. */
  secretOutputs: string[];
  /** Stack outputs as serialized for the engine (secret signature objects). */
  serializedOutputs: Record<string, unknown>;
  /** Warnings the program logged (`pulumi.log.warn`). */
  warnings: string[];
}

/** Config as `pulumi.runtime.setAllConfig` takes it. */
export interface StackConfig {
  /** `<namespace>:<key>` -> value (objects as JSON strings). */
  config: Record<string, string>;
  /** Keys whose values are secret. */
  secretKeys: string[];
}

/** How an unknown (computed during preview) value appears in `inputs`. */
export const UNKNOWN = "[unknown]";
/** What a `secure:` stack value that cannot be decrypted offline becomes. */
export const SECRET_PLACEHOLDER = "offline-placeholder-secret";

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const MOCK_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
const MOCK_TENANT = "11111111-1111-1111-1111-111111111111";
const MOCK_OIDC_ISSUER_ID = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa";
/** The AKS kubelet identity's object id the mocks return (it gets AcrPull). */
export const MOCK_KUBELET_OBJECT_ID = "12121212-1212-1212-1212-121212121212";
/** The AKS control-plane identity's (`id-aks-...`) principal and client id in the mocks. */
export const MOCK_CLUSTER_IDENTITY = {
  principalId: "13131313-1313-1313-1313-131313131313",
  clientId: "14141414-1414-1414-1414-141414141414",
} as const;
/** The public address the mocks give the AKS gateway. */
export const MOCK_GATEWAY_ADDRESS = "203.0.113.10";

/** The user kubeconfig AKS returns for an Entra ID cluster (interactive kubelogin login). */
export function mockKubeconfig(cluster: string, group: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: ${cluster}`,
    "  cluster:",
    `    server: https://${cluster}-dns.hcp.eastus2.azmk8s.io:443`,
    "    certificate-authority-data: bW9jay1jYQ==",
    "contexts:",
    `- name: ${cluster}`,
    "  context:",
    `    cluster: ${cluster}`,
    `    user: clusterUser_${group}_${cluster}`,
    `current-context: ${cluster}`,
    "users:",
    `- name: clusterUser_${group}_${cluster}`,
    "  user:",
    "    exec:",
    "      apiVersion: client.authentication.k8s.io/v1beta1",
    "      command: kubelogin",
    "      args: [get-token, --login, devicecode, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630]",
    "",
  ].join("\n");
}

/**
 * The secret values the mocks hand out, as Azure and the providers would: what must never appear
 * in state, outputs or logs unless it is a Pulumi secret.
 */
export const MOCK_SECRETS = {
  /** `random.RandomPassword` result. */
  password: "Mock-Password_0123456789abcdefXY",
  /** Log Analytics `getSharedKeys`. */
  primarySharedKey: "mock-primary-shared-key",
  secondarySharedKey: "mock-secondary-shared-key",
  /** Application Insights instrumentation key (also inside its connection string). */
  instrumentationKey: "55555555-5555-5555-5555-555555555555",
  /** The SAS signature of a Logic App trigger's callback URL (`listWorkflowTriggerCallbackUrl`). */
  logicAppSignature: "mock-logic-app-sas-signature",
} as const;

/** Is this serialized value a Pulumi secret (the engine's secret signature object)? */
export function isSecretValue(value: unknown): value is { value: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG
  );
}

/** Does the serialized value hold a secret anywhere? */
export function containsSecret(value: unknown): boolean {
  if (isSecretValue(value)) {
    return true;
  }
  if (Array.isArray(value)) {
    return value.some(containsSecret);
  }
  if (typeof value === "object" && value !== null) {
    return Object.values(value).some(containsSecret);
  }
  return false;
}

/** Serialized engine form -> plain values (secrets unwrapped, unknowns as `UNKNOWN`). */
export function plainValue(value: unknown): unknown {
  if (value === UNKNOWN_VALUE) {
    return UNKNOWN;
  }
  if (isSecretValue(value)) {
    return plainValue(value.value);
  }
  if (Array.isArray(value)) {
    return value.map(plainValue);
  }
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    if (record[SECRET_SIG_KEY] === RESOURCE_SIG) {
      return record.urn;
    }
    return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, plainValue(item)]));
  }
  return value;
}

/** Replaces `{ secure: ... }` leaves with a placeholder; reports whether it found one. */
function replaceSecure(value: unknown): { value: unknown; secret: boolean } {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    if (Object.keys(record).length === 1 && typeof record.secure === "string") {
      return { value: SECRET_PLACEHOLDER, secret: true };
    }
    let secret = false;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(record)) {
      const replaced = replaceSecure(item);
      out[key] = replaced.value;
      secret = secret || replaced.secret;
    }
    return { value: out, secret };
  }
  if (Array.isArray(value)) {
    const items = value.map(replaceSecure);
    return { value: items.map((item) => item.value), secret: items.some((item) => item.secret) };
  }
  return { value, secret: false };
}

function configString(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * Reads a stack file (`Pulumi.<stack>.yaml`) the way the CLI hands it to a program, adding the
 * defaults that `Pulumi.yaml` declares. Encrypted (`secure:`) values cannot be decrypted offline:
 * they become a placeholder and their key is marked secret.
 */
export function loadStackConfig(file: string, projectFile?: string): StackConfig {
  const text = fs.readFileSync(file, "utf8");
  const document = (YAML.parse(text) ?? {}) as { config?: Record<string, unknown> };
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const projectPath = projectFile ?? path.join(path.dirname(file), "Pulumi.yaml");
  if (fs.existsSync(projectPath)) {
    const project = YAML.parse(fs.readFileSync(projectPath, "utf8")) as {
      config?: Record<string, { default?: unknown }>;
    };
    for (const [key, declaration] of Object.entries(project.config ?? {})) {
      if (declaration && typeof declaration === "object" && "default" in declaration) {
        config[key.includes(":") ? key : `${PROJECT}:${key}`] = configString(declaration.default);
      }
    }
  }
  for (const [key, raw] of Object.entries(document.config ?? {})) {
    const { value, secret } = replaceSecure(raw);
    const fullKey = key.includes(":") ? key : `${PROJECT}:${key}`;
    config[fullKey] = configString(value);
    if (secret) {
      secretKeys.push(fullKey);
    }
  }
  return { config, secretKeys };
}

const DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting";
const MANAGED_CLUSTER = "azure-native:containerservice:ManagedCluster";

/** The Azure resource name an input names, for realistic ids and outputs. */
function azureName(type: string, inputs: Record<string, unknown>, fallback: string): string {
  if (
    type === "azure-native:resources:ResourceGroup" &&
    typeof inputs.resourceGroupName === "string"
  ) {
    return inputs.resourceGroupName;
  }
  if (type === DIAGNOSTIC_SETTING && typeof inputs.name === "string") {
    return inputs.name;
  }
  for (const [key, value] of Object.entries(inputs)) {
    if (
      typeof value === "string" &&
      key !== "resourceGroupName" &&
      (/Name$/.test(key) || key === "resourceName") &&
      !["skuName", "databaseName"].includes(key)
    ) {
      return value;
    }
  }
  return fallback;
}

const HEX64 = "0".repeat(56) + "c0ffee42";

/** Outputs Azure (or the provider) computes, by resource type. */
function computedOutputs(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
): Record<string, unknown> {
  const azure = azureName(type, inputs, name);
  const location = typeof inputs.location === "string" ? inputs.location : "eastus2";
  switch (type) {
    case "azure-native:app:ManagedEnvironment":
      return { defaultDomain: `mock-${azure}.${location}.azurecontainerapps.io` };
    case "azure-native:keyvault:Vault":
      return {
        properties: {
          ...((inputs.properties as Record<string, unknown>) ?? {}),
          vaultUri: `https://${azure}.vault.azure.net/`,
        },
      };
    case "azure-native:containerregistry:Registry":
      return { loginServer: `${azure}.azurecr.io` };
    case "azure-native:dbforpostgresql:Server":
      return { fullyQualifiedDomainName: `${azure}.postgres.database.azure.com` };
    case "azure-native:managedidentity:UserAssignedIdentity":
      return azure.startsWith("id-aks-")
        ? { ...MOCK_CLUSTER_IDENTITY }
        : {
            principalId: "22222222-2222-2222-2222-222222222222",
            clientId: "33333333-3333-3333-3333-333333333333",
          };
    case "azure-native:operationalinsights:Workspace":
      return { customerId: "44444444-4444-4444-4444-444444444444" };
    case "azure-native:applicationinsights:Component":
      return {
        appId: "88888888-8888-8888-8888-888888888888",
        instrumentationKey: MOCK_SECRETS.instrumentationKey,
        connectionString: `InstrumentationKey=${MOCK_SECRETS.instrumentationKey};IngestionEndpoint=https://${location}-0.in.applicationinsights.azure.com/;LiveEndpoint=https://${location}.livediagnostics.monitor.azure.com/;ApplicationId=88888888-8888-8888-8888-888888888888`,
      };
    case MANAGED_CLUSTER:
      return {
        fqdn: `${azure}-dns.hcp.${location}.azmk8s.io`,
        oidcIssuerProfile: {
          enabled: true,
          issuerURL: `https://${location}.oic.prod-aks.azure.com/${MOCK_TENANT}/${MOCK_OIDC_ISSUER_ID}/`,
        },
        identityProfile: {
          kubeletidentity: {
            clientId: "99999999-9999-9999-9999-999999999999",
            objectId: MOCK_KUBELET_OBJECT_ID,
            resourceId: `/subscriptions/${MOCK_SUBSCRIPTION}/resourceGroups/MC_${azure}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${azure}-agentpool`,
          },
        },
      };
    case "kubernetes:gateway.networking.k8s.io/v1:Gateway":
      // The address the AKS-managed gateway's load balancer gets (documentation range).
      return { status: { addresses: [{ type: "IPAddress", value: MOCK_GATEWAY_ADDRESS }] } };
    case "random:index/randomString:RandomString":
      return { result: "a1b2c3".slice(0, Number(inputs.length ?? 6)) };
    case "random:index/randomPassword:RandomPassword":
      return {
        result: MOCK_SECRETS.password,
        bcryptHash: "$2a$10$mockbcrypthashmockbcrypthashmockbcrypthashmockbcrypt",
      };
    case "docker:index/image:Image": {
      const imageName = String(inputs.imageName ?? name);
      return { repoDigest: `${imageName.replace(/:[^:/]+$/, "")}@sha256:${HEX64}` };
    }
    default:
      return {};
  }
}

/** The id Azure would give a resource (the provider's id for the others). */
function mockId(
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  azure: string,
): string {
  if (!type.startsWith("azure-native:")) {
    return `${name}-id`;
  }
  if (type === "azure-native:resources:ResourceGroup") {
    return `/subscriptions/${MOCK_SUBSCRIPTION}/resourceGroups/${azure}`;
  }
  if (type === DIAGNOSTIC_SETTING && typeof inputs.resourceUri === "string") {
    // An extension resource: its id hangs off the resource it configures.
    return `${inputs.resourceUri}/providers/Microsoft.Insights/diagnosticSettings/${azure}`;
  }
  const group = typeof inputs.resourceGroupName === "string" ? inputs.resourceGroupName : "rg";
  const [, module, kind] = type.split(":");
  return `/subscriptions/${MOCK_SUBSCRIPTION}/resourceGroups/${group}/providers/Microsoft.${module}/${kind}/${azure}`;
}

/** An invoke failure as the engine reports it (a gRPC error whose `details` is the message). */
export function invokeError(message: string): Error {
  return Object.assign(new Error(message), { details: message });
}

/** The mocks: realistic ids, names and computed outputs, and the two invokes the program makes. */
export const azureMocks: pulumi.runtime.Mocks = {
  newResource(args) {
    const azure = azureName(args.type, args.inputs, args.name);
    const id = mockId(args.type, args.name, args.inputs, azure);
    if (args.type === MANAGED_CLUSTER && pulumi.runtime.isDryRun()) {
      // A preview of a new stack: the cluster is being created, its id is not known yet (what
      // defers the credentials invoke that depends on it).
      return { id: undefined, state: { ...args.inputs, name: azure } };
    }
    return {
      id,
      state: { ...args.inputs, name: azure, ...computedOutputs(args.type, args.name, args.inputs) },
    };
  },
  call(args) {
    switch (args.token) {
      case "azure-native:authorization:getClientConfig":
        return {
          clientId: "66666666-6666-6666-6666-666666666666",
          objectId: "77777777-7777-7777-7777-777777777777",
          subscriptionId: MOCK_SUBSCRIPTION,
          tenantId: MOCK_TENANT,
        };
      case "azure-native:app:getContainerApp":
        // Offline there is no deployed app: ARM's answer for a new stack. The SDK reports a failed
        // invoke with the gRPC error's `details` as the message.
        throw invokeError(
          `ResourceNotFound: The Resource 'Microsoft.App/containerApps/${String(args.inputs.containerAppName)}' under resource group '${String(args.inputs.resourceGroupName)}' was not found.`,
        );
      case "azure-native:containerservice:getManagedCluster":
        // Offline there is no deployed cluster either (the AKS release guard, lib/aksGuard.ts).
        throw invokeError(
          `ResourceNotFound: The Resource 'Microsoft.ContainerService/managedClusters/${String(args.inputs.resourceName)}' under resource group '${String(args.inputs.resourceGroupName)}' was not found.`,
        );
      case "azure-native:containerservice:listManagedClusterUserCredentials": {
        const kubeconfig = mockKubeconfig(
          String(args.inputs.resourceName),
          String(args.inputs.resourceGroupName),
        );
        return {
          kubeconfigs: [{ name: "clusterUser", value: Buffer.from(kubeconfig).toString("base64") }],
        };
      }
      case "azure-native:operationalinsights:getSharedKeys":
        return {
          primarySharedKey: MOCK_SECRETS.primarySharedKey,
          secondarySharedKey: MOCK_SECRETS.secondarySharedKey,
        };
      case "azure-native:logic:listWorkflowTriggerCallbackUrl":
        return {
          value: `https://prod-00.eastus2.logic.azure.com:443/workflows/${String(args.inputs.workflowName)}/triggers/${String(args.inputs.triggerName)}/paths/invoke?api-version=2016-10-01&sp=%2Ftriggers%2F${String(args.inputs.triggerName)}%2Frun&sv=1.0&sig=${MOCK_SECRETS.logicAppSignature}`,
        };
      default:
        throw new Error(`the offline mocks do not implement the invoke ${args.token}`);
    }
  },
};

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
  getProtect(): boolean;
  getDependenciesList(): string[];
  getProvider(): string;
  getPropertydependenciesMap(): {
    forEach(cb: (value: { getUrnsList(): string[] }, key: string) => void): void;
  };
  getIgnorechangesList(): string[];
  getDeletebeforereplace(): boolean;
  getRetainondelete(): boolean;
  getAliasurnsList(): string[];
  getAdditionalsecretoutputsList(): string[];
  getCustomtimeouts():
    { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
}

interface RegisterResponse {
  getUrn(): string;
  getId(): string;
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
  setObject(value: unknown): void;
}

type Callback = (err: Error | null, response?: RegisterResponse) => void;

interface RegisterOutputsRequest {
  getUrn(): string;
  getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined;
}

interface Monitor {
  registerResource(req: RegisterRequest, callback: Callback): Promise<void>;
  registerResourceOutputs(
    req: RegisterOutputsRequest,
    callback: (err: Error | null, response?: unknown) => void,
  ): void;
}

/** Waits until the SDK has no RPC in flight (what `pulumi.runtime.disconnect` waits for). */
async function settle(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const state = require("@pulumi/pulumi/runtime/state") as {
    getStore(): { settings: { rpcDone: Promise<unknown> } };
  };
  let done: Promise<unknown> | undefined;
  while (done !== state.getStore().settings.rpcDone) {
    done = state.getStore().settings.rpcDone;
    await done;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Serializes stack outputs the way the engine receives them. */
async function serializeOutputs(
  outputs: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const rpc = require("@pulumi/pulumi/runtime/rpc") as {
    serializeProperties(
      label: string,
      props: Record<string, unknown>,
    ): Promise<Record<string, unknown>>;
  };
  return rpc.serializeProperties("outputs", outputs);
}

/** The program: `index.ts` exports a function that builds the stack and returns its outputs. */
type Program = () => Record<string, unknown> | Promise<Record<string, unknown>>;

let running = false;

/**
 * Runs the program once under mocks with the given stack config. Calls run one at a time (the
 * Pulumi runtime is process-global). Rejects with the program's error (e.g. a `ConfigError`).
 */
export async function simulateStack(args: {
  stack: string;
  config: StackConfig;
  preview?: boolean;
  program?: Program;
  /** Answers to invokes the offline mocks do not know (e.g. the deployed app, from a model). */
  call?: (args: pulumi.runtime.MockCallArgs) => Promise<Record<string, unknown>> | undefined;
}): Promise<SimulationResult> {
  if (running) {
    throw new Error("simulateStack is already running in this process; await the previous call");
  }
  running = true;
  const preview = args.preview ?? false;
  const resources: SimulatedResource[] = [];
  const warnings: string[] = [];
  const originalWarn = pulumi.log.warn;
  // An error thrown inside an `apply` that feeds a resource's inputs fails `pulumi up`; under the
  // mock runtime it surfaces only as an unhandled rejection, so the simulation collects those.
  const failures: Error[] = [];
  const onRejection = (reason: unknown) => {
    const error = reason instanceof Error ? reason : new Error(String(reason));
    error.message = error.message.replace(/^(error serializing property "[^"]*": )+/, "");
    failures.push(error);
  };
  process.on("unhandledRejection", onRejection);
  // The SDK records a stack trace for every promise and resource (`new Error().stack`); under
  // ts-node each one is source-mapped, which costs most of a run. V8's own formatting is enough
  // here: nothing reads those traces under the mock runtime.
  const prepareStackTrace = Error.prepareStackTrace;
  const stackTraceLimit = Error.stackTraceLimit;
  delete (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
  Error.stackTraceLimit = 1;
  try {
    const call = args.call;
    const mocks: pulumi.runtime.Mocks =
      call === undefined
        ? azureMocks
        : {
            newResource: azureMocks.newResource,
            call: (callArgs) => call(callArgs) ?? azureMocks.call(callArgs),
          };
    await pulumi.runtime.setMocks(mocks, PROJECT, args.stack, preview);
    pulumi.runtime.setAllConfig(args.config.config, args.config.secretKeys);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const settings = require("@pulumi/pulumi/runtime/settings") as { getMonitor(): Monitor };
    const monitor = settings.getMonitor();
    // The mock monitor qualifies a type with its parent's own type only; the engine qualifies it
    // with the parent's whole qualified type (`urn:pulumi:<stack>::<project>::<Parent$Child$Type>::
    // <name>`, https://pkg.go.dev/github.com/pulumi/pulumi/sdk/v3/go/common/resource/urn), so the
    // URNs `plan` prints are the ones `pulumi up --target` and `pulumi state` take.
    (
      monitor as unknown as { newUrn: (parent: string, type: string, name: string) => string }
    ).newUrn = (parent, type, name) => {
      const qualified = parent ? parent.split("::")[2] : ROOT_STACK_TYPE;
      const full = qualified === ROOT_STACK_TYPE ? type : `${qualified}$${type}`;
      return `urn:pulumi:${args.stack}::${PROJECT}::${full}::${name}`;
    };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) =>
      register(req, (err, response) => {
        if (!err && response) {
          markSecretOutputs(req.getAdditionalsecretoutputsList(), response);
          resources.push(record(req, response));
        }
        callback(err, response);
      });
    // What components pass to `registerOutputs` is stored in the state too.
    const registeredOutputs = new Map<string, Record<string, unknown>>();
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req, callback) => {
      registeredOutputs.set(req.getUrn(), req.getOutputs()?.toJavaScript() ?? {});
      registerOutputs(req, callback);
    };
    (pulumi.log as { warn: typeof pulumi.log.warn }).warn = (message: string) => {
      warnings.push(message);
      return Promise.resolve();
    };

    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = args.program ?? (require("../index") as Program);
    const outputs = await program();
    const serialized = await serializeOutputs(outputs);
    await settle();
    // Node reports an unhandled rejection after the microtasks of the turn that made it.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    if (failures.length > 0) {
      throw failures[0];
    }
    for (const resource of resources) {
      Object.assign(resource.serializedOutputs, registeredOutputs.get(resource.urn) ?? {});
    }
    return {
      project: PROJECT,
      stack: args.stack,
      preview,
      resources,
      outputs: plainValue(serialized) as Record<string, unknown>,
      secretOutputs: Object.keys(serialized).filter((key) => containsSecret(serialized[key])),
      serializedOutputs: serialized,
      warnings,
    };
  } finally {
    Error.prepareStackTrace = prepareStackTrace;
    Error.stackTraceLimit = stackTraceLimit;
    process.off("unhandledRejection", onRejection);
    (pulumi.log as { warn: typeof pulumi.log.warn }).warn = originalWarn;
    running = false;
  }
}

/**
 * The engine marks a resource's `additionalSecretOutputs` secret (random passwords, for example);
 * the mock monitor does not, so the simulation does it here.
 */
function markSecretOutputs(keys: string[], response: RegisterResponse): void {
  if (keys.length === 0) {
    return;
  }
  const state = response.getObject()?.toJavaScript() ?? {};
  for (const key of keys) {
    if (key in state && !isSecretValue(state[key])) {
      state[key] = { [SECRET_SIG_KEY]: SECRET_SIG, value: state[key] };
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const struct = require("google-protobuf/google/protobuf/struct_pb") as {
    Struct: { fromJavaScript(value: unknown): unknown };
  };
  response.setObject(struct.Struct.fromJavaScript(state));
}

/** The type of the root resource of every stack; its children's URNs are not qualified by it. */
const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

function record(req: RegisterRequest, response: RegisterResponse): SimulatedResource {
  const serializedInputs = req.getObject()?.toJavaScript() ?? {};
  const state = response.getObject()?.toJavaScript() ?? {};
  const propertyDependencies: Record<string, string[]> = {};
  req.getPropertydependenciesMap().forEach((value, key) => {
    propertyDependencies[key] = value.getUrnsList();
  });
  const timeouts = req.getCustomtimeouts();
  return {
    urn: response.getUrn(),
    id: response.getId(),
    type: req.getType(),
    name: req.getName(),
    custom: req.getCustom(),
    parent: req.getParent(),
    inputs: plainValue(serializedInputs) as Record<string, unknown>,
    serializedInputs,
    secretPaths: Object.keys(serializedInputs).filter((key) =>
      containsSecret(serializedInputs[key]),
    ),
    options: {
      protect: req.getProtect(),
      dependencies: req.getDependenciesList(),
      provider: req.getProvider(),
      propertyDependencies,
      ignoreChanges: req.getIgnorechangesList(),
      deleteBeforeReplace: req.getDeletebeforereplace(),
      retainOnDelete: req.getRetainondelete(),
      aliases: req.getAliasurnsList(),
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      customTimeouts:
        timeouts === undefined
          ? undefined
          : {
              create: timeouts.getCreate(),
              update: timeouts.getUpdate(),
              delete: timeouts.getDelete(),
            },
    },
    outputs: plainValue(state) as Record<string, unknown>,
    serializedOutputs: { ...state },
  };
}
