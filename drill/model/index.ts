/** A local model of Azure for the release engine: ARM Container Apps and the Logs query API. */
export { DEFAULT_START_MS, ManualClock } from "./clock";
export type { VirtualClock } from "./clock";
export { ModelError } from "./errors";
export type { DropRule, FailRule, FaultInjector, LogEntry } from "./faults";
export { AzureModel } from "./model";
export type { ArmRequest, ImageBehaviour, ModelAnswer, ModelOptions } from "./model";
export type {
  ContainerAppState,
  RevisionState,
  TemplateState,
  TrafficWeightState,
} from "./armJson";
export { modelClientOptions, startModelServer } from "./server";
export type { ModelClientOptions, ModelServer } from "./server";
export { parseGateQuery, weightedPercentile } from "./telemetry";
export type { GateQuery, GateResult, RequestRow } from "./telemetry";
export { USER_REQUEST, replicaName } from "./workload";
export { DRILL_WEBHOOK_URL, WebhookReceiver } from "./webhook";
export type { HttpAnswer } from "./workload";
