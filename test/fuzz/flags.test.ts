import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  FlagEvaluator,
  parseFlagSet,
  validateFlagSet,
} from "../../src/flags/index.js";
import { ManualClock } from "../../src/kernel/index.js";

/**
 * Issue 10 "Must show": the flag file validator (what `sluice flags import` and every flag write
 * run) fed mutated valid flag sets, random flagd documents with random JSON Logic, and very deep
 * or very wide rules. Each input is either valid, and then compiles and evaluates for any context
 * without throwing (evaluation errors are values), or is refused with problems that each name a
 * JSON path and say what is wrong in one line. No exception, no stack overflow, no hang.
 *
 * A fixed seed in CI; longer runs by hand:
 *   SLUICE_FUZZ_RUNS=5000 SLUICE_FUZZ_SEED=$RANDOM npx vitest run test/fuzz/flags.test.ts
 */
const seed = Number(
  process.env.SLUICE_FUZZ_SEED ?? process.env.FUZZ_SEED ?? 20261206,
);
const numRuns = Number(
  process.env.SLUICE_FUZZ_RUNS ?? process.env.FUZZ_RUNS ?? 300,
);
/** Generous, not a timing assertion: inputs here validate in milliseconds. */
const perInputMs = 5_000;
const timeout = 60_000 + numRuns * 200;
const clock = new ManualClock(Date.parse("2026-12-06T00:00:00Z"));

/** Validates `input`; when valid, compiles it and evaluates every flag for `contexts`. */
function check(
  input: unknown,
  contexts: unknown[] = [{}],
): "valid" | "refused" {
  const started = performance.now();
  const problems = validateFlagSet(input);
  let outcome: "valid" | "refused";
  if (problems.length > 0) {
    for (const problem of problems) {
      expect(problem.path).toMatch(/^\$/);
      expect(problem.message.length).toBeGreaterThan(0);
      expect(problem.message).not.toContain("\n");
      expect(problem.message).not.toMatch(
        /Maximum call stack|\bat .*\.(ts|js):\d+/,
      );
    }
    expect(parseFlagSet(input).ok).toBe(false);
    outcome = "refused";
  } else {
    const parsed = parseFlagSet(input);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) throw new Error("unreachable");
    const evaluator = new FlagEvaluator(parsed.document, { clock });
    for (const context of contexts)
      for (const key of evaluator.keys()) {
        const result = evaluator.evaluate(key, context);
        expect(typeof result.reason).toBe("string");
      }
    outcome = "valid";
  }
  const elapsed = performance.now() - started;
  expect(elapsed, `${elapsed.toFixed(0)} ms`).toBeLessThan(perInputMs);
  return outcome;
}

const valid = {
  $schema: "https://flagd.dev/schema/v0/flags.json",
  flags: {
    checkout: {
      state: "ENABLED",
      variants: { on: true, off: false },
      defaultVariant: "off",
      targeting: {
        if: [
          { ends_with: [{ var: "email" }, "@example.com"] },
          "on",
          { fractional: [{ var: "userId" }, ["on", 25], ["off", 75]] },
        ],
      },
      metadata: { owner: "web" },
    },
    color: {
      state: "DISABLED",
      variants: { red: "red", blue: "blue" },
      defaultVariant: "red",
      targeting: {
        if: [{ sem_ver: [{ var: "version" }, ">=", "2.0.0"] }, "blue"],
      },
    },
    limits: {
      state: "ENABLED",
      variants: { small: { max: 1 }, big: { max: 100 } },
      defaultVariant: "small",
      targeting: { if: [{ $ref: "gold" }, "big"] },
    },
  },
  $evaluators: { gold: { in: [{ var: "tier" }, ["gold", "platinum"]] } },
  metadata: { flagSetId: "shop" },
};

const text = JSON.stringify(valid, null, 1);

/** Text edits at random places, kept only when the result is still JSON (the CLI refuses the rest). */
const edit = fc.oneof(
  fc.record({
    op: fc.constant("delete"),
    at: fc.nat(),
    len: fc.nat({ max: 20 }),
  }),
  fc.record({
    op: fc.constant("insert"),
    at: fc.nat(),
    text: fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.constantFrom(
        '"',
        ",",
        "[",
        "]",
        "{",
        "}",
        "null",
        "0",
        "-1",
        "1e400",
        "true",
        '"$ref"',
        '{"var": "a"}',
        '{"$ref": "nope"}',
        '"__proto__"',
        '"fractional"',
        '"\\u0000"',
      ),
    ),
  }),
);

const operator = fc.constantFrom(
  "if",
  "?:",
  "==",
  "===",
  "!=",
  "!==",
  "!",
  "!!",
  "or",
  "and",
  "<",
  "<=",
  ">",
  ">=",
  "var",
  "missing",
  "missing_some",
  "in",
  "cat",
  "substr",
  "+",
  "-",
  "*",
  "/",
  "%",
  "min",
  "max",
  "merge",
  "map",
  "filter",
  "reduce",
  "all",
  "none",
  "some",
  "fractional",
  "sem_ver",
  "starts_with",
  "ends_with",
  "$ref",
  "nope",
  "__proto__",
  "constructor",
);
const scalar = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom(
    "on",
    "off",
    "$flagd.flagKey",
    "$flagd.timestamp",
    "$flagd.x",
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const rule = fc.letrec((tie) => ({
  rule: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("rule"), { maxLength: 4 }),
    fc
      .tuple(
        operator,
        fc.oneof(tie("rule"), fc.array(tie("rule"), { maxLength: 4 })),
      )
      .map(([op, args]) => ({ [op]: args })),
  ),
})).rule;
const variants = fc.oneof(
  fc.constant({ on: true, off: false }),
  fc.dictionary(fc.string({ maxLength: 5 }), scalar, { maxKeys: 4 }),
  fc.dictionary(fc.constantFrom("a", "b"), fc.jsonValue({ maxDepth: 3 }), {
    maxKeys: 2,
  }),
);
const flag = fc.record(
  {
    state: fc.constantFrom("ENABLED", "DISABLED", "on"),
    variants,
    defaultVariant: fc.oneof(
      fc.constantFrom("on", "off", "a"),
      fc.constant(null),
    ),
    targeting: fc.oneof(
      rule.map((r) => ({ if: [r, "on", "off"] })),
      fc.jsonValue(),
    ),
    metadata: fc.dictionary(fc.string({ maxLength: 5 }), scalar, {
      maxKeys: 2,
    }),
  },
  { requiredKeys: ["state", "variants"] },
);
const document = fc.record(
  {
    $schema: fc.constantFrom(
      "https://flagd.dev/schema/v0/flags.json",
      "https://flagd.dev/schema/v0/flagd.json",
    ),
    flags: fc.oneof(
      fc.dictionary(fc.string({ maxLength: 10 }), flag, { maxKeys: 4 }),
      fc.array(
        flag.chain((f) =>
          fc.string({ maxLength: 6 }).map((key) => ({ key, ...f })),
        ),
        { maxLength: 3 },
      ),
    ),
    $evaluators: fc.dictionary(fc.constantFrom("gold", "x"), rule, {
      maxKeys: 2,
    }),
    metadata: fc.dictionary(fc.string({ maxLength: 5 }), scalar, {
      maxKeys: 2,
    }),
  },
  { requiredKeys: ["flags"] },
);
const context = fc.oneof(
  fc.constant({}),
  fc.record({
    email: fc.oneof(fc.emailAddress(), fc.string()),
    userId: fc.oneof(fc.string(), fc.integer()),
    tier: fc.constantFrom("gold", "silver", ""),
    version: fc.constantFrom("1.0.0", "2.1.0", "x"),
  }),
  fc.jsonValue({ maxDepth: 4 }),
);

/** Rules far deeper or wider than any real one. */
const extreme = fc.oneof(
  fc
    .tuple(
      fc.integer({ min: 1, max: 5000 }),
      fc.constantFrom("!", "if", "and", "var", "array"),
    )
    .map(([depth, kind]) => {
      let r: unknown = { var: "email" };
      for (let i = 0; i < depth; i++)
        r =
          kind === "!"
            ? { "!": [r] }
            : kind === "if"
              ? { if: [r, "on", "off"] }
              : kind === "and"
                ? { and: [true, r] }
                : kind === "var"
                  ? { var: [r] }
                  : [r];
      return {
        flags: {
          f: { ...valid.flags.checkout, targeting: { if: [r, "on", "off"] } },
        },
      };
    }),
  fc.integer({ min: 1, max: 20_000 }).map((width) => ({
    flags: {
      f: {
        ...valid.flags.checkout,
        targeting: {
          if: [
            {
              in: [
                { var: "email" },
                Array.from({ length: width }, (_, i) => `u${i}`),
              ],
            },
            "on",
            "off",
          ],
        },
      },
    },
  })),
  fc.integer({ min: 1, max: 3000 }).map((n) => ({
    flags: Object.fromEntries(
      Array.from({ length: n }, (_, i) => [`f${i}`, valid.flags.checkout]),
    ),
  })),
  fc.integer({ min: 1, max: 5000 }).map((depth) => {
    let value: unknown = true;
    for (let i = 0; i < depth; i++) value = { x: value };
    return {
      flags: {
        f: { ...valid.flags.limits, variants: { small: value, big: value } },
      },
    };
  }),
);

describe("fuzz: the flag file validator (flags import)", () => {
  it("accepts its own valid sample and evaluates it", () => {
    expect(check(valid, [{ email: "a@example.com", tier: "gold" }])).toBe(
      "valid",
    );
  });

  it(
    "mutated valid files: valid or refused with JSON paths",
    { timeout },
    () => {
      fc.assert(
        fc.property(
          fc.array(edit, { minLength: 1, maxLength: 6 }),
          context,
          (edits, ctx) => {
            let out = text;
            for (const e of edits as {
              op: string;
              at: number;
              len?: number;
              text?: string;
            }[]) {
              const at = e.at % (out.length + 1);
              out =
                e.op === "delete"
                  ? out.slice(0, at) + out.slice(at + (e.len ?? 0))
                  : out.slice(0, at) + (e.text ?? "") + out.slice(at);
            }
            let input: unknown;
            try {
              input = JSON.parse(out);
            } catch {
              return; // not JSON: `flags import` says so before validating
            }
            check(input, [ctx]);
          },
        ),
        { seed, numRuns },
      );
    },
  );

  it(
    "random flagd documents with random JSON Logic: valid or refused, never a crash",
    { timeout },
    () => {
      let validCount = 0;
      fc.assert(
        fc.property(
          document,
          fc.array(context, { maxLength: 3 }),
          (doc, contexts) => {
            if (check(doc, [{}, ...contexts]) === "valid") validCount++;
          },
        ),
        { seed, numRuns },
      );
      expect(validCount).toBeGreaterThan(0);
    },
  );

  it(
    "any JSON value: refused with problems, never a crash",
    { timeout },
    () => {
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
          check(value);
        }),
        { seed, numRuns },
      );
    },
  );

  it(
    "very deep or very wide rules and documents: a result or a clear refusal, never a stack overflow",
    { timeout },
    () => {
      fc.assert(
        fc.property(extreme, (doc) => {
          check(doc, [{ email: "u1" }]);
        }),
        { seed, numRuns: Math.max(20, Math.round(numRuns / 6)) },
      );
    },
  );
});
