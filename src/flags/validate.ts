import { z } from "zod";
import { resolveRefs } from "./evaluator.js";
import { compileLogic, LogicCompileError } from "./logic.js";
import { flagdOperators } from "./operators.js";
import { deeperThan, maxFlagSetDepth } from "./depth.js";
import type { FlagSetDocument } from "./types.js";

/**
 * Flag keys sluice accepts on write: no path characters (`/`, `\`, `..`, `?`, `#`, `%`) and no
 * whitespace, so a key is always one URL path segment. flagd itself allows any non-empty key.
 */
const flagKeyPattern = /^[A-Za-z0-9_$][A-Za-z0-9_.:$-]{0,255}$/;

/** Whether a flag key is acceptable (see `flagKeyPattern`). */
export function isValidFlagKey(key: string): boolean {
  return flagKeyPattern.test(key) && !key.includes("..");
}

const metadataSchema = z.record(
  z.string(),
  z.union([z.string(), z.number(), z.boolean()]),
);

const variantValue = z.union([
  z.boolean(),
  z.number(),
  z.string(),
  z.record(z.string(), z.unknown()),
]);

const flagSchema = z
  .object({
    state: z.enum(["ENABLED", "DISABLED"]),
    variants: z.record(z.string(), variantValue),
    defaultVariant: z.string().nullable().optional(),
    targeting: z.record(z.string(), z.unknown()).optional(),
    metadata: metadataSchema.optional(),
  })
  .strict();

const documentSchema = z
  .object({
    $schema: z.string().optional(),
    flags: z.record(z.string(), flagSchema),
    $evaluators: z.record(z.string(), z.unknown()).optional(),
    metadata: metadataSchema.optional(),
  })
  .strict();

/** One problem found in a flag set, with the JSON path it points at. */
export interface FlagSetProblem {
  path: string;
  message: string;
}

function pathOf(segments: readonly PropertyKey[]): string {
  let out = "$";
  for (const s of segments) {
    out +=
      typeof s === "number"
        ? `[${s}]`
        : /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(String(s))
          ? `.${String(s)}`
          : `[${JSON.stringify(String(s))}]`;
  }
  return out;
}

const valueType = (value: unknown) =>
  typeof value === "object" && value !== null ? "object" : typeof value;

/**
 * Validates a flag set for writing, stricter than flagd's loader: the document shape of
 * flagd's `flags.json` schema, one variant type per flag, a default variant that exists,
 * targeting that compiles (known operators, `$ref`s that exist, `$flagd.flagKey|timestamp`
 * only), fractional weights that are non-negative integers, and literal targeting results that
 * name a variant. Returns every problem found (empty = valid).
 */
export function validateFlagSet(input: unknown): FlagSetProblem[] {
  // Targeting is walked, resolved and compiled recursively: deep input is refused first.
  const deep = deeperThan(input, maxFlagSetDepth);
  if (deep)
    return [
      {
        path: pathOf(deep),
        message: `objects and arrays nest more than ${maxFlagSetDepth} levels deep here; a flag set may nest at most ${maxFlagSetDepth}`,
      },
    ];
  const parsed = documentSchema.safeParse(normalizeFlagSet(input));
  if (!parsed.success) {
    return parsed.error.issues.map((issue) => ({
      path: pathOf(issue.path),
      message: issue.message,
    }));
  }
  const doc = parsed.data;
  const problems: FlagSetProblem[] = [];
  const evaluators = doc.$evaluators ?? {};
  const operators = flagdOperators(2);
  for (const [key, flag] of Object.entries(doc.flags)) {
    const at = (...rest: PropertyKey[]) => pathOf(["flags", key, ...rest]);
    if (!isValidFlagKey(key))
      problems.push({
        path: at(),
        message: `flag key ${JSON.stringify(key)} may hold letters, digits and _ . : - $ only`,
      });
    const variants = Object.entries(flag.variants);
    if (variants.length === 0)
      problems.push({
        path: at("variants"),
        message: "a flag needs at least one variant",
      });
    const firstType = variants[0] ? valueType(variants[0][1]) : undefined;
    for (const [name, value] of variants) {
      if (valueType(value) !== firstType)
        problems.push({
          path: at("variants", name),
          message: `variant ${JSON.stringify(name)} is a ${valueType(value)}, but the flag's variants are ${firstType}s`,
        });
    }
    if (
      flag.defaultVariant &&
      !Object.hasOwn(flag.variants, flag.defaultVariant)
    )
      problems.push({
        path: at("defaultVariant"),
        message: `default variant ${JSON.stringify(flag.defaultVariant)} is not one of the variants`,
      });
    if (flag.targeting && Object.keys(flag.targeting).length > 0) {
      problems.push(...checkRefs(flag.targeting, evaluators, at("targeting")));
      const resolved = resolveRefs(flag.targeting, evaluators);
      try {
        compileLogic(resolved, operators);
      } catch (error) {
        if (error instanceof LogicCompileError)
          problems.push({
            path: at("targeting") + error.path.slice(1),
            message: error.message,
          });
        else throw error;
      }
      problems.push(
        ...checkRule(
          resolved,
          at("targeting"),
          new Set(Object.keys(flag.variants)),
        ),
      );
    }
  }
  return problems;
}

/**
 * flagd's daemon format (`flagd.json`) may list flags as an array of objects with `key`; sluice
 * stores the map form of `flags.json`. Other input (and an array under a `flags.json` `$schema`)
 * is returned as it is.
 */
function normalizeFlagSet(input: unknown): unknown {
  if (!input || typeof input !== "object" || Array.isArray(input)) return input;
  const doc = input as Record<string, unknown>;
  if (!Array.isArray(doc.flags)) return input;
  // A document that declares flags.json promised the map form; only flagd.json has arrays.
  if (typeof doc.$schema === "string" && !doc.$schema.endsWith("flagd.json"))
    return input;
  const flags: Record<string, unknown> = {};
  for (const item of doc.flags) {
    if (
      !item ||
      typeof item !== "object" ||
      typeof (item as { key?: unknown }).key !== "string"
    )
      return input;
    const { key, ...flag } = item as Record<string, unknown>;
    flags[key as string] = flag;
  }
  const { $schema: _schema, ...rest } = doc;
  return { ...rest, flags };
}

/** A parsed, valid document (normalized to the map form), or the problems. */
export function parseFlagSet(
  input: unknown,
):
  | { ok: true; document: FlagSetDocument }
  | { ok: false; problems: FlagSetProblem[] } {
  const problems = validateFlagSet(input);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, document: normalizeFlagSet(input) as FlagSetDocument };
}

function checkRefs(
  rule: unknown,
  evaluators: Record<string, unknown>,
  path: string,
): FlagSetProblem[] {
  const out: FlagSetProblem[] = [];
  const walk = (node: unknown, here: string) => {
    if (Array.isArray(node))
      node.forEach((item, i) => walk(item, `${here}[${i}]`));
    else if (node && typeof node === "object") {
      const record = node as Record<string, unknown>;
      if (
        typeof record.$ref === "string" &&
        !Object.hasOwn(evaluators, record.$ref)
      )
        out.push({
          path: `${here}.$ref`,
          message: `$ref to an unknown evaluator ${JSON.stringify(record.$ref)}`,
        });
      for (const [k, v] of Object.entries(record)) walk(v, `${here}.${k}`);
    }
  };
  walk(rule, path);
  return out;
}

const semVerOperators = new Set(["=", "!=", ">", "<", ">=", "<=", "~", "^"]);

/** Static checks the compiler does not make: operator arguments and literal variant names. */
function checkRule(
  rule: unknown,
  path: string,
  variants: Set<string>,
): FlagSetProblem[] {
  const out: FlagSetProblem[] = [];
  const isRule = (v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v);
  const resultLiteral = (value: unknown, here: string) => {
    if (typeof value === "string" || typeof value === "boolean") {
      if (!variants.has(String(value)))
        out.push({
          path: here,
          message: `targeting returns ${JSON.stringify(value)}, which is not a variant`,
        });
    }
  };
  const walk = (node: unknown, here: string, isResult: boolean) => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, `${here}[${i}]`, false));
      return;
    }
    if (!isRule(node)) {
      if (isResult) resultLiteral(node, here);
      return;
    }
    const [op, raw] = Object.entries(node as Record<string, unknown>)[0] ?? [];
    if (op === undefined) return;
    const args = Array.isArray(raw) ? raw : [raw];
    const at = `${here}.${op}`;
    if (op === "var") {
      const name = args[0];
      if (
        typeof name === "string" &&
        name.startsWith("$flagd.") &&
        !/^\$flagd\.(flagKey|timestamp)$/.test(name)
      )
        out.push({
          path: at,
          message: `${name} does not exist: $flagd has flagKey and timestamp`,
        });
    } else if (op === "starts_with" || op === "ends_with") {
      if (args.length !== 2)
        out.push({ path: at, message: `${op} takes two arguments` });
      args.forEach((a, i) => {
        if (!isRule(a) && typeof a !== "string")
          out.push({ path: `${at}[${i}]`, message: `${op} compares strings` });
      });
    } else if (op === "sem_ver") {
      if (args.length !== 3)
        out.push({
          path: at,
          message: "sem_ver takes [version, operator, version]",
        });
      else {
        if (!isRule(args[1]) && !semVerOperators.has(String(args[1])))
          out.push({
            path: `${at}[1]`,
            message: `sem_ver operator must be one of ${[...semVerOperators].join(" ")}`,
          });
        for (const i of [0, 2]) {
          const v = args[i];
          if (
            typeof v === "string" &&
            !/^[vV]?\d+(\.\d+){0,2}([-+].*)?$/.test(v)
          )
            out.push({
              path: `${at}[${i}]`,
              message: `${JSON.stringify(v)} is not a semantic version`,
            });
        }
      }
    } else if (op === "fractional") {
      const buckets = args.filter((a) => Array.isArray(a)) as unknown[][];
      if (args.length > 0 && !Array.isArray(args[0]) && !isRule(args[0]))
        out.push({
          path: `${at}[0]`,
          message:
            'the bucketing value must be a rule such as {"var": "email"}',
        });
      if (args.slice(1).some((a) => !Array.isArray(a)))
        out.push({
          path: at,
          message: "fractional takes [bucketing value?, [variant, weight]...]",
        });
      buckets.forEach((bucket) => {
        const i = args.indexOf(bucket);
        const weight = bucket[1];
        if (bucket.length === 0 || bucket.length > 2)
          out.push({
            path: `${at}[${i}]`,
            message: "a bucket is [variant] or [variant, weight]",
          });
        if (
          bucket.length === 2 &&
          !isRule(weight) &&
          (typeof weight !== "number" ||
            !Number.isInteger(weight) ||
            weight < 0)
        )
          out.push({
            path: `${at}[${i}][1]`,
            message: "a weight is a non-negative integer (or a rule)",
          });
        if (isResult) resultLiteral(bucket[0], `${at}[${i}][0]`);
        walk(bucket[0], `${at}[${i}][0]`, false);
        if (bucket.length === 2) walk(weight, `${at}[${i}][1]`, false);
      });
      if (!Array.isArray(args[0])) walk(args[0], `${at}[0]`, false);
      return;
    } else if (op === "if" || op === "?:") {
      args.forEach((a, i) => {
        const branch =
          args.length === 1 ? false : i % 2 === 1 || i === args.length - 1;
        walk(a, `${at}[${i}]`, isResult && branch);
      });
      return;
    }
    args.forEach((a, i) =>
      walk(a, Array.isArray(raw) ? `${at}[${i}]` : at, false),
    );
  };
  walk(rule, path, true);
  return out;
}
