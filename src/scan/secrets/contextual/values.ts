import { shannonEntropy } from "../rule.js";
import type { Confidence } from "./types.js";

/**
 * The value filter of the contextual detectors: what is assigned to a password or key name but is
 * not a secret. Dropped: empty and short values (under 4 characters), one repeated character,
 * variables and templates (`${X}`, `{{ x }}`, `$X`, `$(cmd)`, `%s`, `%(x)s`, `%X%`, `<password>`,
 * `@X@`, `__X__`), well-known placeholders (`changeme`, `xxx`, `***`, `your_password`, `example`,
 * `dummy`, `redacted`, `none`, `null`, `true`…), and in code an unquoted value, which is a variable,
 * a call or a type name. What is kept gets a confidence: a single dictionary-like word or a phrase
 * is `low`, a value mixing letters with digits or symbols is `medium`, a long random-looking one
 * `high`. Users silence the rest with gitleaks allowlists (`targetRules` naming the contextual
 * rules) or the baseline.
 */

const templates: RegExp[] = [
  // An interpolation, also of a string or a call (`${"…"}`, `${a.b(c)}`): not a literal value.
  /\$\{[\w.:\-?!#@]*\}?$|\$\{(?:"[^"\n]*"|'[^'\n]*'|[\w.$()[\], ]*)\}/,
  /\{\{[\s\w.|'"()\-,:]*\}\}/,
  /\{%[^%]*%\}/,
  /^\$[A-Za-z_{(]/,
  /\$\([^)]*\)?/,
  /%(?:\([^)]*\))?[-+ #0]*\d*(?:\.\d+)?[sdifrxXq]\b/,
  /%[A-Za-z_][\w.]*%/,
  /^<[^<>]*>$/,
  /^\[[^\]]*\]$/,
  /^@[\w.-]+@$/,
  /^__[\w-]+__$/,
  /^\{[\w.-]*\}$/,
  /^#\{[^}]*\}$/,
  /^\$?env[:.(]/i,
  // A YAML tag (`!Ref`, `!!binary`, `!vault`): letters, not a password that starts with `!`.
  /^!!?[A-Za-z]+(?:[-_][A-Za-z]+)*$/,
  /^(?:process\.env|os\.environ|getenv|System\.getenv|ENV\[)/,
];

/** Placeholder words (lower case, letters and digits only): the whole value, or a part of it. */
const placeholderWords = new Set([
  "changeme",
  "changeit",
  "changethis",
  "password",
  "passwd",
  "passphrase",
  "pass",
  "pwd",
  "secret",
  "secrets",
  "token",
  "apikey",
  "key",
  "mypassword",
  "yourpassword",
  "mysecret",
  "yoursecret",
  "yourtoken",
  "yourapikey",
  "example",
  "placeholder",
  "dummy",
  "redacted",
  "hidden",
  "masked",
  "none",
  "null",
  "nil",
  "undefined",
  "true",
  "false",
  "yes",
  "no",
  "empty",
  "blank",
  "todo",
  "fixme",
  "tbd",
  "required",
  "optional",
  "string",
  "str",
  "value",
  "default",
  "unknown",
  "notset",
  "unset",
  "test",
  "testing",
  "sample",
  "foo",
  "bar",
  "foobar",
  "baz",
  "qwerty",
  "letmein",
  "abc",
  "abcd",
  "abcdef",
  "abc123",
  "admin",
  "root",
  "user",
  "username",
  "secure",
  "insecure",
  "private",
  "public",
  "sensitive",
]);

const placeholderParts =
  /your[_-]?(?:own[_-]?)?(?:pass|secret|token|key|api|app|client|db|account)|change[_-]?(?:me|it|this)|replace[_-]?(?:me|with|this)|insert[_-]?(?:your|here)|enter[_-]?(?:your|here|password)|put[_-]?your|example|placeholder|dummy|redacted|not[_-]?(?:a[_-]?)?(?:real|set)|fake|\bxxx|xxx\b|\*\*\*|\.\.\.|<[a-z_ -]+>/i;

/** Type names that follow `name:` in annotated code (`password: str`, `val pw: String`). */
const typeNames = new Set([
  "str",
  "string",
  "bytes",
  "int",
  "integer",
  "bool",
  "boolean",
  "char",
  "any",
  "object",
  "unknown",
  "optional",
  "secretstr",
  "secretbytes",
  "secretstring",
  "securestring",
  "password",
  "text",
  "number",
  "float",
  "double",
]);

export const isTypeName = (value: string): boolean =>
  typeNames.has(
    value
      .replace(/[[<(].*$/, "")
      .replace(/[?!|]+$/, "")
      .toLowerCase(),
  ) || /^(?:Optional|Union|List|Dict|Mapping)\[/.test(value);

/** An unquoted value in code: a variable, a member, a call, a keyword. */
const codeExpression =
  /^(?:new\s+)?[A-Za-z_$@][\w$]*(?:(?:\.|::|->|\?\.)[A-Za-z_$][\w$]*)*(?:\(.*|\[.*)?;?$/;

function isPlaceholder(value: string): boolean {
  if (templates.some((t) => t.test(value))) return true;
  const bare = value.toLowerCase().replace(/[^a-z0-9]/g, "");
  if (bare.length === 0 || placeholderWords.has(bare)) return true;
  if (/^(.)\1+$/.test(bare) || /^(.)\1+$/.test(value)) return true;
  return placeholderParts.test(value);
}

/** Made of words (`selectedRelationTsKey`), not of random letters (`KiASRCRiGFLPDiId`). */
function wordy(part: string): boolean {
  const words = part.match(/[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[_$]+/g) ?? [];
  return words.length <= Math.max(1, part.length / 4);
}

export interface ValueContext {
  /** The value was quoted in the source. */
  quoted: boolean;
  /** The file is code: an unquoted value is an expression. */
  code: boolean;
}

/** A dictionary-like word: letters only (or letters joined by `_`/`-`), one case or capitalised. */
const wordLike =
  /^(?:[a-z\x80-\xff]+|[A-Z][a-z\x80-\xff]+|[A-Z]+)(?:[_-](?:[a-z\x80-\xff]+|[A-Z][a-z\x80-\xff]+|[A-Z]+))*$/;

/**
 * The confidence of a candidate value, or undefined when it is not a secret (see the module
 * comment for the rules).
 */
export function valueConfidence(
  value: string,
  context: ValueContext,
): Confidence | undefined {
  if (value.length < 4 || value.length > 1000) return undefined;
  if (!context.quoted && context.code && codeExpression.test(value))
    return undefined;
  if (isPlaceholder(value)) return undefined;
  // A regular expression (`([a-z0-9]+)`, `\\d{4}`): a pattern for secrets, not one.
  if (/\[[^\]]+\][+*?{]|\\[dwsb]|\(\?[:=!<]|^\^.*\$$/.test(value))
    return undefined;
  // A password hash (`md5…`, SCRAM, crypt): the password-hash detector's, which knows its forms.
  if (
    /^(?:md5[0-9a-f]{32}$|SCRAM-SHA-256\$|\$(?:2[abxy]?|apr1|1|5|6|y)\$)/.test(
      value,
    )
  )
    return undefined;
  if (/^[\d.:/-]+$/.test(value) && value.length < 8) return undefined;
  // A URL: its credentials, if any, are the URL detector's.
  if (/^[A-Za-z][\w+.-]{1,30}:\/\//.test(value)) return undefined;
  // A file name or path: `server.key`, `/etc/ssl/private/x.pem`, `C:\keys\a.pfx`.
  if (
    /\.(?:pem|key|crt|cer|p12|pfx|jks|json|txt|ya?ml|xml|properties|env|conf|cfg|ini|der|pub|gpg|asc)$/i.test(
      value,
    ) ||
    /^(?:~|\.{1,2})?\//.test(value) ||
    /^[A-Za-z]:\\/.test(value)
  )
    return /^\/[A-Za-z0-9+/=]{24,}$/.test(value) ? "medium" : "low";
  // An identifier or member chain (`selectedRelationTsKey`, `fs.readFileSync`): code, not a secret.
  if (
    /^[A-Za-z_$][A-Za-z_$]*(?:\??\.[A-Za-z_$][A-Za-z_$]*)*$/.test(value) &&
    /[a-z]/.test(value) &&
    value.split(/[.?]+/).every(wordy)
  )
    return "low";
  const classes =
    Number(/[a-z\x80-\xff]/.test(value)) +
    Number(/[A-Z]/.test(value)) +
    Number(/\d/.test(value)) +
    Number(/[^A-Za-z0-9\x80-\xff]/.test(value));
  if (/\s/.test(value.trim()) || wordLike.test(value)) return "low";
  // A sample that says so (`secret123`, `testpass`, `my-example-key`), a keyboard shortcut, a
  // file reference (`ci.yml:build`).
  if (
    /secret|s3cr3t|hunter2|example|sample|dummy|fake|test|changeme|xxx/i.test(
      value,
    ) ||
    /^(?:(?:control|ctrl|shift|alt|meta|cmd|command|option|controlormeta)\+)+/i.test(
      value,
    ) ||
    /\.(?:ya?ml|json|js|ts|md|txt|html|xml|py|rb|go)\b/.test(value)
  )
    return "low";
  if (!/[A-Za-z0-9]/.test(value)) return undefined;
  const entropy = shannonEntropy(value);
  if (
    (value.length >= 8 && classes >= 3 && entropy >= 2.5) ||
    (value.length >= 16 && entropy >= 3.5)
  )
    return "high";
  if (classes >= 2 || (value.length >= 12 && entropy >= 3)) return "medium";
  return "low";
}
