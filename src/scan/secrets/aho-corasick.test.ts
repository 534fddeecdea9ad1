import { describe, expect, it } from "vitest";
import { KeywordAutomaton } from "./aho-corasick.js";

/** Every occurrence by brute force, case-insensitive ASCII: "keyword@start". */
function naive(keywords: string[], text: string): string[] {
  const lower = text.toLowerCase();
  const out: string[] = [];
  keywords.forEach((k, i) => {
    for (let at = lower.indexOf(k); at >= 0; at = lower.indexOf(k, at + 1))
      out.push(`${i}@${at}`);
  });
  return out.sort();
}

const found = (a: KeywordAutomaton, text: string): string[] =>
  a
    .scan(Buffer.from(text, "latin1"))
    .map((h) => `${h.keyword}@${h.start}`)
    .sort();

/** Deterministic pseudo-random text over a small alphabet, so keywords occur often. */
function text(length: number, seed: number): string {
  let x = seed;
  let out = "";
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out += "aAbsS._kKeyY-"[x % 13];
  }
  return out;
}

describe("KeywordAutomaton", () => {
  const keywords = ["s.", "key", "aab", "ab", "b", "keykey", "s._k", "ey"];

  it.each([
    ["short text", 100, 1],
    ["below the four-way threshold", 4095, 2],
    ["four-way scan", 4096, 3],
    ["four-way scan, uneven quarters", 10_003, 4],
    ["large", 65_537, 5],
  ])(
    "finds exactly the occurrences a brute-force search finds: %s",
    (_, length, seed) => {
      const a = new KeywordAutomaton(keywords);
      const t = text(length, seed);
      expect(found(a, t)).toEqual(naive(keywords, t));
    },
  );

  it("finds keywords that straddle the quarter boundaries of a four-way scan", () => {
    const long = "abcdefghijklmnopqrstuvwxyz0123456789";
    const a = new KeywordAutomaton([long, "xyz0"]);
    const size = 8192;
    for (const boundary of [2048, 4096, 6144]) {
      for (const shift of [-36, -20, -1, 0, 1]) {
        const chars = Array.from({ length: size }, () => "-");
        const at = boundary + shift;
        for (let i = 0; i < long.length; i++) chars[at + i] = long[i]!;
        const t = chars.join("");
        expect(found(a, t)).toEqual(naive([long, "xyz0"], t));
      }
    }
  });

  it("matches case-insensitively and reports byte offsets in UTF-8 data", () => {
    const a = new KeywordAutomaton(["token"]);
    const data = Buffer.from("é TOKEN tOkEn", "utf8");
    expect(a.scan(data).map((h) => h.start)).toEqual([3, 9]);
  });

  it("takes another thread's tables for the same keywords, and builds its own for others", () => {
    const keywords = ["key", "token", "ghp_", "s."];
    const built = new KeywordAutomaton(keywords);
    // What a worker receives: a structured clone of the tables.
    const tables = structuredClone(built.tables());
    const reused = new KeywordAutomaton(keywords, tables);
    expect(reused.tables().table).toBe(tables.table);
    const t = text(5000, 7);
    expect(found(reused, t)).toEqual(naive(keywords, t));
    // Tables of another keyword list are not used: the automaton is built for its own.
    const other = new KeywordAutomaton(["key", "secret"], tables);
    expect(other.tables().table).not.toBe(tables.table);
    expect(found(other, t)).toEqual(naive(["key", "secret"], t));
  });
});
