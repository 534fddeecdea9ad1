import type { ContextHit, ContextInput } from "./types.js";
import { valueConfidence } from "./values.js";
import { allLines, hitWindows } from "./windows.js";

/**
 * Credential files known by name and format:
 * - `.netrc` / `_netrc`: `machine h login u password p` (the password after `password`);
 * - `.pgpass` / `pgpass.conf`: `host:port:database:user:password` lines (`\:` escapes a colon);
 * - password hashes in htpasswd, shadow and SQL dumps: `user:$apr1$…`, `user:$6$…`,
 *   `user:{SHA}…`, bcrypt `$2y$…`, yescrypt `$y$…` (`high` in a file named like htpasswd,
 *   shadow or passwd, `medium` elsewhere).
 * `.git-credentials`, `.npmrc` (`_auth`, `_authToken`, `_password`) and docker `config.json` /
 * `.dockercfg` (`"auth": "…"`) are read by the URL and assignment detectors.
 */
export const credentialFilePath = String.raw`(?:^|/)(?:[._]netrc|\.pgpass|pgpass\.conf)$`;

export function detectCredentialFiles(input: ContextInput): ContextHit[] {
  const { text, name } = input;
  const out: ContextHit[] = [];
  const netrc = name.endsWith("netrc");
  for (const [from, to] of allLines(text)) {
    const line = text.slice(from, to);
    if (/^\s*(?:#|$)/.test(line)) continue;
    if (netrc) {
      const re = /(?:^|\s)password\s+(\S+)/g;
      let m: RegExpExecArray | null;
      while ((m = re.exec(line)) !== null) {
        const c = valueConfidence(m[1]!, { quoted: true, code: false });
        if (!c) continue;
        const at = from + m.index + m[0].length - m[1]!.length;
        out.push({
          start: at,
          end: at + m[1]!.length,
          confidence: c === "low" ? "medium" : c,
          key: "netrc password",
        });
      }
      continue;
    }
    // .pgpass: the fifth field, after four unescaped colons.
    const fields = /^((?:[^:\\]|\\.)*:){4}/.exec(line);
    if (!fields) continue;
    const value = line.slice(fields[0].length);
    const c = valueConfidence(value.replace(/\\(.)/g, "$1"), {
      quoted: true,
      code: false,
    });
    if (!c) continue;
    out.push({
      start: from + fields[0].length,
      end: to,
      confidence: c === "low" ? "medium" : c,
      key: "pgpass password",
    });
  }
  return out;
}

const hash =
  /(?:^|[\s'",])([\w.@-]{1,64}):(\$(?:apr1|1|5|6|2[abxy]?|y|gy|7|sha1|md5|argon2(?:id|i|d))\$[^\s:'",]{8,300}|\{S?SHA(?:256|512)?\}[A-Za-z0-9+/=]{20,200})/g;

export const hashKeywords = [
  "$apr1$",
  "$1$",
  "$5$",
  "$6$",
  "$2a$",
  "$2b$",
  "$2y$",
  "$y$",
  "$argon2",
  "{sha}",
  "{ssha}",
  "{sha256}",
  "{ssha512}",
  "{sha512}",
];

const hashFile =
  /(?:^|\/)(?:\.?htpasswd[^/]*|shadow[^/]*|passwd[^/]*|[^/]*\.htpasswd)$/i;

export function detectPasswordHashes(input: ContextInput): ContextHit[] {
  const { text } = input;
  const out: ContextHit[] = [];
  const strong = hashFile.test(input.path);
  for (const [from, to] of hitWindows(text, input.hits, 120, 400)) {
    const win = text.slice(from, to);
    hash.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = hash.exec(win)) !== null) {
      const at = from + m.index + m[0].length - m[2]!.length;
      out.push({
        start: at,
        end: at + m[2]!.length,
        confidence: strong ? "high" : "medium",
        key: `${m[1]!} password hash`,
      });
    }
  }
  return out;
}
