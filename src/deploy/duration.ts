import { AppError } from "../kernel/index.js";

const units: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses a duration as written in sluice.yml: `500ms`, `2s`, `1m`, `1h`, or a bare number of
 * seconds. Throws CONFIG_INVALID on anything else.
 */
export function parseDuration(value: string | number, what: string): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) {
      throw new AppError(
        "CONFIG_INVALID",
        `${what}: ${value} is not a duration`,
      );
    }
    return Math.round(value * 1_000);
  }
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
  if (!match) {
    throw new AppError(
      "CONFIG_INVALID",
      `${what}: "${value}" is not a duration (use 500ms, 2s, 1m, 1h)`,
    );
  }
  return Math.round(Number(match[1]) * (units[match[2] ?? "s"] ?? 1_000));
}

/** Formats milliseconds for people: `850ms`, `2.5s`, `3m10s`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1).replace(/\.0$/, "")}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1_000);
  return s ? `${m}m${s}s` : `${m}m`;
}
