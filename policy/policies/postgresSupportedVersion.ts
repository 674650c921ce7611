import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

interface Config {
  minMajorVersion: number;
}

/** The server runs a major version that is still supported. */
export const postgresSupportedVersion: ResourceValidationPolicy = {
  name: "chatbot-postgres-supported-version",
  description: "PostgreSQL servers must run a supported major version.",
  configSchema: {
    properties: {
      minMajorVersion: {
        type: "integer",
        minimum: 11,
        description: "Oldest allowed PostgreSQL major version.",
        default: 15,
      },
    },
  },
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(
    dbforpostgresql.Server,
    (server, args, reportViolation) => {
      const { minMajorVersion } = args.getConfig<Config>();
      const version = server.version;
      const major = Number.parseInt(version ?? "", 10);
      if (!(major >= minMajorVersion)) {
        reportViolation(
          `version is ${version === undefined ? "not set" : `"${version}"`}; ${minMajorVersion} or later required.`,
        );
      }
    },
  ),
};
