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
      const access = server.network?.publicNetworkAccess;
      if (access !== "Disabled") {
        reportViolation(
          `network.publicNetworkAccess is ${access === undefined ? "not set" : `"${access}"`}.`,
        );
      }
    },
  ),
};
