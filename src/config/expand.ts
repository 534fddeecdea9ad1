import { didYouMean } from "./did-you-mean.js";
import { problemsFromIssues } from "./issues.js";
import { Job, templateRefPattern } from "./schema.js";
import type { JobEntry, PipelineConfig, SluiceConfig } from "./schema.js";
import type { ConfigSource, Path, Problem } from "./source.js";
import type { TemplateRegistry } from "./templates/index.js";

/** Where each job of the expanded pipeline came from, so later checks can point into the file. */
export type JobOrigin = "file" | "template" | "override";

export interface Expansion {
  config: PipelineConfig;
  origins: Map<string, JobOrigin>;
  /** `golden/node@1` when the file extends a template. */
  template?: string;
}

/** How a path relative to the file reads in a message: job `build`, step 2 of job `build`... */
export function describePath(path: Path): string {
  if (path.length === 0) return "the file";
  const [top, id, section, index, ...rest] = path;
  const dotted = (keys: Path) =>
    keys
      .map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`))
      .join("");
  if (top === "jobs" && id !== undefined) {
    const job = `job \`${id}\``;
    if (section === undefined) return job;
    if (section === "steps" && typeof index === "number") {
      const step = `step ${index + 1} of ${job}`;
      return rest.length === 0 ? step : `\`${dotted(rest)}\` in ${step}`;
    }
    return `\`${dotted(path.slice(2))}\` in ${job}`;
  }
  return `\`${dotted(path)}\``;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Objects merge key by key; arrays and scalars replace (GitLab `extends` semantics). */
function deepMerge<T>(base: T, override: unknown): T {
  if (!isRecord(base) || !isRecord(override))
    return (override === undefined ? base : override) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    out[key] = key in out ? deepMerge(out[key], value) : value;
  }
  return out as T;
}

function needsOf(job: { needs?: string | string[] | undefined }): string[] {
  if (job.needs === undefined) return [];
  return Array.isArray(job.needs) ? job.needs : [job.needs];
}

/**
 * Expands `extends` + `with` into ordinary jobs and applies the file's `jobs:` entries on top:
 * an entry deep-merges into the template's job of the same id, `null` removes that job (and drops
 * it from the template's `needs`), and a new id adds a whole job.
 */
export function expand(
  source: ConfigSource,
  file: SluiceConfig,
  registry: TemplateRegistry,
  name: string,
): Expansion | Problem[] {
  const problems: Problem[] = [];
  const origins = new Map<string, JobOrigin>();
  let jobs: Record<string, Job> = {};
  let templateOn: PipelineConfig["on"];
  let templateEnv: Record<string, string> = {};
  let ref: string | undefined;
  const templateJobs = new Set<string>();

  if (file.extends !== undefined) {
    ref = file.extends;
    const template = registry.get(ref);
    const at = source.offsetOf(["extends"]);
    if (!template) {
      const [, templateName] = templateRefPattern.exec(ref) ?? [];
      const versions = registry
        .refs()
        .filter((r) => r.startsWith(`${templateName}@`));
      problems.push(
        source.problem(
          versions.length > 0
            ? `template ${templateName} has no version ${ref.split("@")[1]}; known: ${versions.join(", ")}`
            : `unknown template \`${ref}\`${didYouMean(ref, registry.refs()) || `; known: ${registry.refs().join(", ")}`}`,
          at,
        ),
      );
      return problems;
    }
    const inputs = template.inputs.safeParse(file.with ?? {});
    if (!inputs.success) {
      return problemsFromIssues(
        {
          source,
          schema: template.inputs,
          value: file.with ?? {},
          root: ["with"],
          describe: (path) =>
            path.length === 0
              ? `\`with\` of ${ref}`
              : `input \`${path.join(".")}\``,
        },
        inputs.error.issues,
      );
    }
    const expansion = template.expand(inputs.data);
    jobs = { ...expansion.jobs };
    for (const id of Object.keys(jobs)) {
      origins.set(id, "template");
      templateJobs.add(id);
    }
    templateOn = expansion.on;
    templateEnv = expansion.env ?? {};
  } else if (file.with !== undefined) {
    problems.push(
      source.problem(
        "`with` sets template inputs, but there is no `extends`",
        source.offsetOf(["with"], { key: true }),
      ),
    );
  }

  const removed = new Set<string>();
  const entries: [string, JobEntry][] = Object.entries(file.jobs ?? {});
  for (const [id, entry] of entries) {
    const at = source.offsetOf(["jobs", id], { key: true });
    if (entry === null) {
      if (templateJobs.has(id)) {
        delete jobs[id];
        origins.delete(id);
        removed.add(id);
      } else {
        problems.push(
          source.problem(
            ref
              ? `job \`${id}\` is empty; \`null\` removes a job of ${ref}, which has no job \`${id}\`${didYouMean(id, templateJobs)}`
              : `job \`${id}\` is empty`,
            at,
          ),
        );
      }
      continue;
    }
    const base = jobs[id];
    if (base) {
      jobs[id] = deepMerge(base, entry);
      origins.set(id, "override");
    } else if (entry.steps === undefined) {
      problems.push(
        source.problem(
          `job \`${id}\` has no \`steps\`${ref ? ` (and ${ref} has no job \`${id}\` to override${didYouMean(id, templateJobs)})` : ""}`,
          at,
        ),
      );
    } else {
      jobs[id] = entry as Job;
      origins.set(id, "file");
    }
  }
  if (
    file.extends === undefined &&
    entries.length === 0 &&
    problems.length === 0
  ) {
    problems.push(
      source.problem(
        "the file has no `jobs`; add some, or start from a template with `extends: golden/node@1`",
        source.offsetOf([]),
      ),
    );
  }
  if (problems.length > 0) return problems;

  // A removed template job leaves the template's own `needs` lists; a `needs` the user wrote stays
  // and is reported if it names a removed job.
  for (const [id, job] of Object.entries(jobs)) {
    const userNeeds = file.jobs?.[id]?.needs !== undefined;
    const needs = needsOf(job).filter((n) => userNeeds || !removed.has(n));
    if (job.needs !== undefined) jobs[id] = { ...job, needs };
  }

  // Merged and file jobs are checked again as whole jobs (a merge can combine keys badly).
  for (const [id, job] of Object.entries(jobs)) {
    if (origins.get(id) === "template") continue;
    const parsed = Job.safeParse(job);
    if (!parsed.success) {
      problems.push(
        ...problemsFromIssues(
          {
            source,
            schema: Job,
            value: job,
            root: ["jobs", id],
            describe: (path) => describePath(["jobs", id, ...path]),
          },
          parsed.error.issues,
        ),
      );
    } else jobs[id] = parsed.data;
  }
  if (problems.length > 0) return problems;

  // Keys in the order a reader expects when the pipeline is printed: name, on, env, jobs.
  const on = file.on ?? templateOn;
  const env = { ...templateEnv, ...file.env };
  const config: PipelineConfig = {
    name: file.name ?? name,
    ...(on === undefined ? {} : { on }),
    ...(Object.keys(env).length > 0 ? { env } : {}),
    ...(file["max-parallel"] === undefined
      ? {}
      : { "max-parallel": file["max-parallel"] }),
    jobs,
  };
  return ref === undefined
    ? { config, origins }
    : { config, origins, template: ref };
}
