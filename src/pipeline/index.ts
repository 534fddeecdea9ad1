/** The pipeline engine: plan, scheduler, local executor, logs and masking, cache, artifacts, built-in steps. */
export type * from "./ports.js";
export type { StepUpdate } from "./queue/ports.js";
export { createStepRegistry } from "./registry.js";
export { runProcess } from "./executors/local.js";
export type { ProcessOutcome, ProcessSpec } from "./executors/local.js";
export { defaultGrace, stopGroup } from "./executors/process-group.js";
export {
  Masker,
  MaskingStream,
  maskText,
  minSecretLength,
} from "./logs/masker.js";
export { LineSplitter } from "./logs/lines.js";
export { createLogSinkFactory, stepLogPath } from "./logs/step-log.js";
export type { LiveView, LogSinkOptions, StepRef } from "./logs/step-log.js";
export { createPrefixedView, createProgressView } from "./logs/terminal.js";
export { plan, topologicalOrder } from "./plan.js";
export { expandMatrix, cellKey } from "./matrix.js";
export type { MatrixCell } from "./matrix.js";
export { runJob } from "./job-runner.js";
export { executeRun } from "./scheduler.js";
export type { ExecuteOptions } from "./scheduler.js";
export { createLocalDispatcher } from "./local-dispatcher.js";
export { ConcurrencyGroups } from "./concurrency.js";
export type { GroupTicket } from "./concurrency.js";
export { hashFiles, matchFiles } from "./hash-files.js";
export { parseOutputFile } from "./output-file.js";
export { createLocalCache, resolveCachePath } from "./cache.js";
export { createLocalArtifacts } from "./artifacts.js";
export { matchTrigger } from "./trigger.js";
export type { TriggerMatch } from "./trigger.js";
export { keepRelease, openRunSource } from "./checkout.js";
export type { RunSource } from "./checkout.js";
export { readGitFacts, trailersByKey } from "./git-facts.js";
export type { GitFacts } from "./git-facts.js";
