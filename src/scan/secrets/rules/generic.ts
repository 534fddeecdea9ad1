import type { RuleSpec } from "../rule.js";
import { genericStopwords } from "./generic-stopwords.js";

/**
 * Generic credentials: high-entropy assignments, curl auth.
 * Patterns follow gitleaks' default rules (MIT, gitleaks/gitleaks@b58d3f10 config/gitleaks.toml), in the
 * same RE2 dialect, so user TOML rules and ours share one translator.
 */
export const genericRules: RuleSpec[] = [
  {
    id: "curl-auth-header",
    description:
      "Discovered a potential authorization token provided in a curl command header, which could compromise the curl accessed resource.",
    regex: String.raw`\bcurl\b(?:.*?|.*?(?:[\r\n]{1,2}.*?){1,5})[ \t\n\r](?:-H|--header)(?:=|[ \t]{0,5})(?:"(?i)(?:Authorization:[ \t]{0,5}(?:Basic[ \t]([a-z0-9+/]{8,}={0,3})|(?:Bearer|(?:Api-)?Token)[ \t]([\w=~@.+/-]{8,})|([\w=~@.+/-]{8,}))|(?:(?:X-(?:[a-z]+-)?)?(?:Api-?)?(?:Key|Token)):[ \t]{0,5}([\w=~@.+/-]{8,}))"|'(?i)(?:Authorization:[ \t]{0,5}(?:Basic[ \t]([a-z0-9+/]{8,}={0,3})|(?:Bearer|(?:Api-)?Token)[ \t]([\w=~@.+/-]{8,})|([\w=~@.+/-]{8,}))|(?:(?:X-(?:[a-z]+-)?)?(?:Api-?)?(?:Key|Token)):[ \t]{0,5}([\w=~@.+/-]{8,}))')(?:\B|\s|\z)`,
    entropy: 2.75,
    keywords: ["curl"],
    severity: "high",
  },
  {
    id: "curl-auth-user",
    description:
      "Discovered a potential basic authorization token provided in a curl command, which could compromise the curl accessed resource.",
    regex:
      '\\bcurl\\b(?:.*|.*(?:[\\r\\n]{1,2}.*){1,5})[ \\t\\n\\r](?:-u|--user)(?:=|[ \\t]{0,5})("(:[^"]{3,}|[^:"]{3,}:|[^:"]{3,}:[^"]{3,})"|\'([^:\']{3,}:[^\']{3,})\'|((?:"[^"]{3,}"|\'[^\']{3,}\'|[\\w$@.-]+):(?:"[^"]{3,}"|\'[^\']{3,}\'|[\\w${}@.-]+)))(?:\\s|\\z)',
    entropy: 2,
    keywords: ["curl"],
    severity: "high",
    allowlists: [
      {
        regexes: [
          String.raw`[^:]+:(?:change(?:it|me)|pass(?:word)?|pwd|test|token|\*+|x+)`,
          String.raw`['"]?<[^>]+>['"]?:['"]?<[^>]+>|<[^:]+:[^>]+>['"]?`,
          String.raw`[^:]+:\[[^]]+]`,
          String.raw`['"]?[^:]+['"]?:['"]?\$(?:\d|\w+|\{(?:\d|\w+)})['"]?`,
          String.raw`\$\([^)]+\):\$\([^)]+\)`,
          String.raw`['"]?\$?{{[^}]+}}['"]?:['"]?\$?{{[^}]+}}['"]?`,
        ],
      },
    ],
  },
  {
    id: "generic-api-key",
    description:
      "Detected a Generic API Key, potentially exposing access to various services and sensitive operations.",
    regex: String.raw`(?i)[\w.-]{0,50}?(?:access|auth|(?-i:[Aa]pi|API)|credential|creds|key|passw(?:or)?d|secret|token)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([\w.=-]{10,150}|[a-z0-9][a-z0-9+/]{11,}={0,3})(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3.5,
    keywords: [
      "access",
      "api",
      "auth",
      "key",
      "credential",
      "creds",
      "passwd",
      "password",
      "secret",
      "token",
    ],
    // Most of its keyword hits in code are reads of a key or token, not assignments (ADR 048).
    hitCheck: "assigned-value",
    // A committed password or key blocks by default (ADR 043): gitleaks' allowlists, stopwords
    // and entropy keep the noise down; identifiers (client ids, public keys) stay low.
    severity: "medium",
    allowlists: [
      {
        regexes: [
          String.raw`^[a-zA-Z_.-]+$`,
          // A member of a module compiled by tsc (`visitor_keys_1.visitorKeys`): code, not a key.
          String.raw`^[a-z][a-z0-9_]*_\d+\.[A-Za-z_$][\w$]*$`,
        ],
      },
      {
        description: "Allowlist for Generic API Keys",
        regexTarget: "match",
        regexes: [
          String.raw`(?i)(?:access(?:ibility|or)|access[_.-]?id|random[_.-]?access|api[_.-]?(?:id|name|version)|rapid|capital|[a-z0-9-]*?api[a-z0-9-]*?:jar:|author|X-MS-Exchange-Organization-Auth|Authentication-Results|(?:credentials?[_.-]?id|withCredentials)|(?:bucket|foreign|hot|idx|natural|primary|pub(?:lic)?|schema|sequence)[_.-]?key|(?:turkey)|key[_.-]?(?:alias|board|code|frame|id|length|mesh|name|pair|press(?:ed)?|ring|selector|signature|size|stone|storetype|word|up|down|left|right)|key[_.-]?vault[_.-]?(?:id|name)|keyVaultToStoreSecrets|key(?:store|tab)[_.-]?(?:file|path)|issuerkeyhash|(?-i:[DdMm]onkey|[DM]ONKEY)|keying|(?:secret)[_.-]?(?:hash|length|name|size)|UserSecretsId|(?:csrf)[_.-]?token|(?:io\.jsonwebtoken[ \t]?:[ \t]?[\w-]+)|(?:api|credentials|token)[_.-]?(?:endpoint|ur[il])|public[_.-]?token|(?:key|token)[_.-]?file|(?-i:(?:[A-Z_]+=\n[A-Z_]+=|[a-z_]+=\n[a-z_]+=)(?:\n|\z))|(?-i:(?:[A-Z.]+=\n[A-Z.]+=|[a-z.]+=\n[a-z.]+=)(?:\n|\z)))`,
        ],
        stopwords: genericStopwords,
      },
      {
        regexTarget: "line",
        regexes: [
          String.raw`--mount=type=secret,`,
          // A cache key names a cache entry (`cache key = npm-<hash>`), it opens nothing.
          String.raw`(?i)\bcache[ \t_.-]?key[ \t'"]*[=:]`,
          // A WebSocket handshake nonce, and a public key or its pin in prose.
          String.raw`(?i)\bSec-WebSocket-(?:Key|Accept)[ \t]*:`,
          String.raw`(?i)\bpublic[ \t]+key(?:[ \t]+[\w-]+)?[ \t]*[:=]`,
          String.raw`import[ \t]+{[ \t\w,]+}[ \t]+from[ \t]+['"][^'"]+['"]`,
        ],
      },
      {
        condition: "AND",
        paths: [
          String.raw`\.bb$`,
          String.raw`\.bbappend$`,
          String.raw`\.bbclass$`,
          String.raw`\.inc$`,
        ],
        regexTarget: "line",
        regexes: [
          String.raw`LICENSE[^=]*=\s*"[^"]+`,
          String.raw`LIC_FILES_CHKSUM[^=]*=\s*"[^"]+`,
          String.raw`SRC[^=]*=\s*"[a-zA-Z0-9]+`,
        ],
      },
    ],
  },
];
