/**
 * Translation of Go RE2 rule regexes (the dialect of gitleaks rule files) into JavaScript
 * RegExp source, so gitleaks-format rules run in V8 without a native module.
 *
 * What changes (see docs/adr/040-secret-rule-regexes-in-v8.md):
 * - inline flags `(?i)` (anywhere: they apply to the end of the enclosing group), `(?i:X)`,
 *   `(?-i:X)`, `(?s)`, `(?m)`: case-insensitive spans are case-expanded (`a` → `[aA]`), so flags
 *   can change mid-pattern; a pattern that is case-insensitive throughout gets the `i` flag;
 * - `(?P<name>X)` → `(?<name>X)`; `\z` → `$`, `\A` → `^`; `\Q…\E` quoted literals;
 * - Go's `.` (anything but `\n`) → `[^\n]`, or `[\s\S]` under `s`;
 * - POSIX classes `[[:alnum:]]`… inside brackets;
 * - `^`/`$` under a mid-pattern `m` become lookarounds.
 * What is refused (reported, the rule is skipped): `\p{…}` classes, `\C`, possessive or
 * atomic constructs, back-references and the `U` flag, which RE2 does not define either.
 */

/** A translated pattern: JS source and flags (never `g`; the caller adds what it needs). */
export interface TranslatedRegex {
  source: string;
  flags: string;
}

/** Thrown by {@link translateGoRegex} for syntax JS cannot express; the message names the construct. */
class RegexTranslationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RegexTranslationError";
  }
}

const posixClasses: Record<string, string> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7F",
  blank: "\\t ",
  cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-\\/:-@\\[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

interface Flags {
  i: boolean;
  s: boolean;
  m: boolean;
}

const isLetter = (c: string): boolean => /^[A-Za-z]$/.test(c);
const otherCase = (c: string): string =>
  c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();

/** Escapes a literal character for use outside a class. */
function escapeLiteral(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

function escapeInClass(c: string): string {
  return /[\\\]^-]/.test(c) ? `\\${c}` : c;
}

/**
 * Translates one Go RE2 pattern. Throws {@link RegexTranslationError} for constructs with no
 * JS equivalent; the result compiles with `new RegExp(source, flags)`.
 */
export function translateGoRegex(pattern: string): TranslatedRegex {
  // A pattern that is case-insensitive from its first character to its end, with no way to turn
  // it off, takes the `i` flag: faster in V8 and far shorter than expanding every letter.
  let body = pattern;
  let globalI = false;
  const lead = /^\(\?([ims]+)\)/.exec(pattern);
  if (lead && lead[1]!.includes("i") && !/\(\?[a-z]*-[a-z]*i/.test(pattern)) {
    globalI = true;
  }
  const out = translateBody(body, globalI);
  body = out;
  return { source: body, flags: globalI ? "i" : "" };
}

function translateBody(pattern: string, globalI: boolean): string {
  let pos = 0;
  let out = "";
  // Flag state per open group; the top applies now. `(?i)` mid-group changes the top.
  const stack: Flags[] = [{ i: false, s: false, m: false }];
  const top = (): Flags => stack[stack.length - 1]!;
  // With the global `i` flag, expansion is never needed.
  const expand = (): boolean => top().i && !globalI;

  const peek = (n = 0): string => pattern[pos + n] ?? "";

  while (pos < pattern.length) {
    const c = pattern[pos]!;
    if (c === "\\") {
      out += translateEscape(false);
      continue;
    }
    if (c === "[") {
      out += translateClass();
      continue;
    }
    if (c === "(") {
      pos++;
      if (peek() === "?") {
        pos++;
        if (peek() === "P" && peek(1) === "<") {
          pos += 1;
          const end = pattern.indexOf(">", pos);
          if (end < 0)
            throw new RegexTranslationError("unterminated group name");
          out += `(?${pattern.slice(pos, end + 1)}`;
          pos = end + 1;
          stack.push({ ...top() });
          continue;
        }
        if (peek() === "<" && peek(1) !== "=" && peek(1) !== "!") {
          const end = pattern.indexOf(">", pos);
          if (end < 0)
            throw new RegexTranslationError("unterminated group name");
          out += `(?${pattern.slice(pos, end + 1)}`;
          pos = end + 1;
          stack.push({ ...top() });
          continue;
        }
        if (peek() === ":") {
          pos++;
          out += "(?:";
          stack.push({ ...top() });
          continue;
        }
        if (peek() === "=" || peek() === "!" || peek() === "<") {
          throw new RegexTranslationError(
            "lookaround assertions are not RE2 syntax",
          );
        }
        if (peek() === ">") {
          throw new RegexTranslationError("atomic groups are not supported");
        }
        // Flag group: (?flags) or (?flags:...)
        const m = /^([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])/.exec(
          pattern.slice(pos),
        );
        if (!m) throw new RegexTranslationError(`bad group syntax at ${pos}`);
        const next = { ...top() };
        for (const [set, on] of [
          [m[1] ?? "", true],
          [m[2] ?? "", false],
        ] as const) {
          for (const f of set) {
            if (f === "i" || f === "s" || f === "m") next[f] = on;
            else if (f === "U")
              throw new RegexTranslationError(
                "the ungreedy flag (?U) is not supported",
              );
            else throw new RegexTranslationError(`unknown flag (?${f})`);
          }
        }
        pos += m[0].length;
        if (m[3] === ":") {
          out += "(?:";
          stack.push(next);
        } else {
          // (?flags) applies to the rest of the enclosing group.
          stack[stack.length - 1] = next;
        }
        continue;
      }
      out += "(";
      stack.push({ ...top() });
      continue;
    }
    if (c === ")") {
      if (stack.length > 1) stack.pop();
      out += ")";
      pos++;
      continue;
    }
    if (c === ".") {
      out += top().s ? "[\\s\\S]" : "[^\\n]";
      pos++;
      continue;
    }
    if (c === "^") {
      out += top().m ? "(?<=^|\\n)" : "^";
      pos++;
      continue;
    }
    if (c === "$") {
      out += top().m ? "(?=\\n|$)" : "$";
      pos++;
      continue;
    }
    if (c === "*" || c === "+" || c === "?" || c === "}") {
      out += c;
      pos++;
      // A quantifier followed by `+` is possessive: RE2 rejects it too.
      if (peek() === "+" && c !== "?")
        throw new RegexTranslationError(
          "possessive quantifiers are not supported",
        );
      continue;
    }
    if (c === "{") {
      const m = /^\{(\d*)(,?)(\d*)\}/.exec(pattern.slice(pos));
      if (m) {
        out += m[0];
        pos += m[0].length;
        if (peek() === "+")
          throw new RegexTranslationError(
            "possessive quantifiers are not supported",
          );
      } else {
        // RE2 reads a `{` that starts no repetition as a literal.
        out += "\\{";
        pos++;
      }
      continue;
    }
    if (c === "/") {
      out += "\\/";
      pos++;
      continue;
    }
    out += expand() && isLetter(c) ? `[${c}${otherCase(c)}]` : c;
    pos++;
  }
  return out;

  function translateEscape(inClass: boolean): string {
    const e = pattern[pos + 1];
    if (e === undefined)
      throw new RegexTranslationError("trailing backslash in pattern");
    pos += 2;
    switch (e) {
      case "z":
        if (inClass) throw new RegexTranslationError("\\z inside a class");
        return "$";
      case "A":
        if (inClass) throw new RegexTranslationError("\\A inside a class");
        return "^";
      case "Q": {
        const end = pattern.indexOf("\\E", pos);
        const lit = pattern.slice(pos, end < 0 ? undefined : end);
        pos = end < 0 ? pattern.length : end + 2;
        return [...lit]
          .map((ch) =>
            inClass
              ? escapeInClass(ch)
              : expand() && isLetter(ch)
                ? `[${ch}${otherCase(ch)}]`
                : escapeLiteral(ch),
          )
          .join("");
      }
      case "p":
      case "P":
        throw new RegexTranslationError(
          "Unicode classes (\\p) are not supported",
        );
      case "C":
        throw new RegexTranslationError("\\C is not supported");
      case "x": {
        if (pattern[pos] === "{") {
          const end = pattern.indexOf("}", pos);
          const hex = pattern.slice(pos + 1, end);
          pos = end + 1;
          const code = Number.parseInt(hex, 16);
          if (!(code <= 0xffff))
            throw new RegexTranslationError(
              "\\x{…} beyond U+FFFF is not supported",
            );
          return `\\u${code.toString(16).padStart(4, "0")}`;
        }
        const hex = pattern.slice(pos, pos + 2);
        pos += 2;
        return `\\x${hex}`;
      }
      default:
        if (/[1-9]/.test(e))
          throw new RegexTranslationError("back-references are not RE2 syntax");
        if (isLetter(e) || e === "0") return `\\${e}`;
        // An escaped punctuation character is a literal.
        return inClass ? escapeInClass(e) : escapeLiteral(e);
    }
  }

  function translateClass(): string {
    pos++; // [
    let negate = false;
    if (pattern[pos] === "^") {
      negate = true;
      pos++;
    }
    const items: string[] = [];
    const extra: string[] = [];
    let first = true;
    while (pos < pattern.length && (pattern[pos] !== "]" || first)) {
      first = false;
      if (pattern.startsWith("[:", pos)) {
        const end = pattern.indexOf(":]", pos);
        const name = pattern.slice(pos + 2, end);
        let set = posixClasses[name.replace(/^\^/, "")];
        if (end < 0 || set === undefined)
          throw new RegexTranslationError(`unknown class [:${name}:]`);
        if (name.startsWith("^"))
          throw new RegexTranslationError("negated POSIX classes");
        if (expand() && (name === "lower" || name === "upper")) set = "A-Za-z";
        items.push(set);
        pos = end + 2;
        continue;
      }
      let lo: string;
      let loLiteral: string | undefined;
      if (pattern[pos] === "\\") {
        const esc = translateEscape(true);
        lo = esc;
        // A single escaped punctuation char is a literal that may start a range.
        loLiteral =
          esc.length === 2 && !/[a-zA-Z0-9]/.test(esc[1]!) ? esc[1] : undefined;
        if (esc.length === 1) loLiteral = esc;
      } else {
        lo = escapeInClass(pattern[pos]!);
        loLiteral = pattern[pos]!;
        pos++;
      }
      if (
        pattern[pos] === "-" &&
        pattern[pos + 1] !== undefined &&
        pattern[pos + 1] !== "]"
      ) {
        pos++;
        let hi: string;
        let hiLiteral: string | undefined;
        if (pattern[pos] === "\\") {
          hi = translateEscape(true);
          hiLiteral = hi.length === 2 ? hi[1] : hi;
        } else {
          hi = escapeInClass(pattern[pos]!);
          hiLiteral = pattern[pos]!;
          pos++;
        }
        items.push(`${lo}-${hi}`);
        if (expand() && loLiteral && hiLiteral) {
          // Add the other case of the letters the range covers.
          const a = loLiteral.charCodeAt(0);
          const b = hiLiteral.charCodeAt(0);
          const lowA = Math.max(a, 97);
          const lowB = Math.min(b, 122);
          if (lowA <= lowB)
            extra.push(
              `${String.fromCharCode(lowA - 32)}-${String.fromCharCode(lowB - 32)}`,
            );
          const upA = Math.max(a, 65);
          const upB = Math.min(b, 90);
          if (upA <= upB)
            extra.push(
              `${String.fromCharCode(upA + 32)}-${String.fromCharCode(upB + 32)}`,
            );
        }
        continue;
      }
      items.push(lo);
      if (expand() && loLiteral && isLetter(loLiteral))
        extra.push(otherCase(loLiteral));
    }
    if (pattern[pos] !== "]")
      throw new RegexTranslationError("unterminated character class");
    pos++;
    // Counterparts go first, so a trailing `-` never becomes part of a range.
    return `[${negate ? "^" : ""}${extra.join("")}${items.join("")}]`;
  }
}

/** Translates and compiles; throws RegexTranslationError or the SyntaxError of `new RegExp`. */
export function compileGoRegex(pattern: string, extraFlags = ""): RegExp {
  const { source, flags } = translateGoRegex(pattern);
  try {
    return new RegExp(source, flags + extraFlags);
  } catch (error) {
    throw new RegexTranslationError(
      `does not compile: ${(error as Error).message.replace(/^Invalid regular expression: /, "")}`,
    );
  }
}
