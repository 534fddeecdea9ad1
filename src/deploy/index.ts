// The deploy capability's public surface: rollout state machine, analysis, local target.
export {
  commandError,
  initialStatus,
  isFinished,
  reconcile,
  resumeStatus,
} from "./reconcile.js";
export {
  defaultAnalysis,
  defaultSteps,
  deployStepInput,
  effectiveSteps,
  parseDeploySpec,
} from "./spec.js";
export type {
  AnalysisTemplate,
  DeployStepInput,
  MetricSpec,
  ProviderSpec,
  ReleaseSpec,
  RolloutSpec,
  RolloutStep,
} from "./spec.js";
export type {
  AnalysisPhase,
  AnalysisRun,
  MeasurementPhase,
  MeasurementResult,
  Observations,
  ReconcileResult,
  RolloutAction,
  RolloutCommand,
  RolloutPhase,
  RolloutStatus,
  TimelineEntry,
} from "./types.js";
export type {
  DeliveryEvent,
  DeliveryEvents,
  DeployStore,
  DeployTarget,
  DeploymentRecord,
  FlagKillSwitch,
  IncidentRecord,
  ReleaseRecord,
  RolloutRecord,
  TargetReleaseState,
  TargetRoutes,
  TargetServing,
} from "./ports.js";
export {
  notServingExitCode,
  outcomeExitCode,
  rolloutOutcome,
  servingProblem,
} from "./outcome.js";
export type { RolloutOutcome } from "./outcome.js";
export { compareBaseline } from "./analysis/baseline.js";
export { mannWhitneyU, twoProportionZ } from "./analysis/stats.js";
export type {
  TrafficMetricsSource,
  TrafficWindow,
} from "./analysis/providers.js";
export { LocalTarget } from "./targets/local/client.js";
export type { LocalTargetOptions } from "./targets/local/client.js";
export { sampleServiceSource, writeSampleService } from "./sample-service.js";
export { RolloutController } from "./controller.js";
export type { ControllerDeps, DriveOptions } from "./controller.js";
export { DeployService } from "./service.js";
export type { DeployRequest, DeployServiceDeps } from "./service.js";
export {
  createDeployService,
  deliveryEventsTo,
  killSwitchFrom,
} from "./wiring.js";
export type { DeployWiring, DeliverySinkLike } from "./wiring.js";
export { rolloutView } from "./view.js";
export type { RolloutView } from "./view.js";
export { runDeployDemo } from "./demo.js";
export type { DeployDemoOptions, DeployDemoResult } from "./demo.js";
export { checkDeployStepInput, createDeployStep } from "./step.js";
export type { DeployStepContext, DeployStepResult } from "./step.js";
