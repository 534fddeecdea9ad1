/**
 * The one duration grammar of sluice: sluice.yml (timeouts, retry delays, rollout pauses and
 * analysis intervals), the `sluice/deploy` step and the metrics windows (`--since`) all read
 * durations here, so a form that works in one place works in all of them.
 *
 * A duration is one or more `<number><unit>` parts, summed: `500ms`, `1.5s`, `15m`, `1h30m`,
 * `90d`, `1y6mo`, `2 weeks`. Numbers may have decimals; case and blanks between parts do not
 * matter. A month is 30 days and a year 365 days: a span of time, not a calendar one. A number
 * without a unit counts seconds where the caller allows it (`unitless: "seconds"`).
 */

// Each unit with the spellings people type. `m` is minutes; months are `mo`.
const units: [ms: number, names: string][] = [
  [1, "ms msec msecs millisecond milliseconds"],
  [1000, "s sec secs second seconds"],
  [60_000, "m min mins minute minutes"],
  [3_600_000, "h hr hrs hour hours"],
  [86_400_000, "d day days"],
  [604_800_000, "w wk wks week weeks"],
  [30 * 86_400_000, "mo mon month months"],
  [365 * 86_400_000, "y yr yrs year years"],
];
const unitMs = new Map(
  units.flatMap(([ms, names]) => names.split(" ").map((n) => [n, ms] as const)),
);

/** The grammar in a few words, for error messages and `--help`. */
export const durationHint =
  "a duration such as 500ms, 1.5s, 15m, 1h30m, 90d or 1y6mo";

/** What a caller allows beyond the grammar's `<number><unit>` parts. */
export interface DurationOptions {
  /**
   * `seconds`: a bare number (`30`, or the YAML number 30) counts seconds, as the deploy step
   * always took it. `refused` (the default): every number needs its unit.
   */
  unitless?: "seconds" | "refused";
}

// Longer input is no duration anyone writes; the bound keeps a hostile value cheap to refuse.
const maxLength = 64;
const part = /\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*/y;

/**
 * A duration as whole milliseconds, or undefined when `value` is not one. Never throws: each
 * caller says what it expected in its own words (the field or flag it read).
 */
export function parseDuration(
  value: string | number,
  options: DurationOptions = {},
): number | undefined {
  const unitless = options.unitless === "seconds";
  if (typeof value === "number")
    return unitless ? wholeMs(value * 1000) : undefined;
  if (value.length > maxLength) return undefined;
  const text = value.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(text))
    return unitless ? wholeMs(Number(text) * 1000) : undefined;
  if (text === "") return undefined;
  let ms = 0;
  part.lastIndex = 0;
  while (part.lastIndex < text.length) {
    const m = part.exec(text);
    const unit = m ? unitMs.get(m[2]!) : undefined;
    if (!m || unit === undefined) return undefined;
    ms += Number(m[1]) * unit;
  }
  return wholeMs(ms);
}

function wholeMs(ms: number): number | undefined {
  const whole = Math.round(ms);
  return Number.isSafeInteger(whole) && whole >= 0 ? whole : undefined;
}

/**
 * Milliseconds for people, in the grammar above so it reads back to the same value: `300ms`,
 * `1.5s`, `2m`, `1h30m`, `3d4h`. Days are the largest unit (a month of 30 days is ambiguous).
 */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  if (total < 1000) return `${total}ms`;
  const d = Math.floor(total / 86_400_000);
  const h = Math.floor((total % 86_400_000) / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = (total % 60_000) / 1000;
  return [d && `${d}d`, h && `${h}h`, m && `${m}m`, s && `${s}s`]
    .filter(Boolean)
    .join("");
}
