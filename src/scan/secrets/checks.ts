/**
 * Named checks: code a built-in rule can ask for after its regex matched, for tests RE2 cannot
 * express (back-references, placeholder lists). Rules name them so they stay plain data.
 */
export type CheckName = "url-credentials" | "pkcs12-known-password";

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

/** Runs a named check; `true` keeps the finding. */
export function runCheck(
  name: CheckName,
  secret: string,
  groups: readonly (string | undefined)[],
): boolean {
  switch (name) {
    case "url-credentials":
      return urlCredentials(secret, groups);
    // A check on a file's bytes, for path rules (see detect.ts), not on a regex match.
    case "pkcs12-known-password":
      return true;
  }
}
