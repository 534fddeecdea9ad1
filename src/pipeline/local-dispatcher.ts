import { runJob } from "./job-runner.js";
import type { JobDeps, JobDispatcher } from "./ports.js";

/** Runs every job in this process with `runJob` (no queue): `sluice run` without a store, tests. */
export function createLocalDispatcher(deps: JobDeps): JobDispatcher {
  return { dispatch: (job, input, signal) => runJob(job, input, deps, signal) };
}
