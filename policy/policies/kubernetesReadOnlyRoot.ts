import { ResourceValidationPolicy } from "@pulumi/policy";
import { podContainers, podTemplateOf, WORKLOAD_KINDS, WorkloadProps } from "../lib/kubernetes";

/**
 * Containers cannot write to their image's filesystem (writable paths are volumes, such as the
 * app's `/tmp` emptyDir). Azure Policy for AKS: "Kubernetes cluster containers should run with a
 * read only root file system" (https://learn.microsoft.com/azure/aks/policy-reference), alongside
 * the Deployment Safeguards (https://learn.microsoft.com/azure/aks/deployment-safeguards);
 * https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
 */
export const kubernetesReadOnlyRoot: ResourceValidationPolicy = {
  name: "chatbot-kubernetes-read-only-root",
  description: "Kubernetes containers must set securityContext.readOnlyRootFilesystem: true.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const template = podTemplateOf(args.type, args.props as WorkloadProps);
    if (template === undefined) {
      return args.notApplicable(`Policy only applies to ${WORKLOAD_KINDS.join(", ")}`);
    }
    for (const { label, container } of podContainers(template.spec)) {
      if (container.securityContext?.readOnlyRootFilesystem !== true) {
        reportViolation(`Container "${label}" does not set readOnlyRootFilesystem: true.`);
      }
    }
  },
};
