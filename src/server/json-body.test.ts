import { describe, expect, it } from "vitest";
import { parseJsonBody } from "./json-body.js";

const refused = (text: string) => {
  try {
    parseJsonBody(text);
  } catch (error) {
    return (error as Error).message;
  }
  return "accepted";
};

/** Nested arrays `depth` deep around a value. */
const nested = (depth: number, inner = "1") =>
  `${"[".repeat(depth)}${inner}${"]".repeat(depth)}`;

// Small bodies skip the walk over the parsed value (mayNeedCheck): these are the forms that must
// still be refused, whatever their size.
describe("parseJsonBody", () => {
  it("parses a small plain body and an empty one", () => {
    expect(
      parseJsonBody('{"context":{"targetingKey":"u1","email":"a@b.c"}}'),
    ).toEqual({ context: { targetingKey: "u1", email: "a@b.c" } });
    expect(parseJsonBody("  ")).toBeUndefined();
  });

  it("refuses NUL written as an escape, in a value or a key, in a small body", () => {
    expect(refused('{"a":"x\\u0000"}')).toMatch(/NUL/);
    expect(refused('{"a\\u0000":1}')).toMatch(/not allowed/);
  });

  it("refuses a __proto__ key, plain or spelled with escapes", () => {
    expect(refused('{"__proto__":{"x":1}}')).toMatch(/__proto__/);
    expect(refused('{"__pro\\u0074o__":{"x":1}}')).toMatch(/__proto__/);
    expect(refused('{"a":[{"\\u005f_proto__":1}]}')).toMatch(/__proto__/);
  });

  it("accepts other escapes and the word __proto__ in a value", () => {
    expect(parseJsonBody('{"a":"\\u00e9"}')).toEqual({ a: "é" });
    expect(parseJsonBody('{"a":"__proto__"}')).toEqual({ a: "__proto__" });
  });

  it("refuses nesting beyond 512 levels, and accepts 512", () => {
    expect(refused(nested(513))).toMatch(/deeper than 512/);
    expect(refused(nested(512))).toBe("accepted");
  });

  it("refuses invalid JSON in one line", () => {
    expect(refused('{"a":')).toBe("request body is not valid JSON");
  });
});
