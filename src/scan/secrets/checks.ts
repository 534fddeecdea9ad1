import { crc32 } from "node:zlib";
import { javaKeystoreExposed } from "./jks.js";
import { pkcs12KnownPassword } from "./pkcs12.js";
import { shannonEntropy } from "./rule.js";

/**
 * Named checks: code a built-in rule can ask for after its regex matched, for tests RE2 cannot
 * express (back-references, placeholder lists). Rules name them so they stay plain data.
 */
export type CheckName =
  | "url-credentials"
  | "github-checksum"
  | "pkcs12-known-password"
  | "java-keystore";

/**
 * Checks on a whole file's bytes, for path rules (detect.ts): `true` reports the file; a file
 * whose content is unknown (a binary file in a diff) is reported by its name.
 */
export const fileChecks: Partial<
  Record<CheckName, (data: Uint8Array) => boolean | undefined>
> = {
  "pkcs12-known-password": pkcs12KnownPassword,
  "java-keystore": javaKeystoreExposed,
};

const placeholders = [
  "localhost",
  "127.0.0.1",
  "password",
  "passwd",
  "mypassword",
  "myusername",
  "username",
  "your_password",
  "your_username",
  "replace_with",
  "changeme",
  "change_me",
  "example",
  "placeholder",
];

const variableLike = [
  /\$\{[^}]{1,50}\}/,
  /\{\{[^}]{1,50}\}\}/,
  /\{[^}]{1,50}\}/,
  /%[A-Za-z_]{1,30}%/,
  /\$[A-Za-z_(]/,
  /<[^>]{1,50}>/,
];

function placeholder(value: string): boolean {
  const lower = value.toLowerCase();
  return (
    variableLike.some((p) => p.test(value)) ||
    placeholders.some((p) => lower.includes(p))
  );
}

/**
 * `url-credentials`: the password (the secret) is real-looking: 4+ characters, not one repeated
 * character, not a placeholder or variable, and not equal to the user (group 1, when present).
 */
function urlCredentials(
  secret: string,
  groups: readonly (string | undefined)[],
): boolean {
  const user = groups[1];
  if (secret.length < 4) return false;
  if (/^(.)\1+$/.test(secret)) return false;
  if (placeholder(secret)) return false;
  if (user !== undefined && user !== secret) {
    if (user.length < 2 || variableLike.some((p) => p.test(user))) return false;
    if (
      ["myusername", "your_username", "username"].includes(
        user.toLowerCase(),
      ) &&
      placeholder(secret)
    )
      return false;
  }
  if (user !== undefined && user === secret) return false;
  return true;
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * `github-checksum`: a GitHub token (`ghp_…`, `gho_…`) ends in the base62 CRC32 of the
 * characters between its prefix and those six: a value that carries it is a token by
 * construction. Only the tokens gitleaks' GitHub rules leave (not 36 characters, or entropy
 * at most 3, `ghp_000…4WZ4EQ`) are kept, so `disabledRules = ["github-pat"]` still turns
 * those rules' findings off and no token is reported twice.
 */
function githubChecksum(secret: string): boolean {
  const body = secret.slice(secret.indexOf("_") + 1);
  if (body.length === 36 && shannonEntropy(secret) > 3) return false;
  let n = crc32(body.slice(0, -6));
  let sum = "";
  while (n > 0) {
    sum = base62[n % 62]! + sum;
    n = Math.floor(n / 62);
  }
  return sum.padStart(6, "0") === body.slice(-6);
}

/** Runs a named check; `true` keeps the finding. */
export function runCheck(
  name: CheckName,
  secret: string,
  groups: readonly (string | undefined)[],
): boolean {
  switch (name) {
    case "url-credentials":
      return urlCredentials(secret, groups);
    case "github-checksum":
      return githubChecksum(secret);
    // Checks on a file's bytes, for path rules (fileChecks), not on a regex match.
    case "pkcs12-known-password":
    case "java-keystore":
      return true;
  }
}
