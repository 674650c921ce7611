import { ResourceValidationPolicy } from "@pulumi/policy";
import {
  DEPLOYMENT,
  podTemplateOf,
  selects,
  WorkloadProps,
  workloadLabel,
} from "../lib/kubernetes";

interface Config {
  topologyKey: string;
  requireDoNotSchedule: boolean;
}

/**
 * A Deployment's pods spread over failure domains (zones in prod), so losing one zone does not take
 * every replica: a topology spread constraint on `topologyKey` whose label selector selects the
 * Deployment's own pods, and, where required, `whenUnsatisfiable: DoNotSchedule` (a hard rule).
 * AKS Deployment Safeguards: "Must Have Anti Affinity Rules or topologySpreadConstraintsSet"
 * (https://learn.microsoft.com/azure/aks/deployment-safeguards);
 * https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
 */
export const kubernetesTopologySpread: ResourceValidationPolicy = {
  name: "chatbot-kubernetes-topology-spread",
  description:
    "Kubernetes Deployments must spread their pods with a topology spread constraint on the configured topology key.",
  configSchema: {
    properties: {
      topologyKey: {
        type: "string",
        description: "Node label the pods must spread over.",
        default: "topology.kubernetes.io/zone",
      },
      requireDoNotSchedule: {
        type: "boolean",
        description:
          "Require whenUnsatisfiable: DoNotSchedule (ScheduleAnyway is only a preference).",
        default: true,
      },
    },
  },
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== DEPLOYMENT) {
      return args.notApplicable(`Policy only applies to ${DEPLOYMENT}`);
    }
    const props = args.props as WorkloadProps;
    const template = podTemplateOf(args.type, props) ?? {};
    const { topologyKey, requireDoNotSchedule } = args.getConfig<Config>();
    const labels = template.metadata?.labels ?? {};
    const own = (template.spec?.topologySpreadConstraints ?? []).filter(
      (constraint) =>
        constraint.topologyKey === topologyKey && selects(constraint.labelSelector, labels),
    );
    const name = workloadLabel(args.type, props);
    if (own.length === 0) {
      reportViolation(
        `${name} has no topology spread constraint on ${topologyKey} that selects its pods.`,
      );
    } else if (
      requireDoNotSchedule &&
      !own.some((constraint) => constraint.whenUnsatisfiable === "DoNotSchedule")
    ) {
      reportViolation(
        `${name} spreads over ${topologyKey} with whenUnsatisfiable ${own[0].whenUnsatisfiable ?? "(unset)"}; DoNotSchedule required.`,
      );
    }
  },
};
