import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

interface Config {
  minRetentionDays: number;
}

/** Azure's default when backupRetentionDays is not set. */
const AZURE_DEFAULT_RETENTION_DAYS = 7;

/** Point-in-time restore reaches back far enough. */
export const postgresBackupRetention: ResourceValidationPolicy = {
  name: "chatbot-postgres-backup-retention",
  description: "PostgreSQL servers must retain backups for at least the configured number of days.",
  configSchema: {
    properties: {
      minRetentionDays: {
        type: "integer",
        minimum: 7,
        maximum: 35,
        description: "Lowest allowed backup.backupRetentionDays.",
        default: 7,
      },
    },
  },
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(
    dbforpostgresql.Server,
    (server, args, reportViolation) => {
      const { minRetentionDays } = args.getConfig<Config>();
      const days = server.backup?.backupRetentionDays ?? AZURE_DEFAULT_RETENTION_DAYS;
      if (days < minRetentionDays) {
        reportViolation(
          `backup.backupRetentionDays is ${days}; at least ${minRetentionDays} required.`,
        );
      }
    },
  ),
};
