import {
  evaluate,
  interpolate,
  parseCondition,
  truthy,
} from "../config/index.js";
import type {
  ExpressionContext,
  ExpressionFunctions,
} from "../config/index.js";
import { AppError, messageOf } from "../kernel/index.js";

/** The status a condition sees: what has happened so far in the run or job. */
export interface StatusFacts {
  /** Everything before succeeded (for a job: every need; for a step: every earlier step). */
  succeeded: boolean;
  /** Something before failed (for a job: any ancestor). */
  failed: boolean;
  cancelled: boolean;
}

/** success(), failure(), always() and cancelled() over the facts. */
export function statusFunctions(status: StatusFacts): ExpressionFunctions {
  return {
    success: () => status.succeeded && !status.cancelled,
    failure: () => status.failed,
    always: () => true,
    cancelled: () => status.cancelled,
  };
}

/** Evaluates an `if:` (implicit `success() &&` when it calls no status function). */
export function conditionHolds(
  text: string | undefined,
  context: ExpressionContext,
  functions: ExpressionFunctions,
  what: string,
): boolean {
  const condition = text ?? "success()";
  try {
    return truthy(evaluate(parseCondition(condition), context, functions));
  } catch (error) {
    throw new AppError(
      "CONFIG_INVALID",
      `the if of ${what} cannot be evaluated: ${messageOf(error)}`,
      {
        cause: error,
      },
    );
  }
}

/** Interpolates `${{ }}` in a string; errors name what was being evaluated. */
export function expand(
  text: string,
  context: ExpressionContext,
  functions: ExpressionFunctions,
  what: string,
): string {
  try {
    return interpolate(text, context, functions);
  } catch (error) {
    throw new AppError(
      "CONFIG_INVALID",
      `${what} cannot be evaluated: ${messageOf(error)}`,
      {
        cause: error,
      },
    );
  }
}

/** Interpolates every string inside a `with:` value. */
export function expandDeep(
  value: unknown,
  context: ExpressionContext,
  functions: ExpressionFunctions,
  what: string,
): unknown {
  if (typeof value === "string") return expand(value, context, functions, what);
  if (Array.isArray(value))
    return value.map((v) => expandDeep(v, context, functions, what));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        expandDeep(v, context, functions, what),
      ]),
    );
  }
  return value;
}

/** Interpolates the values of an env map, in order, each seeing the ones before it. */
export function expandEnv(
  env: Record<string, string>,
  context: ExpressionContext,
  functions: ExpressionFunctions,
  what: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env))
    out[k] = expand(v, context, functions, `${what} env ${k}`);
  return out;
}
