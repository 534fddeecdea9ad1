import { basename } from "node:path";
import type { Ecosystem, LockfileParser } from "../types.js";
import { parseGoMod } from "./go.js";
import { parsePackageLock } from "./npm.js";
import {
  parseCargoLock,
  parseComposerLock,
  parseGemfileLock,
} from "./others.js";
import { parsePnpmLock } from "./pnpm.js";
import {
  parsePipfileLock,
  parsePoetryLock,
  parseRequirements,
  parseTomlPackages,
} from "./python.js";
import { parseYarnLock } from "./yarn.js";

export {
  parseCargoLock,
  parseComposerLock,
  parseGemfileLock,
  parseGoMod,
  parsePackageLock,
  parsePipfileLock,
  parsePnpmLock,
  parsePoetryLock,
  parseRequirements,
  parseTomlPackages,
  parseYarnLock,
};

/** A lockfile kind: which files it is and how to read them. */
export interface LockfileKind {
  id: string;
  ecosystem: Ecosystem;
  parse: LockfileParser;
  matches(fileName: string): boolean;
}

const exact =
  (...names: string[]) =>
  (file: string) =>
    names.includes(file);

/** Every lockfile sluice reads, by file name. */
export const lockfileKinds: readonly LockfileKind[] = [
  {
    id: "package-lock",
    ecosystem: "npm",
    parse: parsePackageLock,
    matches: exact("package-lock.json", "npm-shrinkwrap.json"),
  },
  {
    id: "yarn",
    ecosystem: "npm",
    parse: parseYarnLock,
    matches: exact("yarn.lock"),
  },
  {
    id: "pnpm",
    ecosystem: "npm",
    parse: parsePnpmLock,
    matches: exact("pnpm-lock.yaml"),
  },
  {
    id: "requirements",
    ecosystem: "PyPI",
    parse: parseRequirements,
    matches: (f) =>
      /^requirements.*\.txt$/.test(f) || /-requirements\.txt$/.test(f),
  },
  {
    id: "poetry",
    ecosystem: "PyPI",
    parse: parsePoetryLock,
    matches: exact("poetry.lock"),
  },
  {
    id: "pipfile",
    ecosystem: "PyPI",
    parse: parsePipfileLock,
    matches: exact("Pipfile.lock"),
  },
  {
    id: "uv",
    ecosystem: "PyPI",
    parse: parseTomlPackages,
    matches: (f) =>
      f === "uv.lock" || f === "pdm.lock" || /^pylock(\..+)?\.toml$/.test(f),
  },
  { id: "gomod", ecosystem: "Go", parse: parseGoMod, matches: exact("go.mod") },
  {
    id: "cargo",
    ecosystem: "crates.io",
    parse: parseCargoLock,
    matches: exact("Cargo.lock"),
  },
  {
    id: "gemfile",
    ecosystem: "RubyGems",
    parse: parseGemfileLock,
    matches: exact("Gemfile.lock", "gems.locked"),
  },
  {
    id: "composer",
    ecosystem: "Packagist",
    parse: parseComposerLock,
    matches: exact("composer.lock"),
  },
];

/** The kind of a lockfile path, or undefined when sluice does not read it. */
export function lockfileKindOf(path: string): LockfileKind | undefined {
  const file = basename(path);
  return lockfileKinds.find((k) => k.matches(file));
}
