/** Pulumi Deployments for one stack: settings, drift schedule and the policy group. */
import * as pulumi from "@pulumi/pulumi";
import * as service from "@pulumi/pulumiservice";
import { AzureOidc, BRANCH, POLICY_PACK_NAME, PROJECT, STACK_PROFILES } from "./profiles";

export interface StackDeploymentsArgs {
  /** Pulumi Cloud organization. */
  readonly organization: string;
  /** Stack of `chatbot-platform`: dev, staging or prod. */
  readonly stack: string;
  /** GitHub repository, `owner/name`. */
  readonly repository: string;
  /** The Azure app registration Deployments logs in as, by OIDC. */
  readonly azure: AzureOidc;
  /** Published policy pack version. */
  readonly policyPackVersion: string;
  /** The policy pack's config for this stack (`policy/config/<stack>.json`). */
  readonly policyConfig: Record<string, unknown>;
}

export class StackDeployments extends pulumi.ComponentResource {
  public readonly settings: service.DeploymentSettings;
  public readonly drift: service.DriftSchedule;
  public readonly policyGroup: service.PolicyGroup;

  constructor(
    name: string,
    args: StackDeploymentsArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    const profile = STACK_PROFILES[args.stack];
    if (profile === undefined) {
      throw new Error(
        `\`stack\` must be one of ${Object.keys(STACK_PROFILES).join(", ")}, got ${JSON.stringify(args.stack)}`,
      );
    }
    super("chatbot:deployments:StackDeployments", name, {}, opts);

    this.settings = new service.DeploymentSettings(
      `${name}-settings`,
      {
        organization: args.organization,
        project: PROJECT,
        stack: args.stack,
        sourceContext: {
          git: {
            repoUrl: `https://github.com/${args.repository}.git`,
            branch: BRANCH,
            repoDir: ".",
          },
        },
        github: {
          repository: args.repository,
          deployCommits: profile.deployCommits,
          previewPullRequests: profile.previewPullRequests,
          pullRequestTemplate: false,
        },
        operationContext: {
          // `npm ci` from the lock file instead of Deployments' own `npm install`.
          preRunCommands: ["npm ci --no-audit --no-fund"],
          options: { skipInstallDependencies: true, skipIntermediateDeployments: true },
          environmentVariables: { PULUMI_NODEJS_TRANSPILE_ONLY: "true" },
          oidc: { azure: args.azure },
        },
      },
      { parent: this },
    );

    this.drift = new service.DriftSchedule(
      `${name}-drift`,
      {
        organization: args.organization,
        project: PROJECT,
        stack: args.stack,
        scheduleCron: profile.driftCron,
        autoRemediate: profile.autoRemediate,
      },
      { parent: this, dependsOn: [this.settings] },
    );

    // Deployments cannot pass `--policy-pack`: the published pack is enforced server-side on
    // every update of the stack (Deployments, CI and laptops alike) with the stack's config.
    this.policyGroup = new service.PolicyGroup(
      `${name}-policy`,
      {
        name: `${PROJECT}-${args.stack}`,
        organizationName: args.organization,
        entityType: "stacks",
        mode: "preventative",
        stacks: [{ name: args.stack, routingProject: PROJECT }],
        policyPacks: [
          { name: POLICY_PACK_NAME, versionTag: args.policyPackVersion, config: args.policyConfig },
        ],
      },
      { parent: this },
    );

    this.registerOutputs({
      settings: this.settings.id,
      drift: this.drift.id,
      policyGroup: this.policyGroup.id,
    });
  }
}
