import { StackValidationPolicy } from "@pulumi/policy";
import {
  DEPLOYMENT,
  LabelSelector,
  PDB,
  podTemplateOf,
  selects,
  WorkloadProps,
} from "../lib/kubernetes";

/**
 * Every Deployment has a PodDisruptionBudget in its namespace whose selector selects its pods, so a
 * node drain (cluster upgrade, node image upgrade, autoscaler scale-down) evicts them gradually
 * instead of all at once. https://learn.microsoft.com/azure/aks/best-practices-app-cluster-reliability
 * (pod disruption budgets), alongside the Deployment Safeguards
 * (https://learn.microsoft.com/azure/aks/deployment-safeguards);
 * https://kubernetes.io/docs/concepts/workloads/pods/disruptions/
 */
export const kubernetesDisruptionBudget: StackValidationPolicy = {
  name: "chatbot-kubernetes-disruption-budget",
  description:
    "Each Kubernetes Deployment must have a PodDisruptionBudget in its namespace that selects its pods.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const deployments = args.resources.filter((resource) => resource.type === DEPLOYMENT);
    if (deployments.length === 0) {
      return args.notApplicable("The stack has no Kubernetes Deployment");
    }
    const namespaceOf = (props: WorkloadProps) => props.metadata?.namespace ?? "default";
    const budgets = args.resources
      .filter((resource) => resource.type === PDB)
      .map((resource) => ({
        namespace: namespaceOf(resource.props as WorkloadProps),
        selector: (resource.props as { spec?: { selector?: LabelSelector } }).spec?.selector,
      }));
    for (const deployment of deployments) {
      const props = deployment.props as WorkloadProps;
      const namespace = namespaceOf(props);
      const labels = podTemplateOf(deployment.type, props)?.metadata?.labels ?? {};
      const covered = budgets.some(
        (budget) => budget.namespace === namespace && selects(budget.selector, labels),
      );
      if (!covered) {
        reportViolation(
          `Deployment "${props.metadata?.name ?? deployment.name}" (namespace ${namespace}) has no PodDisruptionBudget that selects its pods.`,
          deployment.urn,
        );
      }
    }
  },
};
