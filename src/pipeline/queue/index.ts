/** The job queue (pg-boss), the runner protocol, its server side and the embedded runner. */
export { JobQueue, groupQueue, jobsQueue } from "./job-queue.js";
export type { SqlRunner, SendOptions } from "./job-queue.js";
export { RunnerService } from "./runner-service.js";
export type { QueuedJobData, RunnerServiceOptions } from "./runner-service.js";
export { EmbeddedRunner } from "./embedded-runner.js";
export type {
  EmbeddedRunnerOptions,
  LeaseExecutor,
} from "./embedded-runner.js";
export { QueueDispatcher } from "./dispatcher.js";
export type * from "./runner-api.js";
export type * from "./ports.js";
