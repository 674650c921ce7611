import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/** A standby in another availability zone takes over when the primary's zone fails. */
export const postgresZoneRedundantHa: ResourceValidationPolicy = {
  name: "chatbot-postgres-zone-redundant-ha",
  description: "PostgreSQL servers must use ZoneRedundant high availability.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(
    dbforpostgresql.Server,
    (server, _args, reportViolation) => {
      const mode = server.highAvailability?.mode;
      if (mode !== "ZoneRedundant") {
        reportViolation(
          `highAvailability.mode is ${mode === undefined ? "not set" : `"${mode}"`}.`,
        );
      }
    },
  ),
};
