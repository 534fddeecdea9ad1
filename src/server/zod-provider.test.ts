import { describe, expect, it } from "vitest";
import { z } from "zod";
import { compileCheck, compileUnchangedCheck } from "./zod-provider.js";

const Answer = z.object({
  key: z.string(),
  reason: z.string(),
  variant: z.string().optional(),
  value: z.unknown().optional(),
  metadata: z.record(z.string(), z.unknown()),
});
const Failure = z.object({
  key: z.string().optional(),
  errorCode: z.string(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
const Bulk = z.object({
  flags: z.array(z.union([Answer, Failure])),
  streams: z.array(
    z.object({ type: z.literal("sse"), delay: z.number().nullable() }),
  ),
  mode: z.enum(["a", "b"]),
  on: z.boolean(),
});

const answer = { key: "k", reason: "STATIC", value: 1, metadata: {} };
const bulk = {
  flags: [answer, { errorCode: "GENERAL" }],
  streams: [{ type: "sse", delay: null }],
  mode: "a",
  on: true,
};

/** Values near the edges of what zod accepts: each is checked against zod's own answer. */
const cases: [string, z.ZodType, unknown][] = [
  ["answer", Answer, answer],
  ["answer, extra key", Answer, { ...answer, extra: 1 }],
  ["answer, variant a number", Answer, { ...answer, variant: 1 }],
  ["answer, no metadata", Answer, { key: "k", reason: "r" }],
  ["answer, metadata an array", Answer, { ...answer, metadata: [] }],
  ["answer, metadata a Map", Answer, { ...answer, metadata: new Map() }],
  ["answer, key undefined", Answer, { ...answer, key: undefined }],
  ["answer, null", Answer, null],
  ["answer, an array", Answer, [answer]],
  ["answer, a Date", Answer, new Date()],
  ["failure", Failure, { errorCode: "X" }],
  ["bulk", Bulk, bulk],
  ["bulk, literal wrong", Bulk, { ...bulk, streams: [{ type: "ws" }] }],
  ["bulk, enum wrong", Bulk, { ...bulk, mode: "c" }],
  ["bulk, NaN", Bulk, { ...bulk, streams: [{ type: "sse", delay: NaN }] }],
  [
    "bulk, Infinity",
    Bulk,
    { ...bulk, streams: [{ type: "sse", delay: Infinity }] },
  ],
  ["bulk, a flag neither", Bulk, { ...bulk, flags: [{ key: "k" }] }],
  ["int, 1.5", z.number().int(), 1.5],
  ["min length", z.string().min(3), "ab"],
  ["strict object", z.strictObject({ a: z.string() }), { a: "x", b: 1 }],
  ["transform", z.string().transform(Number), "1"],
  ["refine", z.string().refine((s) => s === "y"), "x"],
  [
    "record, symbol key",
    z.record(z.string(), z.unknown()),
    { [Symbol("s")]: 1 },
  ],
  ["undefined", z.undefined(), undefined],
];

describe("compileCheck", () => {
  it.each(cases)("agrees with zod: %s", (_, schema, value) => {
    expect(compileCheck(schema)(value)).toBe(schema.safeParse(value).success);
  });

  it("passes the plain answers without asking zod", () => {
    // A schema whose safeParse throws shows the fast check never called it.
    const spied = (schema: z.ZodType) =>
      Object.assign(Object.create(schema) as z.ZodType, {
        safeParse: () => {
          throw new Error("zod was asked");
        },
      });
    expect(compileCheck(spied(Answer))(answer)).toBe(true);
    expect(compileCheck(spied(Bulk))(bulk)).toBe(true);
    expect(() => compileCheck(spied(z.string().min(3)))("abc")).toThrow(
      "zod was asked",
    );
  });
});

describe("compileUnchangedCheck", () => {
  const params = Object.assign(Object.create(null) as object, { key: "k" });
  it.each([
    ...cases,
    ["params, null prototype", z.object({ key: z.string() }), params],
    [
      "nested extra key",
      z.object({ a: z.object({ b: z.string() }) }),
      { a: { b: "x", c: 1 } },
    ],
    [
      "union",
      z.union([z.object({ a: z.string() }), z.unknown()]),
      { a: "x", b: 1 },
    ],
    ["default", z.object({ a: z.string().default("d") }), {}],
    ["coerced", z.coerce.number(), "1"],
  ] as [string, z.ZodType, unknown][])(
    "passes only what zod answers unchanged: %s",
    (_, schema, value) => {
      const check = compileUnchangedCheck(schema);
      if (!check?.(value)) return;
      const result = schema.safeParse(value);
      expect(result.success).toBe(true);
      // Deep-equal, extra keys included (a null prototype aside: params have one).
      expect(result.data).toEqual(value);
    },
  );

  it("passes a flag key's params and the plain shapes requests use", () => {
    expect(compileUnchangedCheck(z.object({ key: z.string() }))?.(params)).toBe(
      true,
    );
    expect(compileUnchangedCheck(Answer)?.(answer)).toBe(true);
    expect(compileUnchangedCheck(Answer)?.({ ...answer, extra: 1 })).toBe(
      false,
    );
    expect(compileUnchangedCheck(z.string().min(1))).toBeUndefined();
    expect(compileUnchangedCheck(Bulk)).toBeUndefined();
  });
});
