import type { ContextHit, ContextInput } from "./types.js";
import { valueConfidence } from "./values.js";
import { hitWindows } from "./windows.js";

/**
 * Secrets on command lines and in SQL (flags such as `--password value` are read by the
 * assignment detector): `mysql -pVALUE`, `sshpass -p VALUE`,
 * `redis-cli -a VALUE`, `ConvertTo-SecureString [-String] 'VALUE' -AsPlainText`, and SQL
 * `IDENTIFIED BY 'VALUE'`, `WITH PASSWORD 'VALUE'`, `LOGIN PASSWORD VALUE`.
 */

const value = String.raw`(?:\\?"((?:[^"\\\n]|\\[^"\n]){1,300})\\?"|'([^'\n]{1,300})'|([^\s"'\x60;|&)]{1,300}))`;

/** Tools whose `-p` (or `-a`) flag takes a password, attached or after a space. */
const shortPassword = new RegExp(
  String.raw`\b(?:mysql\w*|mariadb\w*|sshpass|smbclient|mongo\w*|rabbitmqctl|ldap\w+)\b[^\n]{0,200}?[ \t]-p[ \t]?(?!-)${value}` +
    String.raw`|\bredis-cli\b[^\n]{0,200}?[ \t]-a[ \t]+${value}`,
  "g",
);

const tools =
  /mysql|mariadb|sshpass|smbclient|mongo|rabbitmqctl|ldap|redis-cli/i;

const secureString = new RegExp(
  String.raw`ConvertTo-SecureString(?:[ \t]+-(?:String|AsPlainText|Force))*[ \t]+${value}`,
  "gi",
);

const sql = new RegExp(
  String.raw`\b(?:(?:USER|ROLE|LOGIN)\b[^\n]{0,120}?\b(?:IDENTIFIED[ \t]+(?:WITH[ \t]+'?\w+'?[ \t]+)?(?:BY|AS)|(?:WITH|LOGIN|ENCRYPTED|UNENCRYPTED|ROLE[ \t]+\S+|USER[ \t]+\S+)[ \t]+PASSWORD(?:[ \t]*=)?)|(?:ALTER|CREATE)[ \t]+(?:USER|ROLE)[ \t]+\S+[ \t]+PASSWORD)[ \t]+${value}`,
  "gi",
);

export const commandKeywords = [
  " -p",
  "sshpass",
  "redis-cli",
  "convertto-securestring",
  "identified",
  "password",
];

export function detectCommandLines(input: ContextInput): ContextHit[] {
  const { text } = input;
  const out: ContextHit[] = [];
  const seen = new Set<number>();
  const push = (
    m: RegExpExecArray,
    from: number,
    key: string,
    check: (v: string, quoted: boolean) => ContextHit["confidence"] | undefined,
  ): void => {
    const quoted = m[m.length - 3] ?? m[m.length - 2];
    const v = quoted ?? m[m.length - 1];
    if (v === undefined) return;
    const val = quoted !== undefined ? v : v.replace(/[;.]+$/, "");
    const confidence = check(val, quoted !== undefined);
    const at = from + m.index + m[0].lastIndexOf(v);
    if (!confidence || seen.has(at)) return;
    seen.add(at);
    out.push({ start: at, end: at + val.length, confidence, key });
  };
  for (const [from, to] of hitWindows(text, input.hits, 200, 300)) {
    const win = text.slice(from, to);
    let m: RegExpExecArray | null;
    for (const re of [shortPassword, secureString, sql]) {
      if (
        !(
          re === shortPassword
            ? tools
            : re === secureString
              ? /convertto-securestring/i
              : /identified|password/i
        ).test(win)
      )
        continue;
      re.lastIndex = 0;
      while ((m = re.exec(win)) !== null) {
        // shortPassword has two branches of three value groups: keep the one that matched.
        if (re === shortPassword) m.splice((m[1] ?? m[2] ?? m[3]) ? 4 : 1, 3);
        const key =
          re === sql
            ? "SQL password"
            : re === secureString
              ? "ConvertTo-SecureString"
              : "-p";
        push(m, from, key, (v, q) =>
          valueConfidence(v, { quoted: q, code: false }),
        );
      }
    }
  }
  return out;
}
