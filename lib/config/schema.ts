/**
 * The one definition of every stack configuration key (`chatbot-platform:<key>`): its type, its
 * default and the rule it follows. `lib/config` parses with it, the types are inferred from it and
 * `schema/stack-config.schema.json` is generated from it. Rules across keys are in `./index.ts`.
 */
import { z } from "zod";
import { planSubnets } from "../addressing";
import { ENVIRONMENTS, HIGH_AVAILABILITY_MODES, POSTGRES_TIERS, TARGETS } from "../environments";
import { GATE_RANGES, GateThresholds, gatesFor } from "../gates";
import { MAX_NAME_PREFIX_LENGTH, revisionSuffix, UNIQUE_SUFFIX_LENGTH } from "../naming";
import { CONTAINER_APPS_REGIONS, KNOWN_REGIONS, POSTGRES_FLEXIBLE_REGIONS } from "../regions";
import { MAX_CANARY_PERCENT, Release, SLOTS } from "../release";
import { didYouMean, list } from "../text";
import { M, PROJECT } from "./messages";

/** Config namespaces of the providers the program uses: their keys may sit in a stack file. */
export const PROVIDER_NAMESPACES = ["azure-native", "docker", "random", "pulumi"];
/** Environment variables the program sets itself from Key Vault; `appSecrets` may not reuse them. */
export const MANAGED_SECRETS = {
  DATABASE_URL: "database-url",
  APPLICATIONINSIGHTS_CONNECTION_STRING: "appinsights-connection-string",
} as const;
/** Environment variables the platform sets on the app; `app.settings` may not override them. */
export const PLATFORM_VARIABLES = ["ENVIRONMENT", "SERVICE_NAME", ...Object.keys(MANAGED_SECRETS)];
/** Names that look like they hold a secret; such values must come from Key Vault. */
export const SECRET_NAME_PATTERN =
  /KEY|SECRET|PASSWORD|PASSWD|TOKEN|CONNECTION|CREDENTIAL|DATABASE_URL/i;
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

type Check<T> = (value: T) => string | undefined;
/** Adds the issue a check returns (zod runs it only when the value has the right type). */
const rule =
  <T>(check: Check<T>) =>
  (value: T, ctx: z.RefinementCtx<T>) => {
    const message = check(value);
    if (message !== undefined) ctx.addIssue({ code: "custom", message, input: value });
  };
const numeric = (v: unknown) => (typeof v === "string" && v.trim() !== "" && !isNaN(+v) ? +v : v);
/** A number (numbers written as strings included, as `pulumi config set` stores them). */
function num(min: number, max: number, integer = true, step?: number) {
  const error = `expected ${integer ? "an integer" : "a number"} from ${min} to ${max}`;
  const base = z.number({ error }).min(min, { error }).max(max, { error });
  const stepped = step
    ? base.multipleOf(step, { error: `expected a multiple of ${step} from ${min} to ${max}` })
    : base;
  return z.preprocess(numeric, integer ? stepped.int({ error }) : stepped);
}
const text = (pattern: RegExp, error: string) => z.string({ error }).regex(pattern, { error });
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `allowed: ${list(values)}` });
const flag = z.preprocess(
  (v) => ({ true: true, false: false })[String(v)] ?? v,
  z.boolean({ error: "expected true or false" }),
);
const urlPath = text(/^\/[A-Za-z0-9/_.-]*$/, "expected a path starting with '/'");
const object = <T extends z.core.$ZodLooseShape>(shape: T) =>
  z.strictObject(shape, { error: "expected an object" });

/** Why an image reference is not a lowercase, pinned reference, or undefined when it is. */
export function imageProblem(image: string): string | undefined {
  const colon = image.indexOf(":", image.lastIndexOf("/") + 1);
  const end = image.includes("@") ? image.indexOf("@") : colon < 0 ? image.length : colon;
  const [name, tag] = [image.slice(0, end), colon < 0 ? undefined : image.slice(colon + 1)];
  if (/\s/.test(image) || image === "") return M.image;
  if (name !== name.toLowerCase()) return M.lowercase(`${name.toLowerCase()}${image.slice(end)}`);
  if (image.includes("@")) return /@sha256:[a-f0-9]{64}$/.test(image) ? undefined : M.digest;
  if (tag === undefined || tag === "latest") return tag === undefined ? M.untagged : M.latestTag;
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag) ? undefined : M.tag;
}

const version = z
  .union([z.string(), z.number()], { error: M.version })
  .superRefine(
    rule((v) =>
      Number.isSafeInteger(v)
        ? undefined
        : typeof v === "number"
          ? M.quoteVersion
          : revisionSuffix(v)
            ? undefined
            : M.version,
    ),
  )
  .transform(String)
  .meta({
    type: "string",
    description: 'Release version, quoted ("1.10"): it names the revision.',
  });
const slot = object({
  version,
  image: z.string({ error: M.image }).superRefine(rule(imageProblem)).optional(),
  revision: text(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, M.revision).optional(),
}).nullish();

/** The `release` block on its own (the release command validates with it too). */
export const releaseSchema = z
  .strictObject(
    {
      live: oneOf(SLOTS),
      latest: oneOf(SLOTS).optional(),
      canaryPercent: num(0, MAX_CANARY_PERCENT).default(0),
      generation: num(0, 1_000_000).default(0),
      blue: slot,
      green: slot,
    },
    { error: (issue) => (issue.input === undefined ? M.release : "expected an object") },
  )
  .superRefine((release, ctx) => {
    const present = SLOTS.filter((name) => release[name]);
    const fail = (path: string[], message: string, input: unknown) =>
      ctx.addIssue({ code: "custom", path, message, input });
    if (present.length === 0) fail([], M.noSlot, release);
    for (const key of ["live", "latest"] as const) {
      const name = release[key];
      if (name && present.length > 0 && !present.includes(name))
        fail([key], M.emptySlot(name), name);
    }
    if (release.latest === undefined && present.length === 2) fail(["latest"], M.latest, undefined);
    if (release.canaryPercent > 0 && present.length < 2)
      fail(["canaryPercent"], M.canary, release.canaryPercent);
    const revision = release.blue?.revision;
    if (revision !== undefined && revision === release.green?.revision)
      fail(["green", "revision"], M.sameRevision, revision);
  })
  .transform((release): Release => {
    const withSuffix = (value: z.output<typeof slot>) =>
      value && { ...value, suffix: revisionSuffix(value.version) };
    const latest = release.latest ?? (release.blue ? "blue" : "green");
    return JSON.parse(
      JSON.stringify({
        ...release,
        latest,
        blue: withSuffix(release.blue),
        green: withSuffix(release.green),
      }),
    );
  })
  .meta({
    description:
      "Blue/green state (written by `npm run release`): live, latest, canaryPercent, generation, blue, green.",
  });

export const gatesSchema = z
  .strictObject(
    Object.fromEntries(
      Object.entries(GATE_RANGES).map(([key, r]) => [
        key,
        num(r.min, r.max, r.integer === true).optional(),
      ]),
    ),
    { error: "expected an object of overrides" },
  )
  .optional()
  // The overrides only: the defaults depend on the environment (`gatesFor` in lib/gates.ts).
  .transform((overrides): Partial<GateThresholds> => JSON.parse(JSON.stringify(overrides ?? {})))
  .superRefine((overrides, ctx) => {
    const gates = gatesFor(undefined, overrides);
    for (const [low, high] of [
      ["promoteMaxErrorRatePercent", "rollbackErrorRatePercent"],
      ["promoteMaxP95Ms", "rollbackP95Ms"],
    ] as const) {
      if (gates[low] > gates[high])
        ctx.addIssue({
          code: "custom",
          path: [low],
          message: M.notAbove(high, gates[high]),
          input: gates[low],
        });
    }
  })
  .meta({ description: "Overrides of the release gates (lib/gates.ts)." });

const settingProblem = (name: string): string | undefined =>
  !ENV_NAME_PATTERN.test(name)
    ? M.settingName
    : PLATFORM_VARIABLES.includes(name)
      ? M.platformVariable(name, PLATFORM_VARIABLES)
      : SECRET_NAME_PATTERN.test(name)
        ? M.secretSetting(name)
        : undefined;
const app = object({
  cpu: num(0.25, 4, false, 0.25).optional(),
  memory: text(/^\d+(\.\d+)?Gi$/, "expected a size such as `2Gi`").optional(),
  minReplicas: num(0, 300).optional(),
  maxReplicas: num(1, 300).optional(),
  concurrentRequests: num(1, 1000).optional(),
  maxInactiveRevisions: num(2, 100).optional(),
  targetPort: num(1, 65535).default(8000),
  healthPath: urlPath.default("/health"),
  readyPath: urlPath.default("/ready"),
  settings: z
    .record(
      z.string(),
      z.union([z.string(), z.number(), z.boolean()], {
        error: "expected a string, number or boolean",
      }),
      { error: "expected an object" },
    )
    .superRefine((settings, ctx) => {
      for (const [name, input] of Object.entries(settings)) {
        const message = settingProblem(name);
        if (message !== undefined) ctx.addIssue({ code: "custom", path: [name], message, input });
      }
    })
    .transform((settings) =>
      Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, String(v)])),
    )
    .default({}),
})
  .prefault({})
  .meta({
    description:
      "Container App sizes (default: the environment's), port, probe paths and plain settings.",
  });

const POSTGRES_VERSIONS = ["15", "16", "17"] as const;
const STORAGE_SIZES_GB = [32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767];
const postgres = object({
  skuName: text(
    /^Standard_[A-Za-z0-9_]+$/,
    "expected a SKU name such as `Standard_D2ds_v5`",
  ).optional(),
  tier: oneOf(POSTGRES_TIERS).optional(),
  version: z
    .union([z.enum(POSTGRES_VERSIONS), z.literal([15, 16, 17])], {
      error: `allowed: ${list(POSTGRES_VERSIONS)}`,
    })
    .transform(String)
    .optional(),
  storageSizeGB: z
    .preprocess(
      numeric,
      z.literal(STORAGE_SIZES_GB, { error: `allowed: ${list(STORAGE_SIZES_GB)}` }),
    )
    .optional(),
  backupRetentionDays: num(7, 35).optional(),
  geoRedundantBackup: flag.optional(),
  highAvailability: oneOf(HIGH_AVAILABILITY_MODES).optional(),
  databaseName: text(
    /^[a-z][a-z0-9_]{0,62}$/,
    "expected a lowercase database name of letters, digits and '_'",
  ).default("chatbot"),
  administratorLogin: text(
    /^(?!azure_|admin$|administrator$|root$|guest$|public$|postgres$)[a-z][a-z0-9_]{0,62}$/,
    "expected a lowercase login of letters, digits and '_' that is not a reserved name (azure_*, admin, administrator, root, guest, public, postgres)",
  ).default("chatbotadmin"),
})
  .prefault({})
  .meta({
    description:
      "PostgreSQL Flexible Server (default: the environment's), database name and login.",
  });

const REGION_NAME = "expected an Azure region name such as `eastus2`";
const regionProblem = (region: string): string | undefined => {
  if (!KNOWN_REGIONS.includes(region)) return M.notRegion(didYouMean(region, KNOWN_REGIONS));
  const services = {
    "Azure Container Apps": CONTAINER_APPS_REGIONS,
    "PostgreSQL Flexible Server": POSTGRES_FLEXIBLE_REGIONS,
  };
  const [service, facts] =
    Object.entries(services).find(([, f]) => !f.regions.includes(region)) ?? [];
  return facts && M.serviceRegion(service as string, facts.source, facts.date);
};
const secretValue = z.string({ error: M.emptySecret }).min(1, { error: M.emptySecret });
const secure = {
  type: "object",
  properties: { secure: { type: "string" } },
  required: ["secure"],
  additionalProperties: false,
};
/** An alert receiver's address (Azure allows 64 characters, https://learn.microsoft.com/azure/azure-monitor/service-limits#action-groups). */
const email = text(/^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$/, "expected an email address").refine(
  (value) => value.length <= 64,
  { error: "expected an email address of at most 64 characters" },
);
/** A webhook URL: a secret (it authorizes posting), https only. */
const webhook = z
  .string({ error: "expected an https URL" })
  .superRefine(
    rule((v) => (/^https:\/\/[^\s/]+\/\S*$/.test(v) ? undefined : "expected an https URL")),
  )
  .optional()
  .meta(secure);

/** Every key of the project: the stack file's `chatbot-platform:<key>` entries. */
export const configShape = {
  environment: z
    .enum(ENVIRONMENTS, {
      error: (issue) => M.environment(issue.input === undefined, ENVIRONMENTS),
    })
    .meta({
      description:
        "Which environment this stack is (dev, staging or prod); selects sizes and protection.",
    }),
  location: z
    .string({ error: REGION_NAME })
    .regex(/^[a-z][a-z0-9]*$/, {
      // One problem for a malformed name (`EastUS2`, `East US 2`): the region check does not run.
      abort: true,
      error: (issue) =>
        `${REGION_NAME}${didYouMean(
          String(issue.input)
            .toLowerCase()
            .replace(/[^a-z0-9]/g, ""),
          KNOWN_REGIONS,
        )}`,
    })
    .superRefine(rule(regionProblem))
    .default("eastus2")
    .meta({
      description: "Azure region of every resource (lib/regions.ts).",
      enum: [...KNOWN_REGIONS],
    }),
  namePrefix: text(
    new RegExp(`^[a-z][a-z0-9]{1,${MAX_NAME_PREFIX_LENGTH - 1}}$`),
    M.namePrefix(MAX_NAME_PREFIX_LENGTH, UNIQUE_SUFFIX_LENGTH),
  )
    .default("chatbot")
    .meta({
      description: `Prefix of every resource name (2-${MAX_NAME_PREFIX_LENGTH} lowercase letters and digits).`,
    }),
  owner: text(
    /^[^<>%&\\?/]{1,256}$/,
    "expected a tag value of 1-256 characters without < > % & \\ ? /",
  )
    .default("platform-team")
    .meta({ description: "Value of the `owner` tag on every taggable resource." }),
  target: oneOf(TARGETS).default("containerApps").meta({
    description:
      "Where the app runs: `containerApps` (Azure Container Apps) or `aks` (Azure Kubernetes Service, Gateway API blue/green).",
  }),
  aksClusterOnly: flag.default(false).meta({
    description:
      '`target: aks` only: true registers the cluster and everything in Azure but no Kubernetes object (the first `pulumi up` of a new AKS stack, before the Gateway API and the deployer\'s Kubernetes role exist; README "First deploy of an AKS stack").',
  }),
  release: releaseSchema,
  releaseGates: gatesSchema,
  app,
  postgres,
  appSecrets: z
    .array(z.string({ error: "expected an environment variable name" }), {
      error: "expected a list of environment variable names",
    })
    .default(["OPENAI_API_KEY"])
    .meta({
      description:
        "Environment variables the app reads from Key Vault (values via secretValues or set in the vault).",
    }),
  secretValues: z.record(z.string(), secretValue).default({}).meta({
    description: "Values of appSecrets, encrypted (`secure:`).",
    additionalProperties: secure,
  }),
  alerts: object({
    emails: z.array(email, { error: "expected a list of email addresses" }).default([]),
    pagerEmails: z.array(email, { error: "expected a list of email addresses" }).default([]),
    monthlyBudget: num(1, 10_000_000).optional(),
  })
    .prefault({})
    .meta({
      description:
        "Alert receivers (emails, pagerEmails) and the monthly budget (default: the environment's); webhooks in alertWebhooks.",
    }),
  alertWebhooks: object({ slack: webhook, teams: webhook, pager: webhook })
    .default({})
    .meta({ description: "Slack, Teams and pager webhook URLs, encrypted (`secure:`)." }),
  imageBuild: object({
    context: text(/./, "expected the build context directory").default("."),
    dockerfile: text(/./, "expected a non-empty string").default("Dockerfile"),
    repository: text(
      /^[a-z0-9]+([._/-][a-z0-9]+)*$/,
      "expected a lowercase repository name",
    ).default("chatbot-api"),
    platform: text(
      /^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/,
      "expected a platform such as `linux/amd64`",
    ).default("linux/amd64"),
  })
    .optional()
    .meta({ description: "Build and push a local Dockerfile as the image of the latest slot." }),
  network: object({
    addressSpace: z
      .string()
      .superRefine(rule((s) => (planSubnets(s) ? undefined : M.addressSpace)))
      .default("10.40.0.0/16"),
  })
    .prefault({})
    .meta({ description: "The stack's private network (every environment): addressSpace." }),
};
export const configSchema = z.strictObject(configShape);
export type ConfigValues = z.output<typeof configSchema>;
export { PROJECT };
