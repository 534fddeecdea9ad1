import { describe, expect, it } from "vitest";
import {
  keywordAnchor,
  literalPrefixes,
  startsWithBoundary,
} from "./anchor.js";
import { compileRuleSet } from "./rule.js";
import { defaultRules } from "./rules/index.js";

describe("literalPrefixes", () => {
  it.each([
    [String.raw`\b(ghp_[0-9a-z]{36})\b`, ["ghp_"]],
    [String.raw`(?:ghp|gho)_x`, ["ghp_x", "gho_x"]],
    [String.raw`https?:\/\/`, ["https://", "http://"]],
    [String.raw`[aA][pP][iI]_`, ["api_"]],
    [String.raw`xox[os]-\d`, ["xoxo-", "xoxs-"]],
    [String.raw`passw(?:or)?d=`, ["password=", "passwd="]],
    [String.raw`ab+c`, ["ab"]],
    [String.raw`ab*c`, ["a"]],
    [String.raw`(?=x)ab`, ["ab"]],
    [String.raw`[a-z]{3}_tok`, [""]],
    [String.raw`\x41\.b`, ["a.b"]],
  ])("%s → %j", (source, expected) => {
    expect(literalPrefixes(source)?.sort()).toEqual([...expected].sort());
  });
});

describe("keywordAnchor", () => {
  it.each([
    [String.raw`\b(ghp_[0-9a-z]{36})\b`, ["ghp_"], 0],
    [String.raw`https?:\/\/[^:]+:[^@]+@`, ["http://", "https://"], 0],
    [String.raw`(?:^|[^A-Za-z])(gsk_[A-Za-z0-9]{52})`, ["gsk_"], 1],
    [String.raw`["']?aws_?account_?id`, ["aws_account", "awsaccount"], 1],
    // The keyword sits inside the match, not at its start: searched around the hit instead.
    [String.raw`[a-z]{3}_tok`, ["tok"], undefined],
    [String.raw`(?:lob)[ =]+(live_[a-z]+)`, ["live_"], undefined],
    // An optional prefix before the keyword.
    [String.raw`(?:jdbc:)?mysql://`, ["mysql"], undefined],
    [String.raw`tok_x`, [], undefined],
  ])("%s with %j → %s", (source, keywords, expected) => {
    expect(keywordAnchor(source, keywords)).toBe(expected);
  });

  it("anchors most default rules at their keywords", () => {
    const rules = compileRuleSet(defaultRules).rules.filter(
      (r) => r.regex && r.keywords.length > 0 && r.spec.window === undefined,
    );
    const anchored = rules.filter(
      (r) =>
        keywordAnchor(
          r.regex!.source.replace(/^\[\\w\.\\-\]\{0,50\}\?/, ""),
          r.keywords,
        ) !== undefined,
    );
    expect(anchored.length / rules.length).toBeGreaterThan(0.8);
  });

  it("reads a leading word boundary", () => {
    expect(startsWithBoundary(String.raw`\b(x)`)).toBe(true);
    expect(startsWithBoundary(String.raw`(\bx|y)`)).toBe(false);
  });
});
