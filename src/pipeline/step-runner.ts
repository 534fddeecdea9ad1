import { formatDuration, sleep } from "../kernel/index.js";
import { runAttempt } from "./step-attempt.js";
import type { AttemptContext, AttemptResult } from "./step-attempt.js";
import { restoreStepCache, saveStepCache } from "./step-cache.js";
import type { PlannedStep, StepResult } from "./ports.js";

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
    if (delay > 0) await sleep(ctx.deps.clock, delay, ctx.signal);
    if (ctx.signal.aborted) return { ...result, attempts: attempt };
  }
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
  let result: StepResult | undefined;
  let cache: StepResult["cache"];
  let env: Record<string, string> = {};
  let pgid: number | undefined;
  try {
    const restored = await restoreStepCache(step, ctx, log);
    cache = restored.status;
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
      if (result.status === "success" && restored.spec && cache !== "exact")
        await saveStepCache(step, restored.spec, ctx, log);
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
