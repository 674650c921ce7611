import * as dbforpostgresql from "@pulumi/azure-native/dbforpostgresql";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/**
 * The rule Azure names "Allow public access from any Azure service": start and end 0.0.0.0 admit
 * every Azure customer's resources, not only this stack's.
 */
export const postgresNoAzureServicesRule: ResourceValidationPolicy = {
  name: "chatbot-postgres-no-azure-services-rule",
  description:
    "PostgreSQL firewall rules must not allow all Azure services (start and end IP address 0.0.0.0).",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(
    dbforpostgresql.FirewallRule,
    (rule, _args, reportViolation) => {
      if (rule.startIpAddress === "0.0.0.0" && rule.endIpAddress === "0.0.0.0") {
        reportViolation(
          `Firewall rule "${rule.firewallRuleName ?? ""}" allows 0.0.0.0-0.0.0.0 (every Azure service).`,
        );
      }
    },
  ),
};
