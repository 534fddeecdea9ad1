import { detectAssignments } from "./assign.js";
import { nameKeywords } from "./keys.js";
import { detectJsonWebKeys, jwkKeywords } from "./jwk.js";
import { detectPemBlocks, pemKeywords } from "./pem.js";
import type { ContextHit, ContextInput } from "./types.js";
import { confidenceRank } from "./types.js";
import { detectUrlCredentials } from "./url.js";

/**
 * Secrets behind an encoding: base64 (standard and URL-safe), hex and percent-encoding, decoded
 * to `maxDepth` levels (gitleaks' `--max-decode-depth`; default 2). Only runs that hold one of
 * the prefilter strings in encoded form are decoded (`-----BEGIN`, `password`, `secret`, a JSON
 * Web Key's `"kty":` in each of base64's three alignments, their hex, and percent-encoded `=` and `:`), and the
 * decoded text is searched by the PEM, URL, assignment and JSON Web Key detectors. A finding covers the
 * encoded run (a percent-encoded value is placed exactly); its key says what was decoded.
 * Decoding always shrinks the text, so nesting ends; the depth bounds the work.
 */

// Few targets keep the keyword automaton small (its table is walked once per byte of every file).
// A JSON Web Key's `"kty":` member, in its two usual spacings.
const targets = ["-----BEGIN", "password", "secret", '"kty":"', '"kty": "'];

/** The part of base64(prefix + word) that depends on the word only, for each alignment. */
function base64Cores(word: string): string[] {
  const out: string[] = [];
  for (let pad = 0; pad < 3; pad++) {
    const encoded = Buffer.from("\0".repeat(pad) + word, "latin1").toString(
      "base64",
    );
    const skip = pad === 0 ? 0 : pad === 1 ? 2 : 3;
    const stop = Math.floor((pad + word.length) / 3) * 4;
    out.push(encoded.slice(skip, stop).toLowerCase());
  }
  return out.filter((k) => k.length >= 6);
}

export const decodeKeywords = [
  ...new Set([
    ...targets.flatMap(base64Cores),
    ...["-----BEGIN", "password", "secret"].map((w) =>
      Buffer.from(w).toString("hex"),
    ),
    "%3d",
    "%3a",
  ]),
];

const isBase64 = (c: number): boolean =>
  (c >= 48 && c <= 57) ||
  (c >= 65 && c <= 90) ||
  (c >= 97 && c <= 122) ||
  c === 43 ||
  c === 47 ||
  c === 45 ||
  c === 95 ||
  c === 61;

function printable(s: string): boolean {
  let bad = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c === 127) bad++;
  }
  return bad <= s.length * 0.05;
}

/** Which of the prefilter words occur in a decoded text, as hits for the inner detectors. */
function hitsOf(text: string, keywords: readonly string[]): number[] {
  const lower = text.toLowerCase();
  const hits: number[] = [];
  for (const k of keywords)
    for (let at = lower.indexOf(k); at >= 0; at = lower.indexOf(k, at + 1))
      hits.push(at);
  return hits;
}

/** The best finding in a decoded text, searched by the inner detectors and nested decoding. */
function inner(
  input: ContextInput,
  text: string,
  depth: number,
  maxDepth: number,
): ContextHit | undefined {
  const sub = { ...input, text, syntax: "text" as const };
  const found: ContextHit[] = [
    ...detectPemBlocks({ ...sub, hits: hitsOf(text, pemKeywords) }),
    ...detectUrlCredentials({ ...sub, hits: hitsOf(text, ["://"]) }),
    ...detectAssignments({ ...sub, hits: hitsOf(text, nameKeywords) }),
    ...detectJsonWebKeys({ ...sub, hits: hitsOf(text, jwkKeywords) }),
  ];
  // A key cut off inside a longer encoded value still shows its BEGIN line and body.
  if (
    found.length === 0 &&
    /-----BEGIN[ A-Z0-9_-]{0,60}PRIVATE KEY-----\s*[A-Za-z0-9+/]{16}/.test(text)
  )
    found.push({
      start: 0,
      end: text.length,
      confidence: "high",
      key: "PRIVATE KEY",
    });
  if (depth < maxDepth)
    found.push(
      ...decodeRuns(
        { ...sub, hits: hitsOf(text, decodeKeywords) },
        depth + 1,
        maxDepth,
      ),
    );
  let best: ContextHit | undefined;
  for (const h of found)
    if (!best || confidenceRank(h.confidence) > confidenceRank(best.confidence))
      best = h;
  return best;
}

function decodeRuns(
  input: ContextInput,
  depth: number,
  maxDepth: number,
): ContextHit[] {
  const { text } = input;
  const out: ContextHit[] = [];
  let floor = 0;
  const placed = new Set<number>();
  for (const hit of [...input.hits].sort((a, b) => a - b)) {
    if (hit < floor) continue;
    if (text.startsWith("%3", hit)) {
      const h = percent(input, hit);
      if (h && !placed.has(h.start)) {
        placed.add(h.start);
        out.push(h);
        floor = h.end;
      }
      continue;
    }
    let s = hit;
    let e = hit;
    while (s > 0 && isBase64(text.charCodeAt(s - 1)) && hit - s < 100_000) s--;
    while (e < text.length && isBase64(text.charCodeAt(e)) && e - hit < 100_000)
      e++;
    floor = e;
    const run = text.slice(s, e);
    if (run.length < 16) continue;
    const hex = /^[0-9a-fA-F]+$/.test(run) && run.length % 2 === 0;
    const decoded = Buffer.from(run, hex ? "hex" : "base64").toString("latin1");
    if (!printable(decoded)) continue;
    const found = inner(input, decoded, depth, maxDepth);
    if (!found) continue;
    out.push({
      start: s,
      end: e,
      confidence: found.confidence,
      key: `${hex ? "hex" : "base64"} → ${found.key ?? "secret"}`,
      secret: found.secret ?? decoded.slice(found.start, found.end),
    });
  }
  return out;
}

/** A percent-encoded window around a `%3D`/`%3A` hit, decoded with a map back to the source. */
function percent(input: ContextInput, hit: number): ContextHit | undefined {
  const { text } = input;
  let s = hit;
  let e = hit;
  while (s > 0 && hit - s < 300 && !/[\s"'<>]/.test(text[s - 1]!)) s--;
  while (e < text.length && e - hit < 600 && !/[\s"'<>]/.test(text[e]!)) e++;
  const map: number[] = [];
  let decoded = "";
  for (let i = s; i < e; i++) {
    const m = /^%([0-9a-fA-F]{2})/.exec(text.slice(i, i + 3));
    map.push(i);
    if (m) {
      decoded += String.fromCharCode(parseInt(m[1]!, 16));
      i += 2;
    } else decoded += text[i];
  }
  map.push(e);
  const sub = { ...input, text: decoded, syntax: "text" as const };
  const found = detectAssignments({
    ...sub,
    hits: hitsOf(decoded, nameKeywords),
  });
  if (found.length === 0) return undefined;
  const best = found.reduce((a, b) =>
    confidenceRank(b.confidence) > confidenceRank(a.confidence) ? b : a,
  );
  return {
    start: map[best.start]!,
    end: map[best.end] ?? e,
    confidence: best.confidence,
    key: `percent-encoded → ${best.key ?? "secret"}`,
  };
}

export function detectEncoded(
  maxDepth: number,
): (input: ContextInput) => ContextHit[] {
  return (input) => decodeRuns(input, 1, maxDepth);
}
