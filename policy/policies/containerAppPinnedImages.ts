import * as app from "@pulumi/azure-native/app";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import {
  allContainers,
  containerLabel,
  PINNED_IMAGES_CONFIG_SCHEMA,
  unpinnedImageProblem,
} from "../lib/containers";

interface Config {
  requireDigest: boolean;
}

/** Images name an exact build: never `latest` or no tag, and a sha256 digest where configured. */
export const containerAppPinnedImages: ResourceValidationPolicy = {
  name: "chatbot-containerapp-pinned-images",
  description:
    "Container App images must be pinned: a tag other than latest, or a sha256 digest where requireDigest is set.",
  configSchema: PINNED_IMAGES_CONFIG_SCHEMA,
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(
    app.ContainerApp,
    (containerApp, args, reportViolation) => {
      const { requireDigest } = args.getConfig<Config>();
      allContainers(containerApp).forEach((container, index) => {
        const label = containerLabel(container, index);
        const problem = unpinnedImageProblem(label, container.image ?? "", requireDigest);
        if (problem !== undefined) {
          reportViolation(problem);
        }
      });
    },
  ),
};
