/**
 * The trailers of a commit message, read as git reads them (`git interpret-trailers --parse`,
 * `%(trailers:unfold)`), so `sluice run`, the GitHub webhook and `import-git` attribute a commit
 * alike (issue 11):
 * - the block is the message's last paragraph, never its first (the title);
 * - a trailer line is `Key: value`, the key letters, digits and `-`, with optional blanks before
 *   the colon (`Key : value`);
 * - a line starting with a blank continues the trailer above (folded: joined with one space);
 * - lines starting with `#` are comments and are skipped;
 * - the paragraph is a trailer block when every line is a trailer or a continuation, or when one
 *   line is git's own (`Signed-off-by: `, `(cherry picked from commit `) and trailers make at
 *   least a quarter of its lines.
 */
export function parseTrailers(message: string): [string, string][] {
  const block = trailerBlock(message);
  if (!block) return [];
  const out: [string, string][] = [];
  let current: [string, string] | undefined;
  for (const line of block.lines) {
    if (line.startsWith("#")) continue;
    if (/^[ \t]/.test(line)) {
      // A continuation of a trailer; after a non-trailer line it belongs to that line.
      if (current && line.trim()) current[1] = `${current[1]} ${line.trim()}`;
      continue;
    }
    const colon = separatorAt(line);
    if (colon < 0) {
      current = undefined;
      continue;
    }
    current = [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
    out.push(current);
  }
  return out;
}

/** The message without its trailer block: the subject and body as people wrote them. */
export function withoutTrailers(message: string): string {
  const text = message.trim();
  const block = trailerBlock(text);
  return block ? text.slice(0, block.start).trimEnd() : text;
}

const gitGenerated = ["Signed-off-by: ", "(cherry picked from commit "];

/** The last paragraph of `message` and where it starts, when git would read it as trailers. */
function trailerBlock(
  message: string,
): { start: number; lines: string[] } | undefined {
  const lines = message.replace(/\s+$/, "").split("\n");
  // The first paragraph is the title: it ends at the first blank line.
  const title = lines.findIndex((line) => line.trim() === "");
  if (title < 0) return undefined;
  let first = lines.length;
  let trailers = 0;
  let others = 0;
  let continuations = 0;
  let recognised = false;
  for (let i = lines.length - 1; i > title; i--) {
    const line = lines[i]!;
    if (line.startsWith("#")) {
      first = i;
      continue;
    }
    if (line.trim() === "") break;
    first = i;
    if (/^[ \t]/.test(line)) {
      continuations++;
      continue;
    }
    if (gitGenerated.some((prefix) => line.startsWith(prefix))) {
      trailers++;
      recognised = true;
    } else if (separatorAt(line) >= 1) {
      trailers++;
    } else {
      others += 1 + continuations;
    }
    continuations = 0;
  }
  if (trailers === 0) return undefined;
  if (others > 0 && !(recognised && trailers * 3 >= others)) return undefined;
  const start = lines.slice(0, first).reduce((n, l) => n + l.length + 1, 0);
  return { start, lines: lines.slice(first) };
}

/** Where a trailer line's colon is: after a key of letters, digits and `-`, and blanks only. */
function separatorAt(line: string): number {
  const m = /^[A-Za-z0-9-]+[ \t]*:/.exec(line);
  return m ? m[0].length - 1 : -1;
}
