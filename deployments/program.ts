/** Builds the Deployments configuration of every stack. */
import { STACK_PROFILES, DeploymentsSettings, validateSettings } from "./profiles";
import { StackDeployments } from "./stackDeployments";

export function buildDeployments(settings: DeploymentsSettings): Record<string, StackDeployments> {
  validateSettings(settings);
  const built: Record<string, StackDeployments> = {};
  for (const stack of Object.keys(STACK_PROFILES)) {
    built[stack] = new StackDeployments(stack, {
      organization: settings.organization,
      stack,
      repository: settings.repository,
      azure: settings.azure[stack],
      policyPackVersion: settings.policyPackVersion,
      policyConfig: settings.policyConfig[stack],
    });
  }
  return built;
}
