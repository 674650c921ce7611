/**
 * The Container App's revision template (`properties.template` without `revisionSuffix`): the
 * revision-scope inputs. One pure function builds it for the resource and for the fingerprint that
 * names the revision (`lib/release.ts`), so the two can never disagree.
 */

/** The largest `failureThreshold` Azure accepts on a Container App probe. */
export const MAX_PROBE_FAILURE_THRESHOLD = 10;

/** Name of the app's container. */
export const CONTAINER_NAME = "chatbot-api";

/** One container environment variable: a plain value or a reference to a Container App secret. */
export type EnvEntry =
  | { readonly name: string; readonly value: string }
  | { readonly name: string; readonly secretRef: string };

/** The app's revision-scope settings as the platform passes them to `BlueGreenApp`. */
export interface AppTemplateInput {
  readonly cpu: number;
  readonly memory: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly concurrentRequests: number;
  readonly targetPort: number;
  readonly healthPath: string;
  readonly readyPath: string;
  /** Plain environment variables. */
  readonly settings?: Readonly<Record<string, string>>;
  /** Environment variables read from Container App secrets (Key Vault references). */
  readonly secrets?: ReadonlyArray<{ readonly envName: string; readonly secretName: string }>;
}

/** Everything a revision is made of. `I` is the image type (`string`, or a Pulumi Input). */
export type TemplateSpec<I> = Omit<AppTemplateInput, "settings" | "secrets"> & {
  readonly image: I;
  readonly env: readonly EnvEntry[];
};

/** The template spec of `input` with `image`: settings first, then secret references. */
export function templateSpec<I>(input: AppTemplateInput, image: I): TemplateSpec<I> {
  return {
    image,
    cpu: input.cpu,
    memory: input.memory,
    minReplicas: input.minReplicas,
    maxReplicas: input.maxReplicas,
    concurrentRequests: input.concurrentRequests,
    targetPort: input.targetPort,
    healthPath: input.healthPath,
    readyPath: input.readyPath,
    env: [
      ...Object.entries(input.settings ?? {}).map(([name, value]) => ({ name, value })),
      ...(input.secrets ?? []).map((secret) => ({
        name: secret.envName,
        secretRef: secret.secretName,
      })),
    ],
  };
}

/** The template Azure receives (and the fingerprint hashes). */
export function revisionTemplate<I>(spec: TemplateSpec<I>) {
  // Azure's probe limits: initialDelaySeconds 1-60, periodSeconds 1-240, failureThreshold 1-10.
  // The startup probe allows 5 + 10 x 10 seconds for a cold start (model clients, migrations).
  const probe = (type: "Liveness" | "Readiness" | "Startup", path: string) => ({
    type,
    httpGet: { path, port: spec.targetPort, scheme: "HTTP" as const },
    initialDelaySeconds: type === "Startup" ? 5 : 10,
    periodSeconds: 10,
    timeoutSeconds: 5,
    failureThreshold: type === "Startup" ? MAX_PROBE_FAILURE_THRESHOLD : 3,
  });
  return {
    containers: [
      {
        name: CONTAINER_NAME,
        image: spec.image,
        resources: { cpu: spec.cpu, memory: spec.memory },
        env: spec.env.map((entry) => ({ ...entry })),
        probes: [
          probe("Liveness", spec.healthPath),
          probe("Readiness", spec.readyPath),
          probe("Startup", spec.healthPath),
        ],
      },
    ],
    scale: {
      minReplicas: spec.minReplicas,
      maxReplicas: spec.maxReplicas,
      rules: [
        {
          name: "http-concurrency",
          http: { metadata: { concurrentRequests: String(spec.concurrentRequests) } },
        },
      ],
    },
  };
}
