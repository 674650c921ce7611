/**
 * Subnet layout for the private network (every environment): carved from one address space so the stack
 * config needs a single value. Pure functions.
 */

/** The subnets the platform needs, as CIDR strings. */
export interface SubnetPlan {
  /** Container Apps environment infrastructure (a /23, delegated to Microsoft.App/environments). */
  readonly containerApps: string;
  /** PostgreSQL Flexible Server (a /24, delegated to Microsoft.DBforPostgreSQL/flexibleServers). */
  readonly postgres: string;
  /** Private endpoints (Key Vault), a /24. */
  readonly privateEndpoints: string;
}

/** The smallest address space (largest prefix length) that holds the plan: a /22. */
export const MAX_ADDRESS_SPACE_PREFIX = 22;

function toNumber(octets: number[]): number {
  return ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
}

function toAddress(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join(".");
}

/**
 * Splits an IPv4 address space such as `10.40.0.0/16` into the platform's subnets: the first /23
 * for Container Apps, the next /24 for PostgreSQL, the next /24 for private endpoints. Returns
 * `undefined` when the value is not an aligned IPv4 CIDR block of /8 to /22.
 */
export function planSubnets(addressSpace: string): SubnetPlan | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(addressSpace);
  if (match === null) {
    return undefined;
  }
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((octet) => octet > 255) || prefix < 8 || prefix > MAX_ADDRESS_SPACE_PREFIX) {
    return undefined;
  }
  const base = toNumber(octets);
  const hostBits = 32 - prefix;
  if (base % 2 ** hostBits !== 0) {
    return undefined;
  }
  return {
    containerApps: `${toAddress(base)}/23`,
    postgres: `${toAddress(base + 512)}/24`,
    privateEndpoints: `${toAddress(base + 768)}/24`,
  };
}
