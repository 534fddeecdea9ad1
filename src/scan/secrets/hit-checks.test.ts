import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ruleHitChecks } from "./hit-checks.js";
import { plan } from "./plan.js";
import { compileRuleSet } from "./rule.js";
import { defaultRules } from "./rules/index.js";

const generic = compileRuleSet(
  defaultRules.filter((r) => r.id === "generic-api-key"),
).rules[0]!;
const regex = plan(generic).regex;
const check = ruleHitChecks[generic.spec.hitCheck!];

/** Every keyword hit in `text`: start and end offsets, as the keyword automaton gives them. */
function hitsIn(text: string): [number, number][] {
  const lower = text.toLowerCase();
  const hits: [number, number][] = [];
  for (const k of generic.keywords)
    for (let at = lower.indexOf(k); at >= 0; at = lower.indexOf(k, at + 1))
      hits.push([at, at + k.length]);
  return hits;
}

/**
 * Hits where the rule's regex matches and how many of them the check kept; all hits, and how many
 * the check passed.
 */
function compare(text: string): {
  matched: number;
  kept: number;
  hits: number;
  passed: number;
} {
  const data = Buffer.from(text, "latin1");
  let matched = 0;
  let kept = 0;
  let passed = 0;
  const hits = hitsIn(text);
  for (const [start, end] of hits) {
    if (check(data, start, end)) passed++;
    regex.lastIndex = start;
    const m = regex.exec(text);
    if (m === null || m[0].length === 0) continue;
    matched++;
    if (check(data, start, end)) kept++;
  }
  return { matched, kept, hits: hits.length, passed };
}

const shared = fileURLToPath(
  new URL("../../../../shared/conformance", import.meta.url),
);

function textFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const info = statSync(p);
    if (info.isDirectory()) textFiles(p, out);
    else if (info.size < 512 * 1024) out.push(p);
  }
  return out;
}

describe("generic-api-key's hit check", () => {
  it("names a check, and the generic rule is anchored at its keywords", () => {
    expect(generic.spec.hitCheck).toBe("assigned-value");
    expect(plan(generic).mode).toBe("anchored");
  });

  it("keeps every hit where the regex matches, over assignments in every spelling", () => {
    const names = ["", "_id", "Name", ".value", " _x-y ", "s"];
    const gaps = ["", " ", "'", '" ', "\t'", "\n", "  \"'"];
    const ops = [
      "=",
      ":",
      ",",
      "=>",
      ":=",
      "::=",
      ":::=",
      "||",
      "?=",
      ">",
      "==",
    ];
    const pres = ["", " ", '"', "'", "`", " \t'", "==", "= '", "\u00a0"];
    const values = [
      "abcdefghij",
      "abcdefghi",
      "a1b2c3d4e5f6g7h8",
      "ab+cd/ef+gh/ij==",
      "x.y-z_w=q.r",
      "=abcdefghijk",
      "A".repeat(160),
      "0123456789+",
    ];
    const ends = [
      "",
      "'",
      '"',
      "`",
      " ",
      ";",
      "\\n",
      "\\r",
      "\n",
      ",",
      ")",
      "(x)",
    ];
    const keywords = ["api_key", "ACCESS", "Password", "passwd", "token"];
    const parts = [keywords, names, gaps, ops, pres, values, ends];
    // A fixed sample of the cross product (a linear congruential sequence).
    let seed = 42;
    const pick = (list: string[]): string => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return list[(seed >>> 16) % list.length]!;
    };
    let matched = 0;
    let kept = 0;
    let hits = 0;
    let passed = 0;
    for (let n = 0; n < 40_000; n++) {
      const text = `x ${parts.map(pick).join("")}`;
      const r = compare(text);
      matched += r.matched;
      kept += r.kept;
      hits += r.hits;
      passed += r.passed;
    }
    expect(matched).toBeGreaterThan(5_000);
    expect(kept).toBe(matched);
    // The check is not a pass-through: it drops hits of the spellings that cannot match.
    expect(passed).toBeLessThan(hits * 0.8);
  });

  it("drops a key or token that is read, called or passed on", () => {
    const drop = (text: string, keyword: string): boolean => {
      const start = text.toLowerCase().indexOf(keyword);
      return !check(Buffer.from(text), start, start + keyword.length);
    };
    expect(drop("type K = keyof T;", "key")).toBe(true);
    expect(drop("  apiKey: options.apiKey,", "key")).toBe(true);
    expect(drop("const token = getToken(request);", "token")).toBe(true);
    expect(drop("for (const key of keys) {", "key")).toBe(true);
    expect(drop('const api_key = "a1b2c3d4e5f6g7";', "key")).toBe(false);
  });

  describe.skipIf(!existsSync(shared))("over the conformance corpora", () => {
    it("keeps every hit where the regex matches", () => {
      let matched = 0;
      let kept = 0;
      const corpora = [
        "gitleaks",
        "credsweeper",
        "detect-secrets",
        "secretlint-fixtures",
      ];
      for (const file of corpora.flatMap((c) => textFiles(join(shared, c)))) {
        const r = compare(readFileSync(file).toString("latin1"));
        matched += r.matched;
        kept += r.kept;
      }
      expect(matched).toBeGreaterThan(500);
      expect(kept).toBe(matched);
    });
  });
});
