/**
 * The eager built-in operators of JSON Logic and their number coercion, as json-logic-engine 5
 * implements them (what @openfeature/flagd-core runs): `logic.ts` compiles rules around them.
 */

/** A rule failed while running (json-logic-engine throws NaN or "Invalid Arguments" here). */
class LogicRuntimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LogicRuntimeError";
  }
}

const nan = (): never => {
  throw new LogicRuntimeError("not a number");
};
export const invalidArguments = (op: string): never => {
  throw new LogicRuntimeError(`invalid arguments to ${op}`);
};

function precoerceNumber(item: unknown): unknown {
  if (Number.isNaN(item)) nan();
  if (!item) return item;
  if (typeof item === "object") nan();
  return item;
}

/** json-logic-engine's `compareCheck`: both strings (or null) compare as they are. */
export function compareCheck(
  item: unknown,
  prev: unknown,
  strict: boolean,
): unknown {
  if (
    strict ||
    ((typeof item === "string" || item === null) &&
      (typeof prev === "string" || prev === null))
  )
    return item;
  if (Number.isNaN(+(precoerceNumber(item) as number)) && prev !== null) nan();
  if (Number.isNaN(+(precoerceNumber(prev) as number))) nan();
  if (prev === null && !item) return null;
  if (item === null && !prev) return 0;
  return item;
}

type Compare = (a: any, b: any) => boolean; // eslint-disable-line @typescript-eslint/no-explicit-any
export const comparators: Record<string, Compare> = {
  "==": (a, b) => a == b,
  "===": (a, b) => a === b,
  "!=": (a, b) => a != b,
  "!==": (a, b) => a !== b,
  "<": (a, b) => a < b,
  "<=": (a, b) => a <= b,
  ">": (a, b) => a > b,
  ">=": (a, b) => a >= b,
};

/** Eager built-ins, as json-logic-engine implements them. */
export const builtins: Record<string, (args: unknown) => unknown> = {
  "+": (data) => {
    if (!data) return 0;
    if (
      typeof data === "string" ||
      typeof data === "number" ||
      typeof data === "boolean"
    )
      return precoerceNumber(+data);
    if (!Array.isArray(data)) return nan();
    let res = 0;
    for (const item of data) {
      if (item && typeof item === "object") nan();
      res += +item;
    }
    return Number.isNaN(res) ? nan() : res;
  },
  "*": (data) => {
    const list = Array.isArray(data) ? data : [data];
    let res = 1;
    for (const item of list) {
      if (item && typeof item === "object") nan();
      res *= +item;
    }
    return Number.isNaN(res) ? nan() : res;
  },
  "-": (data) => {
    if (!data) return 0;
    if (
      typeof data === "string" ||
      typeof data === "number" ||
      typeof data === "boolean"
    )
      return precoerceNumber(-data);
    if (!Array.isArray(data)) return nan();
    if (data[0] && typeof data[0] === "object") nan();
    if (data.length === 0) invalidArguments("-");
    if (data.length === 1) return -data[0];
    let res = data[0];
    for (let i = 1; i < data.length; i++) {
      if (data[i] && typeof data[i] === "object") nan();
      res -= +data[i];
    }
    return Number.isNaN(res) ? nan() : res;
  },
  "/": (data) => {
    const list = Array.isArray(data) ? data : [data];
    if (list[0] && typeof list[0] === "object") nan();
    if (list.length === 0) invalidArguments("/");
    if (list.length === 1) return !+list[0] ? nan() : 1 / +list[0];
    let res = +list[0];
    for (let i = 1; i < list.length; i++) {
      if ((list[i] && typeof list[i] === "object") || !list[i]) nan();
      res /= +list[i];
    }
    return Number.isNaN(res) || res === Infinity ? nan() : res;
  },
  "%": (data) => {
    const list = Array.isArray(data) ? data : [data];
    if (list[0] && typeof list[0] === "object") nan();
    if (list.length < 2) invalidArguments("%");
    let res = +list[0];
    for (let i = 1; i < list.length; i++) {
      if (list[i] && typeof list[i] === "object") nan();
      res %= +list[i];
    }
    return Number.isNaN(res) ? nan() : res;
  },
  max: (data) => extreme(data, "max", (a, b) => b > a),
  min: (data) => extreme(data, "min", (a, b) => b < a),
  in: (data) => {
    const [item, container] = Array.isArray(data) ? data : [data];
    if (!container) return false;
    if (typeof container === "string" || Array.isArray(container))
      return (container as string).includes(item as string);
    return invalidArguments("in");
  },
  cat: (data) => {
    if (typeof data === "string") return data;
    if (!Array.isArray(data))
      return data === null || data === undefined ? "" : String(data);
    let res = "";
    for (const item of data) {
      if (item === null || item === undefined) continue;
      res += String(item);
    }
    return res;
  },
  substr: (data) => {
    const [text, from, end] = Array.isArray(data) ? data : [data];
    const s = String(text ?? "");
    const start = Number(from ?? 0);
    const begin = start < 0 ? Math.max(s.length + start, 0) : start;
    if (end === undefined || end === null) return s.slice(begin);
    const length = Number(end);
    if (length < 0) return s.slice(begin, Math.max(s.length + length, begin));
    return s.slice(begin, begin + length);
  },
  merge: (data) => {
    if (!Array.isArray(data)) return [data];
    const result: unknown[] = [];
    for (const item of data) {
      if (Array.isArray(item)) result.push(...item);
      else result.push(item);
    }
    return result;
  },
};

function extreme(
  data: unknown,
  op: string,
  better: (a: number, b: number) => boolean,
): unknown {
  const list = Array.isArray(data) ? data : [data];
  if (!list.length || typeof list[0] !== "number") invalidArguments(op);
  let best = list[0] as number;
  for (let i = 1; i < list.length; i++) {
    if (typeof list[i] !== "number") invalidArguments(op);
    if (better(best, list[i] as number)) best = list[i] as number;
  }
  return best;
}
