import { didYouMean } from "./did-you-mean.js";
import { describePath } from "./expand.js";
import type { JobOrigin } from "./expand.js";
import {
  ExpressionError,
  contextsOf,
  expressionContexts,
  parseExpression,
  parseTemplate,
  walk,
} from "./expressions.js";
import type { Ast } from "./expressions.js";
import type { Matrix, PipelineConfig } from "./schema.js";
import type { ConfigSource, Path, Problem } from "./source.js";

/** Checks on the expanded pipeline that a schema cannot express: the DAG, expressions, `uses`. */
export interface CheckOptions {
  source: ConfigSource;
  origins: ReadonlyMap<string, JobOrigin>;
  /** Built-in step names (`sluice/scan`...); when absent, `uses` is not checked. */
  knownSteps?: ReadonlySet<string> | undefined;
  /**
   * The problem with a built-in step's `with`, if any (`with.<path>: message`). Not asked for a
   * `with` holding `${{ }}`: its values are known only when the step runs, which checks them then.
   */
  checkWith?:
    | ((uses: string, input: Record<string, unknown>) => string | undefined)
    | undefined;
}

/** The most jobs one matrix may make (GitHub Actions' limit), so planning a run stays small. */
export const maxMatrixCells = 256;

/**
 * The most jobs one run may have, matrix cells counted: a run is recorded in one transaction and
 * planned in memory, and a 10,000-job file used to end in a failed insert after 630 MB.
 */
const maxRunJobs = 1000;

/**
 * An upper bound of the cells a matrix makes: the product of its axes (before `exclude`) plus its
 * `include` entries. The planner expands only matrices the loader let through.
 */
export function matrixSize(matrix: Matrix): number {
  let product = 1;
  let axes = 0;
  for (const [key, values] of Object.entries(matrix)) {
    if (key === "include" || key === "exclude" || !Array.isArray(values))
      continue;
    axes++;
    product *= values.length;
  }
  return (axes > 0 ? product : 0) + (matrix.include?.length ?? 0);
}

/** Built-in step names: `namespace/name`, as the pipeline's step registry requires. */
const builtinStepName = /^[a-z][a-z0-9-]*\/[a-z][a-z0-9-]*$/;

export function checkPipeline(
  config: PipelineConfig,
  options: CheckOptions,
): Problem[] {
  const { source, origins } = options;
  // Enough to fix a file by; collecting every problem of a huge broken file would only cost time.
  const limit = 20;
  const problems: Problem[] = [];
  // A job that only the template wrote has no node in the file: point at `extends`.
  const offset = (path: Path, key = false): number =>
    origins.get(String(path[1])) === "template"
      ? source.offsetOf(["extends"])
      : source.offsetOf(path, { key });
  const stringOffset = (path: Path, index: number): number =>
    origins.get(String(path[1])) === "template"
      ? source.offsetOf(["extends"])
      : source.offsetInString(path, index);

  // What `steps.<id>` and `needs.<id>` may name where the expression sits (undefined: unchecked).
  let scope: { steps?: Set<string>; needs?: Set<string> } = {};
  const references = (path: Path, ast: Ast) => {
    walk(ast, (node) => {
      if (node.kind !== "property" || node.object.kind !== "context") return;
      const context = node.object.name;
      const allowed =
        context === "steps"
          ? scope.steps
          : context === "needs"
            ? scope.needs
            : undefined;
      if (!allowed || allowed.has(node.name)) return;
      const what =
        context === "steps"
          ? `\`steps.${node.name}\`: the job has no step with id \`${node.name}\``
          : `\`needs.${node.name}\`: \`${node.name}\` is not in this job's \`needs\``;
      problems.push(
        source.problem(
          `${what} (in ${describePath(path)})${didYouMean(node.name, allowed)}`,
          stringOffset(path, node.object.start),
        ),
      );
    });
  };
  const expression = (path: Path, text: string, kind: "if" | "template") => {
    try {
      const asts: { ast: Ast }[] =
        kind === "if"
          ? [{ ast: parseExpression(text) }]
          : parseTemplate(text).flatMap((p) =>
              p.kind === "expression" ? [p] : [],
            );
      for (const { ast } of asts) {
        references(path, ast);
        for (const context of contextsOf(ast)) {
          if (expressionContexts.has(context.name)) continue;
          problems.push(
            source.problem(
              `unknown context \`${context.name}\` in ${describePath(path)}${didYouMean(context.name, expressionContexts) || `; contexts are ${[...expressionContexts].join(", ")}`}`,
              stringOffset(path, context.start),
            ),
          );
        }
      }
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      const reason = error.message.replace(/ at column \d+$/, "");
      problems.push(
        source.problem(
          `bad ${kind === "if" ? `\`if\` in ${describePath(path.slice(0, -1))}` : `expression in ${describePath(path)}`}: ${reason}`,
          stringOffset(path, error.offset),
        ),
      );
    }
  };
  const strings = (path: Path, value: unknown) => {
    if (typeof value === "string") {
      if (value.includes("${{")) expression(path, value, "template");
    } else if (Array.isArray(value))
      value.forEach((v, i) => strings([...path, i], v));
    else if (value !== null && typeof value === "object")
      for (const [k, v] of Object.entries(value)) strings([...path, k], v);
  };

  const ids = Object.keys(config.jobs);
  for (const key of ["name", "env"] as const) strings([key], config[key]);
  for (const [id, job] of Object.entries(config.jobs)) {
    if (problems.length >= limit) break;
    const jobPath = ["jobs", id];
    const needs =
      job.needs === undefined
        ? []
        : Array.isArray(job.needs)
          ? job.needs
          : [job.needs];
    needs.forEach((need, k) => {
      if (need === id) {
        problems.push(
          source.problem(
            `job \`${id}\` needs itself`,
            offset([...jobPath, "needs", k]),
          ),
        );
      } else if (!(need in config.jobs)) {
        problems.push(
          source.problem(
            `job \`${id}\` needs \`${need}\`, which is not a job${didYouMean(need, ids) || `; jobs are ${ids.join(", ")}`}`,
            offset([...jobPath, "needs", k]),
          ),
        );
      }
    });
    const allStepIds = new Set(
      job.steps.flatMap((step) => (step.id === undefined ? [] : [step.id])),
    );
    // A job's `if` runs before its steps: `steps` is not checked there (it is empty).
    scope = { needs: new Set(needs) };
    if (job.if !== undefined) expression([...jobPath, "if"], job.if, "if");
    scope = { needs: new Set(needs), steps: allStepIds };
    for (const key of [
      "name",
      "env",
      "working-directory",
      "environment",
      "outputs",
      "concurrency",
    ] as const)
      strings([...jobPath, key], job[key]);

    if (job.matrix) {
      const cells = matrixSize(job.matrix);
      if (cells > maxMatrixCells)
        problems.push(
          source.problem(
            `the matrix of job \`${id}\` makes ${Number.isFinite(cells) ? cells : "too many"} combinations; a matrix may make at most ${maxMatrixCells} (as in GitHub Actions)`,
            offset([...jobPath, "matrix"]),
          ),
        );
    }
    const stepIds = new Set<string>();
    job.steps.forEach((step, i) => {
      const stepPath = [...jobPath, "steps", i];
      if (step.id !== undefined) {
        if (stepIds.has(step.id))
          problems.push(
            source.problem(
              `step id \`${step.id}\` is used twice in job \`${id}\``,
              offset([...stepPath, "id"]),
            ),
          );
        stepIds.add(step.id);
      }
      if (step.if !== undefined) expression([...stepPath, "if"], step.if, "if");
      for (const key of [
        "name",
        "run",
        "with",
        "env",
        "working-directory",
        "cache",
      ] as const)
        strings([...stepPath, key], step[key]);
      if (
        step.uses !== undefined &&
        !options.knownSteps &&
        !builtinStepName.test(step.uses)
      ) {
        problems.push(
          source.problem(
            `\`uses\` in ${describePath(stepPath)} must name a built-in step such as sluice/scan, not ${JSON.stringify(step.uses)}`,
            offset([...stepPath, "uses"]),
          ),
        );
      }
      if (
        step.uses !== undefined &&
        options.knownSteps &&
        !options.knownSteps.has(step.uses)
      ) {
        const known = [...options.knownSteps].sort();
        problems.push(
          source.problem(
            `unknown built-in step \`${step.uses}\` in ${describePath(stepPath)}${didYouMean(step.uses, known) || (known.length > 0 ? `; built-in steps are ${known.join(", ")}` : "; no built-in steps are registered")}`,
            offset([...stepPath, "uses"]),
          ),
        );
      }
      const problem =
        step.uses !== undefined &&
        (!options.knownSteps || options.knownSteps.has(step.uses)) &&
        !JSON.stringify(step.with ?? {}).includes("${{")
          ? options.checkWith?.(step.uses, step.with ?? {})
          : undefined;
      if (problem) {
        problems.push(
          source.problem(
            `${step.uses} in ${describePath(stepPath)}: ${problem}`,
            offset([...stepPath, step.with ? "with" : "uses"], true),
          ),
        );
      }
    });
  }
  const cycle = findCycle(config);
  if (cycle) {
    const first = cycle[0]!;
    const job = config.jobs[first]!;
    const needs = Array.isArray(job.needs) ? job.needs : [job.needs];
    problems.push(
      source.problem(
        `\`needs\` form a cycle: ${
          cycle.length <= 10
            ? cycle.join(" → ")
            : `${cycle.slice(0, 5).join(" → ")} → … → ${cycle.slice(-2).join(" → ")}`
        } → ${first}${cycle.length > 10 ? ` (${cycle.length} jobs)` : ""}`,
        offset(["jobs", first, "needs", Math.max(0, needs.indexOf(cycle[1]))]),
      ),
    );
  }
  let planned = 0;
  for (const job of Object.values(config.jobs)) {
    const cells = job.matrix ? matrixSize(job.matrix) : 1;
    // A matrix over its own limit is reported at the matrix already.
    planned += cells > maxMatrixCells ? 1 : Math.max(1, cells);
  }
  if (planned > maxRunJobs)
    problems.push(
      source.problem(
        `the pipeline makes ${Number.isFinite(planned) ? planned : "too many"} jobs; a run may have at most ${maxRunJobs}`,
        source.offsetOf(["jobs"], { key: true }),
      ),
    );
  return problems;
}

/**
 * The first cycle of `needs` in job order, as the list of its jobs; undefined when it is a DAG.
 * A depth-first walk with its own stack: a chain of 10,000 jobs is legal and must not overflow.
 */
export function findCycle(
  config: Pick<PipelineConfig, "jobs">,
): string[] | undefined {
  const state = new Map<string, "visiting" | "done">();
  const needsOf = (id: string): string[] => {
    const needs = config.jobs[id]?.needs;
    return needs === undefined ? [] : Array.isArray(needs) ? needs : [needs];
  };
  for (const root of Object.keys(config.jobs)) {
    if (state.has(root)) continue;
    // The path from `root` to the job being walked, each with the index of its next need.
    const path: string[] = [root];
    const next: number[] = [0];
    const onPath = new Map<string, number>([[root, 0]]);
    state.set(root, "visiting");
    while (path.length > 0) {
      const top = path.length - 1;
      const id = path[top]!;
      const needs = needsOf(id);
      const i = next[top]!;
      if (i >= needs.length) {
        path.pop();
        next.pop();
        onPath.delete(id);
        state.set(id, "done");
        continue;
      }
      next[top] = i + 1;
      const need = needs[i]!;
      if (need === id || !(need in config.jobs)) continue; // reported as "needs itself" / "not a job"
      const at = onPath.get(need);
      if (at !== undefined) return path.slice(at);
      if (state.has(need)) continue;
      state.set(need, "visiting");
      onPath.set(need, path.length);
      path.push(need);
      next.push(0);
    }
  }
  return undefined;
}
