/**
 * What Pulumi Deployments does for each stack of `chatbot-platform`. Pure data and validation,
 * no resources.
 */

/** The program whose stacks are configured. */
export const PROJECT = "chatbot-platform";

/** The branch Deployments checks out and deploys from. */
export const BRANCH = "refs/heads/main";

/** The published policy pack (`policy/index.ts`: `new PolicyPack("chatbot-platform", ...)`). */
export const POLICY_PACK_NAME = "chatbot-platform";

/** Per-stack behaviour. */
export interface StackProfile {
  /** Run `pulumi up` on every push to main (merges). */
  readonly deployCommits: boolean;
  /**
   * Let Deployments run `pulumi preview` of pull requests. A Deployments run has one Azure app per
   * stack, the one that deploys it, so a pull request's code would run with write access; false
   * on every stack: pull requests are previewed by `.github/workflows/pr.yml` with read-only
   * credentials (prod only after a maintainer's approval).
   */
  readonly previewPullRequests: false;
  /** Drift detection schedule (cron, UTC). */
  readonly driftCron: string;
  /** Run `pulumi up` when drift is found. */
  readonly autoRemediate: boolean;
}

/**
 * dev and staging deploy on merge; prod never deploys on push (the release workflow does). No
 * stack previews pull requests in Deployments (see `previewPullRequests`).
 */
export const STACK_PROFILES: Readonly<Record<string, StackProfile>> = {
  dev: {
    deployCommits: true,
    previewPullRequests: false,
    driftCron: "0 */6 * * *",
    autoRemediate: true,
  },
  staging: {
    deployCommits: true,
    previewPullRequests: false,
    driftCron: "0 */6 * * *",
    autoRemediate: false,
  },
  prod: {
    deployCommits: false,
    previewPullRequests: false,
    driftCron: "0 * * * *",
    autoRemediate: false,
  },
};

/** The Azure app registration (federated with Pulumi Cloud's OIDC issuer) a stack deploys as. */
export interface AzureOidc {
  readonly clientId: string;
  readonly tenantId: string;
  readonly subscriptionId: string;
}

/** The settings `index.ts` reads from the deployments stack's config. */
export interface DeploymentsSettings {
  /** Pulumi Cloud organization. */
  readonly organization: string;
  /** GitHub repository, `owner/name`. */
  readonly repository: string;
  /** One Azure app registration per stack: prod's has rights nobody else has. */
  readonly azure: Readonly<Record<string, AzureOidc>>;
  /** Published policy pack version (`policy/PulumiPolicy.yaml` `version`). */
  readonly policyPackVersion: string;
  /** `policy/config/<stack>.json` per stack. */
  readonly policyConfig: Readonly<Record<string, Record<string, unknown>>>;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Validates the settings; the error names the input, the value and what is allowed. */
export function validateSettings(settings: DeploymentsSettings): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(settings.organization)) {
    throw new Error(
      `\`organization\` must be a Pulumi organization name, got ${JSON.stringify(settings.organization)}`,
    );
  }
  if (!/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(settings.repository)) {
    throw new Error(
      `\`repository\` must be owner/name, got ${JSON.stringify(settings.repository)}`,
    );
  }
  for (const stack of Object.keys(STACK_PROFILES)) {
    const azure = settings.azure[stack];
    for (const key of ["clientId", "tenantId", "subscriptionId"] as const) {
      if (azure === undefined || !GUID.test(azure[key])) {
        throw new Error(
          `\`azure.${stack}.${key}\` must be a GUID, got ${JSON.stringify(azure?.[key])}`,
        );
      }
    }
    if (settings.policyConfig[stack] === undefined) {
      throw new Error(`\`policyConfig.${stack}\` is missing: expected policy/config/${stack}.json`);
    }
  }
}
