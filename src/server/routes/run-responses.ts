import { z } from "zod";
import { recordedRunStatuses } from "../../pipeline/run-status.js";
import { urlName } from "../params.js";

/**
 * What the run routes (`routes/runs.ts`) take and answer, as zod: the server checks each answer
 * against these and `/openapi.json` is generated from them. Times are `Date`s in the store and
 * ISO 8601 strings on the wire.
 */

const when = z.date().nullable();

/** One run, as `sluice runs` lists it. */
const RunRow = z.object({
  id: z.string(),
  project: z.string(),
  status: z.string().describe(recordedRunStatuses.join(" | ")),
  trigger: z.string(),
  commit: z.string().nullable(),
  branch: z.string().nullable(),
  author: z.string().nullable(),
  authorEmail: z.string().nullable(),
  message: z.string().nullable(),
  trailers: z.record(z.string(), z.array(z.string())),
  workdir: z.string(),
  source: z.string().nullable(),
  dirty: z.boolean(),
  diffHash: z.string().nullable(),
  ownerPid: z.number().int().nullable(),
  ownerHost: z.string().nullable(),
  reason: z.string().nullable(),
  createdAt: z.date(),
  startedAt: when,
  finishedAt: when,
});

export const RunList = z.array(RunRow).describe("runs, newest first");

const StepRow = z.object({
  id: z.string(),
  jobId: z.string(),
  runId: z.string(),
  position: z.number().int(),
  name: z.string(),
  status: z.string(),
  exitCode: z.number().int().nullable(),
  cache: z.string().nullable(),
  attempts: z.number().int(),
  logPath: z.string().nullable(),
  logBytes: z.number().nullable(),
  reason: z.string().nullable(),
  warnings: z.array(z.string()),
  startedAt: when,
  finishedAt: when,
});

const JobRow = z.object({
  id: z.string(),
  runId: z.string(),
  key: z.string(),
  name: z.string(),
  position: z.number().int(),
  status: z.string(),
  needs: z.array(z.string()),
  outputs: z.record(z.string(), z.string()),
  attempt: z.number().int(),
  infraRetries: z.number().int(),
  concurrencyGroup: z.string().nullable(),
  leaseId: z.string().nullable(),
  leasedBy: z.string().nullable(),
  leaseExpiresAt: when,
  reason: z.string().nullable(),
  startedAt: when,
  finishedAt: when,
  steps: z.array(StepRow),
});

export const RunDetail = RunRow.extend({ jobs: z.array(JobRow) }).describe(
  "a run with its jobs and their steps, in plan order",
);

/** `?project&branch&status&limit` of `GET /api/v1/runs`. */
export const RunListQuery = z.object({
  project: urlName.optional(),
  branch: urlName.optional(),
  status: z.enum(recordedRunStatuses).optional(),
  limit: z.coerce
    .number()
    .int("must be an integer")
    .min(1, "must be at least 1")
    .max(1000, "must be at most 1000")
    .default(20),
});

/** `?job&follow` of `GET /api/v1/runs/:id/logs`. */
export const RunLogQuery = z.object({
  job: urlName.optional(),
  follow: z
    .enum(["true", "false"])
    .default("false")
    .describe("keep streaming while the run goes on, until it ends"),
});

/** One line of the logs stream (`application/x-ndjson`). */
export const RunLogLine = z
  .discriminatedUnion("kind", [
    z.object({
      kind: z.literal("step"),
      job: z.string(),
      position: z.number().int(),
      step: z.string(),
      status: z.string(),
      logPath: z.string().nullable(),
    }),
    z.object({ kind: z.literal("text"), text: z.string() }),
    z.object({ kind: z.literal("no-log") }),
    z.object({ kind: z.literal("end"), status: z.string() }),
    z.object({
      kind: z.literal("error"),
      code: z.string(),
      detail: z.string(),
    }),
  ])
  .describe(
    "one line of the application/x-ndjson stream: a step begins, text of its log, a step without a log, the end (the run's status), or an error that ended the stream",
  );

export const Submitted = z
  .object({
    runId: z.string(),
    notices: z
      .array(z.string())
      .describe("lines for the person who started it, before its steps run"),
  })
  .describe("the run is recorded and goes on");

export const CancelRequest = z
  .object({
    force: z
      .boolean()
      .default(false)
      .describe("stop `always()` jobs too (a second Ctrl-C)"),
  })
  .default({ force: false });

export const EventsQuery = z.object({
  owner: z
    .enum(["true", "false"])
    .default("false")
    .describe(
      "the reader is the terminal that started the run: if it goes away before the end, the run is stopped and recorded interrupted",
    ),
});

export const Finding = z
  .object({
    tool: z.string(),
    ruleId: z.string(),
    severity: z.string(),
    message: z.string(),
    location: z.object({
      path: z.string(),
      startLine: z.number().int(),
      startColumn: z.number().int().optional(),
      endLine: z.number().int().optional(),
      endColumn: z.number().int().optional(),
    }),
    fingerprint: z.string(),
    commit: z
      .object({
        sha: z.string(),
        author: z.string(),
        email: z.string(),
        date: z.string(),
        message: z.string().optional(),
      })
      .optional(),
    properties: z.record(z.string(), z.unknown()).optional(),
  })
  .describe("one scan result of the run (secrets, dependencies, SARIF)");

export const Cancelling = z
  .object({ runId: z.string(), cancelling: z.literal(true) })
  .describe("the run is stopping");
