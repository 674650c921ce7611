import { ResourceValidationPolicy } from "@pulumi/policy";
import { podContainers, podTemplateOf, WORKLOAD_KINDS, WorkloadProps } from "../lib/kubernetes";

/**
 * Containers cannot run as root: `runAsNonRoot: true` holds for each container (its own
 * securityContext, else the pod's: container settings override pod settings), and neither sets
 * `runAsUser: 0`. AKS Deployment Safeguards apply the Pod Security Standards
 * (https://learn.microsoft.com/azure/aks/deployment-safeguards); the Restricted profile requires
 * runAsNonRoot (https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted);
 * https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
 */
export const kubernetesNonRoot: ResourceValidationPolicy = {
  name: "chatbot-kubernetes-non-root",
  description:
    "Kubernetes containers must run as non-root: runAsNonRoot true (container or pod securityContext) and no runAsUser 0.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    const template = podTemplateOf(args.type, args.props as WorkloadProps);
    if (template === undefined) {
      return args.notApplicable(`Policy only applies to ${WORKLOAD_KINDS.join(", ")}`);
    }
    const pod = template.spec?.securityContext ?? {};
    for (const { label, container } of podContainers(template.spec)) {
      const own = container.securityContext ?? {};
      const nonRoot = own.runAsNonRoot ?? pod.runAsNonRoot;
      const user = own.runAsUser ?? pod.runAsUser;
      if (nonRoot !== true) {
        reportViolation(`Container "${label}" does not set runAsNonRoot: true.`);
      } else if (user === 0) {
        reportViolation(`Container "${label}" sets runAsUser: 0.`);
      }
    }
  },
};
