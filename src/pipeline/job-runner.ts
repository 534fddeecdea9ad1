import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { formatDuration, messageOf } from "../kernel/index.js";
import { endGroups } from "./executors/process-group.js";
import {
  conditionHolds,
  expand,
  expandEnv,
  statusFunctions,
} from "./expressions.js";
import { hashFiles } from "./hash-files.js";
import type {
  ArtifactRef,
  JobDeps,
  JobInput,
  JobResult,
  JobStatus,
  PlannedJob,
  PlannedStep,
  StepResult,
} from "./ports.js";
import { giveSecrets } from "./job-secrets.js";
import { runStep } from "./step-runner.js";

/** Per-step facts the `steps` context exposes. */
interface StepFacts {
  outputs: Record<string, string>;
  outcome: string;
  conclusion: string;
}

/**
 * Runs the steps of one job in order on this machine: fetches the artifacts of its needs, runs
 * each step whose `if` holds (with cache restore/save, retries, timeouts, continue-on-error),
 * evaluates the job outputs, publishes its artifacts, and ends processes its steps left behind.
 * The same function serves the in-process dispatcher, the embedded runner and a remote agent.
 */
export async function runJob(
  job: PlannedJob,
  input: JobInput,
  deps: JobDeps,
  signal: AbortSignal,
): Promise<JobResult> {
  await deps.recorder.jobStarted(job.key);
  const jobTimeout = new AbortController();
  let timedOut = false;
  const timer =
    job.timeoutMs === undefined
      ? undefined
      : deps.clock.setTimeout(() => {
          timedOut = true;
          jobTimeout.abort();
        }, job.timeoutMs);
  const leftovers = new Set<number>();
  const results: StepResult[] = [];
  const stepsContext: Record<string, StepFacts> = {};
  let failed = false;
  let held = false;
  let jobError: string | undefined;
  let fileEnv: Record<string, string> = {};
  let dropSecrets = () => {};
  const workdir = job.workingDirectory
    ? resolve(input.workdir, job.workingDirectory)
    : input.workdir;

  const baseContext = {
    ...deps.context,
    branch: input.facts.branch ?? "",
    event: input.facts.event,
    commit: input.facts.commit ?? "",
    inputs: input.facts.inputs ?? {},
    matrix: job.matrix ?? {},
    needs: input.needs,
    sluice: { run_id: input.runId, job: job.key, workspace: input.workdir },
    runner: { os: process.platform, temp: deps.tempDir },
  };
  const status = () => ({
    succeeded: !failed && !timedOut && !held,
    failed: failed || timedOut,
    cancelled: signal.aborted,
  });
  const functions = () => ({
    ...statusFunctions(status()),
    hashFiles: (...patterns: unknown[]) =>
      hashFiles(input.workdir, patterns.map(String)),
  });

  try {
    // The job's workspace exists before anything lands in it (a step's own directory may not).
    mkdirSync(input.workdir, { recursive: true });
    if (deps.artifacts) {
      for (const ref of input.artifacts) {
        try {
          await deps.artifacts.fetch(ref, input.workdir);
        } catch (error) {
          failed = true;
          jobError = `cannot fetch artifact ${ref.name}: ${messageOf(error)}`;
          break;
        }
      }
    }
    let jobEnv: Record<string, string> = {};
    try {
      jobEnv = expandEnv(
        input.env,
        { ...baseContext, env: input.env },
        functions(),
        `job ${job.key}`,
      );
    } catch (error) {
      failed = true;
      jobError = messageOf(error);
    }
    // The job's secrets, masked before its first step; one missing fails the job before any step.
    let secretEnv: Record<string, string> = {};
    let secretsFailed = false;
    if (!failed && job.secrets && job.secrets.length > 0) {
      try {
        const given = await giveSecrets(job.secrets, deps, {
          runId: input.runId,
          jobKey: job.key,
          environment: job.environment,
        });
        secretEnv = given.env;
        dropSecrets = given.drop;
      } catch (error) {
        failed = secretsFailed = true;
        jobError = messageOf(error);
      }
    }
    const sluiceEnv = {
      CI: "true",
      SLUICE: "true",
      SLUICE_RUN_ID: input.runId,
      SLUICE_JOB: job.key,
      SLUICE_WORKSPACE: input.workdir,
      SLUICE_EVENT: input.facts.event,
      SLUICE_BRANCH: input.facts.branch ?? "",
      SLUICE_COMMIT: input.facts.commit ?? "",
    };

    for (const step of job.steps) {
      const env = {
        ...deps.baseEnv,
        ...jobEnv,
        ...fileEnv,
        ...secretEnv,
        ...sluiceEnv,
      };
      const context = {
        ...baseContext,
        env: { ...jobEnv, ...fileEnv },
        steps: stepsContext,
        job: { status: jobStatusNow() },
      };
      let holds: boolean;
      try {
        holds = conditionHolds(
          step.if,
          context,
          functions(),
          `step ${step.name}`,
        );
      } catch (error) {
        holds = false;
        failed = true;
        jobError = messageOf(error);
      }
      await deps.recorder.stepStarted(job.key, step.position, step.name);
      if (!holds || secretsFailed) {
        const skipped: StepResult = {
          status: "skipped",
          attempts: 0,
          outputs: {},
        };
        results.push(skipped);
        record(step, skipped);
        await deps.recorder.stepFinished(job.key, step.position, {
          status: "skipped",
          attempts: 0,
        });
        continue;
      }
      // After a cancel or a job timeout only always()/failure()/cancelled() steps get here; they
      // run until the force signal (a second Ctrl-C) or their own timeout.
      const stepSignal =
        signal.aborted || timedOut
          ? (deps.forceSignal ?? new AbortController().signal)
          : AbortSignal.any([
              signal,
              jobTimeout.signal,
              ...(deps.forceSignal ? [deps.forceSignal] : []),
            ]);
      const result = await runStep(step, {
        deps,
        runId: input.runId,
        jobKey: job.key,
        workdir,
        env,
        context,
        functions: functions(),
        facts: input.facts,
        signal: stepSignal,
        jobTimedOut: () => timedOut,
      });
      results.push(result.step);
      if (result.pgid !== undefined) leftovers.add(result.pgid);
      fileEnv = { ...fileEnv, ...result.env };
      record(step, result.step);
      if (result.step.status === "failure" && !step.continueOnError)
        failed = true;
      // A held step (the gate) holds its job: the steps after it wait with it, as after a failure.
      if (result.step.status === "held") held = true;
      await deps.recorder.stepFinished(job.key, step.position, {
        status: result.step.status,
        exitCode: result.step.exitCode,
        cache: result.step.cache,
        attempts: result.step.attempts,
        logPath: result.step.logPath,
        ...(result.step.warnings ? { warnings: result.step.warnings } : {}),
      });
    }

    const finalStatus = jobStatusNow();
    let outputs: Record<string, string> = {};
    try {
      const context = {
        ...baseContext,
        env: { ...jobEnv, ...fileEnv },
        steps: stepsContext,
      };
      for (const [name, expression] of Object.entries(job.outputs)) {
        outputs[name] = expand(
          expression,
          context,
          functions(),
          `output ${name} of job ${job.key}`,
        );
      }
    } catch (error) {
      outputs = {};
      failed = true;
      jobError = messageOf(error);
    }
    let artifacts: ArtifactRef[] | undefined;
    if (
      jobStatusNow() === "success" &&
      finalStatus === "success" &&
      job.artifacts &&
      deps.artifacts
    ) {
      try {
        artifacts = [
          await deps.artifacts.publish(
            input.runId,
            job.artifacts.name,
            job.artifacts.paths,
            input.workdir,
          ),
        ];
      } catch (error) {
        failed = true;
        jobError = `cannot publish artifact ${job.artifacts.name}: ${messageOf(error)}`;
      }
    }
    const statusOut = jobStatusNow();
    if (timedOut)
      jobError = `the job timed out after ${formatDuration(job.timeoutMs ?? 0)}`;
    else if ((statusOut === "failure" || statusOut === "held") && !jobError) {
      const failedStep = results.find(
        (r) => r.status === statusOut && !r.continuedOnError,
      );
      jobError = failedStep?.error;
    }
    await endGroups(leftovers, deps.grace?.terminateMs ?? 2500);
    await deps.recorder.jobFinished(job.key, { status: statusOut, outputs });
    return {
      status: statusOut,
      outputs,
      steps: results,
      error: jobError,
      artifacts,
    };
  } finally {
    timer?.cancel();
    dropSecrets();
  }

  function jobStatusNow(): JobStatus {
    if (timedOut) return "failure";
    if (signal.aborted) return "cancelled";
    return failed ? "failure" : held ? "held" : "success";
  }

  function record(step: PlannedStep, result: StepResult): void {
    if (!step.id) return;
    const conclusion =
      result.status === "failure" && step.continueOnError
        ? "success"
        : result.status;
    stepsContext[step.id] = {
      outputs: result.outputs,
      outcome: result.status,
      conclusion,
    };
  }
}
