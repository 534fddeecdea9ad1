import { describe, expect, it } from "vitest";
import { ManualClock } from "../kernel/index.js";
import { FlagEvaluator, FlagSetLoadError } from "./evaluator.js";
import { validateFlagSet } from "./validate.js";

/** A flag set whose targeting is `!` applied `depth` times to a variable. */
function nested(depth: number) {
  let rule: unknown = { var: "email" };
  for (let i = 0; i < depth; i++) rule = { "!": [rule] };
  return {
    flags: {
      f: {
        state: "ENABLED",
        variants: { on: true, off: false },
        defaultVariant: "off",
        targeting: { if: [rule, "on", "off"] },
      },
    },
  };
}

describe("flag sets nested deeper than the rule walkers can take (issue 10.7)", () => {
  it("refuses JSON Logic nested 2,000 deep with one problem at the first too deep node", () => {
    const problems = validateFlagSet(nested(2000));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toBe(
      "objects and arrays nest more than 100 levels deep here; a flag set may nest at most 100",
    );
    expect(problems[0]!.path).toMatch(/^\$\.flags\.f\.targeting\.if\[0\]/);
  });

  it("accepts a rule nested 40 deep", () => {
    expect(validateFlagSet(nested(40))).toEqual([]);
  });

  it("the evaluator refuses a deep document it is handed directly", () => {
    const load = () =>
      new FlagEvaluator(nested(2000), { clock: new ManualClock(0) });
    expect(load).toThrow(FlagSetLoadError);
    expect(load).toThrow(/nest more than 100 levels deep/);
    const ok = new FlagEvaluator(nested(40), { clock: new ManualClock(0) });
    expect(ok.evaluate("f", { email: "" })).toMatchObject({
      value: false,
      reason: "TARGETING_MATCH",
    });
  });
});
