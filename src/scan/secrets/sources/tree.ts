import { readdirSync } from "node:fs";
import { join } from "node:path";
import { git, repoRoot } from "./git.js";

/**
 * The files of a tree, relative to `dir` with `/` separators. Inside a git work tree it asks git
 * (`ls-files -co --exclude-standard`: tracked plus untracked, .gitignore respected); elsewhere,
 * or with `gitignore: false`, it walks the folder (skipping `.git`).
 */
export async function listFiles(
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
