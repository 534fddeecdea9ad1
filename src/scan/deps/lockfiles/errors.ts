import { AppError, messageOf } from "../../../kernel/index.js";
import { jsonErrorOffset } from "./json-error.js";

/** A malformed lockfile: CONFIG_INVALID naming the file and the line. */
export function lockfileError(
  path: string,
  line: number,
  message: string,
  cause?: unknown,
): AppError {
  return new AppError("CONFIG_INVALID", `${path}:${line}: ${message}`, {
    location: { file: path, line, column: 1 },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Line (1-based) of a character offset. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** JSON.parse with an error that names the file and line. */
export function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = messageOf(error);
    const line = lineAt(text, jsonErrorOffset(text));
    // The engine's message may quote the file's text: keep only its first clause.
    const reason = message.split(",")[0]!.split(" in JSON")[0]!;
    throw lockfileError(path, line, `invalid JSON: ${reason}`, error);
  }
}

/** Finds the lines of JSON object keys in document order (`"key": {`), advancing a cursor. */
export class KeyLines {
  private cursor = 0;
  private readonly lineStarts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++)
      if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  /** The line of the next `"key": {` (an object-valued key) after the previous hit. */
  next(key: string): number | undefined {
    const needle = JSON.stringify(key);
    let at = this.text.indexOf(needle, this.cursor);
    while (at >= 0) {
      let i = at + needle.length;
      while (i < this.text.length && /\s/.test(this.text[i]!)) i++;
      if (this.text[i] === ":") {
        i++;
        while (i < this.text.length && /\s/.test(this.text[i]!)) i++;
        if (this.text[i] === "{") {
          this.cursor = i;
          return this.lineOf(at);
        }
      }
      at = this.text.indexOf(needle, at + needle.length);
    }
    return undefined;
  }

  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
}

/** A 40-hex commit at the end of a git URL (`#sha`) or a codeload tarball path. */
export function commitOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const m =
    /(?:#|commit[=:]|\/)([0-9a-f]{40})(?:$|[^0-9a-f])/.exec(url) ??
    /#([0-9a-f]{7,40})$/.exec(url);
  return m?.[1];
}

/** True for an object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
