import { AppError } from "../../kernel/index.js";

/** The shortest value sluice agrees to mask; shorter ones would blank out ordinary text. */
const minSecretLength = 4;

/** What replaces a secret in every log and terminal line. */
export const maskText = "***";

/**
 * Finds credentials that nobody declared in a text (the secret scanner's provider rules); the
 * values it returns are masked like declared ones. A port: the pipeline does not know the rules.
 */
export interface CredentialFinder {
  /** Each credential once: its value, or the value with the rule that found it and a keyed hash. */
  find(text: string): readonly (string | FoundCredential)[];
}

/** A credential a finder recognised: `hash` is a keyed hash (ADR 044), never the value. */
interface FoundCredential {
  value: string;
  ruleId: string;
  hash?: string | undefined;
}

/** Where an undeclared credential was masked in a text: never its value. */
export interface CredentialSpan {
  start: number;
  end: number;
  ruleId: string;
  hash?: string | undefined;
}

/** An undeclared credential a stream masked: `at` is its offset in the text `push` returned. */
export interface MaskedCredential {
  at: number;
  ruleId: string;
  hash?: string | undefined;
}

export interface MaskerOptions {
  credentials?: CredentialFinder | undefined;
}

/**
 * The longest unfinished line a stream holds back while it looks for credentials: a line is
 * scanned whole, so a credential split between two chunks is still found. Past this, the line is
 * let through in pieces (a progress bar without newlines, binary output).
 */
export const maxHeldLine = 64 * 1024;

/**
 * The registered secret values and every form a step can print them in. Forms follow the GitHub
 * runner's SecretMasker: raw, base64 at the three byte alignments, JSON-escaped, URL-encoded,
 * XML-escaped, command-line-escaped, and each line of a multi-line value.
 */
export class Masker {
  private readonly patterns = new Set<string>();
  /** The forms by their first `minSecretLength` characters: one pass finds every form. */
  private readonly byPrefix = new Map<string, string[]>();
  /** The Wu-Manber shift table of the forms; rebuilt after `add`. */
  private shifts: { window: number; table: Uint8Array } | undefined;
  private longest = 0;

  /**
   * With `credentials`, values that nobody declared are masked too when the finder recognises
   * them (the secret scanner's provider rules, wired in by the composition root).
   */
  constructor(private readonly options: MaskerOptions = {}) {}

  /** Whether undeclared credentials are looked for: a stream then masks whole lines at a time. */
  get findsCredentials(): boolean {
    return this.options.credentials !== undefined;
  }

  /** Registers a secret value. Throws on an empty or too-short value (the message never shows it). */
  add(secret: string): void {
    if (secret.length < minSecretLength) {
      throw new AppError(
        "INVALID_ARGUMENT",
        `a secret to mask must have at least ${minSecretLength} characters (got ${secret.length})`,
      );
    }
    const values = [secret];
    const lines = secret.split(/\r?\n/);
    if (lines.length > 1) {
      for (const line of lines)
        if (line.trim().length >= minSecretLength) values.push(line);
    }
    for (const value of values) {
      for (const form of encodedForms(value)) {
        if (form.length < minSecretLength || this.patterns.has(form)) continue;
        this.patterns.add(form);
        const prefix = form.slice(0, minSecretLength);
        const list = this.byPrefix.get(prefix);
        if (list) list.push(form);
        else this.byPrefix.set(prefix, [form]);
        this.shifts = undefined;
        this.longest = Math.max(this.longest, form.length);
      }
    }
  }

  /** Length of the longest form: a stream keeps this many characters minus one as its tail. */
  get maxLength(): number {
    return this.longest;
  }

  get size(): number {
    return this.patterns.size;
  }

  /**
   * Spans [start, end) of every registered form and found credential in the text, merged. With
   * `undeclared`, each occurrence of a found credential that is not a registered form is added
   * to it (the rule, the keyed hash and where; not the value).
   */
  spans(text: string, undeclared?: CredentialSpan[]): [number, number][] {
    const found: [number, number][] = [];
    const add = (pattern: string) => {
      let at = text.indexOf(pattern);
      while (at !== -1) {
        found.push([at, at + pattern.length]);
        at = text.indexOf(pattern, at + 1);
      }
    };
    this.findForms(text, found);
    for (const credential of this.options.credentials?.find(text) ?? []) {
      const value =
        typeof credential === "string" ? credential : credential.value;
      const before = found.length;
      add(value);
      if (
        undeclared &&
        typeof credential !== "string" &&
        !this.patterns.has(value)
      ) {
        for (const [start, end] of found.slice(before))
          undeclared.push({
            start,
            end,
            ruleId: credential.ruleId,
            hash: credential.hash,
          });
      }
    }
    if (found.length <= 1) return found;
    found.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    const merged: [number, number][] = [];
    for (const span of found) {
      const last = merged[merged.length - 1];
      if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
      else merged.push([span[0], span[1]]);
    }
    return merged;
  }

  /**
   * Every occurrence of every registered form, overlapping ones included, in one pass over the
   * text (Wu-Manber): a window as long as the shortest form moves on by how far its last three
   * characters are from the end of any form's start; where they end one, the forms starting
   * with the window's first characters are compared.
   */
  private findForms(text: string, found: [number, number][]): void {
    if (this.patterns.size === 0) return;
    const { window, table } = (this.shifts ??= shiftTable(this.patterns));
    for (let end = window - 1; end < text.length;) {
      const shift = table[blockHash(text, end)]!;
      if (shift > 0) {
        end += shift;
        continue;
      }
      const start = end - window + 1;
      const forms = this.byPrefix.get(
        text.slice(start, start + minSecretLength),
      );
      if (forms)
        for (const form of forms)
          if (text.startsWith(form, start))
            found.push([start, start + form.length]);
      end++;
    }
  }

  /** Masks a whole text at once. */
  mask(text: string): string {
    return replaceSpans(text, this.spans(text));
  }
}

function replaceSpans(text: string, spans: [number, number][]): string {
  if (spans.length === 0) return text;
  let out = "";
  let from = 0;
  for (const [start, end] of spans) {
    out += text.slice(from, start) + maskText;
    from = end;
  }
  return out + text.slice(from);
}

/**
 * Where each credential span lands in the masked text: the start of the merged span holding it,
 * shifted by what the masks before it removed or added.
 */
function placed(
  undeclared: CredentialSpan[],
  merged: [number, number][],
): MaskedCredential[] {
  if (undeclared.length === 0) return [];
  const out: MaskedCredential[] = [];
  for (const u of undeclared) {
    let shift = 0;
    let at = u.start;
    for (const [start, end] of merged) {
      if (end <= u.start) {
        shift += maskText.length - (end - start);
        continue;
      }
      if (start <= u.start) at = start;
      break;
    }
    out.push({ at: at + shift, ruleId: u.ruleId, hash: u.hash });
  }
  return out.sort((a, b) => a.at - b.at);
}

/** Characters of a Wu-Manber block (at most `minSecretLength`). */
const block = 3;

/** A 16-bit hash of the `block` characters of a text ending at `end`. */
function blockHash(text: string, end: number): number {
  const h =
    (text.charCodeAt(end - 2) * 961 +
      text.charCodeAt(end - 1) * 31 +
      text.charCodeAt(end)) |
    0;
  return (h ^ (h >>> 16)) & 0xffff;
}

/**
 * For each block hash, how far a window (as long as the shortest form) can move on: the least
 * distance from that block to the end of any form's first `window` characters (0: one may end
 * here), else `window - block + 1`, at most 255.
 */
function shiftTable(forms: Iterable<string>): {
  window: number;
  table: Uint8Array;
} {
  let window = Infinity;
  for (const form of forms) window = Math.min(window, form.length);
  const table = new Uint8Array(1 << 16).fill(Math.min(255, window - block + 1));
  for (const form of forms) {
    for (let end = block - 1; end < window; end++) {
      const hash = blockHash(form, end);
      table[hash] = Math.min(table[hash]!, window - 1 - end);
    }
  }
  return { window, table };
}

/** Every printable form of one value. */
function encodedForms(value: string): string[] {
  const forms = new Set<string>([value]);
  const bytes = Buffer.from(value, "utf8");
  for (const shift of [0, 1, 2]) forms.add(base64Core(bytes, shift));
  forms.add(JSON.stringify(value).slice(1, -1));
  forms.add(encodeURIComponent(value));
  forms.add(
    value
      .replaceAll("&", "&amp;")
      .replaceAll("<", "&lt;")
      .replaceAll(">", "&gt;")
      .replaceAll('"', "&quot;")
      .replaceAll("'", "&apos;"),
  );
  forms.add(value.replaceAll('"', '\\"'));
  return [...forms].filter((f) => f.length > 0);
}

/**
 * The base64 characters that depend only on the value when it starts `shift` bytes into a 3-byte
 * group, so the value is found inside a longer base64 text (e.g. base64("user:" + secret)).
 */
export function base64Core(bytes: Buffer, shift: number): string {
  const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString(
    "base64",
  );
  // Leading characters mixing the placeholder bytes: none, 2 or 3.
  const head = [0, 2, 3][shift] ?? 0;
  // Trailing characters mixing padding or the unknown next byte.
  const rest = (shift + bytes.length) % 3;
  const tail = rest === 0 ? 0 : rest === 1 ? 3 : 2;
  return encoded.slice(head, encoded.length - tail);
}

/**
 * A streaming masker: text goes in chunk by chunk, masked text comes out, and a value split
 * across two chunks is still caught because the last `maxLength - 1` characters wait for the
 * next chunk (or `flush`).
 */
export class MaskingStream {
  private pending = "";
  /** Undeclared credentials masked in the text the last `push` or `flush` returned. */
  private masked: MaskedCredential[] = [];
  /** Whether `pending` starts at the beginning of a line (for `::add-mask::` commands). */
  private atLineStart = true;

  /**
   * With `commands`, a line `::add-mask::VALUE` registers VALUE with the masker (as in GitHub
   * Actions) and is itself shown as `::add-mask::***`.
   */
  constructor(
    private readonly masker: Masker,
    private readonly commands = false,
  ) {}

  /** Masks what is safe to emit now. */
  push(text: string): string {
    let all = this.pending + text;
    let hold = all.length;
    if (this.commands) {
      all = this.applyCommands(all);
      // An unfinished command line waits for its newline (up to a bound), so its value never leaks.
      const lineStart = all.lastIndexOf("\n") + 1;
      if (
        (lineStart > 0 || this.atLineStart) &&
        "::add-mask::".startsWith(all.slice(lineStart, lineStart + 12)) &&
        all.length - lineStart < 65536
      ) {
        hold = lineStart;
      }
    }
    if (this.masker.findsCredentials) {
      // Credentials are found by rules over whole lines: an unfinished line waits for its end.
      const lineEnd =
        Math.max(all.lastIndexOf("\n"), all.lastIndexOf("\r")) + 1;
      hold = Math.min(hold, Math.max(lineEnd, all.length - maxHeldLine));
    }
    const keep = Math.max(0, this.masker.maxLength - 1);
    let cut = Math.min(hold, Math.max(0, all.length - keep));
    const undeclared: CredentialSpan[] = [];
    const spans = this.masker.spans(all, undeclared);
    // A match starting before the cut is complete (it is at most maxLength long): emit it whole.
    const kept: [number, number][] = [];
    for (const span of spans) {
      if (span[0] < cut) {
        kept.push(span);
        cut = Math.max(cut, span[1]);
      }
    }
    this.masked = placed(
      undeclared.filter((u) => u.start < cut),
      kept,
    );
    // Never split a surrogate pair between two emitted pieces.
    const code = all.charCodeAt(cut - 1);
    if (cut > 0 && cut < all.length && code >= 0xd800 && code <= 0xdbff) cut--;
    this.pending = all.slice(cut);
    const out = replaceSpans(all.slice(0, cut), kept);
    if (out.length > 0) this.atLineStart = out.endsWith("\n");
    return out;
  }

  /** Masks and returns everything still held back. */
  flush(): string {
    const all = this.commands
      ? this.applyCommands(this.pending, true)
      : this.pending;
    const undeclared: CredentialSpan[] = [];
    const spans = this.masker.spans(all, undeclared);
    const rest = replaceSpans(all, spans);
    this.masked = placed(undeclared, spans);
    this.pending = "";
    if (rest.length > 0) this.atLineStart = rest.endsWith("\n");
    return rest;
  }

  /**
   * The undeclared credentials masked in the text the last `push` or `flush` returned, each with
   * its offset in that text (a credential held back is reported with the text that shows it).
   */
  get maskedCredentials(): readonly MaskedCredential[] {
    return this.masked;
  }

  private applyCommands(text: string, atEnd = false): string {
    const lead = this.atLineStart ? "\n" : "x";
    const pattern = atEnd
      ? /\n::add-mask::([^\n]*)(?=\n|$)/g
      : /\n::add-mask::([^\n]*)(?=\n)/g;
    return (lead + text)
      .replace(pattern, (_line, raw: string) => {
        const value = raw.replace(/\r$/, "").trim();
        if (value.length >= minSecretLength) this.masker.add(value);
        return `\n::add-mask::${maskText}`;
      })
      .slice(1);
  }
}
