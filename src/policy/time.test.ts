import { describe, expect, it } from "vitest";
import { timeFacts } from "./time.js";

const policy = {
  timezone: "America/New_York",
  freezeWindows: [
    { name: "weekend", weekdays: ["saturday" as const, "sunday" as const] },
    {
      name: "launch",
      start: "2026-12-10T12:00:00-05:00",
      end: "2026-12-10T14:00:00-05:00",
    },
  ],
};

describe("timeFacts", () => {
  it.each([
    // 03:00 UTC Saturday is 22:00 Friday in New York (UTC-5 in December).
    { at: "2026-12-12T03:00:00Z", weekday: "friday", hour: 22, open: [] },
    {
      at: "2026-12-12T05:00:00Z",
      weekday: "saturday",
      hour: 0,
      open: ["weekend"],
    },
    {
      at: "2026-12-10T17:00:00Z",
      weekday: "thursday",
      hour: 12,
      open: ["launch"],
    },
    { at: "2026-12-10T19:00:00Z", weekday: "thursday", hour: 14, open: [] },
  ])("$at", ({ at, weekday, hour, open }) => {
    expect(timeFacts(Date.parse(at), policy)).toEqual({
      weekday,
      hour,
      inFreeze: open.length > 0,
      freezeWindows: open,
    });
  });
});
