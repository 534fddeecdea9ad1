import { AppError } from "../kernel/index.js";

const units: Record<string, number> = {
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};

/** `1h30m`, `15m`, `90s`, `250ms` → milliseconds. Throws CONFIG_INVALID on anything else. */
export function parseDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+)(ms|h|m|s)/g)];
  const joined = parts.map((p) => p[0]).join("");
  if (parts.length === 0 || joined !== text) {
    throw new AppError(
      "CONFIG_INVALID",
      `${JSON.stringify(text)} is not a duration such as 30s, 15m or 1h30m`,
    );
  }
  return parts.reduce(
    (sum, p) => sum + Number(p[1]) * (units[p[2] ?? "s"] ?? 0),
    0,
  );
}

/** Milliseconds for messages: `1.5s`, `2m`, `1h5m`. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return (
    [h ? `${h}h` : "", m ? `${m}m` : "", s ? `${s}s` : ""].join("") || "0s"
  );
}
