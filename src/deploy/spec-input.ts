import { z } from "zod";

/**
 * The `with:` of a `uses: sluice/deploy` step (and the flags of `sluice deploy`), as the user
 * writes it: kebab-case keys, durations as `2s`. `parseDeploySpec` turns it into a `RolloutSpec`.
 */
const duration = z.union([z.string(), z.number()]);

const providerInput = z.union([
  z.object({ proxy: z.object({}).strict().optional().default({}) }).strict(),
  z
    .object({
      http: z
        .object({
          url: z.string().url(),
          method: z.enum(["GET", "POST", "HEAD"]).default("GET"),
          headers: z.record(z.string(), z.string()).default({}),
          body: z.string().optional(),
          "json-path": z.string().optional(),
          timeout: duration.default("10s"),
        })
        .strict(),
    })
    .strict(),
  z
    .object({
      command: z
        .object({ run: z.string().min(1), timeout: duration.default("30s") })
        .strict(),
    })
    .strict(),
  z
    .object({
      prometheus: z
        .object({
          address: z.string().url(),
          query: z.string().min(1),
          timeout: duration.default("10s"),
        })
        .strict(),
    })
    .strict(),
  z
    .object({
      baseline: z
        .object({
          pass: z.number().min(0).max(100).default(95),
          marginal: z.number().min(0).max(100).default(75),
          "min-samples": z.number().int().min(1).default(20),
        })
        .strict(),
    })
    .strict(),
]);

const metricInput = z
  .object({
    name: z.string().min(1),
    provider: providerInput,
    interval: duration.optional(),
    "initial-delay": duration.optional(),
    count: z.number().int().min(1).optional(),
    "success-condition": z.string().optional(),
    "failure-condition": z.string().optional(),
    "failure-limit": z.number().int().min(-1).default(0),
    "inconclusive-limit": z.number().int().min(0).default(0),
    "consecutive-error-limit": z.number().int().min(0).default(4),
    "min-requests": z.number().int().min(0).optional(),
    "dry-run": z.boolean().default(false),
  })
  .strict();

const stepInput = z.union(
  [
    z.object({ weight: z.number() }).strict(),
    z
      .object({
        pause: z
          .object({ duration: duration.optional() })
          .strict()
          .nullable()
          .default({}),
      })
      .strict(),
    z.object({ analysis: z.string().min(1) }).strict(),
  ],
  {
    error:
      "a step is {weight: 0-100}, {pause: {duration: 30s}}, {pause: {}} (until promoted) or {analysis: NAME}",
  },
);

const releaseInput = z
  .object({
    // `release.name` was accepted and never read; the release is named by `version` (ADR 075).
    name: z
      .never({
        error:
          "not read: name the release with the step's `version` (default: the commit's first 12 characters) or `sluice deploy --release NAME`",
      })
      .optional(),
    command: z.string().min(1),
    port: z.number().int().min(0).max(65535).optional(),
    env: z.record(z.string(), z.string()).default({}),
    cwd: z.string().optional(),
    health: z.string().startsWith("/").default("/healthz"),
  })
  .strict();

/** The deploy step's `with`, as written. */
export const deployStepInput = z
  .object({
    strategy: z.enum(["canary", "blue-green"]).default("canary"),
    steps: z.array(stepInput).optional(),
    analysis: z
      .record(
        z.string(),
        z.object({ metrics: z.array(metricInput).min(1) }).strict(),
      )
      .default({}),
    "failure-action": z.enum(["abort", "pause"]).default("abort"),
    "kill-flags": z.array(z.string().min(1)).default([]),
    "blue-green": z
      .object({
        "auto-promote": z.boolean().default(true),
        "pre-promotion-analysis": z.string().optional(),
        "post-promotion-analysis": z.string().optional(),
      })
      .strict()
      .default({ "auto-promote": true }),
    release: releaseInput.optional(),
    "proxy-port": z.number().int().min(0).max(65535).default(8080),
    target: z.enum(["local"]).default("local"),
  })
  .strict();

/** A step of `steps`, as written. */
export type StepInput = z.infer<typeof stepInput>;

/** A metric of an analysis, as written. */
export type MetricInput = z.infer<typeof metricInput>;
