/**
 * Pulumi Deployments as code for `chatbot-platform`. Apply from this directory:
 * `pulumi up --stack <org>/chatbot-platform-deployments/main`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { buildDeployments } from "./program";
import { AzureOidc, STACK_PROFILES } from "./profiles";

const config = new pulumi.Config();
const policyDir = path.resolve(__dirname, "..", "policy");

const built = buildDeployments({
  organization: config.get("organization") ?? pulumi.getOrganization(),
  repository: config.require("repository"),
  azure: config.requireObject<Record<string, AzureOidc>>("azure"),
  policyPackVersion: String(
    (
      parse(fs.readFileSync(path.join(policyDir, "PulumiPolicy.yaml"), "utf8")) as {
        version: string;
      }
    ).version,
  ),
  policyConfig: Object.fromEntries(
    Object.keys(STACK_PROFILES).map((stack) => [
      stack,
      JSON.parse(fs.readFileSync(path.join(policyDir, "config", `${stack}.json`), "utf8")),
    ]),
  ),
});

export const deploymentSettings = Object.fromEntries(
  Object.entries(built).map(([stack, d]) => [stack, d.settings.id]),
);
