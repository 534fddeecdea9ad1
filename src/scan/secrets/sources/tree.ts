import { lstatSync, readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { git, repoRoot } from "./git.js";

/**
 * The files of a tree, relative to `dir` with `/` separators. Inside a git work tree it asks git
 * (`ls-files -co --exclude-standard`: tracked plus untracked, .gitignore respected); elsewhere,
 * or with `gitignore: false`, it walks the folder (skipping `.git`).
 */
async function listFiles(
  dir: string,
  options: { gitignore: boolean },
): Promise<string[]> {
  if (options.gitignore && repoRoot(dir) !== undefined) {
    const out = git(dir, [
      "ls-files",
      "-co",
      "--exclude-standard",
      "-z",
      "--",
      ".",
    ]);
    return out.split("\u0000").filter((p) => p.length > 0);
  }
  // Synchronous: the list is complete before the first file is scanned, and one readdir call
  // per folder without promise hops is several times cheaper.
  const files: string[] = [];
  const walk = (folder: string, prefix: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.name === ".git") continue;
      const rel = prefix + entry.name;
      if (entry.isDirectory()) walk(join(folder, entry.name), `${rel}/`);
      else if (entry.isFile()) files.push(rel);
    }
  };
  walk(dir, "");
  return files;
}

/** A file's size, without following a link (0 when it is gone or not a file). */
export function fileSize(file: string): number {
  const info = lstatSync(file, { throwIfNoEntry: false });
  return info?.isFile() ? info.size : 0;
}

/**
 * A tree's files: where to read each, and its path as reported (relative to `root`, the
 * project, when `dir` is inside a repository; else relative to `dir`).
 */
export async function treeFiles(
  dir: string,
  root: string,
  gitignore: boolean,
): Promise<{ file: string; path: string }[]> {
  const prefix =
    repoRoot(dir) !== undefined ? relative(root, dir).split(sep).join("/") : "";
  return (await listFiles(dir, { gitignore })).map((file) => ({
    file: join(dir, file),
    path: prefix ? `${prefix}/${file}` : file,
  }));
}
