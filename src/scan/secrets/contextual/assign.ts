import { byteArrayAfter } from "./bytes.js";
import type { KeyFamily } from "./keys.js";
import { keyFamily } from "./keys.js";
import { codeSyntaxes } from "./syntax.js";
import type { Confidence, ContextHit, ContextInput } from "./types.js";
import { isTypeName, valueConfidence } from "./values.js";

/**
 * `name <op> value` in the syntaxes config files and code use: `KEY=value` (.env, shell, ini,
 * properties), `key: value` (YAML, docs), `"key": "value"` (JSON), `key = "value"` (TOML, Python,
 * Go `:=`, PHP `=>`), typed `val pw: String = "…"`, comparisons `password == "…"`, calls
 * `connect(password="…")`, `define('DB_PASSWORD', '…')`, `CURLOPT_PASSWORD, "…"`,
 * `setPassword("…")`, XML elements `<password>…</password>` and attributes `password="…"`,
 * .NET `<add key="Password" value="…"/>`, and command-line flags `--password value`.
 *
 * Work is per keyword hit: the name around the hit is read first, and only a name that holds a
 * secret (keys.ts) is looked at further, with sticky regexes at its end. The value's confidence
 * comes from values.ts.
 */

const quotedValue = String.raw`\\?"((?:[^"\\\n]|\\[^"\n]){0,500})\\?"|'((?:[^'\\\n]|\\.){0,500})'|\x60([^\x60\n]{0,500})\x60`;
const bareValue = String.raw`([^\s,;'"\x60<>(){}\[\]&|]{1,500})`;

/** After a name: `=`, `:`, `:=`, `=>`, `==`, `: Type =`, then the value. */
const assignment = new RegExp(
  // A name's closing quote, also escaped (JSON inside a string: `{\"password\":\"…\"}`).
  String.raw`(?:\\?["'])?(?:\[\d*\])?[ \t]{0,4}(?:\][ \t]{0,4})?` +
    String.raw`(:=|=>|===?|!==?|=(?!=)|:(?:[ \t]*[A-Za-z_][\w.[\]<>|?]{0,40}[ \t]*=(?!=))?|->)[ \t]{0,8}` +
    // `@"…"` (C#), `b"…"`, `u"…"`, `r"…"`, `rb"…"` (Python): the literal after its prefix.
    String.raw`(?:(?:Bearer|Basic|NTLM|Negotiate|Token)[ \t]+)?(?:@|[bBrRuU]{1,2}(?=["']))?(?:${quotedValue}|${bareValue})`,
  "y",
);

/** After `#define password`, `%define PASSWORD`, `SET password`: whitespace and the value. */
const defined = new RegExp(
  String.raw`[ \t]+(?:${quotedValue}|${bareValue})`,
  "y",
);

/** After a name: `', 'value'` (define(), put(), setopt()). */
const pair = new RegExp(String.raw`["']?[ \t]*,[ \t]*(?:${quotedValue})`, "y");

/** After `setPassword`: `("value")`. */
const setter = new RegExp(String.raw`\([ \t]*(?:${quotedValue})[ \t]*\)`, "y");

/**
 * Before a name at `ks`: a quoted value compared with it, `"value" == password` (the value
 * first); its start, or -1. Walked back by hand: a regex anchored at the end would retry at
 * every position before it.
 */
function comparedBefore(
  text: string,
  ks: number,
): [number, number] | undefined {
  let q = ks;
  while (q > 0 && (text[q - 1] === " " || text[q - 1] === "\t")) q--;
  let ops = 0;
  while (q > 0 && ops < 3 && (text[q - 1] === "=" || text[q - 1] === "!")) {
    q--;
    ops++;
  }
  if (ops < 2) return undefined;
  while (q > 0 && (text[q - 1] === " " || text[q - 1] === "\t")) q--;
  const quote = text[q - 1];
  if (quote !== '"' && quote !== "'") return undefined;
  const end = q - 1;
  const start = text.lastIndexOf(quote, end - 1);
  if (start < 0 || end - start > 500) return undefined;
  const nl = text.indexOf("\n", start);
  if (nl >= 0 && nl < end) return undefined;
  return [start + 1, end];
}

/**
 * After a name: an environment lookup with a literal fallback, `= getenv("X", "value")`,
 * `:= os.environ.get("X") or "value"`, `= process.env.X || "value"`: the fallback is the secret.
 */
const envDefault = new RegExp(
  String.raw`[ \t]*(?::=|=)[ \t]*(?:(?:os|System|Deno\.env|ENV)\.)?(?:(?:getenv|environ\.get|env\.get|fetch|get)\([^,()\n]{1,80}(?:,[ \t]*b?|\)[ \t]*(?:or|\|\||\?\?)[ \t]*)|(?:process\.)?env\.\w{1,80}[ \t]*(?:\|\||\?\?)[ \t]*)(?:${quotedValue})`,
  "y",
);

/** After a flag `--password`: whitespace, then a value that is not another flag. */
const flagValue = new RegExp(
  String.raw`[ \t]+(?!-)(?:${quotedValue}|${bareValue})`,
  "y",
);

/** After `<password`: attributes, `>`, the text, `</`. */
const element = /(?:\s[^<>]{0,200})?>([^<>\n]{1,500})<\//y;

/** After `key="DbPassword`: `" value="…"`. */
const addValue = /"\s+value\s*=\s*"([^"\n]{0,500})"/y;

const isNameChar = (c: number): boolean =>
  (c >= 48 && c <= 57) ||
  (c >= 65 && c <= 90) ||
  (c >= 97 && c <= 122) ||
  c === 95 ||
  c === 46 ||
  c === 45;

/** Letters and digits (and `+/=_-.~`), mixed, not a UUID: what a token or key looks like. */
const tokenShaped = (value: string): boolean =>
  /^[A-Za-z0-9+/=_\-.~]{8,}$/.test(value) &&
  /\d/.test(value) &&
  /[A-Za-z]/.test(value) &&
  !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(
    value,
  ) &&
  // SCREAMING_SNAKE and kebab-case names are identifiers.
  !/^(?:[A-Z0-9]+(?:[_-][A-Z0-9]+)+|[a-z0-9]+(?:[_-][a-z0-9]+)+)$/.test(value);

/** The confidence of a value under a name family: key names are weaker than passwords. */
function judge(
  family: KeyFamily,
  value: string,
  quoted: boolean,
  code: boolean,
): Confidence | undefined {
  const c = valueConfidence(value, { quoted, code });
  if (!c) return undefined;
  // A salt or nonce is no secret on its own.
  if (family === "salt") return "low";
  if (family === "key" || family === "token") {
    if (value.length < 8) return undefined;
    // Key and token names label many things (`key: "TIME_24_SIMPLE"`, `lastToken = "?Paren"`):
    // only a value shaped like a credential counts.
    if (!tokenShaped(value)) return "low";
    if (family === "key") return c === "high" ? "medium" : "low";
  }
  return c;
}

function quotedOf(m: RegExpExecArray, first: number): string | undefined {
  for (let g = first; g < first + 3; g++) if (m[g] !== undefined) return m[g];
  return undefined;
}

/**
 * keyFamily, memoised: the same names recur across a scan's files. A name is a slice of its
 * file's text, and V8 keeps a slice of 13 characters or more as a view of its whole parent
 * string: the memo keeps a copy, or it would hold every file a new name was read from (tens of
 * MB that each young-generation GC copied).
 */
const families = new Map<string, KeyFamily | null>();
function familyOf(key: string): KeyFamily | undefined {
  let f = families.get(key);
  if (f === undefined) {
    f = keyFamily(key) ?? null;
    if (families.size > 50_000) families.clear();
    // `(" " + key).slice(1)`: the concatenation is flattened into a new string of the name's
    // length, and the slice refers to that one (a Buffer round trip cost 5 times more).
    families.set(key.length < 13 ? key : ` ${key}`.slice(1), f);
  }
  return f ?? undefined;
}

/** One file's work: where values were found, and the names already looked at. */
interface Found {
  text: string;
  /** The file is code: an unquoted value is an expression. */
  code: boolean;
  out: ContextHit[];
  seen: Set<number>;
}

const trailingDots = /[.:]+$/;
const comparison = /^(?:===?|!==?)$/;
const notAlnum = /[^a-z0-9]/g;
const bare = (s: string): string => s.toLowerCase().replace(notAlnum, "");

/** Keeps a value found under `key` when it may be a secret; true when kept. */
function add(
  found: Found,
  key: string,
  family: KeyFamily,
  value: string,
  start: number,
  quoted: boolean,
  op?: string,
): boolean {
  const code = found.code;
  // In code an unquoted value is an expression (a variable, a call, a number).
  if (!quoted && code) return false;
  if (!quoted) value = value.replace(trailingDots, "");
  if (op && comparison.test(op) && !quoted) return false;
  if (op?.startsWith(":") && !quoted && code && isTypeName(value)) return false;
  if (bare(value) === bare(key) || value.startsWith("-")) return false;
  const confidence = judge(family, value, quoted, code);
  if (!confidence || found.seen.has(start)) return false;
  found.seen.add(start);
  found.out.push({ start, end: start + value.length, confidence, key });
  return true;
}

function sticky(re: RegExp, text: string, at: number): RegExpExecArray | null {
  re.lastIndex = at;
  return re.exec(text);
}

const setOrWith = /(?:^|\.)(?:set|with)/i;
const definedBefore = /(?:define|global|set|SET)[ \t]+$/;
const constantName = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;
const setterBefore =
  /\b(?:define|put|set|setProperty|setenv|putenv|setItem|add|Add|Put|Set)\(\s*["']?$/;
const definitionBefore = /(?:#define|%define|%global|\bset|\bSET)[ \t]+$/;
const addKeyBefore = /key\s*=\s*"$/i;

/**
 * Per keyword hit: the name around it, then (only for a name that holds a secret and is followed
 * by something that can start a value) its value. The per-hit loop stays small and cheap: most
 * hits end at the first checks, and the value's regexes run in `valueAfter`, compiled apart.
 */
export function detectAssignments(input: ContextInput): ContextHit[] {
  const { text } = input;
  const found: Found = {
    text,
    code: codeSyntaxes.has(input.syntax),
    out: [],
    seen: new Set<number>(),
  };
  const names = new Set<number>();
  const length = text.length;
  for (const hit of input.hits) {
    // The name around the hit: letters, digits, `_`, `.`, `-`.
    let ks = hit;
    while (ks > 0 && hit - ks < 80 && isNameChar(text.charCodeAt(ks - 1))) ks--;
    let ke = hit;
    while (ke < length && ke - hit < 80 && isNameChar(text.charCodeAt(ke)))
      ke++;
    while (ks < ke && text.charCodeAt(ks) === 45) ks++; // leading dashes: a flag
    if (ke - ks < 2 || names.has(ks)) continue;
    names.add(ks);
    valueAfter(found, ks, ke);
  }
  return found.out;
}

/** The value assigned to the name at `ks`..`ke` (its trailing `.`/`-` dropped), if any. */
function valueAfter(found: Found, ks: number, nameEnd: number): void {
  const text = found.text;
  const key = text.slice(ks, nameEnd).replace(/[.-]+$/, "");
  const ke = ks + key.length;
  const before = ks > 0 ? text.charCodeAt(ks - 1) : NaN;
  // Cheap test first: what follows the name must be able to start a value.
  let next = ke;
  while (next < text.length && next - ke < 6) {
    const c = text.charCodeAt(next);
    if (c !== 32 && c !== 9 && c !== 34 && c !== 39 && c !== 93 && c !== 92)
      break;
    next++;
  }
  const follow = text[next];
  // `"value" == password`: the value comes first.
  if (before === 32 || before === 61 || before === 9) {
    const family = familyOf(key);
    const c = family ? comparedBefore(text, ks) : undefined;
    if (
      family &&
      c &&
      add(found, key, family, text.slice(c[0], c[1]), c[0], true)
    )
      return;
  }
  if (!(
    follow === "=" ||
    follow === "[" ||
    follow === ":" ||
    follow === "," ||
    follow === "!" ||
    follow === "-" ||
    (follow === "(" && setOrWith.test(key)) ||
    (before === 60 && follow === ">") ||
    (before === 60 && text[ke] === " ") ||
    (before === 45 && next > ke) ||
    (before === 34 && follow === "v") ||
    (next > ke && definedBefore.test(text.slice(Math.max(0, ks - 12), ks)))
  ))
    return;
  const family = familyOf(key);
  if (!family) return;
  // A key in code as a byte array (`#define AESKEY {0x35, …}`): no quoted value to judge.
  const bytes = found.code ? byteArrayAfter(text, ke) : undefined;
  if (bytes) {
    if (family !== "salt" && !found.seen.has(bytes.start)) {
      found.seen.add(bytes.start);
      found.out.push({
        ...bytes,
        confidence: "medium",
        key: `${key} (byte array)`,
      });
    }
    return;
  }
  let m = sticky(assignment, text, ke);
  if (m) {
    const quoted = quotedOf(m, 2);
    const value = quoted ?? m[5] ?? "";
    const at =
      m.index +
      m[0].length -
      value.length -
      (quoted !== undefined ? (m[0].endsWith('\\"') ? 2 : 1) : 0);
    if (add(found, key, family, value, at, quoted !== undefined, m[1])) return;
  }
  if ((m = sticky(envDefault, text, ke))) {
    const value = quotedOf(m, 1) ?? "";
    if (add(found, key, family, value, m.index + m[0].lastIndexOf(value), true))
      return;
  }
  // `define('DB_PASSWORD', …)`, `setopt(c, CURLOPT_PASSWORD, …)`: a constant's name, or the
  // first argument of a setter; not any word followed by a comma (`argon2('password', salt)`).
  if (
    (constantName.test(key) ||
      setterBefore.test(text.slice(Math.max(0, ks - 20), ks))) &&
    (m = sticky(pair, text, ke))
  ) {
    const value = quotedOf(m, 1) ?? "";
    if (add(found, key, family, value, m.index + m[0].lastIndexOf(value), true))
      return;
  }
  if (setOrWith.test(key) && (m = sticky(setter, text, ke))) {
    const value = quotedOf(m, 1) ?? "";
    if (add(found, key, family, value, m.index + m[0].lastIndexOf(value), true))
      return;
  }
  if (before === 45 && family !== "key" && (m = sticky(flagValue, text, ke))) {
    const quoted = quotedOf(m, 1);
    const value = quoted ?? m[4] ?? "";
    if (
      add(
        found,
        `--${key}`,
        family,
        value,
        m.index + m[0].lastIndexOf(value),
        quoted !== undefined,
      )
    )
      return;
  }
  if (
    definitionBefore.test(text.slice(Math.max(0, ks - 12), ks)) &&
    (m = sticky(defined, text, ke))
  ) {
    const quoted = quotedOf(m, 1);
    const value = quoted ?? m[4] ?? "";
    const at = m.index + m[0].lastIndexOf(value);
    if (add(found, key, family, value, at, quoted !== undefined)) return;
  }
  if (before === 60 && (m = sticky(element, text, ke))) {
    const raw = m[1]!;
    const value = raw.trim();
    if (text.startsWith(`</${key}>`, m.index + m[0].length - 2)) {
      add(
        found,
        key,
        family,
        value,
        m.index + m[0].length - 2 - raw.length + raw.indexOf(value),
        true,
      );
      return;
    }
  }
  if (
    before === 34 &&
    addKeyBefore.test(text.slice(Math.max(0, ks - 12), ks)) &&
    (m = sticky(addValue, text, ke))
  )
    add(
      found,
      key,
      family,
      m[1]!,
      m.index + m[0].length - 1 - m[1]!.length,
      true,
    );
}
