/**
 * Runs a policy pack the way the Pulumi CLI does and talks to it over the Analyzer gRPC protocol
 * with the stubs shipped in `@pulumi/pulumi/proto`.
 *
 * The CLI starts `pulumi-analyzer-policy`, a shim that runs
 * `node <pack>/node_modules/@pulumi/pulumi/cmd/run-policy-pack <engine-address> .` in the pack's
 * directory; the pack's PolicyPack constructor serves the analyzer and prints its port on stdout.
 * The CLI then calls Handshake (unimplemented by the Node.js server), GetAnalyzerInfo,
 * GetPluginInfo, ConfigureStack, Configure (reconciled config), Remediate and Analyze per resource,
 * and AnalyzeStack at the end. Properties are sent as `google.protobuf.Struct` with secrets as
 * signature objects and unknowns as sentinel strings, internal `__` keys removed.
 */
import { ChildProcess, spawn } from "child_process";
import * as grpc from "@grpc/grpc-js";
import * as analyzerRpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as proto from "@pulumi/pulumi/proto/analyzer_pb";
import { PluginInfo } from "@pulumi/pulumi/proto/plugin_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { EnforcementLevel, JsonSchema, PolicyConfig, PolicyInfo } from "./policyConfig";
import { ROOT_DIR } from "./root";

export { ROOT_DIR };

/** Placeholder engine address: the Node.js policy server never dials the engine. */
export const ENGINE_ADDRESS = "127.0.0.1:0";

const MAX_MESSAGE_SIZE = 1024 * 1024 * 400;

const LEVELS: Record<proto.EnforcementLevel, EnforcementLevel> = {
  [proto.EnforcementLevel.ADVISORY]: "advisory",
  [proto.EnforcementLevel.MANDATORY]: "mandatory",
  [proto.EnforcementLevel.DISABLED]: "disabled",
  [proto.EnforcementLevel.REMEDIATE]: "remediate",
};

function toProtoLevel(level: EnforcementLevel): proto.EnforcementLevel {
  const entry = Object.entries(LEVELS).find(([, name]) => name === level);
  return Number(entry?.[0]) as proto.EnforcementLevel;
}

/** The provider of a resource, as the engine describes it to analyzers. */
export interface AnalyzerProvider {
  urn: string;
  type: string;
  name: string;
  /** Serialized provider inputs. */
  properties: Record<string, unknown>;
}

/** Resource options the engine passes to analyzers. */
export interface AnalyzerOptions {
  protect: boolean;
  ignoreChanges: string[];
  deleteBeforeReplace?: boolean;
  additionalSecretOutputs: string[];
  aliases: string[];
  customTimeouts: { create: number; update: number; delete: number };
  parent: string;
}

/** One resource as an Analyze request carries it. */
export interface AnalyzerResource {
  urn: string;
  type: string;
  name: string;
  /** Properties exactly as serialized on the wire (secret signatures, unknown sentinels). */
  properties: Record<string, unknown>;
  options: AnalyzerOptions;
  provider?: AnalyzerProvider;
}

/** One resource as an AnalyzeStack request carries it. */
export interface AnalyzerStackResource extends AnalyzerResource {
  parent: string;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
}

/** A diagnostic the pack returned. */
export interface Diagnostic {
  policyName: string;
  policyPackName: string;
  policyPackVersion: string;
  description: string;
  message: string;
  enforcementLevel: EnforcementLevel;
  urn: string;
}

/** The pack's self-description. */
export interface AnalyzerInfo {
  name: string;
  version: string;
  supportsConfig: boolean;
  policies: PolicyInfo[];
  initialConfig: Record<string, PolicyConfig>;
}

/** What ConfigureStack tells the pack about the stack being analyzed. */
export interface StackContext {
  stack: string;
  project: string;
  organization: string;
  dryRun: boolean;
  /** Stack config as the engine passes it: `<namespace>:<key>` to the value's string form. */
  config: Record<string, string>;
  secretKeys: string[];
  tags: Record<string, string>;
}

/** Removes `__`-prefixed keys at every level and drops undefined values (SkipInternalKeys). */
export function marshalProperties(value: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key.startsWith("__") || item === undefined) {
      continue;
    }
    result[key] = marshalValue(item);
  }
  return result;
}

function marshalValue(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => (item === undefined ? null : marshalValue(item)));
  }
  if (typeof value === "object" && value !== null) {
    return marshalProperties(value as Record<string, unknown>);
  }
  return value;
}

function toStruct(value: Record<string, unknown>): Struct {
  return Struct.fromJavaScript(
    marshalProperties(value) as Parameters<typeof Struct.fromJavaScript>[0],
  );
}

function toOptions(options: AnalyzerOptions): proto.AnalyzerResourceOptions {
  const result = new proto.AnalyzerResourceOptions();
  result.setProtect(options.protect);
  result.setIgnorechangesList(options.ignoreChanges);
  result.setDeletebeforereplace(options.deleteBeforeReplace ?? false);
  result.setDeletebeforereplacedefined(options.deleteBeforeReplace !== undefined);
  result.setAdditionalsecretoutputsList(options.additionalSecretOutputs);
  result.setAliasesList(options.aliases);
  const timeouts = new proto.AnalyzerResourceOptions.CustomTimeouts();
  timeouts.setCreate(options.customTimeouts.create);
  timeouts.setUpdate(options.customTimeouts.update);
  timeouts.setDelete(options.customTimeouts.delete);
  result.setCustomtimeouts(timeouts);
  result.setParent(options.parent);
  return result;
}

function toProvider(provider: AnalyzerProvider): proto.AnalyzerProviderResource {
  const result = new proto.AnalyzerProviderResource();
  result.setUrn(provider.urn);
  result.setType(provider.type);
  result.setName(provider.name);
  result.setProperties(toStruct(provider.properties));
  return result;
}

function toAnalyzeRequest(resource: AnalyzerResource): proto.AnalyzeRequest {
  const request = new proto.AnalyzeRequest();
  request.setUrn(resource.urn);
  request.setType(resource.type);
  request.setName(resource.name);
  request.setProperties(toStruct(resource.properties));
  request.setOptions(toOptions(resource.options));
  if (resource.provider) {
    request.setProvider(toProvider(resource.provider));
  }
  return request;
}

function toStackResource(resource: AnalyzerStackResource): proto.AnalyzerResource {
  const result = new proto.AnalyzerResource();
  result.setUrn(resource.urn);
  result.setType(resource.type);
  result.setName(resource.name);
  result.setProperties(toStruct(resource.properties));
  result.setOptions(toOptions(resource.options));
  if (resource.provider) {
    result.setProvider(toProvider(resource.provider));
  }
  result.setParent(resource.parent);
  result.setDependenciesList(resource.dependencies);
  const map = result.getPropertydependenciesMap();
  for (const [key, urns] of Object.entries(resource.propertyDependencies)) {
    if (urns.length > 0) {
      const dependencies = new proto.AnalyzerPropertyDependencies();
      dependencies.setUrnsList(urns);
      map.set(key, dependencies);
    }
  }
  return result;
}

function fromDiagnostics(response: proto.AnalyzeResponse): Diagnostic[] {
  return response.getDiagnosticsList().map((d) => ({
    policyName: d.getPolicyname(),
    policyPackName: d.getPolicypackname(),
    policyPackVersion: d.getPolicypackversion(),
    description: d.getDescription(),
    message: d.getMessage(),
    enforcementLevel: LEVELS[d.getEnforcementlevel()],
    urn: d.getUrn(),
  }));
}

type UnaryMethod<Res> = (
  request: unknown,
  callback: (error: grpc.ServiceError | null, response: Res) => void,
) => grpc.ClientUnaryCall;

/** Calls one unary Analyzer RPC and resolves with its response. */
function call<Res>(
  client: analyzerRpc.AnalyzerClient,
  method: string,
  request: unknown,
): Promise<Res> {
  const methods = client as unknown as Record<string, UnaryMethod<Res>>;
  return new Promise((resolve, reject) => {
    methods[method].call(client, request, (error, response) =>
      error ? reject(error) : resolve(response),
    );
  });
}

/** Options for starting a pack. */
export interface StartOptions {
  /** Directory holding PulumiPolicy.yaml, package.json and the pack's entry point. */
  packDir: string;
  /** Extra environment for the pack process (the CLI sets PULUMI_CONFIG, PULUMI_STACK, ...). */
  env?: Record<string, string>;
  /** Milliseconds to wait for the port. @default 60000 */
  startTimeoutMs?: number;
}

/** A running policy pack and a client connected to it. */
export class PolicyPackServer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: analyzerRpc.AnalyzerClient,
    /** The port the pack printed. */
    public readonly port: number,
    private readonly stderr: () => string,
  ) {}

  /**
   * Spawns `node @pulumi/pulumi/cmd/run-policy-pack <engine> .` in `packDir` and waits for the
   * port the pack prints. The child exits normally on SIGTERM, so coverage and other exit hooks run.
   */
  static start(options: StartOptions): Promise<PolicyPackServer> {
    const runPolicyPack = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", {
      paths: [options.packDir, ROOT_DIR],
    });
    const child = spawn(
      process.execPath,
      [
        "--import",
        "data:text/javascript,process.once('SIGTERM',()=>process.exit(0))",
        runPolicyPack,
        ENGINE_ADDRESS,
        ".",
      ],
      {
        cwd: options.packDir,
        env: { ...process.env, ...options.env },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error(`policy pack in ${options.packDir} printed no port in time:\n${stderr}`));
      }, options.startTimeoutMs ?? 60000);
      const fail = (code: number | null): void => {
        clearTimeout(timer);
        reject(
          new Error(
            `policy pack in ${options.packDir} exited (${code}) before serving:\n${stderr}`,
          ),
        );
      };
      child.once("exit", fail);
      child.stdout?.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        const line = stdout.split("\n")[0];
        if (!stdout.includes("\n") || !/^\d+$/.test(line.trim())) {
          return;
        }
        clearTimeout(timer);
        child.off("exit", fail);
        const port = Number(line.trim());
        const client = new analyzerRpc.AnalyzerClient(
          `127.0.0.1:${port}`,
          grpc.credentials.createInsecure(),
          { "grpc.max_receive_message_length": MAX_MESSAGE_SIZE },
        );
        resolve(new PolicyPackServer(child, client, port, () => stderr));
      });
    });
  }

  /** What the pack wrote to stderr so far. */
  get errorOutput(): string {
    return this.stderr();
  }

  /** Handshake; returns false when the server does not implement it (the Node.js server does not). */
  async handshake(directory: string): Promise<boolean> {
    const request = new proto.AnalyzerHandshakeRequest();
    request.setEngineAddress(ENGINE_ADDRESS);
    request.setRootDirectory(directory);
    request.setProgramDirectory(directory);
    try {
      await call<proto.AnalyzerHandshakeResponse>(this.client, "handshake", request);
      return true;
    } catch (error) {
      if ((error as grpc.ServiceError).code === grpc.status.UNIMPLEMENTED) {
        return false;
      }
      throw error;
    }
  }

  async getAnalyzerInfo(): Promise<AnalyzerInfo> {
    const info = await call<proto.AnalyzerInfo>(this.client, "getAnalyzerInfo", new Empty());
    const initialConfig: Record<string, PolicyConfig> = {};
    info.getInitialconfigMap().forEach((value, key) => {
      initialConfig[key] = {
        enforcementLevel: LEVELS[value.getEnforcementlevel()],
        properties: value.getProperties()?.toJavaScript(),
      };
    });
    return {
      name: info.getName(),
      version: info.getVersion(),
      supportsConfig: info.getSupportsconfig(),
      policies: info.getPoliciesList().map((policy) => {
        const schema = policy.getConfigschema();
        return {
          name: policy.getName(),
          description: policy.getDescription(),
          enforcementLevel: LEVELS[policy.getEnforcementlevel()],
          ...(schema
            ? {
                configSchema: {
                  properties: (schema.getProperties()?.toJavaScript() ?? {}) as Record<
                    string,
                    JsonSchema
                  >,
                  required: schema.getRequiredList(),
                },
              }
            : {}),
        };
      }),
      initialConfig,
    };
  }

  /** The plugin version the pack reports (its @pulumi/policy version). */
  async getPluginVersion(): Promise<string> {
    const info = await call<PluginInfo>(this.client, "getPluginInfo", new Empty());
    return info.getVersion();
  }

  async configureStack(context: StackContext): Promise<void> {
    const request = new proto.AnalyzerStackConfigureRequest();
    request.setStack(context.stack);
    request.setProject(context.project);
    request.setOrganization(context.organization);
    request.setDryRun(context.dryRun);
    request.setConfigSecretKeysList(context.secretKeys);
    for (const [key, value] of Object.entries(context.config)) {
      request.getConfigMap().set(key, value);
    }
    for (const [key, value] of Object.entries(context.tags)) {
      request.getTagsMap().set(key, value);
    }
    await call<proto.AnalyzerStackConfigureResponse>(this.client, "configureStack", request);
  }

  /** Sends the reconciled policy config; like the CLI, sends nothing when it is empty. */
  async configure(config: Record<string, PolicyConfig>): Promise<void> {
    if (Object.keys(config).length === 0) {
      return;
    }
    const request = new proto.ConfigureAnalyzerRequest();
    for (const [name, policyConfig] of Object.entries(config)) {
      const value = new proto.PolicyConfig();
      value.setEnforcementlevel(toProtoLevel(policyConfig.enforcementLevel ?? "advisory"));
      value.setProperties(toStruct(policyConfig.properties ?? {}));
      request.getPolicyconfigMap().set(name, value);
    }
    await call<Empty>(this.client, "configure", request);
  }

  /** Remediate; returns the names of the policies that changed or commented on the resource. */
  async remediate(resource: AnalyzerResource): Promise<string[]> {
    const response = await call<proto.RemediateResponse>(
      this.client,
      "remediate",
      toAnalyzeRequest(resource),
    );
    return response.getRemediationsList().map((r) => r.getPolicyname());
  }

  async analyze(resource: AnalyzerResource): Promise<Diagnostic[]> {
    return fromDiagnostics(
      await call<proto.AnalyzeResponse>(this.client, "analyze", toAnalyzeRequest(resource)),
    );
  }

  async analyzeStack(resources: AnalyzerStackResource[]): Promise<Diagnostic[]> {
    const request = new proto.AnalyzeStackRequest();
    request.setResourcesList(resources.map(toStackResource));
    return fromDiagnostics(await call<proto.AnalyzeResponse>(this.client, "analyzeStack", request));
  }

  /** Closes the connection and stops the pack, waiting for it to exit. */
  async stop(): Promise<void> {
    this.client.close();
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return;
    }
    await new Promise<void>((resolve) => {
      this.child.once("exit", () => resolve());
      this.child.kill("SIGTERM");
    });
  }
}

/**
 * The environment the CLI gives a policy pack process (constructEnv in the CLI's analyzer plugin):
 * the stack's config as JSON in PULUMI_CONFIG, and the organization, project, stack and dry-run flag.
 */
export function packEnvironment(context: StackContext): Record<string, string> {
  const env: Record<string, string> = {};
  const set = (key: string, value: string): void => {
    if (value !== "") {
      env[key] = value;
    }
  };
  if (Object.keys(context.config).length > 0) {
    set("PULUMI_CONFIG", JSON.stringify(context.config));
  }
  for (const prefix of ["PULUMI_NODEJS_", "PULUMI_"]) {
    set(`${prefix}ORGANIZATION`, context.organization);
    set(`${prefix}PROJECT`, context.project);
    set(`${prefix}STACK`, context.stack);
    set(`${prefix}DRY_RUN`, String(context.dryRun));
  }
  return env;
}
