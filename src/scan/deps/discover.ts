import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { AppError, isAppError, messageOf } from "../../kernel/index.js";
import { lockfileKindOf } from "./lockfiles/index.js";
import { manifestKindOf } from "./manifests.js";
import type { LockedPackage } from "./types.js";

/** Folders never searched for lockfiles: installed trees and VCS metadata. */
const skippedDirs = new Set([
  "node_modules",
  ".git",
  ".hg",
  ".svn",
  "vendor",
  ".venv",
  "venv",
  "__pycache__",
  "target",
  "dist",
]);

/** One lockfile read: its packages, or the error that stopped it (the others are still read). */
export interface LockfileResult {
  /** Path relative to the scanned root, `/` separators. */
  path: string;
  kind: string;
  packages: LockedPackage[];
  error?: AppError;
}

/** What a walk of a project finds: the lockfiles sluice reads and the manifests beside them. */
export interface ProjectFiles {
  /** Relative paths, `/` separators, sorted. */
  lockfiles: string[];
  /** package.json, pyproject.toml, Cargo.toml, … (see `manifestKindOf`), relative and sorted. */
  manifests: string[];
}

/** Lockfile paths under `root`, relative, sorted. */
export function findLockfiles(root: string): string[] {
  return findProjectFiles(root).lockfiles;
}

/**
 * Walks `root` once (installed trees and VCS folders skipped) for lockfiles and manifests, at most
 * `maxDepth` folders down.
 */
export function findProjectFiles(
  root: string,
  maxDepth = Infinity,
): ProjectFiles {
  const lockfiles: string[] = [];
  const manifests: string[] = [];
  const walk = (dir: string, depth = 0): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (!skippedDirs.has(entry.name) && depth < maxDepth)
          walk(join(dir, entry.name), depth + 1);
        continue;
      }
      if (!entry.isFile()) continue;
      const path = relative(root, join(dir, entry.name)).split(sep).join("/");
      if (lockfileKindOf(entry.name)) {
        // npm-shrinkwrap.json wins over a package-lock.json in the same folder.
        if (
          entry.name === "package-lock.json" &&
          existsSync(join(dir, "npm-shrinkwrap.json"))
        )
          continue;
        lockfiles.push(path);
      }
      if (manifestKindOf(entry.name)) manifests.push(path);
    }
  };
  walk(root);
  return { lockfiles: lockfiles.sort(), manifests: manifests.sort() };
}

/** The OSV ecosystems of the lockfiles and manifests near the top of `root` (sorted). */
export function projectEcosystems(root: string, maxDepth = 3): string[] {
  const files = findProjectFiles(root, maxDepth);
  const found = new Set<string>();
  for (const path of files.lockfiles)
    found.add(lockfileKindOf(path)!.ecosystem);
  for (const path of files.manifests)
    found.add(manifestKindOf(path)!.ecosystem);
  return [...found].sort();
}

/** The largest lockfile read unless told otherwise (a parse holds several times its size). */
const defaultMaxLockfileBytes = 64 * 1024 * 1024;

/**
 * Reads and parses every lockfile; a malformed one yields an `error` and the rest go on. A file
 * over `maxBytes` (and an include over it) is refused unread, so memory stays bounded.
 */
export function readLockfiles(
  root: string,
  paths: string[],
  maxBytes = defaultMaxLockfileBytes,
): LockfileResult[] {
  return paths.map((path) => {
    const kind = lockfileKindOf(path)!;
    const full = join(root, path);
    try {
      const text = readBounded(full, path, maxBytes);
      const packages = kind.parse({
        path,
        text,
        readRelative: (rel) => {
          const sibling = join(dirname(full), rel);
          if (!existsSync(sibling)) return undefined;
          try {
            return readBounded(sibling, rel, maxBytes);
          } catch (error) {
            if (isAppError(error)) throw error;
            return undefined;
          }
        },
      });
      return { path, kind: kind.id, packages };
    } catch (error) {
      const appError = isAppError(error)
        ? error
        : new AppError(
            "CONFIG_INVALID",
            `${path}: cannot read: ${messageOf(error)}`,
            { cause: error },
          );
      return { path, kind: kind.id, packages: [], error: appError };
    }
  });
}

function readBounded(full: string, shown: string, maxBytes: number): string {
  const size = statSync(full).size;
  if (size > maxBytes) {
    throw new AppError(
      "CONFIG_INVALID",
      `${shown}: ${megabytes(size)} is over the ${megabytes(maxBytes)} limit for a lockfile; not read (--max-lockfile-megabytes raises it)`,
    );
  }
  return readFileSync(full, "utf8");
}

function megabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${mb >= 10 || Number.isInteger(mb) ? Math.round(mb) : mb.toFixed(1)} MB`;
}
