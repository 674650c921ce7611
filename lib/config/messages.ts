/** What each rejection says after "received <value>; ": one definition, for the schema and the checks. */

import { list } from "../text";

/** The Pulumi project name: the namespace of every config key. */
export const PROJECT = "chatbot-platform";

/** A placeholder: the stack file's text of the value (or the value) replaces it. */
export const SOURCE = "{source}";

export const M = {
  image:
    "expected an image reference such as `<registry>/<repository>:<tag>` or `<registry>/<repository>@sha256:<digest>`",
  lowercase: (name: string) =>
    `a repository name must be lowercase (Docker refuses the reference): use \`${name}\``,
  digest: "a digest must be `@sha256:` followed by 64 lowercase hex characters",
  untagged:
    "expected a tag or a digest (`:<tag>` or `@sha256:<digest>`); an untagged image means `latest`",
  latestTag: "the `latest` tag is mutable; pin a version tag or a digest",
  clusterOnly: "applies only to `target: aks` (a Container Apps stack has no cluster); remove it",
  tag: "expected a valid tag after `:`",
  version:
    "expected a version of letters, digits, '.', '_', '+' and '-' that starts with a letter or digit (it names the revision)",
  quoteVersion: `a version must be a string: YAML reads the unquoted ${SOURCE} as a number; quote it: \`version: "${SOURCE}"\``,
  revision:
    "expected the revision suffix the release command recorded: lowercase letters, digits and '-', starting with a letter",
  release:
    'expected an object with `live` and at least the `blue` slot, e.g. { live: blue, blue: { version: "1.0.0", image: "<registry>/chatbot-api:1.0.0" } }',
  noSlot: "expected at least one slot (`blue` or `green`) with a version and an image",
  emptySlot: (slot: string) =>
    `the slot \`${slot}\` holds no version; set \`release.${slot}\` first`,
  latest: 'required when both slots hold a version; allowed: "blue", "green"',
  canary:
    "must be 0 while only one slot holds a version (there is no other slot to send traffic to)",
  sameRevision: "is the revision of `release.blue` as well; each slot holds its own revision",
  revisionLength: (name: string, max: number) =>
    `the revision name \`${name}\` is longer than the ${max} characters Azure allows`,
  builtImage: (slot: string) =>
    `\`${PROJECT}:imageBuild\` builds the image of the latest slot (\`${slot}\`); remove either \`release.${slot}.image\` or \`imageBuild\``,
  missingImage: (latest: boolean) =>
    `expected an image reference${latest ? " (or `imageBuild` to build it)" : ""}`,
  notAbove: (key: string, value: unknown) => `must not be above \`${key}\` (${value})`,
  settingName: "the name must be an environment variable name (letters, digits, '_')",
  platformVariable: (name: string, owned: string[]) =>
    `the platform sets \`${name}\` itself (it owns ${list(owned)}); remove it`,
  secretSetting: (name: string) =>
    `a secret-looking name must not hold a plain value; declare it in \`${PROJECT}:appSecrets\` and set it with \`pulumi config set --secret --path 'secretValues.${name}' <value>\``,
  declaredSetting: (name: string) =>
    `\`${name}\` is declared in \`${PROJECT}:appSecrets\` and reaches the app from Key Vault; remove the plain setting`,
  secretEnvName:
    "each name must be an environment variable name (letters, digits, '_'), at most 127 characters",
  managedSecret: (names: string[]) => `the program manages ${list(names)} itself; remove it`,
  duplicateSecret: (name: string) =>
    `names must differ after lowercasing ('_' becomes '-'): \`${name}\` is already declared`,
  undeclaredSecret: (declared: readonly string[]) =>
    `not declared in \`${PROJECT}:appSecrets\` (declared: ${list(declared)})`,
  emptySecret: "expected a non-empty string (Key Vault rejects empty secrets)",
  encrypt:
    "values must be encrypted: set each with `pulumi config set --secret --path 'secretValues.<NAME>' <value>` (the stack file then holds `secure:`)",
  memory: (cpu: number) =>
    `Container Apps on the Consumption profile pair ${cpu} vCPU with ${cpu * 2}Gi (2 GiB per vCPU)`,
  tierSku: (tier: string, prefix: string) =>
    `the ${tier} tier takes \`${prefix}*\` SKUs (set \`postgres.tier\` to match)`,
  burstableHa:
    'high availability is not available on the Burstable tier; use "Disabled" or a GeneralPurpose/MemoryOptimized SKU',
  notRegion: (near: string) =>
    `not an Azure region${near}; the regions this project knows are in lib/regions.ts`,
  serviceRegion: (service: string, source: string, date: string) =>
    `${service} is not available in this region (${source}, ${date})`,
  zoneRedundant: (environment: string, zones: string) =>
    `the ${environment} environment is zone-redundant (Container Apps environment and PostgreSQL ZoneRedundant high availability) and this region has no availability zones; ${zones}`,
  zoneRedundantHa: (region: string, zones: string) =>
    `\`${region}\` has no availability zones; use "SameZone", or ${zones}`,
  environment: (required: boolean, names: readonly string[]) =>
    `${required ? "required" : "not an environment of this project"}; allowed: ${list(names)}`,
  namePrefix: (max: number, suffix: number) =>
    `expected 2-${max} lowercase letters and digits, starting with a letter (the Key Vault name \`kv-<prefix>-<env>-\` plus ${suffix} random characters must fit in 24)`,
  addressSpace: "expected an aligned IPv4 CIDR block from /8 to /22, e.g. `10.40.0.0/16`",
  context: (dir: string) => `the build context directory \`${dir}\` does not exist`,
  json: "expected a YAML object",
  unknownKey: (near: string, allowed: string[]) =>
    `not a known key${near}; allowed keys: ${list(allowed)}`,
  unknownTopKey: (what: string, near: string, known: string[]) =>
    `not ${what}${near}; known keys: ${list(known)}`,
} as const;
