import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  openSync,
  readSync,
  readdirSync,
  statSync,
} from "node:fs";
import { join, posix } from "node:path";
import { globToRegExp } from "../kernel/index.js";

/**
 * Files under `root` matching the patterns (`!pattern` excludes), as sorted relative paths.
 * `.git` is never searched, and `node_modules` only when a pattern names it, so a `**` glob stays
 * fast in a Node project.
 */
export function matchFiles(root: string, patterns: string[]): string[] {
  const include = patterns.filter((p) => !p.startsWith("!")).map(normalise);
  const exclude = patterns
    .filter((p) => p.startsWith("!"))
    .map((p) => globToRegExp(normalise(p.slice(1))));
  const found = new Set<string>();
  const walkNodeModules = include.some((p) => p.includes("node_modules"));
  for (const pattern of include) {
    if (!/[*?]/.test(pattern)) {
      const full = join(root, pattern);
      if (existsSync(full) && statSync(full).isFile()) found.add(pattern);
      continue;
    }
    const segments = pattern.split("/");
    const literal: string[] = [];
    for (const s of segments) {
      if (/[*?]/.test(s)) break;
      literal.push(s);
    }
    const re = globToRegExp(pattern);
    walk(
      root,
      literal.join("/"),
      (rel) => {
        if (re.test(rel)) found.add(rel);
      },
      walkNodeModules,
    );
  }
  return [...found].filter((rel) => !exclude.some((re) => re.test(rel))).sort();
}

function normalise(pattern: string): string {
  return posix.normalize(pattern.replace(/^\.\//, ""));
}

function walk(
  root: string,
  rel: string,
  visit: (rel: string) => void,
  nodeModules: boolean,
): void {
  let entries;
  try {
    entries = readdirSync(join(root, rel), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (
        entry.name === ".git" ||
        (entry.name === "node_modules" && !nodeModules)
      )
        continue;
      walk(root, child, visit, nodeModules);
    } else if (entry.isFile()) visit(child);
  }
}

/**
 * `hashFiles(...)`: sha256 over the sorted matching files' relative paths and contents, in hex;
 * the empty string when nothing matches (as in GitHub).
 */
export function hashFiles(root: string, patterns: string[]): string {
  const files = matchFiles(root, patterns);
  if (files.length === 0) return "";
  const hash = createHash("sha256");
  const buffer = Buffer.alloc(64 * 1024);
  for (const rel of files) {
    hash.update(`${rel}\0`);
    const fd = openSync(join(root, rel), "r");
    try {
      for (;;) {
        const n = readSync(fd, buffer, 0, buffer.length, null);
        if (n === 0) break;
        hash.update(buffer.subarray(0, n));
      }
    } finally {
      closeSync(fd);
    }
    hash.update("\0");
  }
  return hash.digest("hex");
}
