import { describe, expect, it } from "vitest";
import { Lru } from "./lru.js";

describe("Lru", () => {
  it("keeps at most max entries, dropping the least recently used", () => {
    const lru = new Lru<number>(3);
    for (const [k, v] of [
      ["a", 1],
      ["b", 2],
      ["c", 3],
    ] as const)
      lru.set(k, v);
    expect(lru.get("a")).toBe(1); // a is now the most recent
    lru.set("d", 4); // evicts b, the least recently used
    expect(lru.get("b")).toBeUndefined();
    expect([lru.get("a"), lru.get("c"), lru.get("d")]).toEqual([1, 3, 4]);
    lru.set("c", 30); // an update refreshes, never grows
    lru.set("e", 5); // evicts a
    expect(lru.get("a")).toBeUndefined();
    expect([...lru.entries()].map(([k]) => k)).toEqual(["d", "c", "e"]);
  });

  it("survives a flood far beyond its size with the entry still in use", () => {
    const lru = new Lru<string>(100);
    lru.set("valid", "kept");
    for (let i = 0; i < 10_000; i++) {
      lru.set(`bad-${i}`, "x");
      if (i % 50 === 0) expect(lru.get("valid")).toBe("kept");
    }
    expect([...lru.entries()]).toHaveLength(100);
  });
});
