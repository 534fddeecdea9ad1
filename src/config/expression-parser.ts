import { AppError } from "../kernel/index.js";
import { closest } from "./did-you-mean.js";

/**
 * The syntax tree of an expression. `start` is the 0-based offset of the node in the text given to
 * `parseExpression`, so an error found later (an unknown context) can still point at a column.
 */
export type Ast =
  | {
      kind: "literal";
      value: null | boolean | number | string;
      start: number;
    }
  | { kind: "context"; name: string; start: number }
  | { kind: "property"; object: Ast; name: string; start: number }
  | { kind: "index"; object: Ast; index: Ast; start: number }
  /** `a.*`: every element (array) or value (object), GitHub's object filter. */
  | { kind: "filter"; object: Ast; start: number }
  | { kind: "not"; operand: Ast; start: number }
  | { kind: "binary"; op: BinaryOp; left: Ast; right: Ast; start: number }
  | { kind: "call"; name: string; args: Ast[]; start: number };

export type BinaryOp = "==" | "!=" | "<" | "<=" | ">" | ">=" | "&&" | "||";

/** A syntax or reference error inside an expression; `offset` is 0-based in the parsed text. */
export class ExpressionError extends AppError {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super("CONFIG_INVALID", message);
    this.name = "ExpressionError";
    this.offset = offset;
  }
}

/** Status functions: an `if` that calls none of them gets an implicit `success() &&`. */
export const statusFunctions: ReadonlySet<string> = new Set([
  "success",
  "failure",
  "always",
  "cancelled",
]);

/** Known functions with their [min, max] argument counts (max -1: any). Names are case-insensitive. */
export const functionArity: Readonly<Record<string, [number, number]>> = {
  success: [0, 0],
  failure: [0, 0],
  always: [0, 0],
  cancelled: [0, 0],
  contains: [2, 2],
  startsWith: [2, 2],
  endsWith: [2, 2],
  format: [1, -1],
  join: [1, 2],
  toJSON: [1, 1],
  fromJSON: [1, 1],
  hashFiles: [1, -1],
};

const canonicalFunction = new Map(
  Object.keys(functionArity).map((name) => [name.toLowerCase(), name]),
);

type TokenType = "number" | "string" | "ident" | "punct" | "eof";
interface Token {
  type: TokenType;
  text: string;
  value?: number | string;
  start: number;
}

const puncts = [
  "==",
  "!=",
  "<=",
  ">=",
  "&&",
  "||",
  "<",
  ">",
  "!",
  "(",
  ")",
  "[",
  "]",
  ",",
  ".",
  "*",
];

function tokenize(text: string, from: number, to: number): Token[] {
  const tokens: Token[] = [];
  let i = from;
  while (i < to) {
    const c = text[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    const start = i;
    if (c === "'") {
      let value = "";
      i++;
      for (;;) {
        if (i >= to) throw new ExpressionError("unterminated string", start);
        if (text[i] === "'") {
          // '' is an escaped quote, as in GitHub expressions.
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i];
        i++;
      }
      tokens.push({ type: "string", text: text.slice(start, i), value, start });
      continue;
    }
    if (c === '"') {
      throw new ExpressionError(
        "strings use single quotes: 'text', not \"text\"",
        start,
      );
    }
    const number =
      /^-?(?:0x[0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(
        text.slice(i, to),
      );
    if (number && (c !== "-" || /[\d.]/.test(text[i + 1] ?? ""))) {
      const raw = number[0];
      const value = Number(raw);
      if (Number.isNaN(value))
        throw new ExpressionError(`bad number ${raw}`, start);
      i += raw.length;
      tokens.push({ type: "number", text: raw, value, start });
      continue;
    }
    const ident = /^[A-Za-z_][\w-]*/.exec(text.slice(i, to));
    if (ident) {
      i += ident[0].length;
      tokens.push({ type: "ident", text: ident[0], start });
      continue;
    }
    const punct = puncts.find((p) => text.startsWith(p, i));
    if (punct) {
      i += punct.length;
      tokens.push({ type: "punct", text: punct, start });
      continue;
    }
    if (c === "=")
      throw new ExpressionError("unexpected `=`; compare with `==`", start);
    if (c === "&" || c === "|")
      throw new ExpressionError(`unexpected \`${c}\`; use \`${c}${c}\``, start);
    throw new ExpressionError(`unexpected character \`${c}\``, start);
  }
  tokens.push({ type: "eof", text: "", start: to });
  return tokens;
}

/**
 * How deep an expression may nest: parentheses, `!`, calls and indexes inside each other, and the
 * height of its tree (a chain of 100 `||` is 100 deep). Walking and evaluating recurse; this bounds
 * them far below the stack (GitHub stops at 50).
 */
const maxExpressionDepth = 100;

class Parser {
  private pos = 0;
  /** How many `(`, `[`, calls and `!` the parser is inside. */
  private nesting = 0;
  private readonly heights = new WeakMap<Ast, number>();
  constructor(private readonly tokens: Token[]) {}

  /** `ast` over `children`, refused when the tree grows deeper than the limit. */
  private node<T extends Ast>(ast: T, ...children: Ast[]): T {
    let height = 1;
    for (const child of children)
      height = Math.max(height, 1 + (this.heights.get(child) ?? 1));
    if (height > maxExpressionDepth) this.tooDeep(ast.start);
    this.heights.set(ast, height);
    return ast;
  }
  private tooDeep(at: number): never {
    throw new ExpressionError(
      `the expression nests more than ${maxExpressionDepth} levels deep; split it`,
      at,
    );
  }
  /** Parses something nested (in parentheses, brackets, a call, after `!`) within the limit. */
  private nested<T>(at: number, parse: () => T): T {
    if (++this.nesting > maxExpressionDepth) this.tooDeep(at);
    try {
      return parse();
    } finally {
      this.nesting--;
    }
  }

  private peek(): Token {
    return this.tokens[this.pos]!;
  }
  private next(): Token {
    return this.tokens[this.pos++]!;
  }
  private isPunct(text: string): boolean {
    const t = this.peek();
    return t.type === "punct" && t.text === text;
  }
  private expect(text: string, what: string): Token {
    if (!this.isPunct(text)) this.unexpected(what);
    return this.next();
  }
  private unexpected(expected: string): never {
    const t = this.peek();
    if (t.type === "eof")
      throw new ExpressionError(`expected ${expected} at the end`, t.start);
    throw new ExpressionError(
      `unexpected \`${t.text}\`; expected ${expected}`,
      t.start,
    );
  }

  parse(): Ast {
    if (this.peek().type === "eof")
      throw new ExpressionError("empty expression", this.peek().start);
    const ast = this.or();
    if (this.peek().type !== "eof") this.unexpected("an operator");
    return ast;
  }

  private binary(ops: readonly BinaryOp[], operand: () => Ast): Ast {
    let left = operand();
    for (;;) {
      const t = this.peek();
      const op = ops.find((o) => t.type === "punct" && t.text === o);
      if (!op) return left;
      this.next();
      const right = operand();
      left = this.node(
        { kind: "binary", op, left, right, start: left.start },
        left,
        right,
      );
    }
  }
  private or = (): Ast => this.binary(["||"], this.and);
  private and = (): Ast => this.binary(["&&"], this.equality);
  private equality = (): Ast => this.binary(["==", "!="], this.comparison);
  private comparison = (): Ast =>
    this.binary(["<", "<=", ">", ">="], this.unary);

  private unary = (): Ast => {
    if (this.isPunct("!")) {
      const start = this.next().start;
      const operand = this.nested(start, this.unary);
      return this.node({ kind: "not", operand, start }, operand);
    }
    return this.postfix();
  };

  private postfix(): Ast {
    let ast = this.primary();
    for (;;) {
      if (this.isPunct(".")) {
        this.next();
        const t = this.peek();
        if (t.type === "punct" && t.text === "*") {
          this.next();
          ast = this.node(
            { kind: "filter", object: ast, start: ast.start },
            ast,
          );
        } else if (t.type === "ident") {
          this.next();
          ast = this.node(
            { kind: "property", object: ast, name: t.text, start: ast.start },
            ast,
          );
        } else this.unexpected("a property name after `.`");
      } else if (this.isPunct("[")) {
        const at = this.next().start;
        if (this.isPunct("*")) {
          this.next();
          this.expect("]", "`]`");
          ast = this.node(
            { kind: "filter", object: ast, start: ast.start },
            ast,
          );
          continue;
        }
        const index = this.nested(at, this.or);
        this.expect("]", "`]`");
        ast = this.node(
          { kind: "index", object: ast, index, start: ast.start },
          ast,
          index,
        );
      } else return ast;
    }
  }

  private primary(): Ast {
    const t = this.peek();
    if (t.type === "number" || t.type === "string") {
      this.next();
      return { kind: "literal", value: t.value!, start: t.start };
    }
    if (t.type === "punct" && t.text === "(") {
      this.next();
      const inner = this.nested(t.start, this.or);
      this.expect(")", "`)`");
      return inner;
    }
    if (t.type !== "ident") this.unexpected("a value");
    this.next();
    switch (t.text) {
      case "true":
      case "false":
        return { kind: "literal", value: t.text === "true", start: t.start };
      case "null":
        return { kind: "literal", value: null, start: t.start };
      case "NaN":
        return { kind: "literal", value: NaN, start: t.start };
      case "Infinity":
        return { kind: "literal", value: Infinity, start: t.start };
    }
    if (!this.isPunct("("))
      return { kind: "context", name: t.text, start: t.start };
    return this.call(t);
  }

  private call(t: Token): Ast {
    const name = canonicalFunction.get(t.text.toLowerCase());
    if (!name) {
      const hint = closest(t.text, Object.keys(functionArity));
      throw new ExpressionError(
        `unknown function \`${t.text}()\`${hint ? `; did you mean \`${hint}()\`?` : ""}`,
        t.start,
      );
    }
    this.next(); // (
    const args: Ast[] = [];
    if (!this.isPunct(")")) {
      for (;;) {
        args.push(this.nested(t.start, this.or));
        if (this.isPunct(",")) {
          this.next();
          continue;
        }
        break;
      }
    }
    this.expect(")", "`,` or `)`");
    const [min, max] = functionArity[name]!;
    if (args.length < min || (max >= 0 && args.length > max)) {
      const wanted =
        min === max
          ? `${min} argument${min === 1 ? "" : "s"}`
          : max < 0
            ? `at least ${min} argument${min === 1 ? "" : "s"}`
            : `${min} to ${max} arguments`;
      throw new ExpressionError(
        `${name}() takes ${wanted}, got ${args.length}`,
        t.start,
      );
    }
    return this.node({ kind: "call", name, args, start: t.start }, ...args);
  }
}

/** Parses the expression in `text[from, to)`; offsets in the tree and errors stay relative to `text`. */
export function parseRange(text: string, from: number, to: number): Ast {
  return new Parser(tokenize(text, from, to)).parse();
}

/**
 * Finds the end of a `${{ ... }}` that starts at `open` (the offset of `$`): the offset of its `}}`,
 * skipping `}}` inside quoted strings. Returns -1 when it is never closed.
 */
export function findClose(text: string, open: number): number {
  let quoted = false;
  for (let i = open + 3; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === "}" && text[i + 1] === "}") return i;
  }
  return -1;
}
