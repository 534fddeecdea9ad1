import { readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
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
  const files: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name === ".git") continue;
      const full = join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile())
        files.push(relative(dir, full).split(sep).join("/"));
    }
  };
  await walk(dir);
  return files;
}
