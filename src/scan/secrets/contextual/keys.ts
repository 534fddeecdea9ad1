/**
 * Which names hold secrets. A name (`DB_PASSWORD`, `clientSecret`, `ANY-password`) is split into
 * lower-case segments (camelCase, `_`, `-`, `.`, spaces); a segment names a family, and a segment
 * after it that describes metadata (`password_length`, `tokenUrl`, `secretName`) or a `public`
 * segment anywhere (`public_key`) means the value is not the secret itself.
 */
export type KeyFamily = "password" | "secret" | "token" | "key" | "salt";

/** Keyword prefilter strings (lower case) for the name-based detectors. */
export const nameKeywords = [
  "pass",
  "pwd",
  "pw",
  "secret",
  "token",
  "cred",
  // `auth` alone is mostly `author`: the spellings of an auth name followed by its value.
  'auth"',
  "auth'",
  "auth=",
  "auth:",
  "auth ",
  "_auth",
  "authorization",
  "oauth",
  "bearer",
  // `key` alone is everywhere in code (`keys`, `keyof`, `{ key: … }`): secret-key spellings.
  "apikey",
  "api_key",
  "api-key",
  "private_key",
  "privatekey",
  "private-key",
  "secret_key",
  "access_key",
  "accesskey",
  "pkey",
  "aeskey",
  "aes_key",
  "signing_key",
  "encryption_key",
  "master_key",
  "license_key",
  "activation key",
  "key_wrap",
  "key=",
  "salt",
  "nonce",
  "paswd",
  "pasw",
  // Abbreviations without `pass`/`pw`: `PSWD`, `PSSWD`, `PSWRD`, `PSSWORD`.
  "psw",
  "pssw",
  "kennwort",
];

const passwordSegments = new Set([
  "pass",
  "pw",
  "pwd",
  "pwds",
  "pswd",
  "pword",
  "passcode",
  "passin",
  "passout",
  "kennwort",
]);

const passwordParts =
  /pass(?:wo?r?d|wrd|phrase|wort)|paswo?r?d|pasword|passwd|passworsd|^p(?:a?s{1,2})w(?:o?r)?d$/;

/** Words ending in `pass` that are not passwords. */
const notPassword =
  /^(?:by|com|encom|tres|sur|over|under|multi|single|first|second|two|one|high|low|band|all|boarding|mountain)pass|^pass(?:age|enger|ive|ion|port|through|thru|ed|es|ing|able|el)|^(?:bypass|compass)$/;

const secretParts =
  /secret(?:s|e|key|token|value|access|string)?$|credentials?$|^creds?$|^cred$/;

const tokenParts =
  /token(?!iz)|^auth$|^oauth|authorization|authtoken|bearer|apikey/;

/** Segments after the family word that make the name metadata, not the secret. */
const metadata = new Set([
  "length",
  "len",
  "size",
  "min",
  "max",
  "minlength",
  "maxlength",
  "field",
  "fields",
  "label",
  "hint",
  "prompt",
  "type",
  "types",
  "policy",
  "rule",
  "rules",
  "regex",
  "regexp",
  "pattern",
  "validation",
  "validator",
  "valid",
  "invalid",
  "required",
  "enabled",
  "enable",
  "disabled",
  "expiry",
  "expires",
  "expiration",
  "expire",
  "expired",
  "reset",
  "forgot",
  "url",
  "uri",
  "endpoint",
  "path",
  "file",
  "filename",
  "dir",
  "name",
  "names",
  "id",
  "ids",
  "count",
  "timeout",
  "format",
  "mode",
  "placeholder",
  "error",
  "errors",
  "message",
  "msg",
  "text",
  "title",
  "input",
  "visible",
  "visibility",
  "strength",
  "chars",
  "encoder",
  "store",
  "manager",
  "provider",
  "helper",
  "class",
  "service",
  "header",
  "param",
  "prefix",
  "suffix",
  "version",
  "attempts",
  "changed",
  "updated",
  "created",
  "at",
  "age",
  "history",
  "lifetime",
  "ttl",
  "location",
  "ref",
  "arn",
  "alias",
  "index",
  "column",
  "selector",
  "button",
  "box",
  "dialog",
  "form",
  "view",
  "screen",
  "page",
  "component",
  "storage",
  "env",
  "var",
  "variable",
  "source",
  "method",
  "algorithm",
  "algo",
  "cache",
  "callback",
  "handler",
  "request",
  "response",
  "status",
  "state",
  "flag",
  "option",
  "options",
  "opts",
  "config",
  "settings",
  "hash",
  "encryption",
  "encrypted",
  "hashed",
  "digest",
  "mask",
  "masked",
  "list",
  "map",
  "set",
  "range",
  "kind",
  "usage",
  "scope",
  "scopes",
  "audience",
  "issuer",
  "key",
]);

const negations = new Set([
  "no",
  "non",
  "without",
  "skip",
  "is",
  "has",
  "use",
  "uses",
  "enable",
  "disable",
  "require",
  "requires",
  "need",
  "needs",
  "allow",
  "show",
  "hide",
  "toggle",
  "check",
  "verify",
  "validate",
  "generate",
  "get",
  "load",
  "read",
  "fetch",
  "parse",
]);

const publicSegments = new Set(["public", "pub", "publishable", "pubkey"]);

/** Split a name into lower-case segments. */
function segments(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((s) => s.length > 0);
}

function familyOf(segment: string): KeyFamily | undefined {
  if (passwordSegments.has(segment) || passwordParts.test(segment))
    return "password";
  // `dbpass`, `rootpwd`, `MYSQLPASS`, not `minipass` or `bypass`.
  if (
    /^(?:db|my|sql|mysql|pg|psql|root|admin|user|usr|smtp|mail|ftp|sftp|ldap|redis|mongo|app|api|web|wifi|vpn|proxy|ssh|key|store|trust|sa|sys|ora|svc|bind|auth|login|db\d)(?:pass|pwd|pw)$/.test(
      segment,
    ) ||
    /^(?:\w{0,3}|(?:proxy)?user|proxy)pwd$/.test(segment)
  )
    return notPassword.test(segment) ? undefined : "password";
  if (
    segment.startsWith("pass") &&
    segment.length <= 6 &&
    !notPassword.test(segment)
  )
    return "password";
  if (secretParts.test(segment)) return "secret";
  if (/^(?:salt|nonce)$|salt$/.test(segment)) return "salt";
  if (tokenParts.test(segment)) return "token";
  if (
    segment === "key" ||
    segment === "pkey" ||
    /(?:private|secret|api|access|auth|master|signing|encryption|aes|hmac|session|client|license|app|shared|crypto|deploy|wrap|subscription|account|activation|product|serial)key$/.test(
      segment,
    )
  )
    return "key";
  return undefined;
}

/**
 * The family of secret a name holds, or undefined. The last family segment counts; a metadata
 * segment after it (`password_length`) or a public segment anywhere cancels it.
 */
export function keyFamily(name: string): KeyFamily | undefined {
  const parts = segments(name);
  if (parts.some((p) => publicSegments.has(p))) return undefined;
  // A presigned URL's `X-Amz-Credential` is the credential scope (key id/date/region), sent in
  // the clear by design; its `X-Amz-Security-Token` is a secret.
  if (parts.at(-1) === "credential" && parts.includes("amz")) return undefined;
  for (let i = parts.length - 1; i >= 0; i--) {
    const family = familyOf(parts[i]!);
    if (!family) continue;
    // `pass_through`, `pw_reset`, `pass-arg`: a short password word must end the name.
    if ((parts[i] === "pass" || parts[i] === "pw") && i < parts.length - 1)
      return undefined;
    // `no_auth`, `use_token`, `has_password`: a switch about the secret, not the secret.
    if (i > 0 && negations.has(parts[i - 1]!)) return undefined;
    const rest = parts.slice(i + 1);
    // `secret_key`, `api_key`: the key segment after a family word is the secret itself.
    if (rest.length === 1 && rest[0] === "key" && family !== "password")
      return family;
    if (rest.some((p) => metadata.has(p))) return undefined;
    // `aws_secret_access_key`, `db_password_key`: the stronger word before `key` names it.
    if (family === "key")
      for (let j = i - 1; j >= 0; j--) {
        const earlier = familyOf(parts[j]!);
        if (earlier && earlier !== "key") return earlier;
      }
    return family;
  }
  return undefined;
}
