/**
 * What the cost estimate cannot read from the resources: how much the platform is used. One set
 * per environment, picked by the stack's `environment` tag. Every number here is an assumption,
 * named in the estimate's output; change it here when real usage is known (Cost Management shows
 * it), and the estimate, `npm run plan` and the cost-ceiling policy follow.
 */

export interface UsageAssumptions {
  /** Hours in a billing month (Azure's pricing pages use 730). */
  readonly hoursPerMonth: number;
  /** Requests per second the app serves, averaged over the month. */
  readonly averageRequestsPerSecond: number;
  /** Hours per month one replica runs when `minReplicas` is 0 (the app scales to zero). */
  readonly scaledToZeroActiveHours: number;
  /** GB ingested per day into each Log Analytics workspace (container logs, App Insights, audit logs). */
  readonly logIngestionGbPerDay: number;
  /** Key Vault operations per month (Key Vault references are re-read by Container Apps). */
  readonly keyVaultOperationsPerMonth: number;
  /** GB of images kept in the registry. */
  readonly registryStorageGb: number;
  /** GB per month through each private endpoint (in plus out). */
  readonly privateEndpointGbPerMonth: number;
  /** Million DNS queries per month answered by each private DNS zone. */
  readonly dnsQueriesMillionsPerZone: number;
  /** Runs per month of each Logic App workflow (one per notification it relays). */
  readonly logicAppRunsPerMonth: number;
  /** Actions per Logic App run. */
  readonly logicAppActionsPerRun: number;
  /**
   * KB through an AKS cluster's load balancer per request: the request and response through the
   * gateway plus the app's outbound calls (the model API) through the outbound rule.
   */
  readonly loadBalancerKbPerRequest: number;
}

const COMMON = {
  hoursPerMonth: 730,
  privateEndpointGbPerMonth: 5,
  dnsQueriesMillionsPerZone: 1,
  logicAppActionsPerRun: 4,
  loadBalancerKbPerRequest: 20,
} as const;

/** Usage per environment. The design's 1,000 requests/s is prod's peak, not its average. */
export const USAGE_ASSUMPTIONS = {
  dev: {
    ...COMMON,
    averageRequestsPerSecond: 0.5,
    scaledToZeroActiveHours: 160,
    logIngestionGbPerDay: 0.5,
    keyVaultOperationsPerMonth: 20_000,
    registryStorageGb: 15,
    logicAppRunsPerMonth: 100,
  },
  staging: {
    ...COMMON,
    averageRequestsPerSecond: 2,
    scaledToZeroActiveHours: 300,
    logIngestionGbPerDay: 1,
    keyVaultOperationsPerMonth: 50_000,
    registryStorageGb: 30,
    logicAppRunsPerMonth: 300,
  },
  prod: {
    ...COMMON,
    averageRequestsPerSecond: 100,
    scaledToZeroActiveHours: 730,
    logIngestionGbPerDay: 10,
    keyVaultOperationsPerMonth: 200_000,
    registryStorageGb: 60,
    logicAppRunsPerMonth: 1_000,
  },
} as const satisfies Record<string, UsageAssumptions>;

export type UsageEnvironment = keyof typeof USAGE_ASSUMPTIONS;

/** The usage of `environment`, or prod's (the largest) for an unknown one. */
export function usageFor(environment: string | undefined): {
  environment: UsageEnvironment;
  usage: UsageAssumptions;
  fallback: boolean;
} {
  if (environment !== undefined && Object.hasOwn(USAGE_ASSUMPTIONS, environment)) {
    const known = environment as UsageEnvironment;
    return { environment: known, usage: USAGE_ASSUMPTIONS[known], fallback: false };
  }
  return { environment: "prod", usage: USAGE_ASSUMPTIONS.prod, fallback: true };
}
