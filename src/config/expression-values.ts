import { AppError } from "../kernel/index.js";

/**
 * Value semantics of expressions, as in GitHub Actions: falsy values are false, 0, -0, "", null
 * and NaN; `==` between different types compares numbers; strings compare case-insensitively.
 */

/** The result of `a.*`: property access on it maps over its items. */
export class Filtered {
  constructor(readonly items: unknown[]) {}
}

/** Replaces filter results by plain arrays (recursively only at the top). */
export function plain(value: unknown): unknown {
  return value instanceof Filtered ? value.items : value;
}

export function truthy(value: unknown): boolean {
  const v = plain(value);
  if (v === null || v === undefined || v === false || v === "") return false;
  if (typeof v === "number") return v !== 0 && !Number.isNaN(v);
  return true;
}

function toNumber(value: unknown): number {
  const v = plain(value);
  if (v === null || v === undefined) return 0;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number") return v;
  if (typeof v === "string") return v.trim() === "" ? 0 : Number(v.trim());
  return NaN;
}

/** How a value prints inside `${{ }}` and in format(): null is empty, objects are JSON. */
export function toText(value: unknown): string {
  const v = plain(value);
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

function isPrimitive(v: unknown): boolean {
  return v === null || v === undefined || typeof v !== "object";
}

export function looseEquals(a: unknown, b: unknown): boolean {
  const x = plain(a) ?? null;
  const y = plain(b) ?? null;
  if (typeof x === "string" && typeof y === "string")
    return x.toLowerCase() === y.toLowerCase();
  if (!isPrimitive(x) || !isPrimitive(y)) return x === y;
  if (typeof x === typeof y) return x === y;
  return toNumber(x) === toNumber(y);
}

/** `<`, `<=`, `>`, `>=`: strings compare case-insensitively, everything else as numbers. */
export function compare(a: unknown, b: unknown): number {
  const x = plain(a);
  const y = plain(b);
  if (typeof x === "string" && typeof y === "string") {
    const p = x.toLowerCase();
    const q = y.toLowerCase();
    return p < q ? -1 : p > q ? 1 : 0;
  }
  const p = toNumber(x);
  const q = toNumber(y);
  if (Number.isNaN(p) || Number.isNaN(q)) return NaN;
  return p < q ? -1 : p > q ? 1 : 0;
}

/** `object.name`: exact key first, then a case-insensitive match; null when missing. */
export function property(object: unknown, name: string): unknown {
  if (object instanceof Filtered) {
    return new Filtered(
      object.items
        .map((item) => property(item, name))
        .filter((v) => v !== null && v !== undefined),
    );
  }
  if (object === null || typeof object !== "object" || Array.isArray(object))
    return null;
  const record = object as Record<string, unknown>;
  if (Object.hasOwn(record, name)) return record[name] ?? null;
  const lower = name.toLowerCase();
  const key = Object.keys(record).find((k) => k.toLowerCase() === lower);
  return key === undefined ? null : (record[key] ?? null);
}

export function index(object: unknown, key: unknown): unknown {
  if (object instanceof Filtered) {
    return new Filtered(
      object.items
        .map((item) => index(item, key))
        .filter((v) => v !== null && v !== undefined),
    );
  }
  if (Array.isArray(object)) {
    const i = toNumber(key);
    return Number.isInteger(i) && i >= 0 ? (object[i] ?? null) : null;
  }
  return property(object, toText(key));
}

export function filter(object: unknown): Filtered {
  const v = plain(object);
  if (Array.isArray(v)) return new Filtered([...v]);
  if (v !== null && typeof v === "object")
    return new Filtered(Object.values(v));
  return new Filtered([]);
}

/** The built-in functions that need nothing from the outside world. */
export const builtinFunctions: Readonly<
  Record<string, (...args: unknown[]) => unknown>
> = {
  contains(search, item) {
    const s = plain(search);
    if (Array.isArray(s))
      return s.some((element) => looseEquals(element, item));
    return toText(s).toLowerCase().includes(toText(item).toLowerCase());
  },
  startsWith(text, prefix) {
    return toText(text).toLowerCase().startsWith(toText(prefix).toLowerCase());
  },
  endsWith(text, suffix) {
    return toText(text).toLowerCase().endsWith(toText(suffix).toLowerCase());
  },
  format(pattern, ...args) {
    return format(toText(pattern), args);
  },
  join(items, separator) {
    const v = plain(items);
    const sep = separator === undefined ? "," : toText(separator);
    return Array.isArray(v) ? v.map(toText).join(sep) : toText(v);
  },
  toJSON(value) {
    return JSON.stringify(plain(value) ?? null, null, 2);
  },
  fromJSON(text) {
    try {
      return JSON.parse(toText(text)) as unknown;
    } catch {
      throw new AppError("CONFIG_INVALID", "fromJSON(): the text is not JSON");
    }
  },
};

/** GitHub's format(): `{0}` placeholders, `{{` and `}}` for literal braces. */
function format(pattern: string, args: unknown[]): string {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "{" && pattern[i + 1] === "{") {
      out += "{";
      i++;
    } else if (c === "}" && pattern[i + 1] === "}") {
      out += "}";
      i++;
    } else if (c === "{") {
      const m = /^\{(\d+)\}/.exec(pattern.slice(i));
      if (!m)
        throw new AppError(
          "CONFIG_INVALID",
          `format(): bad placeholder at position ${i + 1} of '${pattern}'`,
        );
      const n = Number(m[1]);
      if (n >= args.length)
        throw new AppError(
          "CONFIG_INVALID",
          `format(): '${pattern}' uses {${n}} but has ${args.length} argument${args.length === 1 ? "" : "s"}`,
        );
      out += toText(args[n]);
      i += m[0].length - 1;
    } else if (c === "}") {
      throw new AppError(
        "CONFIG_INVALID",
        `format(): unmatched } at position ${i + 1} of '${pattern}'`,
      );
    } else out += c;
  }
  return out;
}
