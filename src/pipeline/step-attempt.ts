import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import type {
  ExpressionContext,
  ExpressionFunctions,
} from "../config/index.js";
import { formatDuration, messageOf, timeoutSignal } from "../kernel/index.js";
import { runProcess } from "./executors/local.js";
import { expand, expandDeep, expandEnv } from "./expressions.js";
import { parseOutputFile } from "./output-file.js";
import type {
  TriggerFacts,
  JobDeps,
  PlannedStep,
  StepLog,
  StepStatus,
} from "./ports.js";

/** What one attempt of a step ended with. */
export interface AttemptResult {
  status: StepStatus;
  exitCode?: number | undefined;
  error?: string | undefined;
  outputs: Record<string, string>;
  env: Record<string, string>;
  /** A process group that may still hold background processes. */
  pgid?: number | undefined;
  /** A retry cannot help (the shell or the directory is missing). */
  final?: boolean | undefined;
  /** A built-in step's warnings (see `BuiltinStepResult.warnings`). */
  warnings?: string[] | undefined;
}

/** Everything an attempt needs besides the step itself. */
export interface AttemptContext {
  deps: JobDeps;
  runId: string;
  jobKey: string;
  workdir: string;
  env: Record<string, string>;
  context: ExpressionContext;
  functions: ExpressionFunctions;
  facts: TriggerFacts;
  log: StepLog;
  signal: AbortSignal;
  /** True once the job's own timeout fired (a cancel then reads as a failure). */
  jobTimedOut(): boolean;
}

/** One attempt of a step: a shell script or a built-in; an error it cannot run with is a final failure. */
export async function runAttempt(
  step: PlannedStep,
  ctx: AttemptContext,
): Promise<AttemptResult> {
  const what = `step ${step.name}`;
  try {
    const stepEnv = {
      ...ctx.env,
      ...expandEnv(step.env, ctx.context, ctx.functions, what),
    };
    if (step.uses !== undefined) return await runBuiltin(step, ctx, stepEnv);
    return await runShell(step, ctx, stepEnv);
  } catch (error) {
    // An expression that cannot be evaluated, a temp dir that cannot be written: the step fails.
    return {
      status: "failure",
      error: messageOf(error),
      outputs: {},
      env: {},
      final: true,
    };
  }
}

async function runShell(
  step: PlannedStep,
  ctx: AttemptContext,
  env: Record<string, string>,
): Promise<AttemptResult> {
  const what = `step ${step.name}`;
  const token = randomBytes(6).toString("hex");
  const outputPath = join(ctx.deps.tempDir, `sluice-output-${token}`);
  const envPath = join(ctx.deps.tempDir, `sluice-env-${token}`);
  const script = expand(
    step.run ?? "",
    ctx.context,
    ctx.functions,
    `${what} run`,
  );
  const cwd = step.workingDirectory
    ? resolve(
        ctx.workdir,
        expand(step.workingDirectory, ctx.context, ctx.functions, what),
      )
    : ctx.workdir;
  const outcome = await runProcess({
    script,
    shell: step.shell,
    env: { ...env, SLUICE_OUTPUT: outputPath, SLUICE_ENV: envPath },
    cwd,
    timeoutMs: step.timeoutMs,
    signal: ctx.signal,
    grace: ctx.deps.grace,
    tempDir: ctx.deps.tempDir,
    // Created empty before the step starts, read after it ends and removed, by the spawner.
    outputFiles: [outputPath, envPath],
    spawn: ctx.deps.spawn,
    clock: ctx.deps.clock,
    onOutput: (stream, chunk) => ctx.log.write(stream, chunk),
  });
  const outputs = parseOutputFile(outcome.outputs?.[0] ?? "");
  const fileEnv = parseOutputFile(outcome.outputs?.[1] ?? "");
  const base = {
    outputs,
    env: fileEnv,
    pgid: outcome.pgid,
    exitCode: outcome.exitCode,
  };
  switch (outcome.reason) {
    case "spawn-failed":
    case "sink-failed":
      return {
        status: "failure",
        error: outcome.error,
        outputs: {},
        env: {},
        final: true,
      };
    case "timeout":
      return {
        ...base,
        status: "failure",
        error: `timed out after ${formatDuration(step.timeoutMs ?? 0)}`,
      };
    case "cancelled":
      return ctx.jobTimedOut()
        ? { ...base, status: "failure", error: "the job timed out" }
        : { ...base, status: "cancelled", error: "cancelled" };
    case "exited":
      if (outcome.exitCode === 0) return { ...base, status: "success" };
      return {
        ...base,
        status: "failure",
        error: outcome.signal
          ? `killed by ${outcome.signal}`
          : `exit code ${outcome.exitCode}`,
      };
  }
}

async function runBuiltin(
  step: PlannedStep,
  ctx: AttemptContext,
  env: Record<string, string>,
): Promise<AttemptResult> {
  const name = step.uses ?? "";
  const handler = ctx.deps.steps.get(name);
  if (!handler) {
    return {
      status: "failure",
      error: `unknown built-in step ${name}`,
      outputs: {},
      env: {},
      final: true,
    };
  }
  const timeout =
    step.timeoutMs === undefined
      ? undefined
      : timeoutSignal(ctx.deps.clock, step.timeoutMs);
  const signal = timeout
    ? AbortSignal.any([ctx.signal, timeout.signal])
    : ctx.signal;
  const stopped = new Promise<"stopped">((resolveStop) => {
    if (signal.aborted) resolveStop("stopped");
    signal.addEventListener("abort", () => resolveStop("stopped"), {
      once: true,
    });
  });
  try {
    const outcome = await Promise.race([
      handler({
        with: expandDeep(
          step.with,
          ctx.context,
          ctx.functions,
          `step ${step.name} with`,
        ) as Record<string, unknown>,
        env,
        workdir: ctx.workdir,
        runId: ctx.runId,
        jobKey: ctx.jobKey,
        facts: ctx.facts,
        log: (line) => ctx.log.write("stdout", `${line}\n`),
        signal,
        clock: ctx.deps.clock,
      }),
      stopped,
    ]);
    if (outcome === "stopped") {
      if (ctx.signal.aborted && !ctx.jobTimedOut()) {
        return {
          status: "cancelled",
          error: "cancelled",
          outputs: {},
          env: {},
        };
      }
      return {
        status: "failure",
        error: ctx.jobTimedOut()
          ? "the job timed out"
          : `timed out after ${formatDuration(step.timeoutMs ?? 0)}`,
        outputs: {},
        env: {},
      };
    }
    return {
      status: outcome.status,
      error:
        outcome.status === "failure"
          ? (outcome.message ?? `${name} failed`)
          : outcome.status === "held"
            ? (outcome.message ?? `${name} is held`)
            : undefined,
      outputs: outcome.outputs ?? {},
      env: {},
      ...(outcome.warnings?.length ? { warnings: outcome.warnings } : {}),
    };
  } catch (error) {
    return { status: "failure", error: messageOf(error), outputs: {}, env: {} };
  } finally {
    timeout?.cancel();
  }
}
