import type { z } from "zod";
import { didYouMean } from "./did-you-mean.js";
import type { ConfigSource, Path, Problem } from "./source.js";

/**
 * Turns zod issues into one readable problem each, located in the file: never a zod dump. `root`
 * is where the validated value sits in the file (`[]` for the file, `["with"]` for template inputs).
 */
export interface IssueScope {
  source: ConfigSource;
  schema: z.ZodType;
  /** The value that was validated. */
  value: unknown;
  root: Path;
  /** Names the owner of a path relative to root, e.g. `job \`build\``. */
  describe(path: Path): string;
}

type Issue = z.core.$ZodIssue;

export function problemsFromIssues(
  scope: IssueScope,
  issues: readonly Issue[],
): Problem[] {
  return issues.flatMap((issue) => fromIssue(scope, issue, []));
}

function fromIssue(scope: IssueScope, issue: Issue, base: Path): Problem[] {
  const path: Path = [...base, ...(issue.path as (string | number)[])];
  const full = [...scope.root, ...path];
  const value = valueAt(scope.value, path);
  const where = scope.describe(path);
  const at = (offset: number, message: string) =>
    scope.source.problem(message, offset);
  const here = () => scope.source.offsetOf(full);

  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) =>
        at(
          scope.source.offsetOf([...full, key], { key: true }),
          `unknown ${scope.root[0] === "with" && path.length === 0 ? "input" : "key"} \`${key}\` ${inWhere(scope.describe(path), path)}${didYouMean(key, allowedKeys(scope.schema, path))}`,
        ),
      );
    case "invalid_type":
      if (value === undefined) {
        const parent = path.slice(0, -1);
        return [
          at(
            scope.source.offsetOf([...scope.root, ...parent]),
            `${capitalise(scope.describe(parent))} has no \`${String(path[path.length - 1])}\``,
          ),
        ];
      }
      return [
        at(
          here(),
          `${where} must be ${expected(issue.expected)}, not ${kindOf(value)}`,
        ),
      ];
    case "invalid_value":
      return [
        at(
          here(),
          `${where} must be ${issue.values.length === 1 ? "" : "one of "}${issue.values.map((v) => JSON.stringify(v)).join(", ")}, not ${show(value)}`,
        ),
      ];
    case "invalid_format":
    case "custom":
      if (issue.message === "a step has either `run` or `uses`") {
        const both = isRecord(value) && "run" in value && "uses" in value;
        return [
          at(
            here(),
            both
              ? `${capitalise(where)} has both \`run\` and \`uses\`; keep one`
              : `${capitalise(where)} has neither \`run\` nor \`uses\``,
          ),
        ];
      }
      return [
        at(
          here(),
          issue.message.startsWith("Invalid")
            ? `${where} is not valid: ${show(value)}`
            : `${where} must be ${issue.message}, not ${show(value)}`,
        ),
      ];
    case "too_small":
      if (issue.origin === "array" && Number(issue.minimum) === 1)
        return [at(here(), `${where} is empty`)];
      if (issue.origin === "string" && Number(issue.minimum) === 1)
        return [at(here(), `${where} is empty`)];
      return [at(here(), `${where} must be at least ${String(issue.minimum)}`)];
    case "too_big":
      return [at(here(), `${where} must be at most ${String(issue.maximum)}`)];
    case "invalid_key": {
      const key = String(path[path.length - 1]);
      const reason = issue.issues[0]?.message ?? "not valid";
      return [
        at(
          scope.source.offsetOf(full, { key: true }),
          `\`${key}\` is not a valid id: use ${reason.replace(/^a job id of /, "")}`,
        ),
      ];
    }
    case "invalid_union":
      return fromUnion(scope, issue.errors, path, value, where, here());
    default:
      return [at(here(), `${where} is not valid`)];
  }
}

function fromUnion(
  scope: IssueScope,
  branches: Issue[][],
  path: Path,
  value: unknown,
  where: string,
  offset: number,
): Problem[] {
  // A branch whose only complaint is the value's type at the union itself did not fit at all;
  // another branch that got further explains the real problem.
  const mismatch = (b: Issue[]) =>
    b.every(
      (i) =>
        i.path.length === 0 &&
        (i.code === "invalid_type" || i.code === "invalid_value"),
    );
  const fitting = branches.filter((b) => !mismatch(b));
  if (fitting.length > 0) {
    const best = fitting.reduce((a, b) => (b.length < a.length ? b : a));
    return best.flatMap((i) => fromIssue(scope, i, path));
  }
  const wanted = [
    ...new Set(
      branches
        .flat()
        .map((i) =>
          i.code === "invalid_type"
            ? expected(i.expected)
            : i.code === "invalid_value"
              ? i.values.map((v) => JSON.stringify(v)).join(" or ")
              : "something else",
        ),
    ),
  ];
  return [
    scope.source.problem(
      `${where} must be ${wanted.join(" or ")}, not ${kindOf(value)}`,
      offset,
    ),
  ];
}

function inWhere(owner: string, path: Path): string {
  return path.length === 0 && owner === "the file"
    ? "at the top level"
    : `in ${owner}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function expected(type: string): string {
  switch (type) {
    case "string":
      return "a string";
    case "number":
    case "int":
      return type === "int" ? "a whole number" : "a number";
    case "boolean":
      return "true or false";
    case "array":
    case "tuple":
      return "a list";
    case "object":
    case "record":
    case "map":
      return "a mapping";
    case "null":
      return "empty";
    default:
      return `a ${type}`;
  }
}

/** How a YAML value reads to a user: a string, a number, a list, a mapping, empty. */
function kindOf(value: unknown): string {
  if (value === null || value === undefined) return "empty";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "boolean") return `${value}`;
  if (typeof value === "number") return `the number ${value}`;
  return `the string ${JSON.stringify(value)}`;
}

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  return kindOf(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function valueAt(value: unknown, path: Path): unknown {
  let v = value;
  for (const key of path) {
    if (Array.isArray(v) && typeof key === "number") v = v[key];
    else if (isRecord(v)) v = v[String(key)];
    else return undefined;
  }
  return v;
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  valueType?: z.ZodType;
  element?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
  getter?: () => z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The object schemas reachable at `path` (unwrapping optional, default, pipe, union). */
function schemasAt(schema: z.ZodType, path: Path): z.ZodType[] {
  const def = defOf(schema);
  const inner =
    def.innerType ??
    def.in ??
    (def.type === "lazy" ? def.getter?.() : undefined);
  if (inner) return schemasAt(inner, path);
  if (def.type === "union")
    return (def.options ?? []).flatMap((o) => schemasAt(o, path));
  if (path.length === 0) return [schema];
  const [head, ...rest] = path;
  if (def.type === "object") {
    const child = def.shape?.[String(head)];
    return child ? schemasAt(child, rest) : [];
  }
  if (def.type === "record")
    return def.valueType ? schemasAt(def.valueType, rest) : [];
  if (def.type === "array")
    return def.element ? schemasAt(def.element, rest) : [];
  return [];
}

/** The keys an object at `path` allows, for did-you-mean on an unknown key. */
export function allowedKeys(schema: z.ZodType, path: Path): string[] {
  return schemasAt(schema, path).flatMap((s) => {
    const def = defOf(s);
    return def.type === "object" ? Object.keys(def.shape ?? {}) : [];
  });
}
