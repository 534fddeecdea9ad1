import { AppError } from "../kernel/index.js";

/**
 * How deep a JSON body may nest. Far beyond any flag document or webhook payload (GitHub's are
 * about 10 levels), and low enough that no recursive code after the parser (zod, structuredClone,
 * JSON.stringify, the flag validator) can run out of stack on a request body.
 */
const maxJsonDepth = 512;

/**
 * Parses a request body as JSON, refusing what no store or handler can take: NUL in any string
 * or key (Postgres text and jsonb cannot hold it, so it would fail deep in a query as a 500),
 * `__proto__` keys (prototype pollution once merged), and nesting beyond `maxJsonDepth`.
 * An empty body is undefined. Every refusal is INVALID_ARGUMENT with a one-line message.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError("INVALID_ARGUMENT", "request body is not valid JSON");
  }
  if (mayNeedCheck(text)) checkJson(value);
  return value;
}

/**
 * Whether the parsed text can hold what `checkJson` refuses. JSON cannot carry a raw NUL (control
 * characters in strings must be escaped), so a NUL, and a `__proto__` key written with escapes,
 * needs a `\u` escape; a plain `__proto__` key shows in the text; and each level of nesting takes
 * two characters, so a text shorter than twice `maxJsonDepth` cannot nest that deep. The
 * small bodies of OFREP requests skip the walk (issue 11 bench: it was a tenth of their cost).
 */
function mayNeedCheck(text: string): boolean {
  return (
    text.length >= 2 * maxJsonDepth ||
    text.includes("\\u") ||
    text.includes("__proto__")
  );
}

/** Walks the parsed value with an explicit stack (no recursion: depth is what it checks). */
function checkJson(root: unknown): void {
  const stack: { value: unknown; depth: number }[] = [
    { value: root, depth: 0 },
  ];
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (typeof value === "string") {
      if (value.includes("\u0000"))
        throw new AppError(
          "INVALID_ARGUMENT",
          "request body: strings must not contain NUL (\\u0000)",
        );
      continue;
    }
    if (value === null || typeof value !== "object") continue;
    if (depth >= maxJsonDepth)
      throw new AppError(
        "INVALID_ARGUMENT",
        `request body nests deeper than ${maxJsonDepth} levels`,
      );
    if (Array.isArray(value)) {
      for (const item of value) stack.push({ value: item, depth: depth + 1 });
      continue;
    }
    for (const [key, item] of Object.entries(value)) {
      if (key === "__proto__" || key.includes("\u0000"))
        throw new AppError(
          "INVALID_ARGUMENT",
          `request body: the key ${JSON.stringify(key)} is not allowed`,
        );
      stack.push({ value: item, depth: depth + 1 });
    }
  }
}
