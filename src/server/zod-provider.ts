import type { FastifyTypeProvider } from "fastify";
import type { z } from "zod";

/**
 * Types a route's request from its zod schemas (`params`, `querystring`, `body`): handlers read
 * the parsed values, no casts. The server's validator compiler (app.ts) does the parsing; a
 * route module opts in with `server.withTypeProvider<ZodTypeProvider>()`.
 */
export interface ZodTypeProvider extends FastifyTypeProvider {
  readonly validator: this["schema"] extends z.ZodType
    ? z.output<this["schema"]>
    : unknown;
  readonly serializer: this["schema"] extends z.ZodType
    ? z.input<this["schema"]>
    : unknown;
}

/** Whether a value passes a schema; true only when zod's `safeParse` would succeed too. */
type Check = (value: unknown) => boolean;

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
};

/**
 * A check of `schema` that builds nothing: zod's `safeParse` copies the whole value to give its
 * output, which a response check throws away (issue 11 bench: most of the OFREP answer's check
 * was that copy and its garbage). It covers the plain shapes response schemas use (objects,
 * records, arrays, unions, optional, nullable, literal, enum, string, number, boolean, unknown)
 * without refinements, and is stricter where unsure (plain objects only). A value it does not
 * pass is not refused by it: the caller asks zod, which decides and names the issue. Other
 * schemas (transforms, checks, pipes) always go to zod.
 */
export function compileCheck(schema: z.ZodType): Check {
  const fast = compile(schema, false);
  return fast ?? ((value) => schema.safeParse(value).success);
}

/**
 * A check that `value` is already what zod's `safeParse` would answer for it: it passes, and
 * zod would drop nothing (no key outside an object's shape) and change nothing (no transform,
 * default or coercion), so the request's own value can stand for zod's copy (issue 11 bench:
 * the OFREP key's params). Unions are not compiled (zod answers the first option that passes,
 * which may drop keys another option keeps). Undefined when the schema is not such a plain shape;
 * a value it does not pass goes to zod, which decides and names the issue.
 */
export function compileUnchangedCheck(schema: z.ZodType): Check | undefined {
  return compile(schema, true);
}

/** Zod v4's definition of a schema, as far as `compile` reads it. */
interface Def {
  type: string;
  checks?: unknown[];
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  values?: unknown[];
  entries?: Record<string, unknown>;
}

function defOf(schema: unknown): Def | undefined {
  const def = (schema as { _zod?: { def?: Def } } | null)?._zod?.def;
  if (!def || (def.checks !== undefined && def.checks.length > 0))
    return undefined;
  return def;
}

/** `exact`: also refuse what zod would pass changed (see `compileUnchangedCheck`). */
function compile(schema: z.ZodType, exact: boolean): Check | undefined {
  const def = defOf(schema);
  if (!def) return undefined;
  switch (def.type) {
    case "string":
      return (value) => typeof value === "string";
    case "number":
      return (value) => typeof value === "number" && Number.isFinite(value);
    case "boolean":
      return (value) => typeof value === "boolean";
    case "unknown":
    case "any":
      return () => true;
    case "undefined":
      return (value) => value === undefined;
    case "literal": {
      const values = def.values ?? [];
      return (value) => values.includes(value);
    }
    case "enum": {
      const values = Object.values(def.entries ?? {});
      return (value) => values.includes(value);
    }
    case "optional":
    case "nullable": {
      const inner = def.innerType && compile(def.innerType, exact);
      if (!inner) return undefined;
      const empty = def.type === "optional" ? undefined : null;
      return (value) => value === empty || inner(value);
    }
    case "array": {
      const item = def.element && compile(def.element, exact);
      if (!item) return undefined;
      return (value) => Array.isArray(value) && value.every((v) => item(v));
    }
    case "union": {
      if (exact) return undefined;
      const options = (def.options ?? []).map((o) => compile(o, false));
      if (options.length === 0 || options.some((o) => !o)) return undefined;
      const checks = options as Check[];
      return (value) => checks.some((check) => check(value));
    }
    case "record":
      return compileRecord(def, exact);
    case "object":
      return compileObject(def, exact);
    default:
      return undefined;
  }
}

/** `z.record(z.string(), V)`: a plain object whose every value passes V. */
function compileRecord(def: Def, exact: boolean): Check | undefined {
  const key = defOf(def.keyType);
  const item = def.valueType && compile(def.valueType, exact);
  if (key?.type !== "string" || !item) return undefined;
  return (value) => {
    if (!isPlainObject(value)) return false;
    if (Object.getOwnPropertySymbols(value).length > 0) return false;
    for (const k in value) if (!item(value[k])) return false;
    return true;
  };
}

/**
 * `z.object(shape)`: each key passes its schema. Extra keys are allowed (zod strips them),
 * unless `exact`, where a key outside the shape fails (zod's answer would lack it).
 */
function compileObject(def: Def, exact: boolean): Check | undefined {
  if (def.catchall !== undefined || !def.shape) return undefined;
  const keys: { key: string; optional: boolean; check: Check }[] = [];
  for (const [key, field] of Object.entries(def.shape)) {
    const check = compile(field, exact);
    if (!check) return undefined;
    keys.push({ key, optional: defOf(field)?.type === "optional", check });
  }
  const known = new Set(keys.map(({ key }) => key));
  return (value) => {
    if (!isPlainObject(value)) return false;
    for (const { key, optional, check } of keys) {
      const field = value[key];
      // A required key left out (or undefined): zod decides.
      if (field === undefined ? !optional : !check(field)) return false;
    }
    if (exact) for (const key in value) if (!known.has(key)) return false;
    return true;
  };
}
