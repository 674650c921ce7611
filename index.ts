/**
 * The chatbot platform program. Pulumi calls the exported function: it reads and validates the
 * stack's configuration once (nothing is registered if any value is wrong), reads the deployed
 * release and refuses an older release block (`lib/guard.ts`), builds the platform and returns the
 * stack outputs.
 */
import { loadConfig } from "./lib/config";
import { readDeployedRelease, reconcileRelease } from "./lib/guard";
import { ChatbotPlatform, PlatformOutputs } from "./components/platform";

export = async (): Promise<PlatformOutputs> => {
  const config = loadConfig();
  const target = {
    stack: config.stack,
    resourceGroup: config.names.resourceGroup,
    appName: config.names.containerApp,
  };
  const release = reconcileRelease(config.release, await readDeployedRelease(target), target);
  return new ChatbotPlatform("chatbot", { config: { ...config, release } }).outputs;
};
