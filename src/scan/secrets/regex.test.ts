import { describe, expect, it } from "vitest";
import { compileGoRegex, translateGoRegex } from "./regex.js";

describe("translateGoRegex", () => {
  it.each([
    // [Go pattern, input, expected first match or null]
    ["(?i)abc", "xABCx", "ABC"],
    [String.raw`\b(p8e-(?i)[a-z0-9]{4})`, "p8e-AbC1", "p8e-AbC1"],
    [String.raw`\b(p8e-(?i)[a-z0-9]{4})`, "P8E-abc1", null],
    ["(?i:ab)c", "ABc", "ABc"],
    ["(?i:ab)c", "ABC", null],
    ["(?i)a(?-i:b)c", "AbC", "AbC"],
    ["(?i)a(?-i:b)c", "ABC", null],
    [String.raw`(?i)[a-z0-9_-]{3}`, "A-Z", "A-Z"],
    ["(?s:a.b)", "a\nb", "a\nb"],
    ["a.b", "a\nb", null],
    ["a.b", "a\rb", "a\rb"],
    [String.raw`(?P<k>x+)y`, "xxy", "xxy"],
    [String.raw`abc\z`, "abc", "abc"],
    [String.raw`abc\z`, "abcz", null],
    ["[[:alnum:]]{3}", "a1B", "a1B"],
    [String.raw`\Q.*\E`, "a.*b", ".*"],
    ["(?m)^b$", "a\nb\nc", "b"],
    ["a{2}", "aaa", "aa"],
    ["a{,", "a{,", "a{,"],
    ["x/y", "x/y", "x/y"],
  ] as const)("%s on %j → %j", (pattern, input, expected) => {
    const re = compileGoRegex(pattern);
    const m = re.exec(input);
    expect(m ? m[0] : null).toBe(expected);
  });

  it("uses the i flag only when the whole pattern is case-insensitive", () => {
    expect(translateGoRegex("(?i)abc").flags).toBe("i");
    expect(translateGoRegex("(?i)a(?-i:b)").flags).toBe("");
    expect(translateGoRegex("a(?i)b").source).toBe("a[bB]");
  });

  it.each([
    [String.raw`\p{L}+`, /Unicode classes/],
    ["a++", /possessive/],
    [String.raw`(a)\1`, /back-references/],
    ["(?=a)", /lookaround/],
    ["(?U)a+", /ungreedy/],
    ["[a-", /unterminated/],
  ])("refuses %s", (pattern, message) => {
    expect(() => compileGoRegex(pattern)).toThrow(message);
  });
});
