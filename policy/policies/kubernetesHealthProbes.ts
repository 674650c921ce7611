import { ResourceValidationPolicy } from "@pulumi/policy";
import { podContainers, podTemplateOf, SERVING_KINDS, WorkloadProps } from "../lib/kubernetes";

const PROBES = ["livenessProbe", "readinessProbe"] as const;

/**
 * Serving containers declare liveness and readiness probes: a pod gets traffic only once ready and
 * is restarted when stuck. AKS Deployment Safeguards: "Ensure cluster containers have readiness or
 * liveness probes configured" (https://learn.microsoft.com/azure/aks/deployment-safeguards); this
 * pack requires both. https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/
 */
export const kubernetesHealthProbes: ResourceValidationPolicy = {
  name: "chatbot-kubernetes-health-probes",
  description:
    "Kubernetes containers of Deployments, StatefulSets and DaemonSets must declare liveness and readiness probes.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (!SERVING_KINDS.includes(args.type)) {
      return args.notApplicable(`Policy only applies to ${SERVING_KINDS.join(", ")}`);
    }
    const template = podTemplateOf(args.type, args.props as WorkloadProps);
    for (const { label, container } of podContainers(template?.spec, "regular")) {
      const missing = PROBES.filter((probe) => container[probe] === undefined);
      if (missing.length > 0) {
        reportViolation(`Container "${label}" has no ${missing.join(", ")}.`);
      }
    }
  },
};
