import { shannonEntropy } from "../rule.js";
import type { ContextHit, ContextInput } from "./types.js";

/**
 * Private key blocks in every form they are committed in: plain PEM (`RSA`, `EC`, `DSA`,
 * `OPENSSH`, `ENCRYPTED`, PKCS#8, `PGP PRIVATE KEY BLOCK`), with each line behind a log or
 * comment prefix (`2026-04-26 12:36:01 `, `#6 0.245 `, ` * `, `// `), split into string
 * literals (`"…\n" +`), or with `\n` escapes on one line; and PuTTY `.ppk` private lines. The
 * finding spans the block from its BEGIN line to its END line; its secret is the key material.
 * A body of fewer than 64 base64 characters or of low entropy (a sample `123456…`) is no key.
 */
const begin = /-----BEGIN[ A-Z0-9_-]{0,60}PRIVATE KEY(?: BLOCK)?-----/g;
const end = /-----END[ A-Z0-9_-]{0,60}PRIVATE KEY(?: BLOCK)?-----/g;
const run = /[A-Za-z0-9+/=]{16,}/g;

export const pemKeywords = ["-----begin"];

function material(body: string): string {
  // Each line contributes its longest base64 run (prefixes such as timestamps are shorter).
  let out = "";
  for (const line of body.split(/\n|\\n/)) {
    if (
      /^\s*(?:[\w-]+:\s|Proc-Type|DEK-Info|Version|Comment)/.test(
        line.replace(/^[^A-Za-z]*/, ""),
      ) &&
      !/[A-Za-z0-9+/]{40}/.test(line)
    )
      continue;
    let best = "";
    run.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = run.exec(line)) !== null)
      if (m[0].length > best.length) best = m[0];
    out += best;
  }
  return out;
}

export function detectPemBlocks(input: ContextInput): ContextHit[] {
  const { text } = input;
  const out: ContextHit[] = [];
  let floor = 0;
  for (const hit of [...input.hits].sort((a, b) => a - b)) {
    if (hit < floor) continue;
    begin.lastIndex = hit;
    const b = begin.exec(text);
    if (!b || b.index !== hit) continue;
    end.lastIndex = b.index + b[0].length;
    const e = end.exec(text);
    if (!e || e.index - b.index > 65536) continue;
    const body = text.slice(b.index + b[0].length, e.index);
    const key = material(body);
    floor = e.index + e[0].length;
    if (key.length < 64 || shannonEntropy(key) < 4.5) continue;
    out.push({
      start: b.index,
      end: b.index + b[0].length,
      endOffset: floor,
      confidence: "high",
      key: b[0].replace(/-/g, "").trim(),
      secret: key,
    });
  }
  return out;
}

const putty =
  /^PuTTY-User-Key-File-\d+:[^\n]*\n(?:[^\n]*\n){0,400}?Private-Lines:\s*(\d+)\r?\n/gm;

export const puttyKeywords = ["putty-user-key-file"];

export function detectPuttyKeys(input: ContextInput): ContextHit[] {
  const { text } = input;
  const out: ContextHit[] = [];
  putty.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = putty.exec(text)) !== null) {
    const start = m.index + m[0].length;
    let stop = start;
    for (let i = 0; i < Number(m[1]) && stop < text.length; i++) {
      const nl = text.indexOf("\n", stop);
      stop = nl < 0 ? text.length : nl + 1;
    }
    const key = text.slice(start, stop).replace(/\s+/g, "");
    if (key.length < 16) continue;
    out.push({
      start,
      end: start + Math.min(key.length, text.indexOf("\n", start) - start),
      endOffset: stop > start ? stop - 1 : stop,
      confidence: "high",
      key: "PuTTY Private-Lines",
      secret: key,
    });
  }
  return out;
}
