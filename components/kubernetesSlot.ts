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

/** What a Deployment of a slot that is not `latest` never changes on `pulumi up`. */
export const FROZEN_PATHS = ["spec.template"] as const;

export interface KubernetesSlotArgs {
  /** The slot's workload: version, image, revision, env, sizes, probes, zone spread. */
  readonly spec: SlotSpec<pulumi.Input<string>>;
  /**
   * Is this the release block's `latest` slot? Only its pod template follows the program; the other
   * slot keeps the template it was deployed with under its recorded revision (see below).
   */
  readonly latest: boolean;
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
    // A revision is immutable (as on Container Apps): the slot that is not `latest` runs the pod
    // template recorded under its `chatbot.platform/revision`, which the program cannot rebuild
    // (the block records version, image and suffix only). So a whole-stack `up` after a settings
    // change must not roll its pods: Pulumi keeps the template it last applied (with server-side
    // apply the provider sends the live value of an ignored field it manages), and only a deploy,
    // which makes the slot `latest`, changes it again.
    // https://www.pulumi.com/docs/iac/concepts/options/ignorechanges/
    // https://www.pulumi.com/registry/packages/kubernetes/how-to-guides/managing-resources-with-server-side-apply/
    const workload = new Deployment(`${name}-deployment`, deployment(spec), {
      ...options,
      dependsOn: args.dependsOn ?? [],
      ignoreChanges: args.latest ? [] : [...FROZEN_PATHS],
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
