/**
 * The one place that reads stack configuration. `parseConfig` is pure: it checks the raw values
 * (the strings Pulumi hands a program) against the schema (`./schema.ts`) and the rules across
 * keys below, and returns typed settings or throws one `ConfigError` listing every bad value: where
 * it is in the stack file, the key, the value (never a secret) and what is allowed.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { z } from "zod";
import { planSubnets, SubnetPlan } from "../addressing";
import { ENVIRONMENT_PROFILES, EnvironmentName, TIER_SKU_PREFIX } from "../environments";
import { MAX_REVISION_NAME_LENGTH, resourceNames, revisionName, secretNameFor } from "../naming";
import { AVAILABILITY_ZONE_REGIONS as ZONES, hasAvailabilityZones } from "../regions";
import { GateThresholds, gatesFor } from "../gates";
import { Release, SLOTS } from "../release";
import { Path, StackFile } from "../stackFile";
import { closest, didYouMean, list } from "../text";
import { M, PROJECT, SOURCE } from "./messages";
import {
  configShape,
  ConfigValues,
  ENV_NAME_PATTERN,
  MANAGED_SECRETS,
  PROVIDER_NAMESPACES,
} from "./schema";
import { gatesSchema, releaseSchema, SECRET_NAME_PATTERN } from "./schema";

export { imageProblem, MANAGED_SECRETS, PROJECT, SECRET_NAME_PATTERN } from "./schema";

/** Key Vault secret that holds the generated PostgreSQL administrator password. */
export const POSTGRES_PASSWORD_SECRET = "postgres-admin-password";
/** Keys whose every value is a secret: shown redacted, refused unless encrypted. */
const SECRET_KEYS = ["secretValues", "alertWebhooks"];
/** What an error shows instead of a value that is (or probably is) a secret. */
export const REDACTED = "[secret]";

/** Every bad configuration value, reported together. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "ConfigError";
  }
}

/** Raw values as Pulumi hands them over: own keys without namespace, other keys with theirs. */
export type RawConfig = Readonly<Record<string, string | undefined>>;
/** Everything the program needs, validated (see `parseConfig`). */
export type PlatformConfig = ReturnType<typeof parseConfig>;
/** One secret the app reads from Key Vault: `OPENAI_API_KEY` as `openai-api-key`, maybe with its value. */
export type AppSecret = {
  readonly envName: string;
  readonly secretName: string;
  readonly value?: string;
};

/** Where the raw values come from, so that a rejection can name the file, line and column. */
export interface ParseOptions {
  /** The stack file; a key is located only when the file holds the value Pulumi handed over. */
  readonly source?: { readonly file: string; readonly text: string };
  /** Keys (without namespace) Pulumi marks secret; when given, `secretValues` must be one. */
  readonly secretKeys?: readonly string[];
  /** The project directory: when given, `imageBuild.context` must exist in it. */
  readonly projectDir?: string;
}

type Def = { type: string; shape?: Record<string, z.ZodType> } & Record<string, z.ZodType>;

/** A schema's core definition, through defaults, optionals and pipes. */
function core(node: z.ZodType): Def {
  let def = node._zod.def as unknown as Def;
  while (["default", "prefault", "optional", "nullable", "pipe"].includes(def.type)) {
    def = (def.innerType ?? (def.in._zod.def.type === "transform" ? def.out : def.in))._zod
      .def as unknown as Def;
  }
  return def;
}

/** Collects problems in the one message format. */
class Problems {
  readonly list: string[] = [];
  constructor(readonly file?: StackFile) {}

  add(at: Path, value: unknown, expected: string): void {
    const [head, ...rest] = at.map(String);
    const key = `${head.includes(":") ? "" : `${PROJECT}:`}${head}${at
      .slice(1)
      .map((s) => (typeof s === "number" ? `[${s}]` : `.${s}`))
      .join("")}`;
    const secret = SECRET_KEYS.includes(head) || rest.some((s) => SECRET_NAME_PATTERN.test(s));
    const shown = secret
      ? `"${REDACTED}"`
      : value === undefined
        ? "nothing"
        : JSON.stringify(value);
    const where = this.file?.position(at);
    const line = `${where ? `${where}: ` : ""}Invalid \`${key}\`: received ${shown}; ${expected.replaceAll(SOURCE, this.file?.source(at) ?? String(value))}.`;
    if (!this.list.includes(line)) this.list.push(line);
  }

  /** A zod issue under the key `key` (one problem per unknown key, with the closest known one). */
  issue(key: string, issue: z.core.$ZodIssue): void {
    const at = [key, ...(issue.path as (string | number)[])];
    if (issue.code === "unrecognized_keys") {
      let shape = configShape as Record<string, z.ZodType>;
      at.forEach((segment) => (shape = core(shape[segment]).shape ?? {}));
      for (const name of issue.keys) {
        const near = didYouMean(name, Object.keys(shape), at.slice(0).join(".") + ".");
        this.add(
          [...at, name],
          (issue.input as Record<string, unknown>)[name],
          M.unknownKey(near, Object.keys(shape)),
        );
      }
    } else if (issue.code === "invalid_value" && typeof issue.input === "string") {
      this.add(
        at,
        issue.input,
        `${issue.message}${didYouMean(issue.input, issue.values.map(String))}`,
      );
    } else {
      this.add(at, issue.input, issue.message);
    }
  }
}

/**
 * Validates the raw stack configuration and returns typed settings. Throws a `ConfigError` listing
 * every problem; nothing should be registered when it throws.
 */
export function parseConfig(raw: RawConfig, stack: string, options: ParseOptions = {}) {
  const file =
    options.source && new StackFile(options.source.file, options.source.text, raw, PROJECT);
  const problems = new Problems(file);
  const known = Object.keys(configShape) as (keyof typeof configShape)[];
  for (const key of Object.keys(raw).filter((k) => !(k in configShape))) {
    const [namespace, name] = key.includes(":") ? key.split(/:(.*)/) : [PROJECT, key];
    const namespaces = [PROJECT, ...PROVIDER_NAMESPACES];
    if (namespace === PROJECT || !PROVIDER_NAMESPACES.includes(namespace)) {
      const ours = closest(namespace, namespaces) === PROJECT;
      const near = ours
        ? didYouMean(name, known, `${PROJECT}:`)
        : didYouMean(namespace, namespaces);
      const what =
        namespace === PROJECT
          ? "a key of this project"
          : `a namespace of this project or of a provider it configures (${list(PROVIDER_NAMESPACES)})`;
      problems.add([key], raw[key], M.unknownTopKey(what, near, known));
    }
  }
  const parsed: Record<string, unknown> = {};
  for (const key of known) {
    let value: unknown = raw[key];
    try {
      value =
        value === undefined || ["string", "enum"].includes(core(configShape[key]).type)
          ? value
          : JSON.parse(value as string);
    } catch {
      problems.add([key], value, M.json);
      continue;
    }
    const result = configShape[key].safeParse(value, { reportInput: true });
    if (result.success) parsed[key] = result.data;
    else result.error.issues.forEach((issue) => problems.issue(key, issue));
  }
  const config = parsed as Partial<ConfigValues>;
  const environment = config.environment ?? "dev";
  const profile = ENVIRONMENT_PROFILES[environment];
  const names = resourceNames(config.namePrefix ?? "chatbot", environment);
  const app = config.app && { ...profile.app, ...JSON.parse(JSON.stringify(config.app)) };
  const postgres = config.postgres && {
    ...profile.postgres,
    ...JSON.parse(JSON.stringify(config.postgres)),
  };
  const region = config.location;
  if (region !== undefined && !hasAvailabilityZones(region)) {
    const zones = `choose a region with zones${didYouMean(region, ZONES.regions)} (lib/regions.ts, from ${ZONES.source} of ${ZONES.date})`;
    if (profile.zoneRedundant)
      problems.add(["location"], region, M.zoneRedundant(environment, zones));
    else if (postgres?.highAvailability === "ZoneRedundant")
      problems.add(
        ["postgres", "highAvailability"],
        "ZoneRedundant",
        M.zoneRedundantHa(region, zones),
      );
  }
  if (config.aksClusterOnly === true && (config.target ?? "containerApps") !== "aks")
    problems.add(["aksClusterOnly"], true, M.clusterOnly);
  if (app && app.memory !== `${app.cpu * 2}Gi`)
    problems.add(["app", "memory"], app.memory, M.memory(app.cpu));
  if (app && app.minReplicas > app.maxReplicas)
    problems.add(
      ["app", "minReplicas"],
      app.minReplicas,
      M.notAbove("app.maxReplicas", app.maxReplicas),
    );
  const prefix = postgres && TIER_SKU_PREFIX[postgres.tier as keyof typeof TIER_SKU_PREFIX];
  if (postgres && !postgres.skuName.startsWith(prefix))
    problems.add(["postgres", "skuName"], postgres.skuName, M.tierSku(postgres.tier, prefix));
  if (postgres?.tier === "Burstable" && postgres.highAvailability !== "Disabled")
    problems.add(["postgres", "highAvailability"], postgres.highAvailability, M.burstableHa);
  const secrets = readSecrets(config, problems, options.secretKeys);
  checkEncrypted("alertWebhooks", config.alertWebhooks ?? {}, problems, options.secretKeys);
  if (config.release)
    checkRelease(
      config.release,
      { appName: names.containerApp, imageBuild: config.imageBuild !== undefined },
      problems,
    );
  for (const at of SLOTS.map((slot) => ["release", slot, "version"])) {
    const value = file?.scalar(at);
    if (typeof value === "number" && file?.source(at) !== String(value))
      problems.add(at, value, M.quoteVersion);
  }
  const context =
    config.imageBuild &&
    options.projectDir &&
    path.resolve(options.projectDir, config.imageBuild.context);
  if (context && !fs.statSync(context, { throwIfNoEntry: false })?.isDirectory())
    problems.add(["imageBuild", "context"], config.imageBuild?.context, M.context(context));
  if (problems.list.length > 0) throw new ConfigError(problems.list);

  const {
    location,
    namePrefix,
    owner,
    release,
    releaseGates,
    alerts,
    alertWebhooks,
    imageBuild,
    network,
    target,
    aksClusterOnly,
  } = config as ConfigValues;
  const tags: Readonly<Record<string, string>> = { environment, service: "chatbot-api", owner };
  const subnets = planSubnets(network.addressSpace) as SubnetPlan;
  const settings = {
    app: app as typeof profile.app & ConfigValues["app"],
    postgres: postgres as typeof profile.postgres & ConfigValues["postgres"],
  };
  return {
    project: PROJECT,
    stack,
    environment,
    target,
    aksClusterOnly,
    profile,
    location,
    namePrefix,
    owner,
    names,
    tags,
    release,
    gates: gatesFor(environment, releaseGates),
    alerts: {
      emails: alerts.emails,
      pagerEmails: alerts.pagerEmails,
      monthlyBudget: alerts.monthlyBudget ?? profile.monthlyBudget,
      webhooks: alertWebhooks,
    },
    ...settings,
    secrets,
    imageBuild,
    subnets,
    addressSpace: network.addressSpace,
  };
}

/** Declared app secrets with their values; the values must be encrypted in the stack. */
function readSecrets(
  config: Partial<ConfigValues>,
  problems: Problems,
  secretKeys?: readonly string[],
): AppSecret[] {
  const [declared, values, secrets] = [
    config.appSecrets ?? [],
    config.secretValues ?? {},
    [] as AppSecret[],
  ];
  declared.forEach((envName, index) => {
    const secretName = secretNameFor(envName);
    const problem =
      !ENV_NAME_PATTERN.test(envName) || envName.length > 127
        ? M.secretEnvName
        : envName in MANAGED_SECRETS
          ? M.managedSecret(Object.keys(MANAGED_SECRETS))
          : secrets.some((s) => s.secretName === secretName)
            ? M.duplicateSecret(secretName)
            : undefined;
    if (problem !== undefined) return problems.add(["appSecrets", index], envName, problem);
    secrets.push(
      values[envName] === undefined
        ? { envName, secretName }
        : { envName, secretName, value: values[envName] },
    );
    if (config.app?.settings[envName] !== undefined)
      problems.add(["app", "settings", envName], REDACTED, M.declaredSetting(envName));
  });
  Object.keys(values)
    .filter((name) => !declared.includes(name))
    .forEach((name) =>
      problems.add(["secretValues", name], REDACTED, M.undeclaredSecret(declared)),
    );
  const plain = problems.file?.plaintextLeaves("secretValues") ?? [];
  plain.forEach((name) => problems.add(["secretValues", name], REDACTED, M.encrypt));
  if (
    !plain.length &&
    secretKeys &&
    Object.keys(values).length &&
    !secretKeys.includes("secretValues")
  )
    problems.add(["secretValues"], REDACTED, M.encrypt);
  return secrets;
}

/** Every leaf of a secret key must be `secure:` in the stack file (or the key marked secret). */
function checkEncrypted(
  key: string,
  values: Record<string, unknown>,
  problems: Problems,
  secretKeys?: readonly string[],
): void {
  const message = M.encrypt.replace("secretValues.<NAME>", `${key}.<NAME>`);
  const plain = problems.file?.plaintextLeaves(key) ?? [];
  plain.forEach((name) => problems.add([key, name], REDACTED, message));
  const set = Object.values(values).some((value) => value !== undefined);
  if (!plain.length && secretKeys && set && !secretKeys.includes(key))
    problems.add([key], REDACTED, message);
}

/** The release rules that depend on the app name and on `imageBuild`. */
function checkRelease(
  release: Release,
  options: { appName?: string; imageBuild?: boolean },
  problems: Problems,
): void {
  for (const slot of SLOTS.filter((s) => release[s] !== undefined)) {
    const { revision, image } = release[slot] ?? {};
    const name = revision && options.appName && revisionName(options.appName, revision);
    if (name && name.length > MAX_REVISION_NAME_LENGTH)
      problems.add(
        ["release", slot, "revision"],
        revision,
        M.revisionLength(name, MAX_REVISION_NAME_LENGTH),
      );
    const built = options.imageBuild === true && slot === release.latest;
    if (built && image !== undefined)
      problems.add(["release", slot, "image"], image, M.builtImage(slot));
    if (!built && image === undefined)
      problems.add(["release", slot, "image"], undefined, M.missingImage(slot === release.latest));
  }
}

/**
 * Validates a `release` block on its own (the release command uses it, so the command and the
 * program refuse the same blocks with the same messages). `appName` adds the revision-name length
 * check; `imageBuild` lets the latest slot omit its image.
 */
export function parseRelease(
  value: unknown,
  options: { appName?: string; imageBuild?: boolean } = {},
): Release {
  const problems = new Problems();
  const result = releaseSchema.safeParse(value, { reportInput: true });
  if (result.success) checkRelease(result.data, options, problems);
  else result.error.issues.forEach((issue) => problems.issue("release", issue));
  if (!result.success || problems.list.length > 0) throw new ConfigError(problems.list);
  return result.data;
}

/**
 * Validates a `releaseGates` block on its own (the release command reads it from the stack file),
 * with the same rules and messages as the program; `undefined` gives the defaults of the
 * environment (the design's values without one).
 */
export function parseGatesConfig(value: unknown, environment?: EnvironmentName): GateThresholds {
  const problems = new Problems();
  const result = gatesSchema.safeParse(value, { reportInput: true });
  if (!result.success)
    result.error.issues.forEach((issue) => problems.issue("releaseGates", issue));
  if (!result.success) throw new ConfigError(problems.list);
  return gatesFor(environment, result.data);
}

/** Reads the raw config values from the Pulumi runtime (secrets included, other namespaces kept). */
export function readRawConfig(): Record<string, string | undefined> {
  const entries = Object.entries(pulumi.runtime.allConfig());
  return Object.fromEntries(
    entries.map(([key, value]) => [key.replace(new RegExp(`^${PROJECT}:`), ""), value]),
  );
}

/** Reads and validates the stack's configuration, locating keys in `Pulumi.<stack>.yaml`. */
export function loadConfig(): PlatformConfig {
  const [stack, raw] = [pulumi.getStack(), readRawConfig()];
  const file = `Pulumi.${stack}.yaml`;
  const isSecret = (runtimeConfig as unknown as { isConfigSecret(key: string): boolean })
    .isConfigSecret;
  return parseConfig(raw, stack, {
    source: fs.existsSync(file) ? { file, text: fs.readFileSync(file, "utf8") } : undefined,
    secretKeys: Object.keys(raw).filter((key) =>
      isSecret(key.includes(":") ? key : `${PROJECT}:${key}`),
    ),
    projectDir: process.cwd(),
  });
}
