import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { AppError, isAppError, messageOf } from "../../kernel/index.js";
import { lockfileKindOf } from "./lockfiles/index.js";
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

/** Lockfile paths under `root` (or `root` itself when it is a file), relative, sorted. */
export function findLockfiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (!skippedDirs.has(entry.name)) walk(join(dir, entry.name));
      } else if (entry.isFile() && lockfileKindOf(entry.name)) {
        // npm-shrinkwrap.json wins over a package-lock.json in the same folder.
        if (
          entry.name === "package-lock.json" &&
          existsSync(join(dir, "npm-shrinkwrap.json"))
        )
          continue;
        found.push(relative(root, join(dir, entry.name)).split(sep).join("/"));
      }
    }
  };
  walk(root);
  return found.sort();
}

/** Reads and parses every lockfile; a malformed one yields an `error` and the rest go on. */
export function readLockfiles(root: string, paths: string[]): LockfileResult[] {
  return paths.map((path) => {
    const kind = lockfileKindOf(path)!;
    const full = join(root, path);
    try {
      const text = readFileSync(full, "utf8");
      const packages = kind.parse({
        path,
        text,
        readRelative: (rel) => {
          try {
            return readFileSync(join(dirname(full), rel), "utf8");
          } catch {
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
