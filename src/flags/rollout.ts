import { AppError } from "../kernel/index.js";
import type { FlagDefinition, JsonObject } from "./types.js";

/** One step of a scheduled rollout: from `at` (ms since epoch) on, `percent` of users get `on`. */
export interface RolloutStep {
  at: number;
  percent: number;
}

/** Where a rollout sends users: `on` for the rolled-out share, `off` for the rest. */
export interface RolloutVariants {
  on: string;
  off: string;
}

/** The metadata key that records when a rollout reaches 100% (unix seconds). */
export const rolloutCompleteKey = "sluice.rolloutCompleteAt";

/** Weights are basis points, so 12.5% is exact. */
const scale = 10_000;

/**
 * Picks the variants of a rollout: `on` given, or the variant whose value is `true`; `off` the
 * default variant, or the variant whose value is `false`.
 */
export function rolloutVariants(
  key: string,
  flag: FlagDefinition,
  wanted: Partial<RolloutVariants>,
): RolloutVariants {
  const names = Object.keys(flag.variants);
  const byValue = (value: unknown) =>
    names.find((n) => flag.variants[n] === value);
  const on = wanted.on ?? byValue(true);
  const off =
    wanted.off ??
    (flag.defaultVariant && flag.defaultVariant !== on
      ? flag.defaultVariant
      : byValue(false));
  if (!on || !names.includes(on))
    throw new AppError(
      "INVALID_ARGUMENT",
      on
        ? `flag ${key} has no variant ${JSON.stringify(on)} (it has ${names.join(", ")})`
        : `flag ${key} has no variant true: name the rolled-out variant with --variant`,
    );
  if (!off || !names.includes(off) || off === on)
    throw new AppError(
      "INVALID_ARGUMENT",
      `flag ${key} needs a second variant for the users outside the rollout: name it with --off-variant`,
    );
  return { on, off };
}

/** Parses `25%` or `12.5` into a percentage from 0 to 100. */
export function parsePercent(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  const value = match ? Number(match[1]) : Number.NaN;
  if (!Number.isFinite(value) || value < 0 || value > 100)
    throw new AppError(
      "INVALID_ARGUMENT",
      `a rollout percentage is 0% to 100%, got "${text}"`,
    );
  return value;
}

/**
 * Parses a timetable `25%@2026-08-01T09:00Z,50%@2026-08-02T09:00Z,100%@...` into steps.
 * Percentages must not fall as time goes on.
 */
export function parseSchedule(text: string): RolloutStep[] {
  const steps = text.split(",").map((part) => {
    const [percent, at] = part.split("@");
    const time = Date.parse(at?.trim() ?? "");
    if (!percent || Number.isNaN(time))
      throw new AppError(
        "INVALID_ARGUMENT",
        `a schedule step is PERCENT@ISO-TIME (e.g. 25%@2026-08-01T09:00Z), got "${part.trim()}"`,
      );
    return { at: time, percent: parsePercent(percent) };
  });
  steps.sort((a, b) => a.at - b.at);
  for (let i = 1; i < steps.length; i++) {
    if (
      (steps[i] as RolloutStep).percent < (steps[i - 1] as RolloutStep).percent
    )
      throw new AppError(
        "INVALID_ARGUMENT",
        "a schedule's percentages must rise over time",
      );
  }
  return steps;
}

function split(
  percent: number,
  variants: RolloutVariants,
): JsonObject | string {
  const on = Math.round(percent * (scale / 100));
  if (on <= 0) return variants.off;
  if (on >= scale) return variants.on;
  // `on` first: a user inside at 25% stays inside at 50% (the bucket order never changes).
  return {
    fractional: [
      [variants.on, on],
      [variants.off, scale - on],
    ],
  };
}

/**
 * Compiles a rollout into flagd targeting. Steps in the future are chosen by
 * `$flagd.timestamp`, so evaluation needs no scheduler: before the first step everyone gets
 * `off`, then each step's share gets `on`, bucketed by flag key + targeting key. Steps already
 * past at `nowMs` collapse into the latest of them.
 */
export function compileRollout(
  steps: RolloutStep[],
  variants: RolloutVariants,
  nowMs: number,
): JsonObject {
  if (steps.length === 0)
    throw new AppError("INVALID_ARGUMENT", "a rollout needs at least one step");
  const ordered = [...steps].sort((a, b) => a.at - b.at);
  const past = ordered.filter((s) => s.at <= nowMs);
  const future = ordered.filter((s) => s.at > nowMs);
  let current: JsonObject | string =
    past.length > 0
      ? split(past[past.length - 1]!.percent, variants)
      : variants.off;
  if (future.length === 0)
    return typeof current === "string" ? { if: [true, current] } : current;
  const rule: unknown[] = [];
  for (const step of future) {
    rule.push(
      { "<": [{ var: "$flagd.timestamp" }, Math.floor(step.at / 1000)] },
      current,
    );
    current = split(step.percent, variants);
  }
  rule.push(current);
  return { if: rule } as JsonObject;
}

/** When the rollout reaches 100% (unix seconds), if it does. */
export function completesAt(steps: RolloutStep[]): number | undefined {
  const full = [...steps]
    .sort((a, b) => a.at - b.at)
    .find((s) => s.percent >= 100);
  return full ? Math.floor(full.at / 1000) : undefined;
}
