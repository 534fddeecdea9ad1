// The CEL adapter of the policy (@marcbachmann/cel-js, ADR 100): facts are declared variables,
// so an unknown name or a non-bool rule is refused by the type checker before anything runs.
import { Environment } from "@marcbachmann/cel-js";
import { globMatch } from "./classify.js";
import { factNames, factTypes } from "./facts.js";
import type { FactName, Facts } from "./facts.js";

/** Builds the environment every rule is checked and run in. */
function createEnvironment(): Environment {
  let env = new Environment({ homogeneousAggregateLiterals: false });
  for (const name of factNames)
    env = env.registerVariable(name, factTypes[name]);
  return env.registerFunction(
    "glob(string, string): bool",
    (path: string, pattern: string) => globMatch(path, pattern),
  );
}

const environment = createEnvironment();

/** A rule's expression, checked and ready to run. */
export interface CompiledExpression {
  /** The facts the expression reads, in catalogue order. */
  facts: FactName[];
  /** Runs it over facts converted with {@link celContext}; throws when evaluation fails. */
  run(context: Record<string, unknown>): unknown;
}

/** Why an expression was refused: a message and the 0-based offset in the expression. */
export interface ExpressionProblem {
  message: string;
  index: number;
  kind: "syntax" | "type";
}

/** Parses and type-checks an expression that must give a bool. */
export function compileExpression(
  expression: string,
): CompiledExpression | ExpressionProblem {
  let parsed: ReturnType<Environment["parse"]>;
  try {
    parsed = environment.parse(expression);
  } catch (error) {
    return problemOf(error, "syntax");
  }
  const checked = parsed.check();
  if (!checked.valid) return problemOf(checked.error, "type");
  if (checked.type !== "bool")
    return {
      kind: "type",
      index: 0,
      message: `gives ${checked.type ?? "an unknown type"}, not a bool`,
    };
  const used = new Set<string>();
  collectIdentifiers(parsed.ast, used);
  return {
    facts: factNames.filter((name) => used.has(name)),
    run: (context) => parsed(context),
  };
}

function problemOf(
  error: unknown,
  kind: ExpressionProblem["kind"],
): ExpressionProblem {
  const e = error as
    | { summary?: string; message?: string; range?: { start: number } }
    | undefined;
  return {
    kind,
    index: e?.range?.start ?? 0,
    message: e?.summary ?? e?.message?.split("\n")[0] ?? "invalid",
  };
}

/** Every `id` of the AST (comprehension variables too; callers intersect with fact names). */
function collectIdentifiers(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) {
    for (const child of node) collectIdentifiers(child, out);
    return;
  }
  if (typeof node !== "object" || node === null) return;
  const { op, args } = node as { op?: unknown; args?: unknown };
  if (op === "id" && typeof args === "string") out.add(args);
  else collectIdentifiers(args, out);
}

/** The facts as CEL values: `int` facts become BigInt, as the engine's `int` is (and in maps). */
export function celContext(facts: Facts): Record<string, unknown> {
  const context: Record<string, unknown> = {};
  for (const name of factNames) {
    const value = facts[name];
    if (value === undefined) continue;
    const type = factTypes[name];
    if (type === "int") context[name] = BigInt(Math.trunc(value as number));
    else if (type === "map<string, int>")
      context[name] = Object.fromEntries(
        Object.entries(value as Record<string, number>).map(([k, v]) => [
          k,
          BigInt(Math.trunc(v)),
        ]),
      );
    else if (name === "fileStats")
      context[name] = (value as Facts["fileStats"])!.map((f) => ({
        path: f.path,
        added: BigInt(f.added),
        removed: BigInt(f.removed),
      }));
    else context[name] = value;
  }
  return context;
}
