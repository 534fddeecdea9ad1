import { describe, expect, it } from "vitest";
import { compileLogic, LogicCompileError, truthy } from "./logic.js";
import type { Scope } from "./logic.js";

const scopeFor = (root: unknown): Scope => ({
  root,
  flagd: { flagKey: "f", timestamp: 1000 },
});
const run = (rule: unknown, data: unknown = {}) =>
  compileLogic(rule)(data, scopeFor(data));

describe("JSON Logic compiler", () => {
  it.each([
    [{ var: "a.b" }, { a: { b: 3 } }, 3],
    [{ var: ["missing", "dflt"] }, {}, "dflt"],
    [{ var: "$flagd.flagKey" }, {}, "f"],
    [{ var: "$flagd.timestamp" }, { $flagd: { timestamp: 1 } }, 1000],
    [{ if: [{ "==": [{ var: "x" }, 1] }, "one", "other"] }, { x: 1 }, "one"],
    [{ if: [false, "a", false, "b"] }, {}, null],
    [{ if: [[], "a", "b"] }, {}, "b"],
    [{ and: [true, 0, 1] }, {}, 0],
    [{ or: [false, "", "x"] }, {}, "x"],
    [{ "!": [[]] }, {}, true],
    [{ "!!": ["0"] }, {}, true],
    [{ ">": [{ var: "t" }, 5] }, { t: 6 }, true],
    [{ "<": [1, { var: "x" }, 3] }, { x: 2 }, true],
    [{ "<": [1, { var: "x" }, 3] }, { x: 3 }, false],
    [{ "===": [1, "1"] }, {}, false],
    [{ "==": [1, "1"] }, {}, true],
    [{ in: ["b", ["a", "b"]] }, {}, true],
    [{ in: ["ell", "hello"] }, {}, true],
    [{ cat: ["a", null, 1] }, {}, "a1"],
    [{ substr: ["sluice", -3] }, {}, "ice"],
    [{ substr: ["sluice", 1, -2] }, {}, "lui"],
    [{ merge: [[1], 2, [3, 4]] }, {}, [1, 2, 3, 4]],
    [{ map: [[1, 2], { "*": [{ var: "" }, 2] }] }, {}, [2, 4]],
    [{ filter: [[1, 2, 3], { ">": [{ var: "" }, 1] }] }, {}, [2, 3]],
    [{ all: [[], true] }, {}, false],
    [{ none: [[1, 2], { ">": [{ var: "" }, 5] }] }, {}, true],
    [
      {
        reduce: [
          [1, 2, 3],
          { "+": [{ var: "accumulator" }, { var: "current" }] },
          0,
        ],
      },
      {},
      6,
    ],
    [{ missing: ["a", "b.c"] }, { a: 1 }, ["b.c"]],
    [{ missing_some: [1, ["a", "b"]] }, { b: 1 }, []],
    [{ "-": [{ var: "$flagd.timestamp" }, 400] }, {}, 600],
    [{ max: [1, 3, 2] }, {}, 3],
    [{ "%": [7, 4] }, {}, 3],
  ])("%j on %j gives %j", (rule, data, expected) => {
    expect(run(rule, data)).toEqual(expected);
  });

  it.each([
    [{ nope: [1] }, "$"],
    [{ if: [{ bad: 1 }, 1, 2] }, "$.if[0]"],
    [{ a: 1, b: 2 }, "$"],
  ])("rejects %j at %s", (rule, path) => {
    expect(() => compileLogic(rule)).toThrow(LogicCompileError);
    try {
      compileLogic(rule);
    } catch (error) {
      expect((error as LogicCompileError).path).toBe(path);
    }
  });

  it("throws at run time for arithmetic on objects (GENERAL in the evaluator)", () => {
    expect(() => run({ "+": [{ var: "o" }, 1] }, { o: { a: 1 } })).toThrow();
  });

  it.each([
    [[], false],
    [{}, false],
    ["0", true],
    [0, false],
    [[0], true],
  ])("truthy(%j) is %s", (value, expected) =>
    expect(truthy(value)).toBe(expected),
  );
});
