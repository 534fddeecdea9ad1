import { describe, expect, it } from "vitest";
import { globToRegExp } from "./glob.js";

describe("globToRegExp", () => {
  it.each([
    ["package-lock.json", "package-lock.json", true],
    ["*.json", "a/b.json", false],
    ["**/*.json", "a/b.json", true],
    ["**/*.json", "b.json", true],
    ["src/**", "src/a/b.ts", true],
    ["src/?.ts", "src/a.ts", true],
    ["src/?.ts", "src/ab.ts", false],
    ["docs/**/*.{md,rst}", "docs/a/b.rst", true],
    ["docs/**/*.{md,rst}", "docs/a/b.txt", false],
    ["{infra,deploy}/**", "deploy/k8s/x.yaml", true],
    ["a,b.txt", "a,b.txt", true],
    ["weird{name.txt", "weird{name.txt", true],
    ["weird}name.txt", "weird}name.txt", true],
    ["file.(1).txt", "file.(1).txt", true],
    ["file.(1).txt", "fileX(1)Xtxt", false],
  ])("%s matches %s: %s", (glob, path, matches) => {
    expect(globToRegExp(glob).test(path)).toBe(matches);
  });
});
