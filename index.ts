/**
 * The chatbot platform program. Pulumi calls the exported function: it reads and validates the
 * stack's configuration once (nothing is registered if any value is wrong), builds the platform
 * and returns the stack outputs.
 */
import { loadConfig } from "./lib/config";
import { ChatbotPlatform, PlatformOutputs } from "./components/platform";

export = (): PlatformOutputs => {
  const config = loadConfig();
  return new ChatbotPlatform("chatbot", { config }).outputs;
};
