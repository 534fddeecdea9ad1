import { AppError } from "../../kernel/index.js";
import type {
  JobDispatcher,
  JobInput,
  JobResult,
  PlannedJob,
} from "../ports.js";
import type { RunnerService } from "./runner-service.js";

/**
 * The scheduler's `JobDispatcher` for one run: each job goes through the queue, a runner
 * (embedded or remote) claims it, and the result comes back here.
 */
export class QueueDispatcher implements JobDispatcher {
  constructor(
    private readonly service: Pick<RunnerService, "submit">,
    private readonly runId: string,
    /** Store row id of each planned job, by job key. */
    private readonly jobIds: ReadonlyMap<string, string>,
  ) {}

  dispatch(
    job: PlannedJob,
    input: JobInput,
    signal: AbortSignal,
  ): Promise<JobResult> {
    const jobId = this.jobIds.get(job.key);
    if (!jobId) {
      throw new AppError("INTERNAL", `job ${job.key} was not recorded`);
    }
    return this.service.submit(
      { runId: this.runId, jobId, job, input },
      signal,
    );
  }
}
