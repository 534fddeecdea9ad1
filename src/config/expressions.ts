import { AppError } from "../kernel/index.js";
import {
  ExpressionError,
  findClose,
  parseRange,
  statusFunctions,
} from "./expression-parser.js";
import type { Ast } from "./expression-parser.js";
import {
  builtinFunctions,
  compare,
  filter,
  index,
  looseEquals,
  plain,
  property,
  toText,
  truthy,
} from "./expression-values.js";

export type { Ast, BinaryOp } from "./expression-parser.js";
export {
  ExpressionError,
  functionArity,
  statusFunctions,
} from "./expression-parser.js";
export { toText as expressionText, truthy } from "./expression-values.js";

/**
 * Expressions for `if:` and `${{ }}`, GitHub-Actions-like. Parsing is separate from evaluation so
 * the loader rejects a bad expression before a run starts; evaluation is pure: the status functions
 * and `hashFiles()` come from the caller through `functions`.
 */

/** The top-level names an expression may read. */
export const expressionContexts: ReadonlySet<string> = new Set([
  "env",
  "matrix",
  "steps",
  "needs",
  "inputs",
  "secrets",
  "job",
  "runner",
  "branch",
  "event",
  "commit",
  "sluice",
]);

/** What an expression reads: `{ env: {...}, matrix: {...}, branch: 'main', ... }`. */
export type ExpressionContext = Readonly<Record<string, unknown>>;

/** Functions supplied by the caller (success, failure, always, cancelled, hashFiles) or overrides. */
export type ExpressionFunctions = Readonly<
  Record<string, (...args: unknown[]) => unknown>
>;

const wrapped = /^\s*\$\{\{([\s\S]*)\}\}\s*$/;

/**
 * Parses a bare expression (`branch == 'main'`) or one wrapped in `${{ }}`. Throws an
 * ExpressionError (code CONFIG_INVALID) whose `offset` is the 0-based position of the problem in
 * `text`; `column` in the message is 1-based.
 */
export function parseExpression(text: string): Ast {
  try {
    if (wrapped.test(text)) {
      const open = text.indexOf("${{");
      const end = text.lastIndexOf("}}");
      const close = findClose(text, open);
      // -1: an unterminated string inside; parse it anyway to report that, not "mixed text".
      if (close === end || close < 0) return parseRange(text, open + 3, end);
    }
    if (text.includes("${{")) {
      throw new ExpressionError(
        "a condition mixes text with ${{ }}; write it as one expression",
        text.indexOf("${{"),
      );
    }
    return parseRange(text, 0, text.length);
  } catch (error) {
    throw withColumn(error);
  }
}

function withColumn(error: unknown): unknown {
  if (!(error instanceof ExpressionError)) return error;
  if (/ at column \d+$/.test(error.message)) return error;
  const located = new ExpressionError(
    `${error.message} at column ${error.offset + 1}`,
    error.offset,
  );
  return located;
}

/** True when the expression calls success(), failure(), always() or cancelled() anywhere. */
export function usesStatusFunction(ast: Ast): boolean {
  let found = false;
  walk(ast, (node) => {
    if (node.kind === "call" && statusFunctions.has(node.name)) found = true;
  });
  return found;
}

/**
 * Parses an `if:` condition and adds GitHub's implicit `success() &&` when it calls no status
 * function, so `if: branch == 'main'` does not run after a failure.
 */
export function parseCondition(text: string): Ast {
  const ast = parseExpression(text);
  if (usesStatusFunction(ast)) return ast;
  return {
    kind: "binary",
    op: "&&",
    left: { kind: "call", name: "success", args: [], start: ast.start },
    right: ast,
    start: ast.start,
  };
}

/** Visits every node, parents first. */
export function walk(ast: Ast, visit: (node: Ast) => void): void {
  visit(ast);
  switch (ast.kind) {
    case "property":
    case "filter":
      walk(ast.object, visit);
      break;
    case "index":
      walk(ast.object, visit);
      walk(ast.index, visit);
      break;
    case "not":
      walk(ast.operand, visit);
      break;
    case "binary":
      walk(ast.left, visit);
      walk(ast.right, visit);
      break;
    case "call":
      for (const arg of ast.args) walk(arg, visit);
      break;
  }
}

/** The context names an expression reads, with their offsets (for "unknown context" errors). */
export function contextsOf(ast: Ast): { name: string; start: number }[] {
  const found: { name: string; start: number }[] = [];
  walk(ast, (node) => {
    if (node.kind === "context")
      found.push({ name: node.name, start: node.start });
  });
  return found;
}

/** Evaluates a parsed expression. Pure: everything it reads is in `context` and `functions`. */
export function evaluate(
  ast: Ast,
  context: ExpressionContext,
  functions: ExpressionFunctions = {},
): unknown {
  return plain(run(ast, context, functions)) ?? null;
}

function run(
  ast: Ast,
  context: ExpressionContext,
  functions: ExpressionFunctions,
): unknown {
  switch (ast.kind) {
    case "literal":
      return ast.value;
    case "context":
      return property(context, ast.name);
    case "property":
      return property(run(ast.object, context, functions), ast.name);
    case "index":
      return index(
        run(ast.object, context, functions),
        run(ast.index, context, functions),
      );
    case "filter":
      return filter(run(ast.object, context, functions));
    case "not":
      return !truthy(run(ast.operand, context, functions));
    case "binary": {
      const left = run(ast.left, context, functions);
      // && and || return an operand, not a boolean, and short-circuit (as in GitHub).
      if (ast.op === "&&")
        return truthy(left) ? run(ast.right, context, functions) : left;
      if (ast.op === "||")
        return truthy(left) ? left : run(ast.right, context, functions);
      const right = run(ast.right, context, functions);
      switch (ast.op) {
        case "==":
          return looseEquals(left, right);
        case "!=":
          return !looseEquals(left, right);
        case "<":
          return compare(left, right) < 0;
        case "<=":
          return compare(left, right) <= 0;
        case ">":
          return compare(left, right) > 0;
        case ">=":
          return compare(left, right) >= 0;
      }
      break;
    }
    case "call": {
      const fn = functions[ast.name] ?? builtinFunctions[ast.name];
      if (!fn) {
        throw new AppError(
          "CONFIG_INVALID",
          `${ast.name}() is not available in this expression`,
        );
      }
      return fn(...ast.args.map((arg) => plain(run(arg, context, functions))));
    }
  }
  return null;
}

/** A string with `${{ }}` split into literal text and parsed expressions. */
export type TemplatePart =
  | { kind: "text"; text: string }
  | { kind: "expression"; ast: Ast; start: number };

/** Splits `npm-${{ hashFiles('package-lock.json') }}` into parts; errors carry offsets into `template`. */
export function parseTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let at = 0;
  try {
    for (;;) {
      const open = template.indexOf("${{", at);
      if (open < 0) break;
      if (open > at)
        parts.push({ kind: "text", text: template.slice(at, open) });
      const close = findClose(template, open);
      if (close < 0)
        throw new ExpressionError("`${{` is never closed by `}}`", open);
      parts.push({
        kind: "expression",
        ast: parseRange(template, open + 3, close),
        start: open,
      });
      at = close + 2;
    }
  } catch (error) {
    throw withColumn(error);
  }
  if (at < template.length)
    parts.push({ kind: "text", text: template.slice(at) });
  return parts;
}

/** True when the string has a `${{`. */
export function hasExpression(text: string): boolean {
  return text.includes("${{");
}

/** Replaces every `${{ expr }}` in `template` by its value as text (null prints as empty). */
export function interpolate(
  template: string,
  context: ExpressionContext,
  functions: ExpressionFunctions = {},
): string {
  if (!hasExpression(template)) return template;
  return parseTemplate(template)
    .map((part) =>
      part.kind === "text"
        ? part.text
        : toText(evaluate(part.ast, context, functions)),
    )
    .join("");
}
