/**
 * The chatbot platform program. Pulumi calls the exported function: it reads and validates the
 * stack's configuration once (nothing is registered if any value is wrong), reads the deployed
 * release (the Container App, or on AKS the cluster's HTTPRoute and Deployments) and refuses an
 * older release block (`lib/guard.ts`, `lib/aksGuard.ts`), builds the platform and returns the
 * stack outputs.
 */
import { loadConfig } from "./lib/config";
import { readDeployedAksRelease } from "./lib/aksGuard";
import { readDeployedRelease, reconcileRelease } from "./lib/guard";
import { ChatbotPlatform, clusterNameOf, PlatformOutputs } from "./components/platform";

export = async (): Promise<PlatformOutputs> => {
  const config = loadConfig();
  const target = {
    stack: config.stack,
    resourceGroup: config.names.resourceGroup,
    appName: config.names.containerApp,
  };
  // On AKS the cluster carries the release (HTTPRoute annotation, Deployments): lib/aksGuard.ts.
  const deployed =
    config.target === "aks"
      ? await readDeployedAksRelease({
          ...target,
          clusterName: clusterNameOf(config.namePrefix, config.environment),
        })
      : await readDeployedRelease(target);
  const release = reconcileRelease(config.release, deployed, target);
  return new ChatbotPlatform("chatbot", { config: { ...config, release } }).outputs;
};
