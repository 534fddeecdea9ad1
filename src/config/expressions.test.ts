import { describe, expect, it } from "vitest";
import {
  ExpressionError,
  contextsOf,
  evaluate,
  interpolate,
  parseCondition,
  parseExpression,
  parseTemplate,
  usesStatusFunction,
} from "./expressions.js";

const context = {
  branch: "main",
  event: "push",
  commit: { sha: "abc123", message: "fix: thing" },
  env: { NODE_ENV: "test", "MY-VAR": "dash", EMPTY: "", COUNT: "3" },
  matrix: { os: "linux", node: 20 },
  steps: { build: { outputs: { version: "1.2.3" }, outcome: "success" } },
  needs: { build: { outputs: { x: "42" }, result: "success" } },
  inputs: { flag: true, list: ["a", "B"] },
  labels: [{ name: "bug" }, { name: "ui" }, { other: 1 }],
  json: '{"a":[1,2],"b":"c"}',
};

const passed = {
  success: () => true,
  failure: () => false,
  always: () => true,
  cancelled: () => false,
  hashFiles: (...globs: unknown[]) => `hash(${globs.join(",")})`,
};
const failed = { ...passed, success: () => false, failure: () => true };

describe("evaluate", () => {
  const cases: [string, unknown][] = [
    ["true", true],
    ["false", false],
    ["null", null],
    ["42", 42],
    ["-1.5", -1.5],
    ["0x10", 16],
    ["1e3", 1000],
    ["'it''s'", "it's"],
    ["branch", "main"],
    ["branch == 'main'", true],
    ["branch == 'MAIN'", true],
    ["branch != 'main'", false],
    ["${{ branch == 'main' }}", true],
    ["  ${{ event }}  ", "push"],
    ["matrix.node", 20],
    ["matrix.node == '20'", true],
    ["matrix.node >= 18 && matrix.node < 22", true],
    ["matrix['os']", "linux"],
    ["env['MY-VAR']", "dash"],
    ["env.MY-VAR", "dash"],
    ["env.node_env", "test"],
    ["env.MISSING", null],
    ["env.MISSING.deeper", null],
    ["steps.build.outputs.version", "1.2.3"],
    ["needs.build.outputs.x == 42", true],
    ["env.COUNT > 2", true],
    ["'abc' < 'ABD'", true],
    ["null == 0", true],
    ["true == 1", true],
    ["'' == 0", true],
    ["'x' == 0", false],
    ["NaN == NaN", false],
    ["!env.EMPTY", true],
    ["!0", true],
    ["!'0'", false],
    ["env.EMPTY || 'default'", "default"],
    ["env.NODE_ENV && 'yes'", "yes"],
    ["env.EMPTY && 'yes'", ""],
    ["(1 == 1) && !(2 == 3)", true],
    ["inputs.flag", true],
    ["inputs.list[1]", "B"],
    ["inputs.list[5]", null],
    ["labels.*.name", ["bug", "ui"]],
    ["contains(labels.*.name, 'BUG')", true],
    ["contains(inputs.list, 'b')", true],
    ["contains(commit.message, 'FIX')", true],
    ["startsWith(commit.sha, 'ABC')", true],
    ["endsWith(branch, 'in')", true],
    ["format('{0}-{1}-{{x}}', branch, matrix.node)", "main-20-{x}"],
    ["join(inputs.list, '+')", "a+B"],
    ["join(inputs.list)", "a,B"],
    ["toJSON(matrix)", '{\n  "os": "linux",\n  "node": 20\n}'],
    ["fromJSON(json).a[1]", 2],
    ["fromJSON('true')", true],
    ["FROMjson('3') == 3", true],
    ["hashFiles('a', 'b')", "hash(a,b)"],
    ["success() && branch == 'main'", true],
    ["always()", true],
  ];
  it.each(cases)("%s → %j", (text, expected) => {
    expect(evaluate(parseExpression(text), context, passed)).toEqual(expected);
  });

  it("short-circuits: the right side is not evaluated", () => {
    let called = false;
    const fns = {
      ...passed,
      hashFiles: () => {
        called = true;
        return "";
      },
    };
    evaluate(parseExpression("false && hashFiles('x')"), context, fns);
    evaluate(parseExpression("true || hashFiles('x')"), context, fns);
    expect(called).toBe(false);
  });

  it("fails clearly when a caller function is missing or fromJSON gets bad text", () => {
    expect(() => evaluate(parseExpression("hashFiles('x')"), {})).toThrow(
      "hashFiles() is not available in this expression",
    );
    expect(() => evaluate(parseExpression("fromJSON('{')"), {})).toThrow(
      "fromJSON(): the text is not JSON",
    );
    expect(() => evaluate(parseExpression("format('{1}', 'a')"), {})).toThrow(
      "format(): '{1}' uses {1} but has 1 argument",
    );
  });
});

describe("parseExpression errors", () => {
  const cases: [string, string][] = [
    ["", "empty expression at column 1"],
    ["branch = 'main'", "unexpected `=`; compare with `==` at column 8"],
    ["branch == 'main", "unterminated string at column 11"],
    [
      'branch == "main"',
      "strings use single quotes: 'text', not \"text\" at column 11",
    ],
    ["a & b", "unexpected `&`; use `&&` at column 3"],
    ["(a == b", "expected `)` at the end at column 8"],
    ["a == b)", "unexpected `)`; expected an operator at column 7"],
    ["a ==", "expected a value at the end at column 5"],
    [
      "sucess()",
      "unknown function `sucess()`; did you mean `success()`? at column 1",
    ],
    ["frobnicate(1)", "unknown function `frobnicate()` at column 1"],
    ["contains('a')", "contains() takes 2 arguments, got 1 at column 1"],
    ["success(1)", "success() takes 0 arguments, got 1 at column 1"],
    ["hashFiles()", "hashFiles() takes at least 1 argument, got 0 at column 1"],
    ["a.", "expected a property name after `.` at the end at column 3"],
    ["a[1", "expected `]` at the end at column 4"],
    ["a # b", "unexpected character `#` at column 3"],
    ["${{ a == }}", "expected a value at the end at column 10"],
    [
      "x ${{ a }}",
      "a condition mixes text with ${{ }}; write it as one expression at column 3",
    ],
  ];
  it.each(cases)("%j → %s", (text, message) => {
    let error: unknown;
    try {
      parseExpression(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ExpressionError);
    expect((error as ExpressionError).code).toBe("CONFIG_INVALID");
    expect((error as ExpressionError).message).toBe(message);
  });

  it("reports the offset of the problem inside the original text", () => {
    try {
      parseExpression("${{ success() && matrix.os = 'linux' }}");
      expect.unreachable();
    } catch (e) {
      expect((e as ExpressionError).offset).toBe(27);
    }
  });
});

describe("conditions", () => {
  const cases: [string, boolean, boolean][] = [
    // text, uses a status function, result after a failed job
    ["branch == 'main'", false, false],
    ["${{ always() }}", true, true],
    ["failure()", true, true],
    ["success() || branch == 'main'", true, true],
    ["!cancelled() && contains(branch, 'ma')", true, true],
    ["${{ matrix.os == 'linux' }}", false, false],
  ];
  it.each(cases)(
    "%s: status function %s, runs after failure %s",
    (text, status, afterFailure) => {
      expect(usesStatusFunction(parseExpression(text))).toBe(status);
      const ast = parseCondition(text);
      expect(usesStatusFunction(ast)).toBe(true);
      expect(Boolean(evaluate(ast, context, failed))).toBe(afterFailure);
    },
  );

  it("an implicit success() runs the condition when everything passed", () => {
    expect(evaluate(parseCondition("branch == 'main'"), context, passed)).toBe(
      true,
    );
  });
});

describe("interpolate", () => {
  const cases: [string, string][] = [
    ["plain text", "plain text"],
    [
      "npm-${{ hashFiles('package-lock.json') }}",
      "npm-hash(package-lock.json)",
    ],
    ["${{ matrix.os }}-${{ matrix.node }}", "linux-20"],
    ["v${{ steps.build.outputs.version }}!", "v1.2.3!"],
    ["[${{ env.MISSING }}]", "[]"],
    ["${{ inputs.flag }}", "true"],
    ["${{ inputs.list }}", '["a","B"]'],
    ["${{ '}}' }}", "}}"],
    ["$HOME ${ x } {{ y }}", "$HOME ${ x } {{ y }}"],
  ];
  it.each(cases)("%s → %s", (template, expected) => {
    expect(interpolate(template, context, passed)).toBe(expected);
  });

  it("points at an unclosed ${{ and at errors inside a later expression", () => {
    expect(() => parseTemplate("a ${{ b")).toThrow(
      "`${{` is never closed by `}}` at column 3",
    );
    expect(() => parseTemplate("${{ a }} and ${{ b == }}")).toThrow(
      "expected a value at the end at column 23",
    );
  });

  it("lists the contexts an expression reads, with offsets", () => {
    const parts = parseTemplate("x ${{ matrix.os && envv.X }}");
    const expression = parts.find((p) => p.kind === "expression");
    expect(
      expression &&
        expression.kind === "expression" &&
        contextsOf(expression.ast),
    ).toEqual([
      { name: "matrix", start: 6 },
      { name: "envv", start: 19 },
    ]);
  });
});
