// Time facts from a Clock's instant and the policy: weekday, hour and open freeze windows.
import type { FactValues } from "./facts.js";
import type { FreezeWindow } from "./schema.js";

export type TimeFacts = Pick<
  FactValues,
  "weekday" | "hour" | "inFreeze" | "freezeWindows"
>;

/** The weekday, hour and minute of an instant in a time zone. */
function localTime(
  now: number,
  timeZone: string,
): { weekday: string; hour: number; minute: number } {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    weekday: "long",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(now));
  const part = (type: string) =>
    parts.find((p) => p.type === type)?.value ?? "";
  return {
    weekday: part("weekday").toLowerCase(),
    hour: Number(part("hour")),
    minute: Number(part("minute")),
  };
}

const minutes = (hhmm: string) =>
  Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether a window is open at `now` (`from` inclusive, `to` and `end` exclusive). */
function isOpen(window: FreezeWindow, now: number, timeZone: string): boolean {
  if (window.start !== undefined && window.end !== undefined)
    return Date.parse(window.start) <= now && now < Date.parse(window.end);
  const local = localTime(now, timeZone);
  if (window.weekdays && !window.weekdays.includes(local.weekday as never))
    return false;
  const at = local.hour * 60 + local.minute;
  const from = window.from ? minutes(window.from) : 0;
  const to = window.to ? minutes(window.to) : 24 * 60;
  // A window whose `to` is before its `from` runs over midnight (22:00–06:00).
  return from <= to ? from <= at && at < to : at >= from || at < to;
}

/** The time facts at `now` (a Clock's milliseconds) for a policy's zone and freeze windows. */
export function timeFacts(
  now: number,
  policy: { timezone: string; freezeWindows: readonly FreezeWindow[] },
): TimeFacts {
  const { weekday, hour } = localTime(now, policy.timezone);
  const open = policy.freezeWindows
    .filter((w) => isOpen(w, now, policy.timezone))
    .map((w) => w.name);
  return { weekday, hour, inFreeze: open.length > 0, freezeWindows: open };
}
