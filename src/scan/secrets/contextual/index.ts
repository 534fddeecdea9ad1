import type { RuleSpec } from "../rule.js";
import { detectAssignments } from "./assign.js";
import { commandKeywords, detectCommandLines } from "./cmdline.js";
import { decodeKeywords, detectEncoded } from "./decode.js";
import {
  credentialFilePath,
  detectCredentialFiles,
  detectPasswordHashes,
  hashKeywords,
} from "./files.js";
import { detectJsonWebKeys, jwkKeywords } from "./jwk.js";
import { nameKeywords } from "./keys.js";
import {
  detectOtpauthUris,
  detectOtpSeedFiles,
  otpauthKeywords,
  otpSeedFilePath,
} from "./otp.js";
import {
  detectPemBlocks,
  detectPuttyKeys,
  pemKeywords,
  puttyKeywords,
} from "./pem.js";
import type { ContextualDetector } from "./types.js";
import { detectUrlCredentials } from "./url.js";

export type { Confidence, ContextualDetector, Syntax } from "./types.js";
export { confidenceRank } from "./types.js";
export { syntaxOf } from "./syntax.js";
export { hitChecks } from "./prefilter.js";
export type { HitCheck } from "./prefilter.js";

/** The contextual detectors by name; a rule spec names one (`contextual`), so rules stay data. */
export type ContextualName =
  | "assignment"
  | "command-line"
  | "url-credentials"
  | "private-key-block"
  | "putty-key"
  | "password-hash"
  | "credential-file"
  | "json-web-key"
  | "otp-seed-file"
  | "otpauth-uri"
  | "encoded";

/** The detector a rule names; `encoded` decodes to the rule's `maxDecodeDepth` (default 2). */
export function contextualDetector(
  name: ContextualName,
  maxDecodeDepth = 2,
): ContextualDetector {
  switch (name) {
    case "assignment":
      return detectAssignments;
    case "command-line":
      return detectCommandLines;
    case "url-credentials":
      return detectUrlCredentials;
    case "private-key-block":
      return detectPemBlocks;
    case "putty-key":
      return detectPuttyKeys;
    case "password-hash":
      return detectPasswordHashes;
    case "credential-file":
      return detectCredentialFiles;
    case "json-web-key":
      return detectJsonWebKeys;
    case "otp-seed-file":
      return detectOtpSeedFiles;
    case "otpauth-uri":
      return detectOtpauthUris;
    case "encoded":
      return detectEncoded(maxDecodeDepth);
  }
}

/**
 * The contextual rules: each runs only where its keywords occur (the same Aho–Corasick pass as
 * the provider rules), or on files its `path` names. Their findings carry a confidence and the
 * name and syntax that made them fire.
 */
export const contextualRules: RuleSpec[] = [
  {
    id: "password-assignment",
    description:
      "A password, secret, token or key assigned to a literal value in config or code, or passed as a command-line flag",
    contextual: "assignment",
    keywords: nameKeywords,
    severity: "medium",
  },
  {
    id: "command-line-secret",
    description:
      "A password passed to a tool on its command line or set in SQL (mysql -p, sshpass -p, ConvertTo-SecureString, IDENTIFIED BY)",
    contextual: "command-line",
    keywords: commandKeywords,
    severity: "medium",
  },
  {
    id: "url-credentials",
    description: "User and password in a URL (scheme://user:password@host)",
    contextual: "url-credentials",
    keywords: ["://"],
    severity: "high",
  },
  {
    id: "private-key-block",
    description:
      "A private key block (PEM, OpenSSH, PGP), also behind log or comment prefixes or split into strings",
    contextual: "private-key-block",
    keywords: pemKeywords,
    severity: "critical",
  },
  {
    id: "putty-private-key",
    description: "A PuTTY private key (.ppk)",
    contextual: "putty-key",
    keywords: puttyKeywords,
    severity: "critical",
  },
  {
    id: "password-hash",
    description:
      "A password hash (htpasswd, shadow, SQL dump): crackable offline",
    contextual: "password-hash",
    keywords: hashKeywords,
    severity: "medium",
  },
  {
    id: "credential-file",
    description: "A password in a .netrc or .pgpass file",
    contextual: "credential-file",
    path: credentialFilePath,
    severity: "high",
  },
  {
    id: "otp-seed-file",
    description:
      "A one-time-password (TOTP/HOTP) seed: a base32 line in a file named otp, totp, hotp, 2fa, mfa or authenticator",
    contextual: "otp-seed-file",
    path: otpSeedFilePath,
    severity: "medium",
  },
  {
    id: "otpauth-uri-secret",
    description:
      "The secret of an otpauth://totp/ or otpauth://hotp/ URI (an authenticator enrolment, as in its QR code)",
    contextual: "otpauth-uri",
    keywords: otpauthKeywords,
    severity: "medium",
  },
  {
    id: "json-web-key-private",
    description:
      "A JSON Web Key with its private part (`d`, RSA's primes, an `oct` key's `k`), also base64-encoded",
    contextual: "json-web-key",
    keywords: jwkKeywords,
    severity: "high",
  },
  {
    id: "encoded-secret",
    description:
      "A secret inside a base64, hex or percent-encoded value (decoded to the rule's depth)",
    contextual: "encoded",
    keywords: decodeKeywords,
    severity: "high",
  },
];
