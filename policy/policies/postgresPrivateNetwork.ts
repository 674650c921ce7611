import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/** The database is reachable only from the virtual network. */
export const postgresPrivateNetwork: ResourceValidationPolicy = {
  name: "chatbot-postgres-private-network",
  description: "PostgreSQL servers must disable public network access.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(
    dbforpostgresql.Server,
    (server, _args, reportViolation) => {
      const network = server.network;
      // A server integrated into a delegated subnet (private access) has no public endpoint, and
      // Azure supports publicNetworkAccess only for servers that are not: its presence is enough
      // (the subnet id itself is usually unknown during preview, so it is not read).
      const vnetIntegrated = network !== undefined && "delegatedSubnetResourceId" in network;
      const access = network?.publicNetworkAccess;
      if (access === "Disabled" || (vnetIntegrated && access === undefined)) {
        return;
      }
      reportViolation(
        `network.publicNetworkAccess is ${access === undefined ? "not set" : `"${access}"`}.`,
      );
    },
  ),
};
