/* eslint-disable @typescript-eslint/no-explicit-any -- the cases edit nested manifest fields */
import * as assert from "assert";
import { ANNOTATIONS } from "../../lib/kubernetes";
import { RELEASE_ANNOTATIONS } from "../../policy/lib/kubernetes";
import { aksWith, compliantAksStack, K8S } from "../fixtures/policy/aksStack";
import { resource, urnOf } from "../fixtures/policy/stack";
import { violationsOf } from "./support";

const BLUE = urnOf(K8S.deployment, "chatbot-k8s-app-blue-deployment");
const GREEN = urnOf(K8S.deployment, "chatbot-k8s-app-green-deployment");
const ROUTE = urnOf(K8S.route, "chatbot-k8s-app-route");

const RESOURCES = "Kubernetes containers must set CPU and memory requests and limits.\n";
const PROBES =
  "Kubernetes containers of Deployments, StatefulSets and DaemonSets must declare liveness and readiness probes.\n";
const PINNED =
  "Kubernetes container images must be pinned: a tag other than latest, or a sha256 digest where requireDigest is set.\n";
const NON_ROOT =
  "Kubernetes containers must run as non-root: runAsNonRoot true (container or pod securityContext) and no runAsUser 0.\n";
const READ_ONLY = "Kubernetes containers must set securityContext.readOnlyRootFilesystem: true.\n";
const SPREAD =
  "Kubernetes Deployments must spread their pods with a topology spread constraint on the configured topology key.\n";
const PDB =
  "Each Kubernetes Deployment must have a PodDisruptionBudget in its namespace that selects its pods.\n";
const WEIGHTS =
  "HTTPRoute weights must sum to a positive total and the default rule must give exactly the live/canary split of its release annotations.\n";

/** The violations as [policy, level, urn, message] rows. */
async function rows(
  resources: Parameters<typeof violationsOf>[0],
  environment: string,
): Promise<string[][]> {
  return (await violationsOf(resources, environment)).map((v) => [
    v.policy,
    v.enforcementLevel,
    v.urn,
    v.message,
  ]);
}

/** The blue Deployment's pod spec and its app container, changed by `change`. */
function blueWith(change: (pod: any, container: any) => void) {
  return aksWith("chatbot-k8s-app-blue-deployment", (inputs: any) =>
    change(inputs.spec.template.spec, inputs.spec.template.spec.containers[0]),
  );
}

/** The HTTPRoute's inputs changed by `change` (rules: blue header, green header, default). */
function routeWith(change: (route: any) => void) {
  return aksWith("chatbot-k8s-app-route", change);
}

interface Case {
  title: string;
  environment: string;
  resources: () => ReturnType<typeof compliantAksStack>;
  expected: string[][];
}

const cases: Case[] = [
  {
    title: "a container without a memory limit fails in prod",
    environment: "prod",
    resources: () => blueWith((_pod, container) => delete container.resources.limits.memory),
    expected: [
      [
        "chatbot-kubernetes-resources",
        "mandatory",
        BLUE,
        `${RESOURCES}Container "chatbot-api" has no limits.memory.`,
      ],
    ],
  },
  {
    title: "a container without requests is advisory in dev",
    environment: "dev",
    resources: () => blueWith((_pod, container) => delete container.resources.requests),
    expected: [
      [
        "chatbot-kubernetes-resources",
        "advisory",
        BLUE,
        `${RESOURCES}Container "chatbot-api" has no requests.cpu, requests.memory.`,
      ],
    ],
  },
  {
    title: "a container without a readiness probe fails in staging",
    environment: "staging",
    resources: () => blueWith((_pod, container) => delete container.readinessProbe),
    expected: [
      [
        "chatbot-kubernetes-health-probes",
        "mandatory",
        BLUE,
        `${PROBES}Container "chatbot-api" has no readinessProbe.`,
      ],
    ],
  },
  {
    title: "a tag without a digest is refused in staging",
    environment: "staging",
    resources: () =>
      blueWith(
        (_pod, container) => (container.image = "chatbotregistry.azurecr.io/chatbot-api:1.4.2"),
      ),
    expected: [
      [
        "chatbot-kubernetes-pinned-images",
        "mandatory",
        BLUE,
        `${PINNED}Container "chatbot-api" image "chatbotregistry.azurecr.io/chatbot-api:1.4.2" has no sha256 digest.`,
      ],
    ],
  },
  {
    title: "a latest image is advisory in dev (any other tag is enough there)",
    environment: "dev",
    resources: () =>
      blueWith(
        (_pod, container) => (container.image = "chatbotregistry.azurecr.io/chatbot-api:latest"),
      ),
    expected: [
      [
        "chatbot-kubernetes-pinned-images",
        "advisory",
        BLUE,
        `${PINNED}Container "chatbot-api" image "chatbotregistry.azurecr.io/chatbot-api:latest" is not pinned.`,
      ],
    ],
  },
  {
    title: "a container that may run as root fails in prod",
    environment: "prod",
    resources: () =>
      blueWith((pod, container) => {
        delete pod.securityContext.runAsNonRoot;
        delete container.securityContext.runAsNonRoot;
      }),
    expected: [
      [
        "chatbot-kubernetes-non-root",
        "mandatory",
        BLUE,
        `${NON_ROOT}Container "chatbot-api" does not set runAsNonRoot: true.`,
      ],
    ],
  },
  {
    title: "a container's runAsNonRoot: false overrides the pod's true",
    environment: "prod",
    resources: () =>
      blueWith((_pod, container) => (container.securityContext.runAsNonRoot = false)),
    expected: [
      [
        "chatbot-kubernetes-non-root",
        "mandatory",
        BLUE,
        `${NON_ROOT}Container "chatbot-api" does not set runAsNonRoot: true.`,
      ],
    ],
  },
  {
    title: "a pod that runs as user 0 fails in prod",
    environment: "prod",
    resources: () => blueWith((pod) => (pod.securityContext.runAsUser = 0)),
    expected: [
      [
        "chatbot-kubernetes-non-root",
        "mandatory",
        BLUE,
        `${NON_ROOT}Container "chatbot-api" sets runAsUser: 0.`,
      ],
    ],
  },
  {
    title: "a writable root filesystem fails in prod",
    environment: "prod",
    resources: () =>
      blueWith((_pod, container) => (container.securityContext.readOnlyRootFilesystem = false)),
    expected: [
      [
        "chatbot-kubernetes-read-only-root",
        "mandatory",
        BLUE,
        `${READ_ONLY}Container "chatbot-api" does not set readOnlyRootFilesystem: true.`,
      ],
    ],
  },
  {
    title: "a zone spread that is only a preference (ScheduleAnyway) fails in prod",
    environment: "prod",
    resources: () =>
      blueWith((pod) => (pod.topologySpreadConstraints[0].whenUnsatisfiable = "ScheduleAnyway")),
    expected: [
      [
        "chatbot-kubernetes-topology-spread",
        "mandatory",
        BLUE,
        `${SPREAD}Deployment "chatbot-api-blue" spreads over topology.kubernetes.io/zone with whenUnsatisfiable ScheduleAnyway; DoNotSchedule required.`,
      ],
    ],
  },
  {
    title: "a zone spread that selects other pods fails in prod",
    environment: "prod",
    resources: () =>
      blueWith(
        (pod) =>
          (pod.topologySpreadConstraints[0].labelSelector.matchLabels["chatbot.platform/slot"] =
            "green"),
      ),
    expected: [
      [
        "chatbot-kubernetes-topology-spread",
        "mandatory",
        BLUE,
        `${SPREAD}Deployment "chatbot-api-blue" has no topology spread constraint on topology.kubernetes.io/zone that selects its pods.`,
      ],
    ],
  },
  {
    title: "no zone spread at all is advisory in staging",
    environment: "staging",
    resources: () => blueWith((pod) => pod.topologySpreadConstraints.shift()),
    expected: [
      [
        "chatbot-kubernetes-topology-spread",
        "advisory",
        BLUE,
        `${SPREAD}Deployment "chatbot-api-blue" has no topology spread constraint on topology.kubernetes.io/zone that selects its pods.`,
      ],
    ],
  },
  {
    title: "a Deployment without a PodDisruptionBudget fails in prod",
    environment: "prod",
    resources: () => compliantAksStack().filter((r) => r.name !== "chatbot-k8s-app-green-pdb"),
    expected: [
      [
        "chatbot-kubernetes-disruption-budget",
        "mandatory",
        GREEN,
        `${PDB}Deployment "chatbot-api-green" (namespace chatbot) has no PodDisruptionBudget that selects its pods.`,
      ],
    ],
  },
  {
    title: "a PodDisruptionBudget in another namespace does not count (advisory in staging)",
    environment: "staging",
    resources: () =>
      aksWith("chatbot-k8s-app-green-pdb", (inputs: any) => (inputs.metadata.namespace = "other")),
    expected: [
      [
        "chatbot-kubernetes-disruption-budget",
        "advisory",
        GREEN,
        `${PDB}Deployment "chatbot-api-green" (namespace chatbot) has no PodDisruptionBudget that selects its pods.`,
      ],
    ],
  },
  {
    title: "default-rule weights that differ from the annotations' split fail in prod",
    environment: "prod",
    resources: () => routeWith((route) => (route.spec.rules[2].backendRefs[1].weight = 20)),
    expected: [
      [
        "chatbot-kubernetes-route-weights",
        "mandatory",
        ROUTE,
        `${WEIGHTS}Default rule weights blue=90, green=20 differ from the split of the release annotations (live blue, canary 10%): blue=90, green=10.`,
      ],
    ],
  },
  {
    title: "a canary annotation the weights do not carry fails in prod",
    environment: "prod",
    resources: () =>
      routeWith((route) => (route.metadata.annotations[RELEASE_ANNOTATIONS.canaryPercent] = "50")),
    expected: [
      [
        "chatbot-kubernetes-route-weights",
        "mandatory",
        ROUTE,
        `${WEIGHTS}Default rule weights blue=90, green=10 differ from the split of the release annotations (live blue, canary 50%): blue=50, green=50.`,
      ],
    ],
  },
  {
    title: "a live slot the weights do not carry fails in staging",
    environment: "staging",
    resources: () =>
      routeWith((route) => (route.metadata.annotations[RELEASE_ANNOTATIONS.liveSlot] = "green")),
    expected: [
      [
        "chatbot-kubernetes-route-weights",
        "mandatory",
        ROUTE,
        `${WEIGHTS}Default rule weights blue=90, green=10 differ from the split of the release annotations (live green, canary 10%): blue=10, green=90.`,
      ],
    ],
  },
  {
    title: "all-zero weights fail in prod (and differ from the split)",
    environment: "prod",
    resources: () =>
      routeWith((route) => {
        route.spec.rules[2].backendRefs[0].weight = 0;
        route.spec.rules[2].backendRefs[1].weight = 0;
      }),
    expected: [
      [
        "chatbot-kubernetes-route-weights",
        "mandatory",
        ROUTE,
        `${WEIGHTS}Rule 2 weights sum to 0; a positive total is required.`,
      ],
      [
        "chatbot-kubernetes-route-weights",
        "mandatory",
        ROUTE,
        `${WEIGHTS}Default rule weights blue=0, green=0 differ from the split of the release annotations (live blue, canary 10%): blue=90, green=10.`,
      ],
    ],
  },
  {
    title: "a route without the live-slot annotation fails in prod",
    environment: "prod",
    resources: () =>
      routeWith((route) => delete route.metadata.annotations[RELEASE_ANNOTATIONS.liveSlot]),
    expected: [
      [
        "chatbot-kubernetes-route-weights",
        "mandatory",
        ROUTE,
        `${WEIGHTS}Annotation chatbot.platform/live-slot is missing; blue or green required.`,
      ],
    ],
  },
  {
    title: "a canary annotation that is not a percentage fails in prod",
    environment: "prod",
    resources: () =>
      routeWith((route) => (route.metadata.annotations[RELEASE_ANNOTATIONS.canaryPercent] = "150")),
    expected: [
      [
        "chatbot-kubernetes-route-weights",
        "mandatory",
        ROUTE,
        `${WEIGHTS}Annotation chatbot.platform/canary-percent is "150"; an integer from 0 to 100 required.`,
      ],
    ],
  },
  {
    title: "a header rule that lost its header (two default rules) fails in prod",
    environment: "prod",
    resources: () => routeWith((route) => delete route.spec.rules[1].matches[0].headers),
    expected: [
      [
        "chatbot-kubernetes-route-weights",
        "mandatory",
        ROUTE,
        `${WEIGHTS}The route has 2 rules without a header match; exactly one default rule is required.`,
      ],
    ],
  },
  {
    title: "a default-rule backend that is no slot's Service fails in prod",
    environment: "prod",
    resources: () =>
      routeWith((route) => (route.spec.rules[2].backendRefs[1].name = "chatbot-api-canary")),
    expected: [
      [
        "chatbot-kubernetes-route-weights",
        "mandatory",
        ROUTE,
        `${WEIGHTS}Default rule backend "chatbot-api-canary" is not a slot's Service (a name ending in -blue or -green).`,
      ],
    ],
  },
];

describe("Kubernetes policies (through the analyzer)", () => {
  it("passes the compliant AKS stack in every environment", async () => {
    // given prod's objects as the program builds them; when each environment's gate runs
    for (const environment of ["dev", "staging", "prod"]) {
      // then nothing is reported
      assert.deepStrictEqual(await rows(compliantAksStack(), environment), [], environment);
    }
  });

  for (const c of cases) {
    it(c.title, async () => {
      // given the compliant AKS stack with one change; when the environment's gate runs; then
      // exactly that policy reports, at the environment's level
      assert.deepStrictEqual(await rows(c.resources(), c.environment), c.expected);
    });
  }

  it("accepts one slot taking everything while the other is empty (canary 0, one backend)", async () => {
    // given the program's route for a stack with only blue: [blue header, default blue=100]
    const resources = routeWith((route) => {
      route.metadata.annotations[RELEASE_ANNOTATIONS.canaryPercent] = "0";
      route.spec.rules.splice(1, 1);
      route.spec.rules[1].backendRefs = [{ name: "chatbot-api-blue", port: 80, weight: 100 }];
    });
    assert.deepStrictEqual(await rows(resources, "prod"), []);
  });

  it("judges the pod templates of CronJobs and Pods; probes only on serving workloads", async () => {
    // given a CronJob and a Pod whose one container breaks every container rule
    const bare = { name: "task", image: "busybox" };
    const resources = [
      ...compliantAksStack(),
      resource("kubernetes:batch/v1:CronJob", "cleanup", {
        metadata: { name: "cleanup", namespace: "chatbot" },
        spec: { jobTemplate: { spec: { template: { spec: { containers: [bare] } } } } },
      }),
      resource("kubernetes:core/v1:Pod", "debug", {
        metadata: { name: "debug", namespace: "chatbot" },
        spec: { initContainers: [bare], containers: [{ ...bare, name: undefined }] },
      }),
    ];
    // when the prod gate runs
    const found = (await rows(resources, "prod")).map(([policy, , urn, message]) => [
      policy,
      urn.split("::").pop()!,
      message.split("\n")[1],
    ]);
    // then each container rule reports each container; no probe or PDB rule applies to them
    const each = (name: string, label: string) => [
      [
        "chatbot-kubernetes-resources",
        name,
        `Container "${label}" has no requests.cpu, requests.memory, limits.cpu, limits.memory.`,
      ],
      [
        "chatbot-kubernetes-pinned-images",
        name,
        `Container "${label}" image "busybox" has no sha256 digest.`,
      ],
      [
        "chatbot-kubernetes-non-root",
        name,
        `Container "${label}" does not set runAsNonRoot: true.`,
      ],
      [
        "chatbot-kubernetes-read-only-root",
        name,
        `Container "${label}" does not set readOnlyRootFilesystem: true.`,
      ],
    ];
    assert.deepStrictEqual(
      [...found].sort(),
      [...each("cleanup", "task"), ...each("debug", "task"), ...each("debug", "#0")].sort(),
    );
  });

  it("reads the release annotations the program writes", () => {
    assert.deepStrictEqual(RELEASE_ANNOTATIONS, {
      liveSlot: ANNOTATIONS.liveSlot,
      canaryPercent: ANNOTATIONS.canaryPercent,
      generation: ANNOTATIONS.generation,
    });
  });
});
