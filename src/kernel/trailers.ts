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
  if (!message.includes(":")) return [];
  const block = trailerBlock(message, titleEnd(message));
  return block ? pairsOf(message, block) : [];
}

/**
 * The trailers of a commit's body: the message less its first paragraph (`git log`'s `%b`), so
 * its first paragraph may be the trailer block. `import-git` reads commits this way.
 */
export function parseBodyTrailers(body: string): [string, string][] {
  // Most commits have no trailer; a trailer needs a colon.
  if (!body.includes(":")) return [];
  const block = trailerBlock(body, 0);
  return block ? pairsOf(body, block) : [];
}

/** The message without its trailer block: the subject and body as people wrote them. */
export function withoutTrailers(message: string): string {
  const text = message.trim();
  const block = trailerBlock(text, titleEnd(text));
  return block ? text.slice(0, block.start).trimEnd() : text;
}

const gitGenerated = ["Signed-off-by: ", "(cherry picked from commit "];

/** `text[start, end)`: the trailer block's lines, without the message's trailing blanks. */
interface Block {
  start: number;
  end: number;
}

/** Where the title (the first paragraph) ends: at its first blank line; -1 without one. */
function titleEnd(text: string): number {
  for (let at = 0; at < text.length;) {
    let next = text.indexOf("\n", at);
    if (next < 0) next = text.length;
    if (isBlank(text, at, next)) return at;
    at = next + 1;
  }
  return -1;
}

/** The last paragraph of `text` after `from` and where it starts, when git reads it as trailers. */
function trailerBlock(text: string, from: number): Block | undefined {
  if (from < 0) return undefined;
  let end = text.length;
  while (end > from && isSpace(text.charCodeAt(end - 1))) end--;
  let first = end;
  let trailers = 0;
  let others = 0;
  let continuations = 0;
  let recognised = false;
  // Lines from the last up, to the blank line that opens the paragraph.
  for (let lineEnd = end; lineEnd > from;) {
    const lineStart = Math.max(text.lastIndexOf("\n", lineEnd - 1) + 1, from);
    const c = text.charCodeAt(lineStart);
    if (c === 35 /* # */) {
      first = lineStart;
    } else if (isBlank(text, lineStart, lineEnd)) {
      break;
    } else {
      first = lineStart;
      if (c === 32 || c === 9) continuations++;
      else {
        if (gitGenerated.some((p) => text.startsWith(p, lineStart))) {
          trailers++;
          recognised = true;
        } else if (separatorAt(text, lineStart, lineEnd) > lineStart) {
          trailers++;
        } else others += 1 + continuations;
        continuations = 0;
      }
    }
    lineEnd = lineStart - 1;
  }
  if (trailers === 0) return undefined;
  if (others > 0 && !(recognised && trailers * 3 >= others)) return undefined;
  return { start: first, end };
}

function pairsOf(text: string, block: Block): [string, string][] {
  const out: [string, string][] = [];
  let current: [string, string] | undefined;
  for (let at = block.start; at < block.end;) {
    let next = text.indexOf("\n", at);
    if (next < 0 || next > block.end) next = block.end;
    const c = text.charCodeAt(at);
    if (c === 32 || c === 9) {
      // A continuation of a trailer; after a non-trailer line it belongs to that line.
      const more = text.slice(at, next).trim();
      if (current && more) current[1] = `${current[1]} ${more}`;
    } else if (c !== 35 /* # */) {
      const colon = separatorAt(text, at, next);
      current =
        colon > at
          ? [text.slice(at, colon).trim(), text.slice(colon + 1, next).trim()]
          : undefined;
      if (current) out.push(current);
    }
    at = next + 1;
  }
  return out;
}

/**
 * Where a trailer line's colon is: after a key of letters, digits and `-`, then blanks only
 * (git's `find_separator`); -1 when the line is not a trailer.
 */
function separatorAt(text: string, start: number, end: number): number {
  let i = start;
  while (i < end && isKeyChar(text.charCodeAt(i))) i++;
  if (i === start) return -1;
  while (i < end && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9))
    i++;
  return i < end && text.charCodeAt(i) === 58 /* : */ ? i : -1;
}

function isKeyChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) ||
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    c === 45
  );
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++)
    if (!isSpace(text.charCodeAt(i))) return false;
  return true;
}
