import { describe, expect, it } from "vitest";
import {
  compileSplit,
  completesAt,
  parsePercent,
  parseSchedule,
  splitVariants,
} from "./split.js";
import type { FlagDefinition } from "./types.js";

const flag: FlagDefinition = {
  state: "ENABLED",
  variants: { on: true, off: false },
  defaultVariant: "off",
};
const both = { on: "on", off: "off" };
const at = (iso: string) => Date.parse(iso);

describe("percentage split", () => {
  it.each([
    ["25%", 25],
    ["12.5", 12.5],
    [" 100 % ", 100],
    ["0", 0],
  ])("reads %j as %d%%", (text, percent) => {
    expect(parsePercent(text)).toBe(percent);
  });

  it.each(["120%", "-5", "half", ""])(
    "refuses %j in the split's words",
    (text) => {
      expect(() => parsePercent(text)).toThrow(
        `a split percentage is 0% to 100%, got "${text}"`,
      );
    },
  );

  it("orders a timetable and refuses one whose share falls", () => {
    expect(
      parseSchedule("50%@2026-08-02T09:00Z,10%@2026-08-01T09:00Z"),
    ).toEqual([
      { at: at("2026-08-01T09:00Z"), percent: 10 },
      { at: at("2026-08-02T09:00Z"), percent: 50 },
    ]);
    expect(() =>
      parseSchedule("50%@2026-08-01T09:00Z,10%@2026-08-02T09:00Z"),
    ).toThrow("a schedule's percentages must rise over time");
  });

  it.each([
    [0, { if: [true, "off"] }],
    [100, { if: [true, "on"] }],
    [
      12.5,
      {
        fractional: [
          ["on", 1250],
          ["off", 8750],
        ],
      },
    ],
  ])("compiles %d%% now into flagd targeting", (percent, targeting) => {
    expect(compileSplit([{ at: 0, percent }], both, 1_000)).toEqual(targeting);
  });

  it("chooses future steps by $flagd.timestamp, so no scheduler runs", () => {
    const steps = [
      { at: 10_000, percent: 50 },
      { at: 20_000, percent: 100 },
    ];
    expect(compileSplit(steps, both, 0)).toEqual({
      if: [
        { "<": [{ var: "$flagd.timestamp" }, 10] },
        "off",
        { "<": [{ var: "$flagd.timestamp" }, 20] },
        {
          fractional: [
            ["on", 5000],
            ["off", 5000],
          ],
        },
        "on",
      ],
    });
    expect(completesAt(steps)).toBe(20);
    expect(completesAt([{ at: 10_000, percent: 50 }])).toBeUndefined();
    expect(() => compileSplit([], both, 0)).toThrow(
      "a split needs at least one step",
    );
  });

  it("picks the variants by value, and names what is missing", () => {
    expect(splitVariants("checkout", flag, {})).toEqual(both);
    expect(() => splitVariants("checkout", flag, { on: "blue" })).toThrow(
      'flag checkout has no variant "blue" (it has on, off)',
    );
    expect(() =>
      splitVariants(
        "checkout",
        { state: "ENABLED", variants: { on: true } },
        {},
      ),
    ).toThrow(
      "flag checkout needs a second variant for the users outside the split: name it with --off-variant",
    );
  });
});
