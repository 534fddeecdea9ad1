import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { cacheScope } from "./cache.js";
import type {
  ExpressionContext,
  ExpressionFunctions,
} from "../config/index.js";
import { formatDuration, messageOf } from "../kernel/index.js";
import { runProcess } from "./executors/local.js";
import { expand, expandDeep, expandEnv } from "./expressions.js";
import { parseOutputFile } from "./output-file.js";
import type {
  CacheStatus,
  StepResult,
  TriggerFacts,
  JobDeps,
  PlannedStep,
  StepLog,
  StepStatus,
} from "./ports.js";

/** What one attempt of a step ended with. */
interface AttemptResult {
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

/** Runs a step with its retries; returns the last attempt and how many were made. */
async function runStepAttempts(
  step: PlannedStep,
  ctx: AttemptContext,
): Promise<AttemptResult & { attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    const result = await runAttempt(step, ctx);
    const retryable =
      result.status === "failure" &&
      !result.final &&
      !ctx.signal.aborted &&
      attempt <= step.retry.max;
    if (!retryable) return { ...result, attempts: attempt };
    const delay = step.retry.delayMs;
    ctx.log.note(
      `attempt ${attempt} failed (${result.error ?? "failure"}); retrying${delay ? ` in ${formatDuration(delay)}` : ""}`,
    );
    if (delay > 0) await sleep(delay, ctx.signal);
    if (ctx.signal.aborted) return { ...result, attempts: attempt };
  }
}

async function runAttempt(
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
  writeFileSync(outputPath, "", { mode: 0o600 });
  writeFileSync(envPath, "", { mode: 0o600 });
  try {
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
      tempFiles: [outputPath, envPath],
      spawn: ctx.deps.spawn,
      onOutput: (stream, chunk) => ctx.log.write(stream, chunk),
    });
    const outputs = parseOutputFile(readFileSync(outputPath, "utf8"));
    const fileEnv = parseOutputFile(readFileSync(envPath, "utf8"));
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
  } finally {
    rmSync(outputPath, { force: true });
    rmSync(envPath, { force: true });
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
  const signals = [ctx.signal];
  if (step.timeoutMs !== undefined)
    signals.push(AbortSignal.timeout(step.timeoutMs));
  const signal = AbortSignal.any(signals);
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
          : undefined,
      outputs: outcome.outputs ?? {},
      env: {},
      ...(outcome.warnings?.length ? { warnings: outcome.warnings } : {}),
    };
  } catch (error) {
    return { status: "failure", error: messageOf(error), outputs: {}, env: {} };
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolveSleep) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolveSleep();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** One step: cache restore (and skip on an exact hit when asked), attempts, cache save, log. */
export async function runStep(
  step: PlannedStep,
  ctx: Omit<AttemptContext, "log">,
): Promise<{
  step: StepResult;
  env: Record<string, string>;
  pgid?: number | undefined;
}> {
  const log = ctx.deps.logs.open({
    runId: ctx.runId,
    jobKey: ctx.jobKey,
    position: step.position,
    name: step.name,
  });
  let cache: CacheStatus | undefined;
  let cacheSpec:
    | {
        key: string;
        restoreKeys: string[];
        paths: string[];
        scope: string;
        unhashed: boolean;
      }
    | undefined;
  let result: StepResult;
  let env: Record<string, string> = {};
  let pgid: number | undefined;
  try {
    if (step.cache && ctx.deps.cache) {
      try {
        const what = `the cache key of step ${step.name}`;
        // A hashFiles() that matched no file gives "" (as GitHub's): the key then names no
        // content, and the cache never calls a hit by it exact.
        let unhashed = false;
        const keyFunctions = {
          ...ctx.functions,
          hashFiles: (...patterns: unknown[]) => {
            const hash = ctx.functions.hashFiles?.(...patterns);
            if (hash === "") unhashed = true;
            return hash;
          },
        };
        const key = expand(step.cache.key, ctx.context, keyFunctions, what);
        cacheSpec = {
          key,
          unhashed,
          restoreKeys: step.cache.restoreKeys.map((k) =>
            expand(k, ctx.context, ctx.functions, what),
          ),
          paths: step.cache.paths,
          scope: cacheScope(ctx.facts),
        };
        const restored = await ctx.deps.cache.restore(
          {
            ...cacheSpec,
            scopes: [cacheSpec.scope, cacheScope(ctx.facts, "default")],
          },
          { workdir: ctx.workdir, env: ctx.env },
        );
        cache = restored.status;
        log.note(
          restored.matchedKey
            ? `cache ${restored.status}: restored ${restored.matchedKey}`
            : `cache miss: ${cacheSpec.key}`,
        );
        if (unhashed)
          log.note(
            "a hashFiles() in the cache key matched no file: the key names no content, so a hit by it is never exact",
          );
      } catch (error) {
        // A broken cache must not break the build: run the step as on a miss.
        cache = "miss";
        log.note(
          `cache restore failed, running without it: ${messageOf(error)}`,
        );
      }
    }
    if (cache === "exact" && step.cache?.skipIfHit) {
      log.note("skipped: the cache holds what this step makes (skip-if-hit)");
      result = {
        status: "skipped",
        attempts: 0,
        outputs: {},
        cache,
        logPath: log.path,
      };
    } else {
      const attempt = await runStepAttempts(step, { ...ctx, log });
      env = attempt.env;
      pgid = attempt.pgid;
      result = {
        status: attempt.status,
        exitCode: attempt.exitCode,
        cache,
        attempts: attempt.attempts,
        logPath: log.path,
        outputs: attempt.outputs,
        error: attempt.error,
        continuedOnError:
          attempt.status === "failure" && step.continueOnError
            ? true
            : undefined,
        ...(attempt.warnings ? { warnings: attempt.warnings } : {}),
      };
      for (const warning of attempt.warnings ?? [])
        log.note(`warning: ${warning}`);
      if (attempt.error && attempt.status !== "success")
        log.note(`${step.name}: ${attempt.error}`);
      if (
        result.status === "success" &&
        cacheSpec &&
        cache !== "exact" &&
        ctx.deps.cache
      ) {
        try {
          const saved = await ctx.deps.cache.save(
            { ...cacheSpec, allowEmpty: step.cache?.skipIfHit },
            { workdir: ctx.workdir, env: ctx.env },
          );
          const what = {
            saved: `cache saved: ${cacheSpec.key}`,
            exists: `cache entry ${cacheSpec.key} exists; not saved`,
            empty: step.cache?.skipIfHit
              ? `cache saved: ${cacheSpec.key} (no declared path exists: an empty entry, so the step is skipped next time)`
              : `cache not saved: none of ${cacheSpec.paths.join(", ")} exists`,
          }[saved.outcome];
          log.note(what);
          if (saved.evicted.length > 0) {
            log.note(
              `cache evicted (unused or over budget): ${saved.evicted.join(", ")}`,
            );
          }
        } catch (error) {
          log.note(`cache save failed: ${messageOf(error)}`);
        }
      }
    }
  } finally {
    // Close even when something above threw, so the masker's tail reaches the file.
    await log.close({
      status: (result ??= { status: "failure", attempts: 0, outputs: {} })
        .status,
      cache,
      error: result.error,
    });
  }
  return { step: result, env, pgid };
}
