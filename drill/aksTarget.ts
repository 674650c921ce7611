/**
 * The drill's target `aks`: the cluster model (`model/kube.ts`) behind its HTTPS server, and the
 * engine's real AKS adapter (`release/aks.ts`) over the real Kubernetes client (`release/kube.ts`)
 * talking to it, with the gates' telemetry read through the real Logs client from the same
 * server. The scenario's model settings map onto the cluster model (pods become ready after
 * `provisioningMs`; AcrPull takes effect after `roleAssignmentsAfterMs`).
 */
import * as path from "node:path";
import { LogsQueryClient } from "@azure/monitor-query-logs";
import { AksCluster, AksTelemetry, SLOT_HEADER } from "../release/aks";
import { AzureCredential, LogsTelemetry } from "../release/azure";
import { HttpsKubeApi } from "../release/kube";
import { HttpChecker } from "../release/ports";
import { loadStackConfig } from "../simulator/simulate";
import { AksDrillWorkspace } from "./aksWorkspace";
import { ManualClock, modelClientOptions } from "./model";
import { KubeModel } from "./model/kube";
import { startKubeModelServer } from "./model/kubeServer";
import { ModelServer } from "./model/server";
import { Scenario } from "./scenario";

/** What a scenario runs against on target `aks`. */
export interface AksTarget {
  readonly kube: KubeModel;
  readonly server: ModelServer;
  readonly azure: AksCluster;
  readonly telemetry: AksTelemetry;
  readonly http: HttpChecker;
  readonly stacks: Map<string, AksDrillWorkspace>;
}

/** GETs on the gateway, answered by the cluster model (headers included). */
export function kubeHttpChecker(kube: KubeModel): HttpChecker {
  return {
    get: async (url, headers) => {
      const answer = kube.httpGet(url, headers ?? {});
      return {
        ok: answer.status >= 200 && answer.status < 300,
        status: answer.status,
        ...(answer.error === undefined ? {} : { error: answer.error }),
      };
    },
  };
}

/** Starts the cluster model for a scenario; `root` holds the committed stack files. */
export async function startAksTarget(
  scenario: Scenario,
  clock: ManualClock,
  credential: AzureCredential,
  root: string,
): Promise<AksTarget> {
  const settings = scenario.model ?? {};
  const kube = new KubeModel({
    clock,
    ...(settings.userRequestsPerMinute === undefined
      ? {}
      : { userRequestsPerMinute: settings.userRequestsPerMinute }),
    ...(settings.provisioningMs === undefined ? {} : { podReadyMs: settings.provisioningMs }),
    ...(settings.ingestionLagMs === undefined ? {} : { ingestionLagMs: settings.ingestionLagMs }),
  });
  if (settings.roleAssignmentsAfterMs !== undefined) {
    kube.setRoleAssignmentsEffectiveAt(clock.now() + settings.roleAssignmentsAfterMs);
  }
  for (const [image, behaviour] of Object.entries(scenario.images ?? {})) {
    kube.setImageBehaviour(image, behaviour);
  }
  const server = await startKubeModelServer(kube);
  const api = new HttpsKubeApi(
    {
      server: server.url,
      ca: server.ca,
      auth: { kind: "token", token: async () => "drill-token" },
    },
    { sleep: async (ms) => clock.advance(ms) },
  );
  const azure = new AksCluster(api, { gatewayHost: kube.gatewayHost });
  const logs = new LogsTelemetry(credential, {
    ...modelClientOptions(server, "logs"),
    retryOptions: { maxRetries: 2, retryDelayInMs: 1, maxRetryDelayInMs: 5 },
  } as ConstructorParameters<typeof LogsQueryClient>[1]);
  const stacks = new Map<string, AksDrillWorkspace>();
  for (const name of scenario.stacks ?? ["staging"]) {
    const config = loadStackConfig(path.join(root, `Pulumi.${name}.yaml`));
    stacks.set(name, new AksDrillWorkspace(name, config, kube));
  }
  return {
    kube,
    server,
    azure,
    telemetry: new AksTelemetry(logs, azure),
    http: kubeHttpChecker(kube),
    stacks,
  };
}

export { SLOT_HEADER };
