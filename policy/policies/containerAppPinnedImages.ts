import * as app from "@pulumi/azure-native/app";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { allContainers, containerLabel, isSha256Digest, parseImage } from "../lib/containers";

interface Config {
  requireDigest: boolean;
}

/** Images name an exact build: never `latest` or no tag, and a sha256 digest where configured. */
export const containerAppPinnedImages: ResourceValidationPolicy = {
  name: "chatbot-containerapp-pinned-images",
  description:
    "Container App images must be pinned: a tag other than latest, or a sha256 digest where requireDigest is set.",
  configSchema: {
    properties: {
      requireDigest: {
        type: "boolean",
        description: "Require every image to carry an @sha256:<64 hex> digest.",
        default: false,
      },
    },
  },
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(
    app.ContainerApp,
    (containerApp, args, reportViolation) => {
      const { requireDigest } = args.getConfig<Config>();
      allContainers(containerApp).forEach((container, index) => {
        const label = containerLabel(container, index);
        const image = container.image ?? "";
        const { tag, digest } = parseImage(image);
        if (requireDigest && !isSha256Digest(digest)) {
          reportViolation(`Container "${label}" image "${image}" has no sha256 digest.`);
        } else if (!isSha256Digest(digest) && (tag === undefined || tag === "latest")) {
          reportViolation(`Container "${label}" image "${image}" is not pinned.`);
        }
      });
    },
  ),
};
