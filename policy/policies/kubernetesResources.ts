import { ResourceValidationPolicy } from "@pulumi/policy";
import { podContainers, podTemplateOf, WORKLOAD_KINDS, WorkloadProps } from "../lib/kubernetes";

const REQUIRED = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"] as const;

/**
 * Every container states what it needs and what it may use, so the scheduler places it and a
 * runaway pod cannot starve its node. AKS Deployment Safeguards: "Kubernetes cluster containers CPU
 * and memory resource requests must be defined" and limits must not be unbounded
 * (https://learn.microsoft.com/azure/aks/deployment-safeguards);
 * https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
 */
export const kubernetesResources: ResourceValidationPolicy = {
  name: "chatbot-kubernetes-resources",
  description: "Kubernetes containers must set CPU and memory requests and limits.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const template = podTemplateOf(args.type, args.props as WorkloadProps);
    if (template === undefined) {
      return args.notApplicable(`Policy only applies to ${WORKLOAD_KINDS.join(", ")}`);
    }
    for (const { label, container } of podContainers(template.spec)) {
      const missing = REQUIRED.filter((path) => {
        const [group, name] = path.split(".") as ["requests" | "limits", string];
        const value = container.resources?.[group]?.[name];
        return value === undefined || value === null || value === "";
      });
      if (missing.length > 0) {
        reportViolation(`Container "${label}" has no ${missing.join(", ")}.`);
      }
    }
  },
};
