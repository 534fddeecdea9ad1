import type { ContextHit, ContextInput } from "./types.js";
import { valueConfidence } from "./values.js";
import { hitWindows } from "./windows.js";

/**
 * Credentials in a URL of any scheme: `scheme://user:password@host` (smtps, ldap, amqp, custom
 * `dbconnection://`…). The password must pass the value filter; a URL password is at least
 * `medium`, since the syntax itself says it is one.
 */
const urlCredentials =
  /\b([A-Za-z][A-Za-z0-9+.-]{1,30}):\/\/([^\s:/?#"'<>\\]{1,100}):([^\s@/?"'<>\\]{1,200})@([A-Za-z0-9[][^\s/?#@"'<>\\]{0,200})/g;

export function detectUrlCredentials(input: ContextInput): ContextHit[] {
  const { text } = input;
  const out: ContextHit[] = [];
  // Only hits with an `@` soon after them can be `scheme://user:pass@host`.
  const hits = input.hits.filter((hit) => {
    const stop = Math.min(text.length, hit + 320);
    for (let i = hit; i < stop; i++) {
      const c = text.charCodeAt(i);
      if (c === 64) return true;
      if (c === 32 || c === 10 || c === 9 || c === 13) return false;
    }
    return false;
  });
  for (const [from, to] of hitWindows(text, hits, 40, 600)) {
    const win = text.slice(from, to);
    urlCredentials.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = urlCredentials.exec(win)) !== null) {
      const user = m[2]!;
      const password = m[3]!;
      let decoded = password;
      try {
        decoded = decodeURIComponent(password);
      } catch {
        // not percent-encoded
      }
      if (decoded === user || /^[$%{<[]/.test(user)) continue;
      const c = valueConfidence(decoded, { quoted: true, code: false });
      if (!c) continue;
      const at = from + m.index + m[1]!.length + 3 + user.length + 1;
      out.push({
        start: at,
        end: at + password.length,
        confidence: c === "low" ? "medium" : c,
        key: `${m[1]!.toLowerCase()}:// URL`,
      });
    }
  }
  return out;
}
