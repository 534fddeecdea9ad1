// The deploy capability's public surface: rollout state machine, analysis, local target.
export { initialStatus } from "./status.js";
export { defaultAnalysis, parseDeploySpec } from "./spec.js";
export type { RolloutStatus, TimelineEntry } from "./types.js";
export type { DeliveryEvent, RolloutRecord } from "./ports.js";
export { notServingExitCode, outcomeExitCode } from "./outcome.js";
export type { RolloutOutcome } from "./outcome.js";
export type { RolloutReport } from "./inspect.js";
export { LocalTarget } from "./targets/local/client.js";
export { writeSampleService } from "./sample-service.js";
export { DeployService } from "./service.js";
export type { ReleasesView } from "./view-releases.js";
export { supersededLine } from "./supersede.js";
export {
  createDeployService,
  deliveryEventsTo,
  killSwitchFrom,
} from "./wiring.js";
export { runDeployDemo } from "./demo.js";
export {
  checkDeployStepInput,
  createDeployStep,
  splitDeployStepWith,
} from "./step.js";
export { createDeployStore } from "./store.js";
