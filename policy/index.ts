/**
 * Entry point the Pulumi CLI loads through `@pulumi/pulumi/cmd/run-policy-pack`: constructing the
 * PolicyPack starts the analyzer gRPC server and prints its port.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("chatbot-platform", {
  description: "Policy gates for the chatbot platform on Azure.",
  enforcementLevel: "mandatory",
  policies,
});
