import { AppError } from "../../kernel/index.js";

/**
 * The syntax of `--deploy-tags`, for messages and `--help`:
 * - a glob over the whole tag name: `*` any run of characters (slashes too), `?` one character,
 *   `[0-9]` a class (`[!…]` negates), `{v,}` alternatives, `\` escapes the next character;
 * - or a regular expression between slashes, `/^v?\d+\.\d+\.\d+$/` (flag `i` allowed), which
 *   matches anywhere in the name unless anchored.
 * The option may be given several times: a tag is a deployment when any pattern matches.
 */
const tagPatternSyntax =
  "a glob over the whole tag name (* ? [0-9] {v,}) such as 'v*' or '{v,}[0-9]*', or a /regex/ such as '/^v?\\d/'; repeat the option for several";

/** A tag-name test compiled from one `--deploy-tags` pattern; a bad pattern is an INVALID_ARGUMENT. */
export function compileTagPattern(pattern: string): (name: string) => boolean {
  const regex = /^\/(.+)\/([i]*)$/s.exec(pattern);
  if (regex) {
    try {
      const re = new RegExp(regex[1]!, regex[2]);
      return (name) => re.test(name);
    } catch {
      throw new AppError(
        "INVALID_ARGUMENT",
        `--deploy-tags ${pattern} is not a valid regular expression`,
      );
    }
  }
  if (pattern === "")
    throw new AppError(
      "INVALID_ARGUMENT",
      `--deploy-tags must be ${tagPatternSyntax}`,
    );
  const re = new RegExp(`^${globSource(pattern)}$`, "s");
  return (name) => re.test(name);
}

/** Any of several patterns (the option repeated). */
export function compileTagPatterns(
  patterns: readonly string[],
): (name: string) => boolean {
  const tests = patterns.map(compileTagPattern);
  return (name) => tests.some((t) => t(name));
}

const special = /[.*+?^${}()|[\]\\/]/g;

/** A glob as the source of an equivalent regular expression. */
function globSource(glob: string): string {
  let out = "";
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "\\" && i + 1 < glob.length) {
      out += glob[++i]!.replace(special, "\\$&");
    } else if (c === "*") {
      out += ".*";
    } else if (c === "?") {
      out += ".";
    } else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end < 0) throw bad(glob, "a [ without its ]");
      let body = glob.slice(i + 1, end);
      if (body.startsWith("!")) body = `^${body.slice(1)}`;
      out += `[${body.replace(/\\/g, "\\\\").replace(/]/g, "\\]")}]`;
      i = end;
    } else if (c === "{") {
      braces++;
      out += "(?:";
    } else if (c === "}" && braces > 0) {
      braces--;
      out += ")";
    } else if (c === "," && braces > 0) {
      out += "|";
    } else {
      out += c.replace(special, "\\$&");
    }
  }
  if (braces > 0) throw bad(glob, "a { without its }");
  return out;
}

const bad = (glob: string, what: string) =>
  new AppError(
    "INVALID_ARGUMENT",
    `--deploy-tags '${glob}' has ${what}; it must be ${tagPatternSyntax}`,
  );

/**
 * A few tag names of different shapes (digit runs folded), the most common shapes first: what a
 * repository's tags look like, for a message.
 */
export function tagExamples(names: readonly string[], count = 3): string[] {
  const byShape = new Map<string, string[]>();
  for (const name of names) {
    const shape = name.replace(/\d+/g, "9");
    const list = byShape.get(shape);
    if (list) list.push(name);
    else byShape.set(shape, [name]);
  }
  return [...byShape.values()]
    .sort((a, b) => b.length - a.length)
    .slice(0, count)
    .map((list) => list[list.length - 1]!);
}

/**
 * A `--deploy-tags` glob for the version-like tags of a repository: the prefixes before the first
 * digit (`''` and `v` give `{v,}[0-9]*`), when there are few and short ones. Returns the pattern
 * and how many names it matches, or undefined when no tag looks like a version.
 */
export function suggestTagPattern(
  names: readonly string[],
): { pattern: string; matches: number } | undefined {
  const prefixes = new Set<string>();
  for (const name of names) {
    const m = /^([A-Za-z._/-]{0,12})\d/.exec(name);
    if (m) prefixes.add(m[1]!);
  }
  if (prefixes.size === 0 || prefixes.size > 4) return undefined;
  const sorted = [...prefixes].sort((a, b) => b.length - a.length);
  const escaped = sorted.map((p) => p.replace(/[*?[\]{}\\,]/g, "\\$&"));
  const pattern =
    escaped.length === 1
      ? `${escaped[0]}[0-9]*`
      : `{${escaped.join(",")}}[0-9]*`;
  const test = compileTagPattern(pattern);
  return { pattern, matches: names.filter(test).length };
}
