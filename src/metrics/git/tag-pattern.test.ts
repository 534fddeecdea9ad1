import { describe, expect, it } from "vitest";
import {
  compileTagPattern,
  compileTagPatterns,
  suggestTagPattern,
  tagExamples,
} from "./tag-pattern.js";

describe("--deploy-tags patterns", () => {
  it.each([
    ["v*", "v1.2.3", true],
    ["v*", "1.2.3", false],
    ["{v,}[0-9]*", "4.17.1", true],
    ["{v,}[0-9]*", "v5.0.0", true],
    ["{v,}[0-9]*", "v5.0.0-beta.1", true],
    ["{v,}[0-9]*", "release-1", false],
    ["{v,}[0-9]*", "vnext", false],
    ["[!v]*", "4.17.1", true],
    ["[!v]*", "v4.17.1", false],
    ["release-?", "release-1", true],
    ["release-?", "release-10", false],
    ["*", "releases/2024/01", true],
    ["a.b", "axb", false],
    ["\\*", "*", true],
    ["/^v?\\d+\\.\\d+\\.\\d+$/", "4.17.1", true],
    ["/^v?\\d+\\.\\d+\\.\\d+$/", "v5.0.0", true],
    ["/^v?\\d+\\.\\d+\\.\\d+$/", "3.0.0rc1", false],
    ["/^V/i", "v1", true],
  ])("%s on %s is %s", (pattern, name, expected) =>
    expect(compileTagPattern(pattern)(name)).toBe(expected),
  );

  it("takes several patterns: any one is enough", () => {
    const test = compileTagPatterns(["v*", "[0-9]*"]);
    expect(["4.17.1", "v5.0.0", "latest"].map(test)).toEqual([
      true,
      true,
      false,
    ]);
  });

  it.each([
    ["/(/", /not a valid regular expression/],
    ["v{1,2", /a \{ without its \}/],
    ["v[0-9", /a \[ without its \]/],
    ["", /must be a glob/],
  ])("refuses %s with one clear line", (pattern, message) =>
    expect(() => compileTagPattern(pattern)).toThrow(message),
  );
});

describe("what a repository's tags look like", () => {
  const express = [
    ...Array.from({ length: 20 }, (_, i) => `4.${i}.0`),
    "3.0.0rc1",
    "v5.0.0",
    "v5.1.0",
  ];

  it("suggests a pattern that covers bare and v-prefixed versions", () =>
    expect(suggestTagPattern(express)).toEqual({
      pattern: "{v,}[0-9]*",
      matches: 23,
    }));

  it("suggests nothing when no tag looks like a version", () =>
    expect(suggestTagPattern(["latest", "stable"])).toBeUndefined());

  it("shows one example per shape, the most common first", () =>
    expect(tagExamples(express)).toEqual(["4.19.0", "v5.1.0", "3.0.0rc1"]));
});
