import { AppError } from "../kernel/index.js";
import type { FlagDefinition, JsonObject } from "./types.js";

/**
 * One step of a flag's percentage split: from `at` (ms since epoch) on, `percent` of users get
 * `on`. A split serves a flag's variants by share of users (flagd's `fractional`); it is not a
 * rollout, which is the steps of a progressive deployment.
 */
export interface SplitStep {
  at: number;
  percent: number;
}

/** Where a split sends users: `on` for the share it names, `off` for the rest. */
export interface SplitVariants {
  on: string;
  off: string;
}

/**
 * The metadata key that records when a split reaches 100% (unix seconds). Its text stays as
 * first written: flag sets stored and served (flagd JSON, OFREP metadata) carry it (ADR 062).
 */
export const splitCompleteKey = "sluice.rolloutCompleteAt";

/** Weights are basis points, so 12.5% is exact. */
const scale = 10_000;

/**
 * Picks the variants of a split: `on` given, or the variant whose value is `true`; `off` the
 * default variant, or the variant whose value is `false`.
 */
export function splitVariants(
  key: string,
  flag: FlagDefinition,
  wanted: Partial<SplitVariants>,
): SplitVariants {
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
        : `flag ${key} has no variant true: name the variant the split serves with --variant`,
    );
  if (!off || !names.includes(off) || off === on)
    throw new AppError(
      "INVALID_ARGUMENT",
      `flag ${key} needs a second variant for the users outside the split: name it with --off-variant`,
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
      `a split percentage is 0% to 100%, got "${text}"`,
    );
  return value;
}

/**
 * Parses a timetable `25%@2026-08-01T09:00Z,50%@2026-08-02T09:00Z,100%@...` into steps.
 * Percentages must not fall as time goes on.
 */
export function parseSchedule(text: string): SplitStep[] {
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
    if ((steps[i] as SplitStep).percent < (steps[i - 1] as SplitStep).percent)
      throw new AppError(
        "INVALID_ARGUMENT",
        "a schedule's percentages must rise over time",
      );
  }
  return steps;
}

function split(percent: number, variants: SplitVariants): JsonObject | string {
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
 * Compiles a split into flagd targeting (`fractional`). Steps in the future are chosen by
 * `$flagd.timestamp`, so evaluation needs no scheduler: before the first step everyone gets
 * `off`, then each step's share gets `on`, bucketed by flag key + targeting key. Steps already
 * past at `nowMs` collapse into the latest of them.
 */
export function compileSplit(
  steps: SplitStep[],
  variants: SplitVariants,
  nowMs: number,
): JsonObject {
  if (steps.length === 0)
    throw new AppError("INVALID_ARGUMENT", "a split needs at least one step");
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

/** When the split reaches 100% (unix seconds), if it does. */
export function completesAt(steps: SplitStep[]): number | undefined {
  const full = [...steps]
    .sort((a, b) => a.at - b.at)
    .find((s) => s.percent >= 100);
  return full ? Math.floor(full.at / 1000) : undefined;
}
