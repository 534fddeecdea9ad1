import { AppError, durationHint, parseDuration } from "../kernel/index.js";
import { interpolate } from "../config/index.js";
import type { Job, PipelineConfig, Step } from "../config/index.js";
import { cellKey, expandMatrix } from "./matrix.js";
import type { MatrixCell } from "./matrix.js";
import type {
  Plan,
  PlannedJob,
  PlannedStep,
  RetryPolicy,
  TriggerFacts,
} from "./ports.js";

/**
 * Plans a run: expands every matrix into cells, resolves `needs` onto the cells' keys, evaluates
 * concurrency group keys, and orders the jobs topologically (config order among equals). Pure: it
 * reads only the config and the trigger facts. Job `if` conditions stay for the scheduler.
 */
export function plan(config: PipelineConfig, facts: TriggerFacts): Plan {
  const pipelineEnv = stringRecord(config.env);
  const cellsById = new Map<string, { key: string; cell?: MatrixCell }[]>();
  for (const [id, job] of Object.entries(config.jobs)) {
    cellsById.set(
      id,
      job.matrix
        ? expandMatrix(job.matrix, id).map((cell) => ({
            key: cellKey(id, cell),
            cell,
          }))
        : [{ key: id }],
    );
  }

  const jobs: PlannedJob[] = [];
  for (const [id, job] of Object.entries(config.jobs)) {
    const needIds = job.needs === undefined ? [] : [job.needs].flat();
    const needs = needIds.flatMap((need) => {
      const cells = cellsById.get(need);
      if (!cells) {
        throw new AppError(
          "CONFIG_INVALID",
          `job ${id} needs ${need}, which is not a job`,
        );
      }
      return cells.map((c) => c.key);
    });
    const cells = cellsById.get(id) ?? [];
    for (const { key, cell } of cells) {
      jobs.push(
        planJob(id, key, job, cell, cells.length > 1 || cell !== undefined, {
          needIds,
          needs,
          pipelineEnv,
          facts,
        }),
      );
    }
  }
  return {
    name: config.name,
    facts,
    maxParallel: config["max-parallel"],
    jobs: topologicalOrder(jobs),
  };
}

interface JobContext {
  needIds: string[];
  needs: string[];
  pipelineEnv: Record<string, string>;
  facts: TriggerFacts;
}

function planJob(
  id: string,
  key: string,
  job: Job,
  cell: MatrixCell | undefined,
  isMatrix: boolean,
  ctx: JobContext,
): PlannedJob {
  const env = { ...ctx.pipelineEnv, ...stringRecord(job.env) };
  const jobRetry = retryPolicy(job.retry);
  const planned: PlannedJob = {
    key,
    id,
    name: job.name ?? key,
    needs: ctx.needs,
    needIds: ctx.needIds,
    if: job.if,
    matrix: cell,
    env,
    workingDirectory: job["working-directory"],
    environment: job.environment,
    ...(job.secrets && {
      secrets: job.secrets.map((s) =>
        typeof s === "string"
          ? { name: s, file: false }
          : { name: s.name, file: s.file ?? false },
      ),
    }),
    timeoutMs:
      job.timeout === undefined
        ? undefined
        : durationMs(job.timeout, "timeout"),
    continueOnError: job["continue-on-error"] ?? false,
    failFast: isMatrix && (job["fail-fast"] ?? true),
    maxParallel: isMatrix ? job["max-parallel"] : undefined,
    outputs: { ...(job.outputs ?? {}) },
    steps: job.steps.map((step, position) =>
      planStep(step, position, jobRetry),
    ),
  };
  if (job.concurrency !== undefined) {
    const spec =
      typeof job.concurrency === "string"
        ? { group: job.concurrency }
        : job.concurrency;
    const context = {
      branch: ctx.facts.branch ?? "",
      event: ctx.facts.event,
      commit: ctx.facts.commit ?? "",
      inputs: ctx.facts.inputs ?? {},
      matrix: cell ?? {},
      env,
    };
    planned.concurrency = {
      // Groups compare case-insensitively, as in GitHub.
      group: interpolate(spec.group, context).toLowerCase(),
      cancelInProgress:
        ("cancel-in-progress" in spec && spec["cancel-in-progress"]) || false,
    };
  }
  if (job.artifacts) {
    const base = job.artifacts.name ?? id;
    planned.artifacts = {
      name: isMatrix ? `${base}${key.slice(id.length)}` : base,
      paths: job.artifacts.paths,
    };
  }
  return planned;
}

function planStep(
  step: Step,
  position: number,
  jobRetry: RetryPolicy,
): PlannedStep {
  return {
    position,
    id: step.id,
    name: step.name ?? stepName(step),
    run: step.run,
    uses: step.uses,
    with: { ...(step.with ?? {}) },
    env: stringRecord(step.env),
    if: step.if,
    shell: step.shell,
    workingDirectory: step["working-directory"],
    timeoutMs:
      step.timeout === undefined
        ? undefined
        : durationMs(step.timeout, "timeout"),
    retry: step.retry === undefined ? jobRetry : retryPolicy(step.retry),
    continueOnError: step["continue-on-error"] ?? false,
    cache: step.cache && {
      key: step.cache.key,
      restoreKeys: step.cache["restore-keys"] ?? [],
      paths: step.cache.paths,
      skipIfHit: step.cache["skip-if-hit"] ?? false,
    },
  };
}

function stepName(step: Step): string {
  if (step.uses) return step.uses;
  const first = (step.run ?? "").trim().split("\n")[0] ?? "";
  return first.length > 60 ? `${first.slice(0, 57)}...` : first;
}

function retryPolicy(retry: Job["retry"]): RetryPolicy {
  if (retry === undefined) return { max: 0, delayMs: 0 };
  if (typeof retry === "number") return { max: retry, delayMs: 0 };
  return {
    max: retry.max,
    delayMs:
      retry.delay === undefined ? 0 : durationMs(retry.delay, "retry.delay"),
  };
}

/**
 * A duration the schema has already checked; a config built in code without the schema gets
 * CONFIG_INVALID naming the field.
 */
function durationMs(text: string, field: string): number {
  const ms = parseDuration(text);
  if (ms === undefined)
    throw new AppError(
      "CONFIG_INVALID",
      `${field} must be ${durationHint}, not ${JSON.stringify(text)}`,
    );
  return ms;
}

function stringRecord(
  env: Record<string, string> | undefined,
): Record<string, string> {
  return { ...(env ?? {}) };
}

/**
 * Kahn's algorithm in rounds: each round takes every job whose needs are all done, in config
 * order; a cycle is a config error. Linear in jobs and needs (a chain of 10,000 jobs is legal).
 */
function topologicalOrder(jobs: PlannedJob[]): PlannedJob[] {
  const position = new Map(jobs.map((j, i) => [j.key, i]));
  const waiting = jobs.map(() => 0);
  const dependents = jobs.map((): number[] => []);
  jobs.forEach((job, i) => {
    for (const need of new Set(job.needs)) {
      const at = position.get(need);
      // A need that names no job never becomes done: the job is stuck, reported as a cycle.
      waiting[i]! += 1;
      if (at !== undefined) dependents[at]!.push(i);
    }
  });
  const ordered: PlannedJob[] = [];
  let round = jobs.flatMap((_, i) => (waiting[i] === 0 ? [i] : []));
  while (round.length > 0) {
    const nextRound: number[] = [];
    for (const i of round) {
      ordered.push(jobs[i]!);
      for (const d of dependents[i]!)
        if (--waiting[d]! === 0) nextRound.push(d);
    }
    round = nextRound.sort((a, b) => a - b);
  }
  if (ordered.length < jobs.length) {
    const done = new Set(ordered);
    const stuck = jobs.filter((j) => !done.has(j)).map((j) => j.key);
    const shown =
      stuck.length <= 10
        ? stuck.join(", ")
        : `${stuck.slice(0, 10).join(", ")} and ${stuck.length - 10} more`;
    throw new AppError(
      "CONFIG_INVALID",
      `jobs ${shown} need each other in a cycle`,
    );
  }
  return ordered;
}

/** Keeps `only` and everything it needs, transitively. */
export function selectJob(planned: Plan, only: string | undefined): Plan {
  if (only === undefined) return planned;
  const roots = planned.jobs.filter(
    (job) => job.id === only || job.key === only,
  );
  if (roots.length === 0) {
    const ids = [...new Set(planned.jobs.map((job) => job.id))].join(", ");
    throw new AppError(
      "INVALID_ARGUMENT",
      `no job ${only} in this pipeline (jobs: ${ids})`,
    );
  }
  const byKey = new Map(planned.jobs.map((job) => [job.key, job]));
  const keep = new Set<string>();
  const visit = (key: string) => {
    if (keep.has(key)) return;
    keep.add(key);
    for (const need of byKey.get(key)?.needs ?? []) visit(need);
  };
  for (const root of roots) visit(root.key);
  return { ...planned, jobs: planned.jobs.filter((job) => keep.has(job.key)) };
}
