/**
 * A JSON Logic compiler: a rule becomes a tree of closures once (per flag-set version), so an
 * evaluation walks no JSON and allocates nothing for lookups. No `new Function`: rules are data
 * from users, and closures keep them sandboxed.
 *
 * The semantics follow json-logic-engine 5 (what @openfeature/flagd-core runs, compiled mode):
 * JSON Logic truthiness (empty arrays and objects are false), `==` with its number checks, and
 * runtime errors (a non-number in arithmetic) that the evaluator reports as GENERAL.
 */

import {
  builtins,
  compareCheck,
  comparators,
  invalidArguments,
} from "./logic-builtins.js";

/** The per-evaluation values that are not in the caller's context. */
export interface Scope {
  /** The caller's context; `var` paths starting with `$flagd` at this level read `flagd`. */
  root: unknown;
  flagd: { flagKey: string; timestamp: number };
}

/** A compiled rule: evaluates against the current data (the context, or an array item). */
export type Compiled = (data: unknown, scope: Scope) => unknown;

/**
 * A custom operator (fractional, sem_ver, ...): takes the evaluated arguments. It may carry a
 * `compile` hook that sees the compiled arguments and the constant ones' values first, to
 * precompute what does not change between evaluations.
 */
export type CustomOperator = ((
  args: unknown,
  data: unknown,
  scope: Scope,
) => unknown) & {
  compile?: (args: Compiled[], values: unknown[]) => Compiled | undefined;
};

/** Marks an argument whose value is only known at evaluation time. */
export const notConstant: unique symbol = Symbol("notConstant");

/** Compiled constants carry their value, so callers can fold them. */
const constants = new WeakMap<Compiled, unknown>();

function constantValue(compiled: Compiled): unknown {
  return constants.has(compiled) ? constants.get(compiled) : notConstant;
}

/** A rule that cannot be compiled (unknown operator, wrong shape); PARSE_ERROR at evaluation. */
export class LogicCompileError extends Error {
  constructor(
    message: string,
    /** JSON path of the offending node inside the rule, e.g. `$.if[0]`. */
    readonly path: string,
  ) {
    super(message);
    this.name = "LogicCompileError";
  }
}

/** JSON Logic truthiness: `[]` and `{}` are false, as in json-logic-engine. */
export function truthy(value: unknown): boolean {
  if (!value) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object" && (value as object).constructor === Object)
    return Object.keys(value as object).length > 0;
  return true;
}

/** Splits a `var` path on dots; `\.` escapes a dot. */
function splitPath(path: string): string[] {
  if (!path.includes("\\")) return path.split(".");
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === "\\" && i + 1 < path.length) {
      current += path[++i];
    } else if (c === ".") {
      parts.push(current);
      current = "";
    } else current += c;
  }
  parts.push(current);
  return parts;
}

function lookup(data: unknown, parts: string[], fallback: unknown): unknown {
  let current = data;
  for (let i = 0; i < parts.length; i++) {
    if (current === null || current === undefined) return fallback;
    current = (current as Record<string, unknown>)[parts[i] as string];
  }
  if (current === null || current === undefined) return fallback;
  return typeof current === "function" ? null : current;
}

function compileVarPath(key: unknown, fallback: Compiled): Compiled {
  if (key === undefined || key === null || key === "")
    return (data) => data ?? null;
  const parts = splitPath(String(key));
  if (parts[0] === "$flagd") {
    const rest = parts.slice(1);
    return (data, scope) =>
      data === scope.root
        ? lookup(scope.flagd, rest, fallback(data, scope))
        : lookup(data, parts, fallback(data, scope));
  }
  if (parts.length === 1) {
    const only = parts[0] as string;
    return (data, scope) => {
      const value =
        data === null || data === undefined
          ? undefined
          : (data as Record<string, unknown>)[only];
      if (value === null || value === undefined) return fallback(data, scope);
      return typeof value === "function" ? null : value;
    };
  }
  return (data, scope) => lookup(data, parts, fallback(data, scope));
}

function constant(value: unknown): Compiled {
  const compiled: Compiled = () => value;
  constants.set(compiled, value);
  return compiled;
}
const nullRule = constant(null);

/** Compiles a JSON Logic rule. Throws LogicCompileError on an unknown operator. */
export function compileLogic(
  rule: unknown,
  operators: Readonly<Record<string, CustomOperator>> = {},
): Compiled {
  return compile(rule, operators, "$");
}

function compile(
  rule: unknown,
  ops: Readonly<Record<string, CustomOperator>>,
  path: string,
): Compiled {
  if (rule === null || typeof rule !== "object") return constant(rule);
  if (Array.isArray(rule)) {
    const items = rule.map((item, i) => compile(item, ops, `${path}[${i}]`));
    if (items.length === 0) return () => [];
    // An array of constants is one constant (shared: rules never mutate their values).
    if (items.every((item) => constants.has(item)))
      return constant(items.map((item) => constants.get(item)));
    return (data, scope) => items.map((item) => item(data, scope));
  }
  const keys = Object.keys(rule);
  if (keys.length !== 1)
    throw new LogicCompileError(
      keys.length === 0
        ? "an empty object is not a rule"
        : `a rule has exactly one operator, found ${keys.map((k) => JSON.stringify(k)).join(", ")}`,
      path,
    );
  const op = keys[0] as string;
  const raw = (rule as Record<string, unknown>)[op];
  const here = `${path}.${op}`;
  const args = () => (Array.isArray(raw) ? raw : [raw]);
  const sub = (value: unknown, i: number) =>
    compile(value, ops, `${here}[${i}]`);

  switch (op) {
    case "var": {
      const list = Array.isArray(raw) ? raw : [raw];
      const fallback = list.length > 1 ? sub(list[1], 1) : nullRule;
      const key = list[0];
      if (key !== null && typeof key === "object") {
        const dynamic = sub(key, 0);
        return (data, scope) =>
          compileVarPath(dynamic(data, scope), fallback)(data, scope);
      }
      return compileVarPath(key, fallback);
    }
    case "missing": {
      const list = compile(raw, ops, here);
      return (data, scope) => missing(asList(list(data, scope)), data);
    }
    case "missing_some": {
      const list = args().map(sub);
      return (data, scope) => {
        const need = list[0]?.(data, scope);
        const options = asList(list[1]?.(data, scope));
        const absent = missing(options, data);
        return options.length - absent.length >= Number(need) ? [] : absent;
      };
    }
    case "if":
    case "?:": {
      if (!Array.isArray(raw))
        throw new LogicCompileError("if takes an array", here);
      const parts = raw.map(sub);
      if (parts.length === 0) return nullRule;
      if (parts.length === 1) return parts[0] as Compiled;
      if (parts.length % 2 === 0) parts.push(nullRule);
      const otherwise = parts[parts.length - 1] as Compiled;
      return (data, scope) => {
        for (let i = 0; i < parts.length - 1; i += 2) {
          if (truthy((parts[i] as Compiled)(data, scope)))
            return (parts[i + 1] as Compiled)(data, scope);
        }
        return otherwise(data, scope);
      };
    }
    case "and":
    case "or": {
      if (!Array.isArray(raw))
        throw new LogicCompileError(`${op} takes an array`, here);
      const parts = raw.map(sub);
      if (parts.length === 0) return nullRule;
      const stopOn = op === "or";
      return (data, scope) => {
        let item: unknown;
        for (const part of parts) {
          item = part(data, scope);
          if (truthy(item) === stopOn) return item;
        }
        return item;
      };
    }
    case "!":
    case "!!": {
      const inner = compile(raw, ops, here);
      const one = Array.isArray(raw);
      return op === "!"
        ? (data, scope) => {
            const value = inner(data, scope);
            return !truthy(one ? (value as unknown[])[0] : value);
          }
        : (data, scope) => {
            const value = inner(data, scope);
            return truthy(one ? (value as unknown[])[0] : value);
          };
    }
    case "map":
    case "filter":
    case "all":
    case "none":
    case "some":
      return compileIteration(op, raw, sub, here);
    case "reduce": {
      if (!Array.isArray(raw))
        throw new LogicCompileError("reduce takes an array", here);
      const selector = sub(raw[0], 0);
      const mapper = sub(raw[1], 1);
      const initial = raw.length > 2 ? sub(raw[2], 2) : undefined;
      return (data, scope) => {
        const list = asList(selector(data, scope));
        const step = (accumulator: unknown, current: unknown) =>
          mapper({ accumulator, current }, scope);
        return initial
          ? list.reduce(step, initial(data, scope))
          : list.reduce(step);
      };
    }
    default:
      break;
  }

  // The remaining operators take their arguments evaluated.
  const evaluated = compile(raw, ops, here);
  const binary = comparators[op];
  if (binary) {
    if (!Array.isArray(raw) || raw.length < 2)
      throw new LogicCompileError(`${op} takes two or three arguments`, here);
    const parts = raw.map(sub);
    const strict = op.length === 3;
    if (parts.length === 2) {
      const [a, b] = parts as [Compiled, Compiled];
      return (data, scope) => {
        const prev = a(data, scope);
        return binary(prev, compareCheck(b(data, scope), prev, strict));
      };
    }
    return (data, scope) => {
      let prev = (parts[0] as Compiled)(data, scope);
      for (let i = 1; i < parts.length; i++) {
        const next = compareCheck(
          (parts[i] as Compiled)(data, scope),
          prev,
          strict,
        );
        if (!binary(prev, next)) return false;
        prev = next;
      }
      return true;
    };
  }
  const builtin = builtins[op];
  if (builtin) return (data, scope) => builtin(evaluated(data, scope));
  const custom = ops[op];
  if (custom) {
    if (custom.compile && Array.isArray(raw)) {
      const parts = raw.map(sub);
      const special = custom.compile(parts, parts.map(constantValue));
      if (special) return special;
    }
    return (data, scope) => custom(evaluated(data, scope), data, scope);
  }
  throw new LogicCompileError(`unknown operator ${JSON.stringify(op)}`, path);
}

function compileIteration(
  op: "map" | "filter" | "all" | "none" | "some",
  raw: unknown,
  sub: (value: unknown, i: number) => Compiled,
  here: string,
): Compiled {
  if (!Array.isArray(raw))
    throw new LogicCompileError(`${op} takes an array`, here);
  const selector = sub(raw[0], 0);
  const mapper = sub(raw[1], 1);
  switch (op) {
    case "map":
      return (data, scope) =>
        asList(selector(data, scope)).map((item) => mapper(item, scope));
    case "filter":
      return (data, scope) =>
        asList(selector(data, scope)).filter((item) =>
          truthy(mapper(item, scope)),
        );
    case "all":
      return (data, scope) => {
        const list = asList(selector(data, scope));
        return (
          list.length > 0 && list.every((item) => truthy(mapper(item, scope)))
        );
      };
    case "some":
      return (data, scope) =>
        asList(selector(data, scope)).some((item) =>
          truthy(mapper(item, scope)),
        );
    case "none":
      return (data, scope) =>
        !asList(selector(data, scope)).some((item) =>
          truthy(mapper(item, scope)),
        );
  }
}

function asList(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (!value) return [];
  if (typeof value === "string") return [...value];
  return invalidArguments("an iterator");
}

function missing(keys: unknown[], data: unknown): unknown[] {
  const absent: unknown[] = [];
  for (const key of keys) {
    let current = data;
    let found = true;
    for (const part of splitPath(String(key))) {
      if (!current) {
        found = false;
        break;
      }
      current = (current as Record<string, unknown>)[part];
      if (current === undefined) {
        found = false;
        break;
      }
    }
    if (!found) absent.push(key);
  }
  return absent;
}
