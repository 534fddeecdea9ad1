/**
 * `.sluiceignore`: paths never scanned, in gitignore syntax (`#` comments, `!` re-includes,
 * `/` anchors to the root, a trailing `/` means a folder and everything in it, `*`, `**`, `?`,
 * `[…]`). The last matching line wins, as in git.
 */
export class IgnoreList {
  private readonly patterns: { regex: RegExp; negate: boolean }[] = [];

  constructor(text: string) {
    for (const raw of text.split(/\r?\n/)) {
      let line = raw.replace(/(?<!\\)\s+$/, "");
      if (line === "" || line.startsWith("#")) continue;
      let negate = false;
      if (line.startsWith("!")) {
        negate = true;
        line = line.slice(1);
      }
      this.patterns.push({ regex: toRegex(line), negate });
    }
  }

  get size(): number {
    return this.patterns.length;
  }

  /** Whether a repository-relative path (with `/`) is ignored. */
  ignores(path: string): boolean {
    let ignored = false;
    for (const p of this.patterns) if (p.regex.test(path)) ignored = !p.negate;
    return ignored;
  }
}

function toRegex(pattern: string): RegExp {
  let p = pattern.replace(/^\\([#!])/, "$1");
  const dirOnly = p.endsWith("/");
  if (dirOnly) p = p.slice(0, -1);
  const anchored = p.includes("/");
  if (p.startsWith("/")) p = p.slice(1);
  let out = "";
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === "*") {
      if (p[i + 1] === "*") {
        // `**/` any folders, `/**` everything inside, `**` anything.
        if (p[i + 2] === "/") {
          out += "(?:.*/)?";
          i += 2;
        } else {
          out += ".*";
          i += 1;
        }
      } else out += "[^/]*";
    } else if (c === "?") out += "[^/]";
    else if (c === "[") {
      const end = p.indexOf("]", i + 1);
      if (end < 0) out += "\\[";
      else {
        out += `[${p
          .slice(i + 1, end)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else if (c === "\\" && i + 1 < p.length) {
      out += p[i + 1]!.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
      i++;
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  // A pattern matches the path itself or, as a folder, everything below it.
  return new RegExp(`^${anchored ? "" : "(?:.*/)?"}${out}(?:/.*)?$`);
}
