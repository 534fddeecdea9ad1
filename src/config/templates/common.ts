import { z } from "zod";
import { Duration, JobSecret } from "../schema.js";
import type { Job, Step } from "../schema.js";

/** Inputs and jobs shared by the golden paths: versions, commands, scan and deploy. */

/** A shell command, or `false` to leave the step out. */
export const Command = z.string().min(1);
export const OptionalCommand = z.union([z.string().min(1), z.literal(false)]);

/** A folder inside the repository, without `..`. */
const RelativePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/") && !p.split("/").includes(".."), {
    message: "a folder inside the repository, such as . or services/api",
  });

const Severity = z.enum(["low", "medium", "high", "critical"]);

/**
 * One step of a progressive rollout, as in Argo Rollouts: a weight, a pause (`pause: 1m`, or
 * `pause: {}` until promoted) or an analysis. Written out in the form `sluice/deploy` takes.
 */
const RolloutStep = z.union([
  z.strictObject({ weight: z.number().int().min(0).max(100) }),
  z.strictObject({
    pause: z.union([
      Duration,
      z.strictObject({ duration: Duration.optional() }),
    ]),
  }),
  z.strictObject({ analysis: z.string().min(1) }),
]);
type RolloutStep = z.output<typeof RolloutStep>;

/** The `deploy` input: given (even as `deploy: true`), the template adds a deploy job. */
export const DeployInput = z.union([
  z.literal(true),
  z.strictObject({
    environment: z.string().min(1).default("production"),
    strategy: z.enum(["canary", "blue-green"]).default("canary"),
    steps: z.array(RolloutStep).min(1).optional(),
    /** The command that starts the service (it listens on $PORT). */
    start: z.string().min(1).optional(),
    /** Deploys only from this branch. */
    branch: z.string().min(1).default("main"),
    /** Flags turned off when the rollout is rolled back. */
    flags: z.array(z.string().min(1)).optional(),
    /** Secrets (`sluice secrets set`) the deploy job's steps receive, and no other job's. */
    secrets: z.array(JobSecret).min(1).optional(),
  }),
]);
export type DeployInput = z.output<typeof DeployInput>;

/** Inputs every golden path has. */
export const commonInputs = {
  "working-directory": RelativePath.default("."),
  "test-timeout": Duration.default("15m"),
  /**
   * The scan fails the run on findings at or above this severity; unset, the `sluice/scan`
   * step's default applies (`medium`, the one default of every scan: ADR 043).
   */
  "fail-on": Severity.optional(),
  /** The HTTP path the deploy's readiness check and analysis call, such as /healthz. */
  health: z.string().regex(/^\//, "a path such as /healthz").optional(),
  deploy: DeployInput.optional(),
  /**
   * The policy the `gate` job asks before `deploy` (only with `deploy`); absent in the repository,
   * the golden paths' default policy decides (docs/policy.md).
   */
  policy: z
    .string()
    .min(1)
    .refine((p) => !p.split("/").includes(".."), {
      message: "a file inside the repository, such as .sluice/policy.yml",
    })
    .default(".sluice/policy.yml"),
  env: z.record(z.string(), z.string()).optional(),
};

/** The default canary: 10 %, analysis, 50 %, analysis, 100 %. */
const defaultCanary = [
  { weight: 10 },
  { analysis: "default" },
  { weight: 50 },
  { analysis: "default" },
  { weight: 100 },
];

/** `dir/file`, or `file` when the directory is the repository root. */
export function inDir(dir: string, file: string): string {
  return dir === "." || dir === ""
    ? file
    : `${dir.replace(/\/+$/, "")}/${file}`;
}

/** The scan job: secrets and dependencies, failing at `fail-on`. */
function scanJob(failOn: string | undefined): Job {
  return {
    needs: ["build"],
    steps: [
      {
        uses: "sluice/scan",
        with: {
          secrets: true,
          deps: true,
          ...(failOn ? { "fail-on": failOn } : {}),
        },
      },
    ],
  };
}

/**
 * The jobs every golden path builds the same way once its own steps are chosen: `build`, `test`
 * (needs build; left out when it has no steps), `scan`, both in the working directory, and the
 * delivery jobs when a `deploy` input is given.
 */
export function goldenJobs(parts: {
  buildSteps: Step[];
  testSteps: Step[];
  testTimeout: string;
  failOn: string | undefined;
  workingDirectory: string;
  deploy: DeployInput | undefined;
  health: string | undefined;
  start: string;
  policy: string;
}): Record<string, Job> {
  const jobs: Record<string, Job> = { build: { steps: parts.buildSteps } };
  if (parts.testSteps.length > 0)
    jobs.test = {
      needs: ["build"],
      timeout: parts.testTimeout,
      steps: parts.testSteps,
    };
  jobs.scan = scanJob(parts.failOn);
  if (parts.workingDirectory !== ".") {
    for (const id of ["build", "test"]) {
      const job = jobs[id];
      if (job) job["working-directory"] = parts.workingDirectory;
    }
  }
  return Object.assign(
    jobs,
    deliveryJobs(parts.deploy, {
      needs: Object.keys(jobs).filter((id) => id !== "build"),
      health: parts.health,
      start: parts.start,
      workingDirectory: parts.workingDirectory,
      policy: parts.policy,
    }),
  );
}

/** `pause: 1m` → `pause: { duration: 1m }`, the form the deploy step takes. */
function rolloutStep(step: RolloutStep): Record<string, unknown> {
  if ("pause" in step && typeof step.pause === "string")
    return { pause: { duration: step.pause } };
  return step;
}

/**
 * The delivery jobs, present only when the `deploy` input is given: `gate` (`uses: sluice/gate`
 * with the `policy` input and the deploy's environment) needs `options.needs` (test and scan), and
 * `deploy` needs `gate` (docs/adr/012-no-gate-before-policy.md: the gate is back). The deploy
 * step's `with` follows the `sluice/deploy` spec: strategy, steps, release (command, cwd,
 * health), kill-flags.
 */
function deliveryJobs(
  deploy: DeployInput | undefined,
  options: {
    needs: string[];
    health: string | undefined;
    start: string;
    workingDirectory: string;
    policy: string;
  },
): Record<string, Job> {
  if (deploy === undefined) return {};
  const spec = deploy === true ? DeployInputObject.parse({}) : deploy;
  const steps =
    spec.strategy === "canary" ? (spec.steps ?? defaultCanary) : spec.steps;
  const release: Record<string, unknown> = {
    command: spec.start ?? options.start,
  };
  if (options.workingDirectory !== ".") release.cwd = options.workingDirectory;
  if (options.health) release.health = options.health;
  const with_: Record<string, unknown> = { strategy: spec.strategy };
  if (steps) with_.steps = steps.map(rolloutStep);
  with_.release = release;
  if (spec.flags) with_["kill-flags"] = spec.flags;
  return {
    gate: {
      needs: options.needs,
      steps: [
        {
          uses: "sluice/gate",
          with: { policy: options.policy, environment: spec.environment },
        },
      ],
    },
    deploy: {
      needs: ["gate"],
      if: `branch == '${spec.branch.replace(/'/g, "''")}'`,
      environment: spec.environment,
      concurrency: { group: `deploy-${spec.environment}` },
      ...(spec.secrets ? { secrets: spec.secrets } : {}),
      steps: [{ uses: "sluice/deploy", with: with_ }],
    },
  };
}

const DeployInputObject = DeployInput.options[1];

/** Triggers of every golden path: pushes to main and every pull request. */
export const defaultTriggers = {
  push: { branches: ["main"] },
  pull_request: {},
};
