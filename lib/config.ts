/**
 * The one place that reads stack configuration. `parseConfig` is pure: it takes the raw values
 * (the strings Pulumi hands a program) and returns typed settings, or throws one `ConfigError`
 * that lists every bad value with the key, the value received and what is allowed. Nothing is
 * registered before it has run. `loadConfig` is the thin Pulumi-facing wrapper.
 */
import * as pulumi from "@pulumi/pulumi";
import { planSubnets, SubnetPlan } from "./addressing";
import {
  AppProfile,
  ENVIRONMENT_PROFILES,
  ENVIRONMENTS,
  EnvironmentName,
  EnvironmentProfile,
  HIGH_AVAILABILITY_MODES,
  HighAvailabilityMode,
  POSTGRES_TIERS,
  PostgresProfile,
  PostgresTier,
} from "./environments";
import {
  MAX_CONTAINER_APP_NAME_LENGTH,
  MAX_KEY_VAULT_NAME_LENGTH,
  MAX_POSTGRES_SERVER_NAME_LENGTH,
  MAX_REGISTRY_NAME_LENGTH,
  MAX_REVISION_NAME_LENGTH,
  ResourceNames,
  UNIQUE_SUFFIX_LENGTH,
  resourceNames,
  revisionName,
  revisionSuffix,
  secretNameFor,
} from "./naming";
import { GATES_CONFIG_KEY, GateThresholds, parseGates } from "./gates";
import { MAX_CANARY_PERCENT, Release, SLOTS, Slot, SlotRelease } from "./release";

/** The Pulumi project name: the namespace of every config key. */
export const PROJECT = "chatbot-platform";

/** Defaults of the scalar keys; `Pulumi.yaml` declares the same values (a test keeps them equal). */
export const DEFAULTS = {
  location: "eastus2",
  namePrefix: "chatbot",
  owner: "platform-team",
  service: "chatbot-api",
  appSecrets: ["OPENAI_API_KEY"] as readonly string[],
  addressSpace: "10.40.0.0/16",
  targetPort: 8000,
  healthPath: "/health",
  readyPath: "/ready",
  databaseName: "chatbot",
  administratorLogin: "chatbotadmin",
  imageRepository: "chatbot-api",
  dockerfile: "Dockerfile",
  imagePlatform: "linux/amd64",
} as const;

/** Environment variables the program sets itself from Key Vault; `appSecrets` may not reuse them. */
export const MANAGED_SECRETS = {
  DATABASE_URL: "database-url",
  APPLICATIONINSIGHTS_CONNECTION_STRING: "appinsights-connection-string",
} as const;

/** Key Vault secret that holds the generated PostgreSQL administrator password. */
export const POSTGRES_PASSWORD_SECRET = "postgres-admin-password";

/** Names that look like they hold a secret; such values must come from Key Vault. */
export const SECRET_NAME_PATTERN =
  /KEY|SECRET|PASSWORD|PASSWD|TOKEN|CONNECTION|CREDENTIAL|DATABASE_URL/i;

/** What an error shows instead of a value that is (or probably is) a secret. */
export const REDACTED = "[secret]";

/** Every bad configuration value, reported together. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "ConfigError";
  }
}

/** One secret the app reads as an environment variable through a Key Vault reference. */
export interface AppSecret {
  /** Environment variable name in the container, e.g. `OPENAI_API_KEY`. */
  readonly envName: string;
  /** Key Vault and Container App secret name, e.g. `openai-api-key`. */
  readonly secretName: string;
  /** The value from `secretValues`, when the stack config sets one; the program writes it to Key Vault. */
  readonly value?: string;
}

/** Container App settings: the environment's profile with the stack's overrides. */
export interface AppSettings extends AppProfile {
  readonly targetPort: number;
  readonly healthPath: string;
  readonly readyPath: string;
  /** Plain (non-secret) environment variables. */
  readonly settings: Readonly<Record<string, string>>;
}

/** PostgreSQL settings: the environment's profile with the stack's overrides. */
export interface PostgresSettings extends PostgresProfile {
  readonly databaseName: string;
  readonly administratorLogin: string;
}

/** Build and push a local Dockerfile as the image of the `latest` slot. */
export interface ImageBuild {
  /** Build context directory, relative to the project. */
  readonly context: string;
  readonly dockerfile: string;
  /** Repository in the stack's registry. */
  readonly repository: string;
  readonly platform: string;
}

/** Everything the program needs, validated. */
export interface PlatformConfig {
  readonly project: string;
  readonly stack: string;
  readonly environment: EnvironmentName;
  readonly profile: EnvironmentProfile;
  readonly location: string;
  readonly namePrefix: string;
  readonly owner: string;
  readonly names: ResourceNames;
  readonly tags: Readonly<Record<string, string>>;
  readonly release: Release;
  /** The release gates with this stack's overrides (`releaseGates`). */
  readonly gates: GateThresholds;
  readonly app: AppSettings;
  readonly postgres: PostgresSettings;
  readonly secrets: readonly AppSecret[];
  readonly imageBuild?: ImageBuild;
  /** Subnets of the environment's private network (every environment has one). */
  readonly subnets: SubnetPlan;
  readonly addressSpace: string;
}

/** Raw values as Pulumi hands them to a program: key without namespace -> string. */
export type RawConfig = Readonly<Record<string, string | undefined>>;

const KNOWN_KEYS = [
  "environment",
  "location",
  "namePrefix",
  "owner",
  "release",
  "app",
  "postgres",
  "appSecrets",
  "secretValues",
  "imageBuild",
  "network",
  GATES_CONFIG_KEY,
];

/**
 * A revision suffix: lowercase letters, digits and single '-', starting with a letter, not ending
 * in '-' (`--` separates the app name from the suffix in a revision name).
 */
const REVISION_SUFFIX_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

const POSTGRES_VERSIONS = ["15", "16", "17"];
const STORAGE_SIZES_GB = [32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767];
const TIER_SKU_PREFIX: Readonly<Record<PostgresTier, string>> = {
  Burstable: "Standard_B",
  GeneralPurpose: "Standard_D",
  MemoryOptimized: "Standard_E",
};
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DIGEST_PATTERN = /@sha256:[a-f0-9]{64}$/;
const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Renders a received value for an error message. */
function show(value: unknown): string {
  return value === undefined ? "nothing" : JSON.stringify(value);
}

function list(values: readonly (string | number)[]): string {
  return values.map((value) => JSON.stringify(value)).join(", ");
}

type Json = unknown;
type JsonObject = Record<string, Json>;

function isObject(value: Json): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Collects problems while the config is read; every check records the full key so that the user
 * sees exactly which value to change.
 */
class Reader {
  readonly problems: string[] = [];

  fail(key: string, received: unknown, allowed: string): void {
    this.problems.push(`Invalid \`${PROJECT}:${key}\`: received ${show(received)}; ${allowed}.`);
  }

  /** A structured (JSON) value, or undefined when unset. */
  json(raw: RawConfig, key: string): Json {
    const text = raw[key];
    if (text === undefined) {
      return undefined;
    }
    try {
      return JSON.parse(text);
    } catch {
      this.fail(key, text, "expected a YAML object");
      return undefined;
    }
  }

  object(value: Json, key: string): JsonObject {
    if (value === undefined) {
      return {};
    }
    if (!isObject(value)) {
      this.fail(key, value, "expected an object");
      return {};
    }
    return value;
  }

  unknownKeys(value: JsonObject, key: string, known: readonly string[]): void {
    for (const name of Object.keys(value)) {
      if (!known.includes(name)) {
        this.fail(`${key}.${name}`, value[name], `not a known key; allowed keys: ${list(known)}`);
      }
    }
  }

  string(value: Json, key: string, fallback: string, pattern?: RegExp, rule?: string): string {
    if (value === undefined) {
      return fallback;
    }
    if (typeof value !== "string" || value === "" || (pattern && !pattern.test(value))) {
      this.fail(key, value, rule ?? "expected a non-empty string");
      return fallback;
    }
    return value;
  }

  number(
    value: Json,
    key: string,
    fallback: number,
    min: number,
    max: number,
    integer = true,
  ): number {
    if (value === undefined) {
      return fallback;
    }
    const parsed = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
    if (
      typeof parsed !== "number" ||
      !Number.isFinite(parsed) ||
      (integer && !Number.isInteger(parsed)) ||
      parsed < min ||
      parsed > max
    ) {
      this.fail(
        key,
        value,
        `expected ${integer ? "an integer" : "a number"} from ${min} to ${max}`,
      );
      return fallback;
    }
    return parsed;
  }

  boolean(value: Json, key: string, fallback: boolean): boolean {
    if (value === undefined) {
      return fallback;
    }
    if (value === true || value === "true") {
      return true;
    }
    if (value === false || value === "false") {
      return false;
    }
    this.fail(key, value, "expected true or false");
    return fallback;
  }

  oneOf<T extends string>(value: Json, key: string, fallback: T, allowed: readonly T[]): T {
    if (value === undefined) {
      return fallback;
    }
    if (typeof value !== "string" || !allowed.includes(value as T)) {
      this.fail(key, value, `allowed: ${list(allowed)}`);
      return fallback;
    }
    return value as T;
  }
}

/** Why an image reference is not an immutable, pinned reference, or undefined when it is. */
export function imageProblem(image: string): string | undefined {
  if (/\s/.test(image) || image === "") {
    return "expected an image reference such as `<registry>/<repository>:<tag>` or `<registry>/<repository>@sha256:<digest>`";
  }
  if (image.includes("@")) {
    return DIGEST_PATTERN.test(image)
      ? undefined
      : "a digest must be `@sha256:` followed by 64 lowercase hex characters";
  }
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastSegment.lastIndexOf(":");
  if (colon < 0) {
    return "expected a tag or a digest (`:<tag>` or `@sha256:<digest>`); an untagged image means `latest`";
  }
  const tag = lastSegment.slice(colon + 1);
  if (tag === "latest") {
    return "the `latest` tag is mutable; pin a version tag or a digest";
  }
  return TAG_PATTERN.test(tag) ? undefined : "expected a valid tag after `:`";
}

function readSlot(
  reader: Reader,
  value: Json,
  key: string,
  appName: string | undefined,
  imageOptional: boolean,
): SlotRelease | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (!isObject(value)) {
    reader.fail(key, value, "expected an object with `version` and `image`");
    return undefined;
  }
  reader.unknownKeys(value, key, ["version", "image", "revision"]);
  // `pulumi config set --path` stores a whole number as a number: accept it as that version.
  const version = Number.isSafeInteger(value.version) ? String(value.version) : value.version;
  let suffix: string | undefined;
  if (typeof version !== "string" || (suffix = revisionSuffix(version)) === undefined) {
    reader.fail(
      `${key}.version`,
      version,
      "expected a version of letters, digits, '.', '_', '+' and '-' that starts with a letter or digit (it names the revision)",
    );
  }
  let revision: string | undefined;
  if (value.revision !== undefined) {
    if (typeof value.revision !== "string" || !REVISION_SUFFIX_PATTERN.test(value.revision)) {
      reader.fail(
        `${key}.revision`,
        value.revision,
        "expected the revision suffix the release command recorded: lowercase letters, digits and '-', starting with a letter",
      );
    } else if (
      appName !== undefined &&
      revisionName(appName, value.revision).length > MAX_REVISION_NAME_LENGTH
    ) {
      reader.fail(
        `${key}.revision`,
        value.revision,
        `the revision name \`${revisionName(appName, value.revision)}\` is longer than the ${MAX_REVISION_NAME_LENGTH} characters Azure allows`,
      );
    } else {
      revision = value.revision;
    }
  }
  const recorded = revision === undefined ? {} : { revision };
  const image = value.image;
  if (image === undefined && imageOptional) {
    return suffix === undefined ? undefined : { version: version as string, suffix, ...recorded };
  }
  let problem: string | undefined;
  if (typeof image !== "string" || (problem = imageProblem(image)) !== undefined) {
    reader.fail(`${key}.image`, image, problem ?? "expected an image reference string");
    return undefined;
  }
  return suffix === undefined
    ? undefined
    : { version: version as string, image, suffix, ...recorded };
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
  const reader = new Reader();
  const release = readRelease(reader, value, options.appName, options.imageBuild ?? false);
  if (reader.problems.length > 0 || release === undefined) {
    throw new ConfigError(reader.problems);
  }
  return release;
}

function readRelease(
  reader: Reader,
  value: Json,
  appName: string | undefined,
  imageBuild: boolean,
): Release | undefined {
  if (value === undefined) {
    reader.fail(
      "release",
      value,
      'expected an object with `live` and at least the `blue` slot, e.g. { live: blue, blue: { version: "1.0.0", image: "<registry>/chatbot-api:1.0.0" } }',
    );
    return undefined;
  }
  if (!isObject(value)) {
    reader.fail("release", value, "expected an object");
    return undefined;
  }
  reader.unknownKeys(value, "release", ["live", "latest", "canaryPercent", "generation", ...SLOTS]);
  const slots: Partial<Record<Slot, SlotRelease>> = {};
  const present: Slot[] = SLOTS.filter((slot) => value[slot] !== undefined && value[slot] !== null);
  const latestRaw = value.latest;
  const latestGuess: Slot | undefined =
    latestRaw === "blue" || latestRaw === "green"
      ? latestRaw
      : present.length === 1
        ? present[0]
        : undefined;
  for (const slot of SLOTS) {
    const parsed = readSlot(
      reader,
      value[slot],
      `release.${slot}`,
      appName,
      imageBuild && slot === latestGuess,
    );
    if (parsed !== undefined) {
      slots[slot] = parsed;
    }
  }
  if (present.length === 0) {
    reader.fail(
      "release",
      value,
      "expected at least one slot (`blue` or `green`) with a version and an image",
    );
  }

  let live: Slot | undefined;
  if (value.live !== "blue" && value.live !== "green") {
    reader.fail("release.live", value.live, 'allowed: "blue", "green"');
  } else if (!present.includes(value.live)) {
    reader.fail(
      "release.live",
      value.live,
      `the slot \`${value.live}\` holds no version; set \`release.${value.live}\` first`,
    );
  } else {
    live = value.live;
  }

  let latest: Slot | undefined;
  if (latestRaw === undefined) {
    if (present.length === 2) {
      reader.fail(
        "release.latest",
        latestRaw,
        'required when both slots hold a version; allowed: "blue", "green"',
      );
    } else {
      latest = present[0];
    }
  } else if (latestRaw !== "blue" && latestRaw !== "green") {
    reader.fail("release.latest", latestRaw, 'allowed: "blue", "green"');
  } else if (!present.includes(latestRaw)) {
    reader.fail(
      "release.latest",
      latestRaw,
      `the slot \`${latestRaw}\` holds no version; set \`release.${latestRaw}\` first`,
    );
  } else {
    latest = latestRaw;
  }

  const canaryPercent = reader.number(
    value.canaryPercent,
    "release.canaryPercent",
    0,
    0,
    MAX_CANARY_PERCENT,
  );
  if (canaryPercent > 0 && live !== undefined && present.length < 2) {
    reader.fail(
      "release.canaryPercent",
      value.canaryPercent,
      "must be 0 while only one slot holds a version (there is no other slot to send traffic to)",
    );
  }

  const generation = reader.number(value.generation, "release.generation", 0, 0, 1_000_000);
  if (slots.blue?.revision !== undefined && slots.blue.revision === slots.green?.revision) {
    reader.fail(
      "release.green.revision",
      slots.green.revision,
      "is the revision of `release.blue` as well; each slot holds its own revision",
    );
  }
  if (live === undefined || latest === undefined) {
    return undefined;
  }
  return { live, latest, canaryPercent, generation, ...slots };
}

function readApp(reader: Reader, value: Json, profile: AppProfile): AppSettings {
  const app = reader.object(value, "app");
  reader.unknownKeys(app, "app", [
    "cpu",
    "memory",
    "minReplicas",
    "maxReplicas",
    "concurrentRequests",
    "maxInactiveRevisions",
    "targetPort",
    "healthPath",
    "readyPath",
    "settings",
  ]);
  const cpu = reader.number(app.cpu, "app.cpu", profile.cpu, 0.25, 4, false);
  const memory = reader.string(
    app.memory,
    "app.memory",
    `${cpu * 2}Gi`,
    /^\d+(\.\d+)?Gi$/,
    "expected a size such as `2Gi`",
  );
  if (cpu * 4 !== Math.round(cpu * 4)) {
    reader.fail("app.cpu", app.cpu, "expected a multiple of 0.25 vCPU from 0.25 to 4");
  } else if (memory !== `${cpu * 2}Gi`) {
    reader.fail(
      "app.memory",
      app.memory ?? memory,
      `Container Apps on the Consumption profile pair ${cpu} vCPU with ${cpu * 2}Gi (2 GiB per vCPU)`,
    );
  }
  const minReplicas = reader.number(
    app.minReplicas,
    "app.minReplicas",
    profile.minReplicas,
    0,
    300,
  );
  const maxReplicas = reader.number(
    app.maxReplicas,
    "app.maxReplicas",
    profile.maxReplicas,
    1,
    300,
  );
  if (minReplicas > maxReplicas) {
    reader.fail(
      "app.minReplicas",
      minReplicas,
      `must not be above \`app.maxReplicas\` (${maxReplicas})`,
    );
  }
  const settings = reader.object(app.settings, "app.settings");
  const plain: Record<string, string> = {};
  for (const [name, setting] of Object.entries(settings)) {
    if (!ENV_NAME_PATTERN.test(name)) {
      reader.fail(
        `app.settings.${name}`,
        setting,
        "the name must be an environment variable name (letters, digits, '_')",
      );
    } else if (SECRET_NAME_PATTERN.test(name)) {
      // The value is probably a real secret: never echo it into a terminal or CI log.
      reader.fail(
        `app.settings.${name}`,
        REDACTED,
        `a secret-looking name must not hold a plain value; declare it in \`${PROJECT}:appSecrets\` and set it with \`pulumi config set --secret --path 'secretValues.${name}' <value>\``,
      );
    } else if (
      typeof setting !== "string" &&
      typeof setting !== "number" &&
      typeof setting !== "boolean"
    ) {
      reader.fail(`app.settings.${name}`, setting, "expected a string, number or boolean");
    } else {
      plain[name] = String(setting);
    }
  }
  const path = /^\/[A-Za-z0-9/_.-]*$/;
  return {
    cpu,
    memory,
    minReplicas,
    maxReplicas,
    concurrentRequests: reader.number(
      app.concurrentRequests,
      "app.concurrentRequests",
      profile.concurrentRequests,
      1,
      1000,
    ),
    maxInactiveRevisions: reader.number(
      app.maxInactiveRevisions,
      "app.maxInactiveRevisions",
      profile.maxInactiveRevisions,
      2,
      100,
    ),
    targetPort: reader.number(app.targetPort, "app.targetPort", DEFAULTS.targetPort, 1, 65535),
    healthPath: reader.string(
      app.healthPath,
      "app.healthPath",
      DEFAULTS.healthPath,
      path,
      "expected a path starting with '/'",
    ),
    readyPath: reader.string(
      app.readyPath,
      "app.readyPath",
      DEFAULTS.readyPath,
      path,
      "expected a path starting with '/'",
    ),
    settings: plain,
  };
}

function readPostgres(reader: Reader, value: Json, profile: PostgresProfile): PostgresSettings {
  const pg = reader.object(value, "postgres");
  reader.unknownKeys(pg, "postgres", [
    "skuName",
    "tier",
    "version",
    "storageSizeGB",
    "backupRetentionDays",
    "geoRedundantBackup",
    "highAvailability",
    "databaseName",
    "administratorLogin",
  ]);
  const tier = reader.oneOf<PostgresTier>(pg.tier, "postgres.tier", profile.tier, POSTGRES_TIERS);
  const skuName = reader.string(
    pg.skuName,
    "postgres.skuName",
    profile.skuName,
    /^Standard_[A-Za-z0-9_]+$/,
    "expected a SKU name such as `Standard_D2ds_v5`",
  );
  if (!skuName.startsWith(TIER_SKU_PREFIX[tier])) {
    reader.fail(
      "postgres.skuName",
      skuName,
      `the ${tier} tier takes \`${TIER_SKU_PREFIX[tier]}*\` SKUs (set \`postgres.tier\` to match)`,
    );
  }
  const highAvailability = reader.oneOf<HighAvailabilityMode>(
    pg.highAvailability,
    "postgres.highAvailability",
    profile.highAvailability,
    HIGH_AVAILABILITY_MODES,
  );
  if (tier === "Burstable" && highAvailability !== "Disabled") {
    reader.fail(
      "postgres.highAvailability",
      highAvailability,
      'high availability is not available on the Burstable tier; use "Disabled" or a GeneralPurpose/MemoryOptimized SKU',
    );
  }
  const storageSizeGB = reader.number(
    pg.storageSizeGB,
    "postgres.storageSizeGB",
    profile.storageSizeGB,
    32,
    32767,
  );
  if (!STORAGE_SIZES_GB.includes(storageSizeGB)) {
    reader.fail("postgres.storageSizeGB", pg.storageSizeGB, `allowed: ${list(STORAGE_SIZES_GB)}`);
  }
  return {
    skuName,
    tier,
    version: reader.oneOf(
      pg.version === undefined ? undefined : String(pg.version),
      "postgres.version",
      profile.version,
      POSTGRES_VERSIONS,
    ),
    storageSizeGB,
    backupRetentionDays: reader.number(
      pg.backupRetentionDays,
      "postgres.backupRetentionDays",
      profile.backupRetentionDays,
      7,
      35,
    ),
    geoRedundantBackup: reader.boolean(
      pg.geoRedundantBackup,
      "postgres.geoRedundantBackup",
      profile.geoRedundantBackup,
    ),
    highAvailability,
    databaseName: reader.string(
      pg.databaseName,
      "postgres.databaseName",
      DEFAULTS.databaseName,
      /^[a-z][a-z0-9_]{0,62}$/,
      "expected a lowercase database name of letters, digits and '_'",
    ),
    administratorLogin: reader.string(
      pg.administratorLogin,
      "postgres.administratorLogin",
      DEFAULTS.administratorLogin,
      /^(?!azure_|admin$|administrator$|root$|guest$|public$|postgres$)[a-z][a-z0-9_]{0,62}$/,
      "expected a lowercase login of letters, digits and '_' that is not a reserved name (azure_*, admin, administrator, root, guest, public, postgres)",
    ),
  };
}

function readSecrets(reader: Reader, declaredValue: Json, valuesValue: Json): AppSecret[] {
  let declared: readonly string[] = DEFAULTS.appSecrets;
  if (declaredValue !== undefined) {
    if (!Array.isArray(declaredValue) || declaredValue.some((name) => typeof name !== "string")) {
      reader.fail("appSecrets", declaredValue, "expected a list of environment variable names");
    } else {
      declared = declaredValue as string[];
    }
  }
  const values = reader.object(valuesValue, "secretValues");
  const secrets: AppSecret[] = [];
  const seen = new Set<string>();
  for (const envName of declared) {
    const secretName = secretNameFor(envName);
    if (!ENV_NAME_PATTERN.test(envName) || envName.length > 127) {
      reader.fail(
        "appSecrets",
        envName,
        "each name must be an environment variable name (letters, digits, '_'), at most 127 characters",
      );
    } else if (envName in MANAGED_SECRETS) {
      reader.fail(
        "appSecrets",
        envName,
        `the program manages ${list(Object.keys(MANAGED_SECRETS))} itself; remove it`,
      );
    } else if (seen.has(secretName)) {
      reader.fail(
        "appSecrets",
        envName,
        `names must differ after lowercasing ('_' becomes '-'): \`${secretName}\` is already declared`,
      );
    } else {
      seen.add(secretName);
      const value = values[envName];
      if (value !== undefined && (typeof value !== "string" || value === "")) {
        reader.fail(
          `secretValues.${envName}`,
          REDACTED,
          "expected a non-empty string (Key Vault rejects empty secrets)",
        );
      }
      secrets.push(
        typeof value === "string" && value !== ""
          ? { envName, secretName, value }
          : { envName, secretName },
      );
    }
  }
  for (const name of Object.keys(values)) {
    if (!declared.includes(name)) {
      reader.fail(
        `secretValues.${name}`,
        REDACTED,
        `not declared in \`${PROJECT}:appSecrets\` (declared: ${list(declared)})`,
      );
    }
  }
  return secrets;
}

function readImageBuild(reader: Reader, value: Json): ImageBuild | undefined {
  if (value === undefined) {
    return undefined;
  }
  const build = reader.object(value, "imageBuild");
  reader.unknownKeys(build, "imageBuild", ["context", "dockerfile", "repository", "platform"]);
  return {
    context:
      reader.string(
        build.context,
        "imageBuild.context",
        "",
        undefined,
        "expected the build context directory",
      ) || ".",
    dockerfile: reader.string(build.dockerfile, "imageBuild.dockerfile", DEFAULTS.dockerfile),
    repository: reader.string(
      build.repository,
      "imageBuild.repository",
      DEFAULTS.imageRepository,
      /^[a-z0-9]+([._/-][a-z0-9]+)*$/,
      "expected a lowercase repository name",
    ),
    platform: reader.string(
      build.platform,
      "imageBuild.platform",
      DEFAULTS.imagePlatform,
      /^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/,
      "expected a platform such as `linux/amd64`",
    ),
  };
}

function checkNameLengths(reader: Reader, names: ResourceNames, prefix: string): void {
  const checks: [string, number, number][] = [
    [
      `the Container App name \`${names.containerApp}\``,
      names.containerApp.length,
      MAX_CONTAINER_APP_NAME_LENGTH,
    ],
    [
      `the Key Vault name \`${names.keyVaultBase}\` plus ${UNIQUE_SUFFIX_LENGTH} random characters`,
      names.keyVaultBase.length + UNIQUE_SUFFIX_LENGTH,
      MAX_KEY_VAULT_NAME_LENGTH,
    ],
    [
      `the PostgreSQL server name \`${names.postgresBase}\` plus ${UNIQUE_SUFFIX_LENGTH} random characters`,
      names.postgresBase.length + UNIQUE_SUFFIX_LENGTH,
      MAX_POSTGRES_SERVER_NAME_LENGTH,
    ],
    [
      `the registry name \`${names.registryBase}\` plus ${UNIQUE_SUFFIX_LENGTH} random characters`,
      names.registryBase.length + UNIQUE_SUFFIX_LENGTH,
      MAX_REGISTRY_NAME_LENGTH,
    ],
  ];
  for (const [what, length, max] of checks) {
    if (length > max) {
      reader.fail(
        "namePrefix",
        prefix,
        `${what} would have ${length} characters and Azure allows ${max}; use a shorter prefix`,
      );
    }
  }
}

/**
 * Validates the raw stack configuration and returns typed settings. Throws a `ConfigError` listing
 * every problem; nothing should be registered when it throws.
 */
export function parseConfig(raw: RawConfig, stack: string): PlatformConfig {
  const reader = new Reader();
  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.includes(key)) {
      reader.fail(key, raw[key], `not a key of this project; known keys: ${list(KNOWN_KEYS)}`);
    }
  }
  const environmentRaw = raw.environment;
  const environment = reader.oneOf<EnvironmentName>(
    environmentRaw,
    "environment",
    "dev",
    ENVIRONMENTS,
  );
  if (environmentRaw === undefined) {
    reader.fail("environment", environmentRaw, `required; allowed: ${list(ENVIRONMENTS)}`);
  }
  const profile = ENVIRONMENT_PROFILES[environment];
  const location = reader.string(
    raw.location,
    "location",
    DEFAULTS.location,
    /^[a-z][a-z0-9]*$/,
    "expected an Azure region name such as `eastus2`",
  );
  const namePrefix = reader.string(
    raw.namePrefix,
    "namePrefix",
    DEFAULTS.namePrefix,
    /^[a-z][a-z0-9]{1,11}$/,
    "expected 2-12 lowercase letters and digits, starting with a letter",
  );
  const owner = reader.string(
    raw.owner,
    "owner",
    DEFAULTS.owner,
    /^[^<>%&\\?/]{1,256}$/,
    "expected a tag value of 1-256 characters without < > % & \\ ? /",
  );
  const names = resourceNames(namePrefix, environment);
  checkNameLengths(reader, names, namePrefix);

  const imageBuild = readImageBuild(reader, reader.json(raw, "imageBuild"));
  const release = readRelease(
    reader,
    reader.json(raw, "release"),
    names.containerApp,
    imageBuild !== undefined,
  );
  const gates = parseGates(reader.json(raw, GATES_CONFIG_KEY));
  for (const problem of gates.problems) {
    reader.fail(problem.key, problem.value, problem.expected);
  }
  const app = readApp(reader, reader.json(raw, "app"), profile.app);
  const postgres = readPostgres(reader, reader.json(raw, "postgres"), profile.postgres);
  const secrets = readSecrets(
    reader,
    reader.json(raw, "appSecrets"),
    reader.json(raw, "secretValues"),
  );
  // One environment variable, one source: a declared secret comes from Key Vault only.
  for (const secret of secrets) {
    if (secret.envName in app.settings) {
      reader.fail(
        `app.settings.${secret.envName}`,
        REDACTED,
        `\`${secret.envName}\` is declared in \`${PROJECT}:appSecrets\` and reaches the app from Key Vault; remove the plain setting`,
      );
    }
  }

  const network = reader.object(reader.json(raw, "network"), "network");
  reader.unknownKeys(network, "network", ["addressSpace"]);
  const addressSpace = reader.string(
    network.addressSpace,
    "network.addressSpace",
    DEFAULTS.addressSpace,
  );
  const subnets = planSubnets(addressSpace);
  if (subnets === undefined) {
    reader.fail(
      "network.addressSpace",
      addressSpace,
      "expected an aligned IPv4 CIDR block from /8 to /22, e.g. `10.40.0.0/16`",
    );
  }

  if (reader.problems.length > 0 || release === undefined || subnets === undefined) {
    throw new ConfigError(reader.problems);
  }
  return {
    project: PROJECT,
    stack,
    environment,
    profile,
    location,
    namePrefix,
    owner,
    names,
    tags: { environment, service: DEFAULTS.service, owner },
    release,
    gates: gates.gates,
    app,
    postgres,
    secrets,
    imageBuild,
    subnets,
    addressSpace,
  };
}

/** Reads this project's raw config values from the Pulumi runtime (plain strings, secrets included). */
export function readRawConfig(): Record<string, string | undefined> {
  const prefix = `${PROJECT}:`;
  const raw: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (key.startsWith(prefix)) {
      raw[key.slice(prefix.length)] = value;
    }
  }
  return raw;
}

/** Reads and validates the stack's configuration. Called once, by `index.ts`. */
export function loadConfig(): PlatformConfig {
  return parseConfig(readRawConfig(), pulumi.getStack());
}
