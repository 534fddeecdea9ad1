import { z } from "zod";
import { durationHint, parseDuration } from "../kernel/index.js";
import { AttributionRule } from "../metrics/index.js";

/**
 * sluice.yml, declared once: the types, the runtime check and schema/sluice.schema.json all come
 * from here. Durations follow kernel's one grammar: `90s`, `1.5s`, `15m`, `1h30m`, `2d`.
 */
export const Duration = z
  .string()
  .refine((s) => parseDuration(s) !== undefined, durationHint)
  // JSON Schema cannot run the grammar; this pattern lets editors catch most slips.
  .meta({ pattern: "^\\s*(\\d+(\\.\\d+)?\\s*[A-Za-z]+\\s*)+$" });

const Env = z.record(
  z.string(),
  z.union([z.string(), z.number(), z.boolean()]).transform(String),
);

export const CacheSpec = z.strictObject({
  /** Exact key, usually with `${{ hashFiles('lockfile') }}`. */
  key: z.string().min(1),
  /** Tried as prefixes, most recent entry first, when the key misses. */
  "restore-keys": z.array(z.string().min(1)).optional(),
  paths: z.array(z.string().min(1)).min(1),
  /** Skip the step on an exact key hit: the cached paths hold everything the step makes. */
  "skip-if-hit": z.boolean().optional(),
});

export const RetrySpec = z.union([
  z.number().int().min(0).max(10),
  z.strictObject({
    max: z.number().int().min(0).max(10),
    delay: Duration.optional(),
  }),
]);

export const Step = z
  .strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z_][\w-]*$/, "an id of letters, digits, _ and -")
      .describe("Names the step for `steps.<id>.outputs.<key>`.")
      .optional(),
    name: z.string().optional(),
    run: z
      .string()
      .describe(
        "A shell script (bash -eo pipefail unless `shell` says otherwise).",
      )
      .optional(),
    uses: z
      .string()
      .describe("A built-in step such as sluice/scan or sluice/deploy.")
      .optional(),
    with: z
      .record(z.string(), z.unknown())
      .describe("Inputs of the built-in step.")
      .optional(),
    env: Env.optional(),
    if: z
      .string()
      .describe(
        "An expression; without success()/failure()/always()/cancelled() it means success() && …",
      )
      .optional(),
    shell: z.string().optional(),
    "working-directory": z.string().optional(),
    timeout: Duration.optional(),
    retry: RetrySpec.optional(),
    "continue-on-error": z.boolean().optional(),
    cache: CacheSpec.optional(),
  })
  .refine((s) => (s.run === undefined) !== (s.uses === undefined), {
    message: "a step has either `run` or `uses`",
  });

const MatrixValue = z.union([z.string(), z.number(), z.boolean()]);
export const Matrix = z
  .object({
    include: z.array(z.record(z.string(), MatrixValue)).optional(),
    exclude: z.array(z.record(z.string(), MatrixValue)).optional(),
  })
  .catchall(z.array(MatrixValue));

export const Concurrency = z.union([
  z.string().min(1),
  z.strictObject({
    group: z.string().min(1),
    "cancel-in-progress": z.boolean().optional(),
  }),
]);

const SecretName = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,127}$/,
    "a secret name: letters, digits and _, not starting with a digit",
  );

/** A secret a job's steps receive: as an environment variable, or with `file: true` as a file whose path is in it. */
export const JobSecret = z.union([
  SecretName,
  z.strictObject({ name: SecretName, file: z.boolean().optional() }),
]);

export const Job = z.strictObject({
  name: z.string().optional(),
  needs: z
    .union([z.string(), z.array(z.string())])
    .describe("Jobs that must finish first (the DAG).")
    .optional(),
  if: z
    .string()
    .describe(
      "An expression; without a status function it means success() && …",
    )
    .optional(),
  env: Env.optional(),
  "working-directory": z.string().optional(),
  environment: z.string().optional(),
  secrets: z
    .array(JobSecret)
    .describe(
      "Secrets (`sluice secrets set`) this job's steps receive, and no other job's: as environment variables, or as files with `{ name, file: true }`. Values of the job's environment override the project's; a missing one fails the job before any step.",
    )
    .optional(),
  matrix: Matrix.optional(),
  "fail-fast": z.boolean().optional(),
  "max-parallel": z.number().int().min(1).optional(),
  timeout: Duration.optional(),
  retry: RetrySpec.optional(),
  "continue-on-error": z.boolean().optional(),
  concurrency: Concurrency.optional(),
  /** Files this job publishes for the jobs that need it. */
  artifacts: z
    .strictObject({
      name: z.string().min(1).optional(),
      paths: z.array(z.string().min(1)).min(1),
    })
    .optional(),
  /** `name: ${{ steps.ID.outputs.KEY }}` exposed to dependent jobs as `needs.JOB.outputs.name`. */
  outputs: z.record(z.string(), z.string()).optional(),
  steps: z
    .array(Step)
    .min(1)
    .describe("Run in order; a failed step fails the job."),
});

export const Trigger = z.strictObject({
  push: z
    .strictObject({
      branches: z.array(z.string()).optional(),
      paths: z.array(z.string()).optional(),
    })
    .optional(),
  pull_request: z
    .strictObject({
      branches: z.array(z.string()).optional(),
      paths: z.array(z.string()).optional(),
    })
    .optional(),
  schedule: z.array(z.strictObject({ cron: z.string() })).optional(),
  manual: z.strictObject({}).optional(),
});

/**
 * A job as written under `jobs:`. With `extends`, an entry overrides the template's job of the same
 * id (objects deep-merge, arrays replace) and `null` removes it; otherwise it is a whole job. `steps`
 * is required unless the entry overrides a template job: the loader checks that, with a location.
 */
export const JobEntry = Job.partial().nullable();

/** A golden-path template reference: `golden/node@1`. */
export const templateRefPattern = /^([a-z0-9-]+\/[a-z0-9-]+)@(\d+)$/;

/** The file as a user writes it (before templates are expanded). */
export const SluiceConfig = z.strictObject({
  name: z.string().optional(),
  extends: z
    .string()
    .regex(templateRefPattern, "a template such as golden/node@1")
    .describe(
      "A golden-path template and its major version: golden/node@1, golden/python@1, golden/go@1.",
    )
    .optional(),
  with: z
    .record(z.string(), z.unknown())
    .describe("Inputs of the template named by `extends`.")
    .optional(),
  on: Trigger.optional(),
  env: Env.optional(),
  /** Jobs at most this many at once (default: number of CPUs). */
  "max-parallel": z.number().int().min(1).optional(),
  jobs: z
    .record(
      z
        .string()
        .regex(/^[A-Za-z_][\w-]*$/, "a job id of letters, digits, _ and -"),
      JobEntry,
    )
    .describe(
      "Jobs by id. With `extends`, an entry overrides the template's job of that id (objects merge, lists replace) and null removes it.",
    )
    .optional(),
  metrics: z
    .strictObject({
      attribution: z
        .array(AttributionRule)
        .describe(
          "Extra AI-attribution rules, checked after the built-in table: each matches an address, bot id, trailer, message line, author suffix, subject prefix or branch prefix (never a name).",
        )
        .optional(),
    })
    .describe("Delivery metrics (`sluice metrics`).")
    .optional(),
});

export type Step = z.infer<typeof Step>;
export type Job = z.infer<typeof Job>;
export type JobEntry = z.infer<typeof JobEntry>;
export type Matrix = z.infer<typeof Matrix>;
export type CacheSpec = z.infer<typeof CacheSpec>;
export type SluiceConfig = z.infer<typeof SluiceConfig>;

/** The config after templates are expanded: every job is explicit. What the planner takes. */
export type PipelineConfig = Omit<SluiceConfig, "extends" | "with" | "jobs"> & {
  name: string;
  jobs: Record<string, Job>;
};
