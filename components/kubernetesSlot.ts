import * as pulumi from "@pulumi/pulumi";
import { Deployment } from "@pulumi/kubernetes/apps/v1";
import { HorizontalPodAutoscaler } from "@pulumi/kubernetes/autoscaling/v2";
import { Service } from "@pulumi/kubernetes/core/v1";
import { PodDisruptionBudget } from "@pulumi/kubernetes/policy/v1";
import { Provider } from "@pulumi/kubernetes/provider";
import {
  autoscaler,
  deployment,
  disruptionBudget,
  service,
  slotName,
  SlotSpec,
} from "../lib/kubernetes";

export interface KubernetesSlotArgs {
  /** The slot's workload: version, image, revision, env, sizes, probes, zone spread. */
  readonly spec: SlotSpec<pulumi.Input<string>>;
  /** Provider of the cluster. */
  readonly provider: Provider;
  /** What the slot's pods need first (namespace, service account, secret provider class, grants). */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * One blue/green slot on Kubernetes: Deployment (its HPA owns the replica count), ClusterIP
 * Service, HorizontalPodAutoscaler and PodDisruptionBudget, all named `chatbot-api-<slot>`.
 */
export class KubernetesSlot extends pulumi.ComponentResource {
  /** The Service the HTTPRoute sends the slot's share to. */
  public readonly serviceName: string;

  constructor(name: string, args: KubernetesSlotArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("chatbot:kubernetes:KubernetesSlot", name, {}, opts);
    const { spec } = args;
    if (spec.minReplicas > spec.maxReplicas) {
      throw new Error(
        `\`minReplicas\` (${spec.minReplicas}) must not be above \`maxReplicas\` (${spec.maxReplicas})`,
      );
    }
    const options = { parent: this, provider: args.provider };
    const workload = new Deployment(`${name}-deployment`, deployment(spec), {
      ...options,
      dependsOn: args.dependsOn ?? [],
    });
    new Service(`${name}-service`, service(spec.slot), options);
    new HorizontalPodAutoscaler(`${name}-hpa`, autoscaler(spec), {
      ...options,
      dependsOn: [workload],
    });
    new PodDisruptionBudget(`${name}-pdb`, disruptionBudget(spec.slot), options);
    this.serviceName = slotName(spec.slot);
    this.registerOutputs({ serviceName: this.serviceName });
  }
}
