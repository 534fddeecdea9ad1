import { z } from "zod";
import { AppError } from "../../kernel/index.js";
import { urlName } from "../params.js";
import type { RouteModule } from "../types.js";
import type { ZodTypeProvider } from "../zod-provider.js";
import {
  CancelRequest,
  Cancelling,
  Finding,
  RunDetail,
  RunList,
  RunListQuery,
  RunLogQuery,
  Submitted,
} from "./run-responses.js";
import { sendRunLogs } from "./runs.js";
import { sendEvents } from "./served-runs.js";

/** The largest remote run (its bundle and diff, base64 in JSON): 256 MiB, then a 413. */
const remoteRunBodyLimit = 256 * 1024 * 1024;

const base64 = z
  .string()
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, "must be base64")
  .transform((text) => Buffer.from(text, "base64"));

const gitRef = z
  .string()
  .min(1)
  .max(250)
  .regex(/^(?!-)(?!.*\.\.)[^\p{Cc} ~^:?*[\\]+$/u, "must be a git branch name");

const commitId = z
  .string()
  .regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, "must be a full commit id");

/** Commits a client offers, to learn which this server has (ADR 107). */
const OfferedCommits = z
  .object({
    commits: z
      .array(commitId)
      .max(256)
      .describe("the client's HEAD and some of its ancestors, newest first"),
  })
  .describe("commits a client has, asking which of them this server has");

const KnownCommits = z
  .object({
    known: z
      .array(z.string())
      .describe(
        "the offered commits this server has with their history, for the project: a bundle may leave them out",
      ),
  })
  .describe("which of the offered commits this server has");

const RemoteRun = z
  .object({
    bundle: base64
      .optional()
      .describe(
        "`git bundle create - HEAD --not <the known commits>` of the repository, base64; absent when this server has the commit (ADR 107)",
      ),
    commit: commitId.describe("the commit the bundle's HEAD is"),
    branch: gitRef.optional().describe("the branch the commit is on"),
    defaultBranch: gitRef.optional(),
    diff: base64
      .optional()
      .describe(
        "`git diff --binary HEAD` of the working tree (untracked files included), base64: the run runs the working tree with it",
      ),
    folder: z
      .string()
      .min(1)
      .max(255)
      .regex(/^(?!\.\.?$)[^/\p{Cc}]+$/u, "must be a folder name")
      .describe("the repository folder's name"),
    path: z
      .string()
      .max(4096)
      .default(".")
      .describe(
        "the folder the run starts from, relative to the repository's top level",
      ),
    config: z
      .string()
      .min(1)
      .max(4096)
      .describe("sluice.yml or the folder holding it, relative to path"),
    job: z.string().min(1).max(200).optional(),
    maxParallel: z.number().int().min(1).max(256),
  })
  .describe("a run of a commit sent by a client on another machine");

const ProjectParams = z.object({ project: urlName });
const ProjectRunParams = z.object({ project: urlName, id: urlName });

const viewer = {
  config: { auth: { kind: "role", role: "viewer", project: "param" } },
} as const;
const developer = {
  config: { auth: { kind: "role", role: "developer", project: "param" } },
} as const;

/**
 * The runs of a project for remote clients (`sluice run` with `sluice login` or SLUICE_SERVER):
 * a developer of the project submits a commit (and its uncommitted changes) and cancels runs;
 * a viewer follows them and reads their findings. The run executes in this server, on a tree
 * unpacked from what the client sent (pipeline's `ServedRuns.submitRemote`), with the server's
 * environment narrowed (ADR 099). A run of another project is NOT_FOUND here.
 */
export const projectRunRoutes: RouteModule<
  "runs" | "scan" | "served" | "clock" | "home" | "logger"
> = (fastify, deps) => {
  const server = fastify.withTypeProvider<ZodTypeProvider>();
  const { app } = deps;

  /** The run, when it is of the route's project (else NOT_FOUND, as for a run nobody has). */
  async function runOf(project: string, id: string) {
    const run = await app.runs.getRun(id);
    if (run.project !== project)
      throw new AppError("NOT_FOUND", `no run ${id} in project ${project}`);
    return run;
  }

  server.post(
    "/api/v1/projects/:project/runs",
    {
      ...developer,
      bodyLimit: remoteRunBodyLimit,
      schema: {
        summary:
          "run a commit sent by a client (a git bundle, and a diff of uncommitted changes) in this server; answers once it is recorded",
        params: ProjectParams,
        body: RemoteRun,
        response: { 202: Submitted },
      },
    },
    async (request, reply) => {
      const { project } = request.params;
      const { bundle, commit, branch, defaultBranch, diff, folder, ...rest } =
        request.body;
      const started = await (
        await app.served()
      ).submitRemote({
        ...rest,
        project,
        tree: { bundle, commit, branch, defaultBranch, diff, folder },
      });
      return reply.code(202).send(started);
    },
  );

  server.post(
    "/api/v1/projects/:project/known-commits",
    {
      ...developer,
      schema: {
        summary:
          "which of the offered commits this server has of the project, with their history: the client's bundle leaves them out (ADR 107)",
        params: ProjectParams,
        body: OfferedCommits,
        response: { 200: KnownCommits },
      },
    },
    async (request) => ({
      known: await (
        await app.served()
      ).knownCommits(request.params.project, request.body.commits),
    }),
  );

  server.get(
    "/api/v1/projects/:project/runs",
    {
      ...viewer,
      schema: {
        summary: "the project's runs, newest first",
        params: ProjectParams,
        querystring: RunListQuery.omit({ project: true }),
        response: { 200: RunList },
      },
    },
    async (request) => {
      const { branch, status, limit } = request.query;
      return app.runs.listRuns({
        project: request.params.project,
        limit,
        ...(branch ? { branch } : {}),
        ...(status ? { status } : {}),
      });
    },
  );

  server.get(
    "/api/v1/projects/:project/runs/:id/logs",
    {
      ...viewer,
      schema: {
        summary:
          "the step logs of a run of the project as application/x-ndjson (RunLogLine); with follow=true, streamed until it ends",
        params: ProjectRunParams,
        querystring: RunLogQuery,
        response: {
          200: z
            .string()
            .describe("application/x-ndjson: one RunLogLine per line"),
        },
      },
    },
    async (request, reply) => {
      const run = await runOf(request.params.project, request.params.id);
      return sendRunLogs(request, reply, app, run.id, request.query, {
        remote: true,
      });
    },
  );

  server.get(
    "/api/v1/projects/:project/runs/:id",
    {
      ...viewer,
      schema: {
        summary: "a run of the project with its jobs and steps",
        params: ProjectRunParams,
        response: { 200: RunDetail },
      },
    },
    async (request) => runOf(request.params.project, request.params.id),
  );

  server.get(
    "/api/v1/projects/:project/runs/:id/events",
    {
      ...viewer,
      schema: {
        summary:
          "what a run of the project shows in its terminal, as application/x-ndjson from its start until it ends",
        params: ProjectRunParams,
        response: {
          200: z
            .string()
            .describe("application/x-ndjson: one RunLiveEvent per line"),
        },
      },
    },
    async (request, reply) => {
      const run = await runOf(request.params.project, request.params.id);
      // A reader over the network is never the run's owner: a dropped connection is not a kill.
      return sendEvents(request, reply, await app.served(), run.id, {
        owner: false,
        remote: true,
      });
    },
  );

  server.post(
    "/api/v1/projects/:project/runs/:id/cancel",
    {
      ...developer,
      schema: {
        summary:
          "cancel a run of the project (Ctrl-C of the client that started it); force: stop `always()` jobs too",
        params: ProjectRunParams,
        body: CancelRequest,
        response: { 202: Cancelling },
      },
    },
    async (request, reply) => {
      const run = await runOf(request.params.project, request.params.id);
      const runId = await (
        await app.served()
      ).cancel(run.id, request.body.force);
      return reply.code(202).send({ runId, cancelling: true as const });
    },
  );

  server.get(
    "/api/v1/projects/:project/runs/:id/findings",
    {
      ...viewer,
      schema: {
        summary: "what the run's scan steps found",
        params: ProjectRunParams,
        response: { 200: z.array(Finding) },
      },
    },
    async (request) => {
      const run = await runOf(request.params.project, request.params.id);
      return app.scan.findingsForRun(run.id);
    },
  );
};
