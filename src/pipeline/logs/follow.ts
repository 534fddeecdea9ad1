import { open } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";
import { AppError, sleep } from "../../kernel/index.js";
import type { Clock } from "../../kernel/index.js";
import type { RunDetail } from "../store-queries.js";
import { stepLogPath } from "./step-log.js";

/** One piece of a run's logs, in the order `sluice logs` prints them. */
export type RunLogEvent =
  /** A step's log begins (its status when it began to be read). */
  | {
      kind: "step";
      job: string;
      position: number;
      step: string;
      status: string;
      logPath: string | null;
    }
  /** Text of the current step's log (already masked when it was written). */
  | { kind: "text"; text: string }
  /** The current step has no log file. */
  | { kind: "no-log" }
  /** The run's status once every selected step was read. */
  | { kind: "end"; status: string };

export interface RunLogDeps {
  runs: { getRun(id: string): Promise<RunDetail> };
  clock: Pick<Clock, "setTimeout">;
  /**
   * `$SLUICE_HOME` of the runners: a running step's log path is recorded when the step ends, so
   * a followed step is read from where its runner writes it (`stepLogPath`) meanwhile.
   */
  home?: string | undefined;
}

export interface RunLogOptions {
  /** A job key (or a job id, for every matrix cell); all jobs when omitted. */
  job?: string | undefined;
  /** Keep reading while the run goes on: each step until it ends, then the next. */
  follow?: boolean | undefined;
  /** How often a followed step's file and status are looked at again (default 200 ms). */
  pollMs?: number | undefined;
  /** Ends the reading (the client went away). */
  signal?: AbortSignal | undefined;
}

const unfinishedSteps = new Set(["pending", "running", "queued"]);
const unfinishedRuns = new Set(["queued", "running"]);
const chunkBytes = 64 * 1024;

/**
 * The step logs of a run as events: each selected step's header, then its file's text. With
 * `follow`, a step that has not finished is read as it grows until it ends, and the reading
 * ends with the run; steps are read whole and in plan order, so concurrent jobs never
 * interleave. `id` is a run id, a unique prefix or `last`.
 */
export async function* runLogEvents(
  deps: RunLogDeps,
  id: string,
  options: RunLogOptions = {},
): AsyncGenerator<RunLogEvent> {
  const pollMs = options.pollMs ?? 200;
  const signal = options.signal;
  let detail = await deps.runs.getRun(id);
  const runId = detail.id;
  const selected = (run: RunDetail) =>
    options.job
      ? run.jobs.filter(
          (job) =>
            job.key === options.job || job.key.startsWith(`${options.job} (`),
        )
      : run.jobs;
  if (selected(detail).length === 0)
    throw new AppError(
      "NOT_FOUND",
      `run ${detail.id} has no job ${options.job} (jobs: ${detail.jobs.map((j) => j.key).join(", ")})`,
    );
  const following = () =>
    options.follow === true &&
    unfinishedRuns.has(detail.status) &&
    !signal?.aborted;
  const stepOf = (jobId: string, stepId: string) =>
    detail.jobs
      .find((job) => job.id === jobId)
      ?.steps.find((step) => step.id === stepId);
  const refresh = async () => {
    await sleep(deps.clock, pollMs, signal);
    if (!signal?.aborted) detail = await deps.runs.getRun(runId);
  };

  for (let j = 0; j < selected(detail).length; j++) {
    const jobId = selected(detail)[j]!.id;
    for (let s = 0; ; s++) {
      const job = detail.jobs.find((candidate) => candidate.id === jobId)!;
      const first = job.steps[s];
      if (!first) break;
      // A followed step that has not started yet: wait for it to start (or the run to end).
      while (first.status === "pending" && following()) {
        await refresh();
        if (stepOf(jobId, first.id)?.status !== "pending") break;
      }
      const step = stepOf(jobId, first.id) ?? first;
      yield {
        kind: "step",
        job: job.key,
        position: step.position,
        step: step.name,
        status: step.status,
        logPath: step.logPath,
      };
      const path =
        step.logPath ??
        (deps.home && options.follow && unfinishedSteps.has(step.status)
          ? stepLogPath(deps.home, runId, job.key, step.position)
          : null);
      yield* stepText(path, () => {
        const now = stepOf(jobId, first.id);
        return now !== undefined && unfinishedSteps.has(now.status)
          ? following()
          : false;
      });
    }
  }
  // Every step was read; a followed run may still be finishing (its last step ended before it).
  while (following()) await refresh();
  yield { kind: "end", status: detail.status };

  /** The text of one step's log; while `growing()`, waits for more after reaching the end. */
  async function* stepText(
    path: string | null,
    growing: () => boolean,
  ): AsyncGenerator<RunLogEvent> {
    // A step that has not written its log yet may still: wait while it is unfinished.
    let file = path ? await open(path, "r").catch(() => undefined) : undefined;
    while (!file && growing()) {
      await refresh();
      file = path ? await open(path, "r").catch(() => undefined) : undefined;
    }
    if (!file) {
      yield { kind: "no-log" };
      return;
    }
    const decoder = new StringDecoder("utf8");
    const buffer = Buffer.alloc(chunkBytes);
    let offset = 0;
    try {
      for (;;) {
        const { bytesRead } = await file.read(buffer, 0, chunkBytes, offset);
        if (bytesRead > 0) {
          offset += bytesRead;
          const text = decoder.write(buffer.subarray(0, bytesRead));
          if (text) yield { kind: "text", text };
          continue;
        }
        // At the end of what is written: done, unless the step is still writing. Read once
        // more after it finished, for what it wrote between our last read and its end.
        const more = growing();
        if (!more) {
          const { bytesRead: last } = await file.read(
            buffer,
            0,
            chunkBytes,
            offset,
          );
          if (last > 0) {
            offset += last;
            const text = decoder.write(buffer.subarray(0, last));
            if (text) yield { kind: "text", text };
            continue;
          }
          break;
        }
        await refresh();
      }
      const rest = decoder.end();
      if (rest) yield { kind: "text", text: rest };
    } finally {
      await file.close();
    }
  }
}
