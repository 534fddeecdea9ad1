import { describe, expect, it } from "vitest";
import { allowlistBounded, backtracksBoundedly } from "./regex-cost.js";

describe("backtracksBoundedly", () => {
  it.each([
    // This repository's own .gitleaks.toml regexes.
    "^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$",
    "^https://hooks\\.slack\\.com/services/T0123ABCD/B0123ABCD/abcdefghij1234567890$",
    "^AGE-SECRET-KEY-1Q{58}$",
    "(?i)^(example|sample)_key$",
    "(?:foo|bar)baz",
    "(?P<name>abc)",
    "[a-z*+?{}]",
    "[]a]x",
    "[[:alpha:]]x",
    "\\p{L}\\x{41}\\d{4}",
    "a{3}b{2,4}c?",
    "ab?c??",
    "{literal}",
  ])("bounded: %s", (source) => {
    expect(backtracksBoundedly(source, 0)).toBe(true);
  });

  it.each([
    ["(a+)+$", "a quantified group"],
    ["(a|aa)*", "a quantified group"],
    ["(?:ab)+", "a quantified group"],
    ["a*a*b", "two unbounded quantifiers"],
    ["a+", "an unbounded quantifier where none is allowed"],
    ["a{2,}", "an unbounded range"],
    ["(\\w)\\1", "a backreference"],
    ["(?<n>a)\\k<n>", "a named backreference"],
    ["(?=a)b", "a lookahead"],
    ["(?<!a)b", "a lookbehind"],
    ["\\d{1,100}\\d{1,101}", "ranges multiplying past 10,000"],
    ["*a", "a quantifier with nothing to repeat"],
    ["[abc", "an unclosed class"],
    ["a\\", "a trailing backslash"],
  ])("not bounded: %s (%s)", (source) => {
    expect(backtracksBoundedly(source, 0)).toBe(false);
  });

  it("counts unbounded quantifiers against the allowance", () => {
    expect(backtracksBoundedly("^src/[^/]+\\.ts$", 1)).toBe(true);
    expect(backtracksBoundedly("^src/[^/]+/.*\\.ts$", 1)).toBe(false);
    expect(backtracksBoundedly("(a+)+", 1)).toBe(false);
  });
});

describe("allowlistBounded", () => {
  it("takes literal regexes and paths with one unbounded quantifier", () => {
    expect(
      allowlistBounded({
        regexes: ["^tok_abcd1234$"],
        paths: ["^src/scan/secrets/rules/[^/]+\\.ts$"],
        stopwords: ["example"],
      }),
    ).toBe(true);
  });

  it("refuses a regex that may backtrack on a long line, and a costly path", () => {
    expect(allowlistBounded({ regexes: ["^AKIA.*EXAMPLE$"] })).toBe(false);
    expect(allowlistBounded({ paths: ["(a+)+\\.ts"] })).toBe(false);
  });
});
