import { ResourceValidationPolicy } from "@pulumi/policy";
import { PINNED_IMAGES_CONFIG_SCHEMA, unpinnedImageProblem } from "../lib/containers";
import { podContainers, podTemplateOf, WORKLOAD_KINDS, WorkloadProps } from "../lib/kubernetes";

interface Config {
  requireDigest: boolean;
}

/**
 * Images name an exact build: never `latest` or no tag (a node may run whatever the tag points at
 * when it pulls), and a sha256 digest where configured (staging and prod). AKS Deployment
 * Safeguards: "Kubernetes cluster containers should only use allowed images", which refuses
 * `:latest` (https://learn.microsoft.com/azure/aks/deployment-safeguards);
 * https://kubernetes.io/docs/concepts/containers/images/#image-names
 */
export const kubernetesPinnedImages: ResourceValidationPolicy = {
  name: "chatbot-kubernetes-pinned-images",
  description:
    "Kubernetes container images must be pinned: a tag other than latest, or a sha256 digest where requireDigest is set.",
  configSchema: PINNED_IMAGES_CONFIG_SCHEMA,
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const template = podTemplateOf(args.type, args.props as WorkloadProps);
    if (template === undefined) {
      return args.notApplicable(`Policy only applies to ${WORKLOAD_KINDS.join(", ")}`);
    }
    const { requireDigest } = args.getConfig<Config>();
    for (const { label, container } of podContainers(template.spec)) {
      const problem = unpinnedImageProblem(label, container.image ?? "", requireDigest);
      if (problem !== undefined) {
        reportViolation(problem);
      }
    }
  },
};
