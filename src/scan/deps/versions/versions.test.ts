import { describe, expect, it } from "vitest";
import { compareVersions, isValidVersion } from "./index.js";

/** [ecosystem, smaller, larger]: golden orderings per ecosystem. */
const ordered: [string, string, string][] = [
  ["npm", "1.2.3", "1.2.4"],
  ["npm", "1.2.3-alpha.1", "1.2.3"],
  ["npm", "1.2.3-alpha.2", "1.2.3-beta"],
  ["npm", "4.17.15", "4.17.20"],
  ["npm", "1.9.0", "1.10.0"],
  ["crates.io", "0.9.9", "0.10.0"],
  ["crates.io", "1.0.0-rc.1", "1.0.0"],
  ["PyPI", "1.0.dev0", "1.0a1"],
  ["PyPI", "1.0a1", "1.0a2"],
  ["PyPI", "1.0a2", "1.0b1"],
  ["PyPI", "1.0b1", "1.0rc1"],
  ["PyPI", "1.0rc1", "1.0"],
  ["PyPI", "1.0", "1.0.post1"],
  ["PyPI", "1.0.post1.dev0", "1.0.post1"],
  ["PyPI", "1.0", "1.0+local.1"],
  ["PyPI", "1.0+abc", "1.0+1"],
  ["PyPI", "1.9", "1.10"],
  ["PyPI", "2.0", "1!1.0"],
  ["PyPI", "not a version", "0.0.1"],
  ["PyPI", "1.0c1", "1.0rc2"],
  [
    "Go",
    "0.0.0-20210630005230-0f9fa26af87c",
    "0.0.0-20220715151400-c0bba94af5f8",
  ],
  ["Go", "0.0.0-20220715151400-c0bba94af5f8", "0.1.0"],
  ["Go", "1.9.0", "2.0.0+incompatible"],
  ["Go", "1.20", "1.21rc2"],
  ["Go", "1.21rc2", "1.21.0"],
  ["Go", "1.21.0", "1.21.1"],
  ["RubyGems", "1.0.0.pre1", "1.0.0"],
  ["RubyGems", "1.0.a", "1.0.b"],
  ["RubyGems", "1.9", "1.10"],
  ["RubyGems", "7.0.2.2", "7.0.2.10"],
  ["RubyGems", "2.0.0-rc1", "2.0.0"],
  ["Packagist", "1.0.0-dev", "1.0.0-alpha1"],
  ["Packagist", "1.0.0-alpha1", "1.0.0-beta2"],
  ["Packagist", "1.0.0-beta2", "1.0.0-RC1"],
  ["Packagist", "1.0.0-RC1", "1.0.0"],
  ["Packagist", "1.0.0", "1.0.0-patch1"],
  ["Packagist", "v2.0.3", "2.0.4"],
  ["Packagist", "dev-master", "0.0.1"],
];

/** Equal under the ecosystem's rules though spelled differently. */
const equal: [string, string, string][] = [
  ["npm", "1.2.3+build.1", "1.2.3"],
  ["PyPI", "1.0", "1.0.0"],
  ["PyPI", "1.0-1", "1.0.post1"],
  ["PyPI", "1.0alpha1", "1.0a1"],
  ["PyPI", "1.0.DEV1", "1.0.dev1"],
  ["Go", "2.0.0+incompatible", "2.0.0"],
  ["RubyGems", "1.0", "1.0.0"],
  ["RubyGems", "1.0.0.pre", "1.0.pre"],
  ["Packagist", "1.0", "1.0.0.0"],
  ["Packagist", "v1.2.3", "1.2.3"],
];

describe("version ordering per ecosystem", () => {
  it.each(ordered)("%s: %s < %s", (ecosystem, a, b) => {
    expect(compareVersions(ecosystem, a, b)).toBeLessThan(0);
    expect(compareVersions(ecosystem, b, a)).toBeGreaterThan(0);
  });
  it.each(equal)("%s: %s == %s", (ecosystem, a, b) => {
    expect(compareVersions(ecosystem, a, b)).toBe(0);
  });
  it.each([
    ["npm", "1.2", false],
    ["npm", "1.2.3", true],
    ["PyPI", "1.0.post1.dev2+abc.5", true],
    ["PyPI", "1.0-banana", false],
    ["Go", "0.0.0-20210630005230-0f9fa26af87c", true],
    ["Go", "1.21rc2", true],
  ] as const)("%s %s valid: %s", (ecosystem, version, valid) => {
    expect(isValidVersion(ecosystem, version)).toBe(valid);
  });
});
