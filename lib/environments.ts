/**
 * Per-environment sizing and protection, from the design documents (the platform design: dev 0.5 vCPU /
 * 1 GiB / 1-2 replicas, staging 1 vCPU / 2 GiB / 2-4, prod 2 vCPU / 4 GiB / 3-10) and Azure's rules.
 * Stack config may override the app and database sizes; everything else follows the environment.
 */

export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

export const HIGH_AVAILABILITY_MODES = ["Disabled", "SameZone", "ZoneRedundant"] as const;
export type HighAvailabilityMode = (typeof HIGH_AVAILABILITY_MODES)[number];

export const POSTGRES_TIERS = ["Burstable", "GeneralPurpose", "MemoryOptimized"] as const;
export type PostgresTier = (typeof POSTGRES_TIERS)[number];

/** The SKU family each tier takes (`Standard_D2ds_v5` is GeneralPurpose). */
export const TIER_SKU_PREFIX: Readonly<Record<PostgresTier, string>> = {
  Burstable: "Standard_B",
  GeneralPurpose: "Standard_D",
  MemoryOptimized: "Standard_E",
};

export type RegistrySku = "Basic" | "Standard" | "Premium";

/** Alert classes: a page wakes someone up, a ticket is looked at during working hours. */
export const ALERT_CLASSES = ["page", "ticket"] as const;
export type AlertClass = (typeof ALERT_CLASSES)[number];
/** Notification channels, one action group each (`components/monitoring.ts`). */
export const ALERT_CHANNELS = ["page", "chat", "email"] as const;
export type AlertChannel = (typeof ALERT_CHANNELS)[number];

/** Where the app runs: the same platform around it either way (`chatbot-platform:target`). */
export const TARGETS = ["containerApps", "aks"] as const;
export type Target = (typeof TARGETS)[number];

/** One AKS node pool: VM size and node counts (the cluster autoscaler moves between them). */
export interface NodePoolProfile {
  readonly vmSize: string;
  readonly minCount: number;
  readonly maxCount: number;
}

/**
 * AKS sizing for one environment (`target: aks`). The app's pods take the Container App sizes
 * (`AppProfile`: CPU and memory as requests and limits, min/max replicas on each slot's HPA); the
 * node pools are sized to hold both slots at their maximum during a release.
 */
export interface KubernetesProfile {
  /** AKS pricing tier: `Free` has no uptime SLA, `Standard` has one (99.95% with zones). */
  readonly tier: "Free" | "Standard";
  /** System node pool (CriticalAddonsOnly: CoreDNS, the app routing Istio, the CSI driver). */
  readonly systemPool: NodePoolProfile;
  /** User node pool where the app runs. */
  readonly userPool: NodePoolProfile;
  /** Spread both pools over availability zones 1-3 (nodes and pods; needs a region with zones). */
  readonly zones: boolean;
}

/** Container App sizing for one environment. */
export interface AppProfile {
  /** vCPU per replica. */
  readonly cpu: number;
  /** Memory per replica, e.g. `2Gi`. */
  readonly memory: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Concurrent HTTP requests per replica before the autoscaler adds one. */
  readonly concurrentRequests: number;
  /** Inactive revisions Azure keeps, so rollback targets survive. */
  readonly maxInactiveRevisions: number;
}

/** PostgreSQL Flexible Server sizing and protection for one environment. */
export interface PostgresProfile {
  readonly skuName: string;
  readonly tier: PostgresTier;
  readonly version: string;
  readonly storageSizeGB: number;
  readonly backupRetentionDays: number;
  readonly geoRedundantBackup: boolean;
  readonly highAvailability: HighAvailabilityMode;
}

export interface EnvironmentProfile {
  readonly app: AppProfile;
  readonly postgres: PostgresProfile;
  /** AKS cluster sizing, used when the stack sets `target: aks`. */
  readonly kubernetes: KubernetesProfile;
  /**
   * Key Vault denies public network access and is reached through a private endpoint. Every
   * environment is VNet-integrated with a private PostgreSQL server; this adds the vault.
   */
  readonly privateKeyVault: boolean;
  /** Zone-redundant Container Apps environment. */
  readonly zoneRedundant: boolean;
  /** `protect` on the Postgres server and the Key Vault. */
  readonly protectStateful: boolean;
  /** Key Vault purge protection (cannot be turned off once on). */
  readonly purgeProtection: boolean;
  /** Days a deleted vault or secret can be recovered. */
  readonly softDeleteRetentionDays: number;
  readonly registrySku: RegistrySku;
  /** Log Analytics retention in days: also how long Key Vault and PostgreSQL audit logs are kept. */
  readonly logRetentionDays: number;
  /**
   * Which channels each alert class notifies (prod: page + chat; staging: chat; dev: email only).
   * A channel without receivers is skipped; with none left, alerts fall back to email.
   */
  readonly alertRouting: Readonly<Record<AlertClass, readonly AlertChannel[]>>;
  /** Monthly consumption budget of the stack's resource group (billing currency), by default. */
  readonly monthlyBudget: number;
}

export const ENVIRONMENT_PROFILES: Readonly<Record<EnvironmentName, EnvironmentProfile>> = {
  dev: {
    app: {
      cpu: 0.5,
      memory: "1Gi",
      minReplicas: 1,
      maxReplicas: 2,
      concurrentRequests: 50,
      maxInactiveRevisions: 5,
    },
    kubernetes: {
      tier: "Free",
      systemPool: { vmSize: "Standard_D2ds_v5", minCount: 1, maxCount: 2 },
      userPool: { vmSize: "Standard_D2ds_v5", minCount: 1, maxCount: 3 },
      zones: false,
    },
    postgres: {
      skuName: "Standard_B1ms",
      tier: "Burstable",
      version: "16",
      storageSizeGB: 32,
      backupRetentionDays: 7,
      geoRedundantBackup: false,
      highAvailability: "Disabled",
    },
    privateKeyVault: false,
    zoneRedundant: false,
    protectStateful: false,
    purgeProtection: false,
    softDeleteRetentionDays: 7,
    registrySku: "Basic",
    logRetentionDays: 30,
    alertRouting: { page: ["email"], ticket: ["email"] },
    monthlyBudget: 150,
  },
  staging: {
    app: {
      cpu: 1,
      memory: "2Gi",
      minReplicas: 2,
      maxReplicas: 4,
      concurrentRequests: 50,
      maxInactiveRevisions: 10,
    },
    kubernetes: {
      tier: "Standard",
      systemPool: { vmSize: "Standard_D2ds_v5", minCount: 2, maxCount: 3 },
      userPool: { vmSize: "Standard_D4ds_v5", minCount: 2, maxCount: 5 },
      zones: false,
    },
    postgres: {
      skuName: "Standard_D2ds_v5",
      tier: "GeneralPurpose",
      version: "16",
      storageSizeGB: 64,
      backupRetentionDays: 14,
      geoRedundantBackup: false,
      highAvailability: "Disabled",
    },
    privateKeyVault: false,
    zoneRedundant: false,
    protectStateful: true,
    purgeProtection: true,
    softDeleteRetentionDays: 90,
    registrySku: "Standard",
    logRetentionDays: 30,
    alertRouting: { page: ["chat"], ticket: ["chat"] },
    monthlyBudget: 600,
  },
  prod: {
    app: {
      cpu: 2,
      memory: "4Gi",
      minReplicas: 3,
      maxReplicas: 10,
      concurrentRequests: 50,
      maxInactiveRevisions: 20,
    },
    kubernetes: {
      tier: "Standard",
      systemPool: { vmSize: "Standard_D4ds_v5", minCount: 3, maxCount: 5 },
      userPool: { vmSize: "Standard_D8ds_v5", minCount: 3, maxCount: 12 },
      zones: true,
    },
    postgres: {
      skuName: "Standard_D4ds_v5",
      tier: "GeneralPurpose",
      version: "16",
      storageSizeGB: 128,
      backupRetentionDays: 35,
      geoRedundantBackup: true,
      highAvailability: "ZoneRedundant",
    },
    privateKeyVault: true,
    zoneRedundant: true,
    protectStateful: true,
    purgeProtection: true,
    softDeleteRetentionDays: 90,
    registrySku: "Premium",
    logRetentionDays: 90,
    alertRouting: { page: ["page", "chat"], ticket: ["chat"] },
    monthlyBudget: 3000,
  },
};
