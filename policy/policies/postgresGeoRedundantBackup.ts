import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/** Backups survive a regional outage (this can only be chosen when the server is created). */
export const postgresGeoRedundantBackup: ResourceValidationPolicy = {
  name: "chatbot-postgres-geo-redundant-backup",
  description: "PostgreSQL servers must enable geo-redundant backup.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(
    dbforpostgresql.Server,
    (server, _args, reportViolation) => {
      const geo = server.backup?.geoRedundantBackup;
      if (geo !== "Enabled") {
        reportViolation(
          `backup.geoRedundantBackup is ${geo === undefined ? "not set" : `"${geo}"`}.`,
        );
      }
    },
  ),
};
