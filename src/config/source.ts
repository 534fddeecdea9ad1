import {
  Lexer,
  LineCounter,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseDocument,
} from "yaml";
import type { Document, Node, Pair, YAMLMap } from "yaml";
import { AppError } from "../kernel/index.js";
import type { SourceLocation } from "../kernel/index.js";

/** A path into the document: map keys and sequence indexes. */
export type Path = readonly (string | number)[];

/** A problem found in a config file, before it becomes an AppError. */
export interface Problem {
  message: string;
  location: SourceLocation;
  /** 0-based offset in the file, to report problems in document order. */
  offset: number;
}

/** How many problems one error lists: enough to fix a file by, and a bounded message. */
const listedProblems = 100;

/**
 * How deep mappings and lists may nest in a sluice.yml (a pipeline needs about 8): deeper files are
 * refused before anything walks them, so no walk can run out of stack.
 */
export const maxNesting = 64;

/**
 * A parsed sluice.yml that remembers where every node came from, so any problem can point at a
 * file:line:col and show the line with a caret.
 */
export class ConfigSource {
  readonly lines: string[];
  private readonly counter: LineCounter;
  readonly doc: Document.Parsed;
  /** The offset where [ ] and { } nest deeper than the limit, if they do; the file is not parsed. */
  private readonly deepFlow: number | undefined;

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.lines = text.split(/\r?\n/);
    this.counter = new LineCounter();
    // The parser recurses once per level of [ ] and { }: a deep one is refused before it runs.
    this.deepFlow = deepFlowAt(text, maxNesting);
    if (this.deepFlow !== undefined) {
      this.counter.addNewLine(0);
      for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1))
        this.counter.addNewLine(i + 1);
    }
    this.doc = parseDocument(this.deepFlow === undefined ? text : "", {
      lineCounter:
        this.deepFlow === undefined ? this.counter : new LineCounter(),
      prettyErrors: false,
      // yaml's own check compares every key with every other (quadratic in a map's size); the
      // loader finds duplicates with a set instead (duplicateKeys).
      uniqueKeys: false,
      merge: true,
    });
  }

  /** Each mapping's pairs by key (the first of duplicates), built when first asked: O(1) lookups. */
  private readonly keyIndex = new WeakMap<object, Map<string, Pair>>();

  private pairOf(map: YAMLMap, key: string | number): Pair | undefined {
    let index = this.keyIndex.get(map);
    if (!index) {
      index = new Map();
      for (const pair of map.items)
        if (isPair(pair) && isScalar(pair.key)) {
          const name = String(pair.key.value);
          if (!index.has(name)) index.set(name, pair);
        }
      this.keyIndex.set(map, index);
    }
    return index.get(String(key));
  }

  /**
   * The problem with a document that nests deeper than {@link maxNesting}, at its first node that
   * does; undefined when it does not. Iterative, so it cannot run out of stack itself.
   */
  tooDeep(limit = maxNesting): Problem | undefined {
    if (this.deepFlow !== undefined)
      return this.problem(
        `[ ] and { } nest more than ${maxNesting} levels deep here; a sluice.yml may nest at most ${maxNesting}`,
        this.deepFlow,
      );
    const stack: [unknown, number][] = [[this.doc.contents, 0]];
    while (stack.length > 0) {
      const [node, depth] = stack.pop()!;
      const children = isMap(node)
        ? node.items.map((pair) => pair.value)
        : isSeq(node)
          ? node.items
          : undefined;
      if (!children) continue;
      if (depth >= limit) {
        const range = (node as Node).range;
        return this.problem(
          `mappings and lists nest more than ${limit} levels deep here; a sluice.yml may nest at most ${limit}`,
          range ? range[0] : 0,
        );
      }
      for (const child of children) stack.push([child, depth + 1]);
    }
    return undefined;
  }

  /** A problem for each key that repeats an earlier key of the same mapping. */
  duplicateKeys(limit = 20): Problem[] {
    const problems: Problem[] = [];
    const stack: unknown[] = [this.doc.contents];
    while (stack.length > 0 && problems.length < limit) {
      const node = stack.pop();
      if (isMap(node)) {
        const seen = new Map<string, number>();
        for (const pair of node.items) {
          if (isScalar(pair.key) && pair.key.range) {
            const key = String(pair.key.value);
            const first = seen.get(key);
            if (first !== undefined) {
              problems.push(
                this.problem(
                  `duplicate key \`${key}\` (first at line ${this.at(first).line})`,
                  pair.key.range[0],
                ),
              );
            } else seen.set(key, pair.key.range[0]);
          }
        }
        for (let i = node.items.length - 1; i >= 0; i--)
          stack.push(node.items[i]!.value);
      } else if (isSeq(node))
        for (let i = node.items.length - 1; i >= 0; i--)
          stack.push(node.items[i]);
    }
    // The walk visits children after their parents' whole mapping: report in file order.
    return problems.sort((a, b) => a.offset - b.offset).slice(0, limit);
  }

  /** The location of a 0-based offset in the file. */
  at(offset: number): Problem["location"] & { offset: number } {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    const { line, col } = this.counter.linePos(clamped);
    return { file: this.file, line, column: col, offset: clamped };
  }

  problem(message: string, offset: number): Problem {
    const { offset: at, ...location } = this.at(offset);
    return { message, location, offset: at };
  }

  /** The node at `path`, or undefined when the path does not exist in the file. */
  node(path: Path): Node | undefined {
    let node: unknown = this.doc.contents;
    for (const key of path) {
      if (isMap(node)) {
        const pair = this.pairOf(node, key);
        node = pair?.value ?? undefined;
        if (pair && node === undefined) return pair.key as Node;
      } else if (isSeq(node) && typeof key === "number") {
        node = node.items[key];
      } else return undefined;
      if (node === undefined || node === null) return undefined;
    }
    return node as Node;
  }

  /** The key node of the last element of `path` (for unknown keys and job ids). */
  keyNode(path: Path): Node | undefined {
    const parent = this.node(path.slice(0, -1));
    const key = path[path.length - 1];
    if (!isMap(parent) || key === undefined) return undefined;
    const pair = this.pairOf(parent, key);
    return (pair?.key as Node | undefined) ?? undefined;
  }

  /**
   * The offset of `path`: the value's node when it exists (or the key for `key: true`), else the
   * deepest ancestor that exists; a key whose value is empty points at the key.
   */
  offsetOf(path: Path, options: { key?: boolean } = {}): number {
    if (options.key) {
      const key = this.keyNode(path);
      if (key?.range) return key.range[0];
    }
    for (let n = path.length; n >= 0; n--) {
      const prefix = path.slice(0, n);
      const node = this.node(prefix);
      if (node?.range) return node.range[0];
      const key = n > 0 ? this.keyNode(prefix) : undefined;
      if (key?.range) return key.range[0];
    }
    return 0;
  }

  /**
   * The file offset of character `index` of the string value at `path`, found by locating the
   * value's lines in the source (works for plain, quoted and block scalars without escapes).
   */
  offsetInString(path: Path, index: number): number {
    const node = this.node(path);
    if (!node?.range || !isScalar(node) || typeof node.value !== "string")
      return this.offsetOf(path);
    const value = node.value;
    const before = value.slice(0, index);
    const lineNo = before.split("\n").length - 1;
    const column = index - (before.lastIndexOf("\n") + 1);
    const valueLines = value.split("\n");
    let cursor = node.range[0];
    for (let i = 0; i <= lineNo; i++) {
      const wanted = valueLines[i] ?? "";
      const found = this.text.indexOf(wanted, cursor);
      if (found < 0 || found > node.range[2]) return node.range[0];
      if (i === lineNo) return found + column;
      cursor = found + wanted.length;
    }
    return node.range[0];
  }

  /** Two lines of context: the line and a caret under the column. */
  frame(line: number, column: number): string {
    const text = (this.lines[line - 1] ?? "").replace(/\t/g, " ");
    const gutter = String(line);
    const pad = " ".repeat(gutter.length);
    const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
    return `  ${gutter} | ${shown}\n  ${pad} | ${" ".repeat(Math.max(0, column - 1))}^`;
  }

  /**
   * The AppError for a list of problems: the first in file order, with a frame; the rest listed,
   * each with its file:line:col, up to {@link listedProblems}.
   */
  error(problems: Problem[]): AppError {
    const sorted = [...problems].sort((a, b) => a.offset - b.offset);
    const first = sorted[0]!;
    const more = sorted
      .slice(1, listedProblems)
      .map(
        (p) =>
          `${p.location.file}:${p.location.line}:${p.location.column}: ${p.message}`,
      );
    const rest = sorted.length - 1 - more.length;
    if (rest > 0) more.push(`… and ${rest} more problems`);
    const detail = [
      this.frame(first.location.line, first.location.column),
      ...more,
    ].join("\n");
    return new AppError("CONFIG_INVALID", first.message, {
      location: first.location,
      detail,
    });
  }
}

/**
 * The offset of the first `[` or `{` that opens a flow collection more than `limit` deep, or
 * undefined. Uses yaml's lexer, which is iterative: brackets inside quoted or plain scalars and
 * comments are not flow collections.
 */
function deepFlowAt(text: string, limit: number): number | undefined {
  // Cheap first: fewer brackets than the limit cannot nest past it.
  let brackets = 0;
  for (let i = 0; i < text.length && brackets <= limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) brackets++;
  }
  if (brackets <= limit) return undefined;
  let depth = 0;
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === "[" || token === "{") {
      if (++depth > limit) return offset;
    } else if (token === "]" || token === "}") depth = Math.max(0, depth - 1);
    // The lexer's own markers (document start, flow end, scalar) are not text of the file.
    if (!(token.length === 1 && markers.has(token))) offset += token.length;
  }
  return undefined;
}

const markers = new Set(["\x02", "\x18", "\x1f"]);
