/**
 * Naming rules for the Azure resources whose names users see or Azure constrains. Pure functions,
 * no Pulumi resources: every rule here is checked before anything is registered.
 */

/** Separator Azure puts between a Container App's name and a revision suffix. */
export const REVISION_SEPARATOR = "--";

/** The longest revision name (`<app>--<suffix>`) Azure accepts. */
export const MAX_REVISION_NAME_LENGTH = 54;

/** Container App names: 2-32 characters, lowercase letters, digits and '-', no '--'. */
export const MAX_CONTAINER_APP_NAME_LENGTH = 32;

/** Key Vault names are 3-24 characters and global. */
export const MAX_KEY_VAULT_NAME_LENGTH = 24;

/** PostgreSQL Flexible Server names are 3-63 characters and global (they are DNS names). */
export const MAX_POSTGRES_SERVER_NAME_LENGTH = 63;

/** Container registry names are 5-50 letters and digits and global. */
export const MAX_REGISTRY_NAME_LENGTH = 50;

/**
 * Name of the diagnostic setting that sends a resource's audit logs (Key Vault `AuditEvent`,
 * PostgreSQL server logs) to the stack's Log Analytics workspace.
 */
export const AUDIT_DIAGNOSTIC_SETTING_NAME = "audit-to-log-analytics";

/** Characters of the random suffix that makes global names unique per stack. */
export const UNIQUE_SUFFIX_LENGTH = 6;

/**
 * The longest name prefix: the Key Vault name `kv-<prefix>-<env code>-<suffix>` must fit in 24
 * characters (24 - "kv-" - "-stg-" - 6 = 10). Every other name has room to spare (a test checks).
 */
export const MAX_NAME_PREFIX_LENGTH =
  MAX_KEY_VAULT_NAME_LENGTH - "kv--stg-".length - UNIQUE_SUFFIX_LENGTH;

const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/**
 * Turns a release version (`1.4.2`, `v2.0.0-rc.1`, a commit hash such as `3f2a9c1`) into a
 * Container App revision suffix: lowercase, every character outside [a-z0-9] becomes '-', runs of
 * '-' collapse, and a 'v' is put in front when the version does not start with a letter (Azure
 * requires revision names to start with a letter; commit hashes often start with a digit).
 * Returns `undefined` when the version cannot become a valid suffix.
 */
export function revisionSuffix(version: string): string | undefined {
  if (!VERSION_PATTERN.test(version)) {
    return undefined;
  }
  const body = version
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/-+$/, "");
  if (body === "") {
    return undefined;
  }
  return /^[a-z]/.test(body) ? body : `v${body}`;
}

/** The revision name Azure gives a revision: `<app>--<suffix>`. */
export function revisionName(appName: string, suffix: string): string {
  return `${appName}${REVISION_SEPARATOR}${suffix}`;
}

/** The names every stack derives from its prefix and environment. */
export interface ResourceNames {
  /** Resource group, e.g. `rg-chatbot-prod`. */
  readonly resourceGroup: string;
  /** The Container App (deterministic, so revision names and label URLs are predictable). */
  readonly containerApp: string;
  /** The Container Apps managed environment. */
  readonly environment: string;
  /** Log Analytics workspace. */
  readonly logAnalytics: string;
  /** Application Insights component. */
  readonly appInsights: string;
  /** The app's user-assigned managed identity. */
  readonly identity: string;
  /** Key Vault name without the unique suffix (the suffix is appended at deploy time). */
  readonly keyVaultBase: string;
  /** Registry name without the unique suffix (letters and digits only). */
  readonly registryBase: string;
  /** PostgreSQL server name without the unique suffix. */
  readonly postgresBase: string;
  /** Virtual network (prod). */
  readonly virtualNetwork: string;
}

/** Short environment codes for names with tight limits (Key Vault: 24 characters). */
const ENVIRONMENT_CODES: Readonly<Record<string, string>> = {
  dev: "dev",
  staging: "stg",
  prod: "prd",
};

/** Derives every resource name from the prefix and the environment. */
export function resourceNames(prefix: string, environment: string): ResourceNames {
  const compact = `${prefix}${environment}`.replace(/-/g, "");
  const code = ENVIRONMENT_CODES[environment] ?? environment;
  return {
    resourceGroup: `rg-${prefix}-${environment}`,
    containerApp: `${prefix}-api-${environment}`,
    environment: `cae-${prefix}-${environment}`,
    logAnalytics: `log-${prefix}-${environment}`,
    appInsights: `appi-${prefix}-${environment}`,
    identity: `id-${prefix}-api-${environment}`,
    keyVaultBase: `kv-${prefix}-${code}-`,
    registryBase: `acr${compact}`,
    postgresBase: `psql-${prefix}-${environment}-`,
    virtualNetwork: `vnet-${prefix}-${environment}`,
  };
}

/**
 * Key Vault and Container App secret name for an environment variable: `OPENAI_API_KEY` becomes
 * `openai-api-key` (Key Vault allows letters, digits and '-'; Container Apps lowercase only).
 */
export function secretNameFor(envName: string): string {
  return envName.toLowerCase().replace(/_/g, "-");
}
