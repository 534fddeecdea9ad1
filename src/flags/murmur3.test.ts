import { describe, expect, it } from "vitest";
import { murmur3, murmur3Bytes } from "./murmur3.js";

describe("murmur3 (x86 32-bit, seed 0, UTF-8)", () => {
  // The hash edge vectors of flagd-testbed's fractional-hash-edge-flag, and the non-ASCII case
  // where flagd-core (UTF-16 code units) and Go flagd (UTF-8 bytes) disagree.
  it.each([
    ["ejOoVL", 0],
    ["bY9fO-", 1],
    ["SI7p-", 2147483647],
    ["6LvT0", 2147483648],
    ["ceQdGm", 4294967295],
    ["café", 605818632],
    ["", 0],
  ])("hashes %j to %i", (key, expected) => {
    expect(murmur3(key)).toBe(expected);
    expect(murmur3Bytes(new TextEncoder().encode(key))).toBe(expected);
  });

  it("agrees between the ASCII fast path and the byte path for every tail length", () => {
    for (let n = 0; n < 40; n++) {
      const key = "abcdefghijklmnopqrstuvwxyz0123456789ABCD".slice(0, n);
      expect(murmur3(key)).toBe(murmur3Bytes(new TextEncoder().encode(key)));
    }
  });
});
