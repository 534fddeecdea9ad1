import semver from "semver";
import type { Ecosystem } from "../types.js";
import { comparePep440, parsePep440 } from "./pep440.js";

/** A total order over one ecosystem's version strings; unparseable input falls back to a generic order. */
export type VersionOrder = (a: string, b: string) => number;

/** Compares two versions by the ecosystem's rules (OSV `ECOSYSTEM` ranges). */
export function compareVersions(
  ecosystem: string,
  a: string,
  b: string,
): number {
  return orderFor(ecosystem)(a, b);
}

/** The comparator of an ecosystem; OSV `SEMVER` ranges use `compareSemver` whatever the ecosystem. */
export function orderFor(ecosystem: string): VersionOrder {
  switch (ecosystem as Ecosystem) {
    case "npm":
    case "crates.io":
      return compareSemver;
    case "PyPI":
      return comparePypi;
    case "Go":
      return compareGo;
    case "RubyGems":
      return compareRubyGems;
    case "Packagist":
      return comparePackagist;
    default:
      return compareGeneric;
  }
}

/** True when sluice knows how to order this ecosystem's versions. */
export function isKnownEcosystem(ecosystem: string): boolean {
  return ["npm", "crates.io", "PyPI", "Go", "RubyGems", "Packagist"].includes(
    ecosystem,
  );
}

/** True when `version` is a version of the ecosystem sluice can order exactly. */
export function isValidVersion(ecosystem: string, version: string): boolean {
  switch (ecosystem) {
    case "npm":
    case "crates.io":
      return semver.valid(version, { loose: true }) !== null;
    case "Go":
      return semver.valid(goToSemver(version)) !== null;
    case "PyPI":
      return parsePep440(version) !== undefined;
    case "RubyGems":
      return /^\d[0-9a-zA-Z.-]*$/.test(version.trim());
    case "Packagist":
      return /^v?\d/.test(version.trim()) || version.startsWith("dev-");
    default:
      return version.trim() !== "";
  }
}

/** SemVer 2.0 precedence (npm, crates.io, OSV SEMVER ranges); build metadata is ignored. */
export function compareSemver(a: string, b: string): number {
  const pa = semver.parse(a.replace(/^v/, ""), { loose: true });
  const pb = semver.parse(b.replace(/^v/, ""), { loose: true });
  if (pa && pb) return pa.compare(pb);
  return compareGeneric(a, b);
}

/** PEP 440 ordering; versions that are not PEP 440 sort before every valid one (LegacyVersion). */
function comparePypi(a: string, b: string): number {
  const pa = parsePep440(a);
  const pb = parsePep440(b);
  if (pa && pb) return comparePep440(pa, pb);
  if (!pa && !pb) return compareGeneric(a, b);
  return pa ? 1 : -1;
}

/**
 * Go module versions: semver with a `v` (OSV strips it), `+incompatible` is build metadata and
 * pseudo-versions (`v0.0.0-20210630005230-0f9fa26af87c`) are pre-releases that sort by time.
 * Go toolchain versions (`1.21rc2`, `1.17`) are padded to semver.
 */
function compareGo(a: string, b: string): number {
  const pa = semver.parse(goToSemver(a));
  const pb = semver.parse(goToSemver(b));
  if (pa && pb) return pa.compare(pb);
  return compareGeneric(a, b);
}

function goToSemver(version: string): string {
  let v = version.trim().replace(/^v/, "").replace(/^go/, "");
  const toolchain =
    /^(\d+)(?:\.(\d+))?(?:\.(\d+))?((?:rc|beta|alpha)\d*)?$/.exec(v);
  if (toolchain) {
    v = `${toolchain[1]}.${toolchain[2] ?? 0}.${toolchain[3] ?? 0}${toolchain[4] ? `-${toolchain[4]}` : ""}`;
  }
  return v;
}

/**
 * RubyGems' Gem::Version: segments split at dots and at digit/letter changes, a `-` means
 * `.pre.`; missing segments are 0; a string segment (pre-release) sorts before any number.
 */
function compareRubyGems(a: string, b: string): number {
  const sa = gemSegments(a);
  const sb = gemSegments(b);
  for (let i = 0; i < Math.max(sa.length, sb.length); i++) {
    const x = sa[i] ?? 0;
    const y = sb[i] ?? 0;
    if (x === y) continue;
    if (typeof x === "string" && typeof y === "number") return -1;
    if (typeof x === "number" && typeof y === "string") return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

function gemSegments(version: string): (string | number)[] {
  const parts =
    version
      .trim()
      .replace(/-/g, ".pre.")
      .match(/[0-9]+|[a-z]+/gi) ?? [];
  const segments = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  // Gem::Version#canonical_segments: trailing zeros of the release part and of the
  // pre-release part do not count (1.0 == 1.0.0, 1.0.0.pre == 1.0.pre).
  const firstWord = segments.findIndex((s) => typeof s === "string");
  const release = firstWord < 0 ? segments : segments.slice(0, firstWord);
  const pre = firstWord < 0 ? [] : segments.slice(firstWord);
  while (release.length > 1 && release.at(-1) === 0) release.pop();
  while (pre.length > 1 && pre.at(-1) === 0) pre.pop();
  return [...release, ...pre];
}

const phpSpecial: Record<string, number> = {
  dev: 0,
  alpha: 1,
  a: 1,
  beta: 2,
  b: 2,
  RC: 3,
  rc: 3,
  "#": 4,
  pl: 5,
  p: 5,
};

/**
 * Packagist: Composer versions ordered by PHP's `version_compare` after dropping a leading `v`
 * (`dev` < `alpha` < `beta` < `RC` < release < `patch`); `dev-branch` versions sort first.
 */
function comparePackagist(a: string, b: string): number {
  const pa = phpParts(a);
  const pb = phpParts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -phpRemaining(y!);
    if (y === undefined) return phpRemaining(x);
    const d = phpPartCompare(x, y);
    if (d !== 0) return d;
  }
  return 0;
}

function phpParts(version: string): string[] {
  let v = version.trim().replace(/^v(?=\d)/i, "");
  if (/^dev-/i.test(v)) return ["dev"];
  v = v
    .replace(/[-_+]/g, ".")
    .replace(/(\d)(?=[^\d.])/g, "$1.")
    .replace(/([^\d.])(?=\d)/g, "$1.");
  // Composer spells patch releases `-patch1`/`-pl1`.
  const parts = v
    .split(".")
    .filter((p) => p !== "")
    .map((p) => (p.toLowerCase() === "patch" ? "pl" : p));
  // Composer normalises the numeric release to four parts: 1.0 == 1.0.0 == 1.0.0.0.
  let numeric = 0;
  while (numeric < parts.length && /^\d+$/.test(parts[numeric]!)) numeric++;
  if (numeric < 4)
    parts.splice(numeric, 0, ...Array<string>(4 - numeric).fill("0"));
  return parts;
}

function phpSpecialRank(part: string): number {
  return phpSpecial[part] ?? phpSpecial[part.toLowerCase()] ?? -1;
}

function phpPartCompare(x: string, y: string): number {
  const dx = /^\d+$/.test(x);
  const dy = /^\d+$/.test(y);
  if (dx && dy) return Math.sign(Number(x) - Number(y));
  if (!dx && !dy) return Math.sign(phpSpecialRank(x) - phpSpecialRank(y));
  // A number against a word: the word is compared with "#" (a release).
  return dx
    ? Math.sign(phpSpecial["#"]! - phpSpecialRank(y))
    : Math.sign(phpSpecialRank(x) - phpSpecial["#"]!);
}

function phpRemaining(part: string): number {
  if (/^\d+$/.test(part)) return 1;
  return Math.sign(phpSpecialRank(part) - phpSpecial["#"]!);
}

/** Fallback: numeric runs compare as numbers, other runs as text. */
function compareGeneric(a: string, b: string): number {
  const ta = a.match(/\d+|[^\d.\-+_]+/g) ?? [];
  const tb = b.match(/\d+|[^\d.\-+_]+/g) ?? [];
  for (let i = 0; i < Math.max(ta.length, tb.length); i++) {
    const x = ta[i];
    const y = tb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return Math.sign(d);
    } else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
