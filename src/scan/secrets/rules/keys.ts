import type { RuleSpec } from "../rule.js";

/**
 * Private keys, keystores, JWTs, secret manifests.
 * Patterns follow gitleaks' default rules (MIT, gitleaks/gitleaks@b58d3f10 config/gitleaks.toml), in the
 * same RE2 dialect, so user TOML rules and ours share one translator.
 */
export const keysRules: RuleSpec[] = [
  {
    id: "1password-secret-key",
    description:
      "Uncovered a possible 1Password secret key, potentially compromising access to secrets in vaults.",
    regex: String.raw`\bA3-[A-Z0-9]{6}-(?:(?:[A-Z0-9]{11})|(?:[A-Z0-9]{6}-[A-Z0-9]{5}))-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}\b`,
    entropy: 3.8,
    keywords: ["a3-"],
    severity: "critical",
  },
  {
    id: "1password-service-account-token",
    description:
      "Uncovered a possible 1Password service account token, potentially compromising access to secrets in vaults.",
    regex: String.raw`ops_eyJ[a-zA-Z0-9+/]{250,}={0,3}`,
    entropy: 4,
    keywords: ["ops_"],
    severity: "critical",
  },
  {
    id: "age-secret-key",
    description:
      "Discovered a potential Age encryption tool secret key, risking data decryption and unauthorized access to sensitive information.",
    regex: String.raw`AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}`,
    keywords: ["age-secret-key-1"],
    severity: "critical",
  },
  {
    id: "jwt",
    description:
      "Uncovered a JSON Web Token, which may lead to unauthorized access to web applications and sensitive user data.",
    regex: String.raw`\b(ey[a-zA-Z0-9]{17,}\.ey[a-zA-Z0-9\/\\_-]{17,}\.(?:[a-zA-Z0-9\/\\_-]{10,}={0,2})?)(?:[\x60'"\s;]|\\[nr]|$)`,
    entropy: 3,
    keywords: ["ey"],
    severity: "medium",
  },
  {
    id: "jwt-base64",
    description:
      "Detected a Base64-encoded JSON Web Token, posing a risk of exposing encoded authentication and data exchange information.",
    regex: String.raw`\bZXlK(?:(?P<alg>aGJHY2lPaU)|(?P<apu>aGNIVWlPaU)|(?P<apv>aGNIWWlPaU)|(?P<aud>aGRXUWlPaU)|(?P<b64>aU5qUWlP)|(?P<crit>amNtbDBJanBi)|(?P<cty>amRIa2lPaU)|(?P<epk>bGNHc2lPbn)|(?P<enc>bGJtTWlPaU)|(?P<jku>cWEzVWlPaU)|(?P<jwk>cWQyc2lPb)|(?P<iss>cGMzTWlPaU)|(?P<iv>cGRpSTZJ)|(?P<kid>cmFXUWlP)|(?P<key_ops>clpYbGZiM0J6SWpwY)|(?P<kty>cmRIa2lPaUp)|(?P<nonce>dWIyNWpaU0k2)|(?P<p2c>d01tTWlP)|(?P<p2s>d01uTWlPaU)|(?P<ppt>d2NIUWlPaU)|(?P<sub>emRXSWlPaU)|(?P<svt>emRuUWlP)|(?P<tag>MFlXY2lPaU)|(?P<typ>MGVYQWlPaUp)|(?P<url>MWNtd2l)|(?P<use>MWMyVWlPaUp)|(?P<ver>MlpYSWlPaU)|(?P<version>MlpYSnphVzl1SWpv)|(?P<x>NElqb2)|(?P<x5c>NE5XTWlP)|(?P<x5t>NE5YUWlPaU)|(?P<x5ts256>NE5YUWpVekkxTmlJNkl)|(?P<x5u>NE5YVWlPaU)|(?P<zip>NmFYQWlPaU))[a-zA-Z0-9\/\\_+\-\r\n]{40,}={0,2}`,
    entropy: 2,
    keywords: ["zxlk"],
    severity: "medium",
  },
  {
    id: "kubernetes-secret-yaml",
    description:
      "Possible Kubernetes Secret detected, posing a risk of leaking credentials/tokens from your deployments",
    regex: String.raw`(?i)(?:\bkind:[ \t]*["']?\bsecret\b["']?(?s:.){0,200}?\bdata:(?s:.){0,100}?\s+([\w.-]+:(?:[ \t]*(?:\||>[-+]?)\s+)?[ \t]*(?:["']?[a-z0-9+/]{10,}={0,3}["']?|\{\{[ \t\w"|$:=,.-]+}}|""|''))|\bdata:(?s:.){0,100}?\s+([\w.-]+:(?:[ \t]*(?:\||>[-+]?)\s+)?[ \t]*(?:["']?[a-z0-9+/]{10,}={0,3}["']?|\{\{[ \t\w"|$:=,.-]+}}|""|''))(?s:.){0,200}?\bkind:[ \t]*["']?\bsecret\b["']?)`,
    path: String.raw`(?i)\.ya?ml$`,
    keywords: ["secret"],
    severity: "critical",
    window: 8192,
    allowlists: [
      {
        regexes: [
          String.raw`[\w.-]+:(?:[ \t]*(?:\||>[-+]?)\s+)?[ \t]*(?:\{\{[ \t\w"|$:=,.-]+}}|""|'')`,
        ],
      },
      {
        regexTarget: "match",
        regexes: [
          String.raw`(kind:(?s:.)+\n---\n(?s:.)+\bdata:|data:(?s:.)+\n---\n(?s:.)+\bkind:)`,
        ],
      },
    ],
  },
  {
    id: "pkcs12-file",
    description:
      "Found a PKCS #12 file that opens with a well-known password (a Google Cloud service account key's `notasecret`, or none): its private key is readable by anyone.",
    path: String.raw`(?i)(?:^|\/)[^\/]+\.p(?:12|fx)$`,
    severity: "critical",
    // gitleaks flags every .p12/.pfx by name; like secretlint, sluice reads the keystore and
    // reports it when its MAC verifies with a known password (by name alone when the content is
    // not available, e.g. a binary file in a diff).
    check: "pkcs12-known-password",
  },
  {
    id: "java-keystore",
    description:
      "Found a Java keystore (JKS or JCEKS) that holds a private or secret key, or opens with a well-known password (changeit, changeme, android…)",
    path: String.raw`(?i)(?:^|\/)[^\/]+\.(?:jks|jceks|keystore)$`,
    severity: "high",
    // Read by its magic and entries (jks.ts); a truststore of certificates under an unknown
    // password is not reported. By name alone when the content is not available.
    check: "java-keystore",
  },
  {
    id: "private-key",
    description:
      "Identified a Private Key, which may compromise cryptographic security and sensitive data encryption.",
    regex: String.raw`(?i)-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----[\s\S-]{64,}?KEY(?: BLOCK)?-----`,
    keywords: ["-----begin"],
    severity: "critical",
    window: 16384,
  },
  // Password hashes in SQL dumps (`mysqldump mysql.user`, `pg_dumpall --roles-only`): a hash
  // cracks offline, so a dump with them leaks the passwords. Quoted or tab-separated values only.
  {
    id: "sql-dump-mysql-password-hash",
    description:
      "MySQL native password hash (`*` and 40 hex digits) in a SQL dump or statement",
    regex: String.raw`['"\t](\*[0-9A-F]{40})['"\t\n]`,
    keywords: ["'*", '"*', "\t*"],
    severity: "medium",
  },
  {
    id: "sql-dump-postgres-password-hash",
    description:
      "PostgreSQL password hash (md5…, SCRAM-SHA-256$…) in a SQL dump, a role statement or pg_authid",
    regex: String.raw`['"\t](md5[0-9a-f]{32}|SCRAM-SHA-256\$\d{1,7}:[A-Za-z0-9+/=]{8,64}\$[A-Za-z0-9+/=]{20,64}:[A-Za-z0-9+/=]{20,64})['"\t\n]`,
    keywords: ["'md5", '"md5', "\tmd5", "scram-sha-256$"],
    severity: "medium",
  },
];
