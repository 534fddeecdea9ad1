import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { AppError } from "../../kernel/index.js";
import type { DecisionView, GateApprovals } from "../../policy/index.js";
import { IdParams, urlName } from "../params.js";
import { principalOf } from "../route-auth.js";
import type { RouteModule } from "../types.js";
import type { ZodTypeProvider } from "../zod-provider.js";
import { ClientEnv, ClientPid, MaxParallel } from "./run-submit.js";

/** `/:project` */
const ProjectParams = z.object({ project: urlName });

/** `/:project/runs/:run`: a run id, a unique prefix, or `last` (of every project: checked). */
const RunParams = z.object({ project: urlName, run: urlName });

/** The body of approve and reject: an optional comment, recorded with the answer. */
const AnswerBody = z
  .object({ comment: z.string().min(1).max(2000).optional() })
  .nullish();

const iso = z.string().nullable().describe("ISO 8601 time, or null");

/** A hold as `sluice approvals --json` prints it (`HoldView` in policy). */
const Hold = z
  .object({
    runId: z.string(),
    project: z.string(),
    commit: z.string().nullable(),
    author: z.string().describe("the change's author (git email)"),
    environment: z.string(),
    status: z.enum(["waiting", "approved", "denied", "rejected", "expired"]),
    reasons: z.array(z.string()),
    required: z.array(
      z.object({
        count: z.number().int(),
        group: z.string(),
        members: z.array(z.string()).optional(),
      }),
    ),
    approvedBy: z.array(z.string()),
    missing: z.number().int().describe("approvals still missing"),
    expiresAt: iso,
  })
  .describe("a run held at its gate");

const Decision = z.object({
  jobKey: z.string(),
  decision: z.enum(["approve", "hold", "deny"]),
  status: z.enum(["waiting", "approved", "denied", "rejected", "expired"]),
  reasons: z.array(z.string()),
  facts: z
    .record(z.string(), z.unknown())
    .describe("the facts of the change, computed once per run"),
  fired: z
    .array(
      z.object({
        rule: z.string(),
        decision: z.enum(["approve", "hold", "deny"]),
        message: z.string(),
        facts: z
          .record(z.string(), z.unknown())
          .describe("each fact the rule read, with its value"),
      }),
    )
    .describe("every rule that fired"),
  risk: z.object({
    score: z.number(),
    factors: z.array(
      z.object({
        name: z.string(),
        weight: z.number(),
        share: z.number(),
        points: z.number(),
        reason: z.string(),
      }),
    ),
  }),
  policyFile: z.string(),
  policySha256: z.string(),
  createdAt: z.string(),
  closedReason: z.string().nullable(),
});

const RunDecisions = z
  .object({ runId: z.string(), decisions: z.array(Decision) })
  .describe("the decision of each gate of the run");

const Approval = z
  .object({
    approved: z
      .boolean()
      .describe("true when this approval completed the hold"),
    continued: z
      .boolean()
      .describe(
        "true when the run went on in this server (the approval completed the hold); follow it at /api/v1/runs/{runId}/events",
      ),
    notices: z
      .array(z.string())
      .describe("what the continued run said, or why it did not continue"),
    hold: Hold,
    next: z
      .string()
      .nullable()
      .describe("how the run continues when it is approved but did not go on"),
  })
  .describe("what the approval did");

/**
 * An answer from the terminal of the local socket's owner (`sluice approve|reject`): the person
 * is the git identity of that terminal, as when the command answered in its own process (ADR
 * 102: a laptop's honesty; the socket's owner could open the store itself).
 */
const LocalAnswer = z
  .object({
    as: z
      .string()
      .min(1)
      .max(320)
      .describe("the git identity (email) of the person answering"),
    comment: z.string().min(1).max(2000).optional(),
  })
  .describe("an answer to a hold, as a git identity of this machine");

/** `sluice approve`: with how the run goes on when this approval completes the hold. */
const LocalApproval = LocalAnswer.extend({
  maxParallel: MaxParallel.optional().describe(
    "jobs at most this many at once when the run continues (default: the server's CPUs)",
  ),
  env: ClientEnv.optional().describe(
    "the environment the continued run's steps inherit (default: the server's)",
  ),
  clientPid: ClientPid,
});

/** What an approval answers: `next` only when the run is approved but did not go on. */
const approvalOf = (
  runId: string,
  outcome: Awaited<ReturnType<GateApprovals["approve"]>>,
) => ({
  ...outcome,
  next:
    outcome.approved && !outcome.continued
      ? `sluice run resume ${runId}`
      : null,
});

/** Reading the gate is for viewers of the project; answering a hold needs an approver. */
const viewer = {
  config: { auth: { kind: "role", role: "viewer", project: "param" } },
} as const;
const approver = {
  config: { auth: { kind: "role", role: "approver", project: "param" } },
} as const;

/** The approver is who the request authenticated as, never a name from the body. */
function approverOf(request: FastifyRequest): string {
  const principal = principalOf(request);
  if (principal.kind === "account") {
    // The author is known by git email: an account without one cannot show it is not the author.
    if (principal.identity.email === undefined)
      throw new AppError(
        "FORBIDDEN",
        `account ${principal.identity.name} has no email, so the gate cannot tell it from the change's author: a server admin adds it (sluice users add NAME --email EMAIL)`,
      );
    return principal.identity.email;
  }
  if (principal.kind === "admin") return principal.actor;
  throw new AppError("FORBIDDEN", "only a signed-in person can answer a hold");
}

/** A decision's stored detail, shaped for the API: facts, fired rules, risk. */
function decisionOf(view: DecisionView): z.input<typeof Decision> {
  const detail = view.detail as {
    facts?: Record<string, unknown>;
    decision?: {
      fired?: z.input<typeof Decision>["fired"];
      risk?: z.input<typeof Decision>["risk"];
    };
  };
  const { detail: _detail, ...rest } = view;
  return {
    ...rest,
    facts: detail.facts ?? {},
    fired: (detail.decision?.fired ?? []).map(
      ({ rule, decision, message, facts }) => ({
        rule,
        decision,
        message,
        facts,
      }),
    ),
    risk: detail.decision?.risk ?? { score: 0, factors: [] },
  };
}

/**
 * The run's decisions, refused as NOT_FOUND when the run is of another project than the one the
 * caller's role was checked on (a role on one project never reaches another's runs).
 */
async function runOf(gate: GateApprovals, project: string, run: string) {
  const found = await gate.decisions(run);
  if (found.project !== project)
    throw new AppError("NOT_FOUND", `run ${run} not found in ${project}`);
  return found;
}

/**
 * The gate over HTTP (issue 12): a run's decision (facts, fired rules, risk), the holds that
 * wait, approve and reject, the same use cases as `sluice gate|approvals|approve|reject`. The
 * approver is the authenticated principal, known by its account's email (an account without one
 * cannot answer); the change's author is refused as in the CLI. The approval that completes a
 * hold continues the run in this server (the gate's use case does, ADR 104). The local socket's
 * owner answers as the git identity of its terminal (`/api/v1/runs/:id/approve|reject`, route-auth
 * `local`), as `sluice approve|reject` did in process.
 */
export const gateRoutes: RouteModule<"gate"> = (fastify, deps) => {
  const server = fastify.withTypeProvider<ZodTypeProvider>();
  const gate = () => deps.app.gate();
  /** Who answers which run (resolved in the route's project), with the body's comment. */
  const answering = async (
    request: FastifyRequest & {
      params: z.output<typeof RunParams>;
      body: z.output<typeof AnswerBody>;
    },
  ) => {
    const by = approverOf(request);
    const g = await gate();
    const { project, run } = request.params;
    const { runId } = await runOf(g, project, run);
    return { g, runId, by, comment: request.body?.comment };
  };

  server.get(
    "/api/v1/gate/:project/holds",
    {
      ...viewer,
      schema: {
        summary: "the project's runs held at a gate, oldest first",
        params: ProjectParams,
        response: { 200: z.array(Hold) },
      },
    },
    async ({ params }) =>
      (await (await gate()).waiting()).filter(
        (hold) => hold.project === params.project,
      ),
  );

  server.get(
    "/api/v1/gate/:project/runs/:run",
    {
      ...viewer,
      schema: {
        summary:
          "the decision of each gate of a run: facts, fired rules and risk",
        params: RunParams,
        response: { 200: RunDecisions },
      },
    },
    async ({ params }) => {
      const found = await runOf(await gate(), params.project, params.run);
      return {
        runId: found.runId,
        decisions: found.decisions.map(decisionOf),
      };
    },
  );

  server.post(
    "/api/v1/gate/:project/runs/:run/approve",
    {
      ...approver,
      schema: {
        summary:
          "approve a held run as the signed-in person (never the change's author)",
        params: RunParams,
        body: AnswerBody,
        response: { 200: Approval },
      },
    },
    async (request) => {
      const { g, runId, by, comment } = await answering(request);
      return approvalOf(runId, await g.approve(runId, by, comment));
    },
  );

  server.post(
    "/api/v1/gate/:project/runs/:run/reject",
    {
      ...approver,
      schema: {
        summary:
          "reject a held run as the signed-in person: the hold and the run fail",
        params: RunParams,
        body: AnswerBody,
        response: { 200: Hold },
      },
    },
    async (request) => {
      const { g, runId, by, comment } = await answering(request);
      return g.reject(runId, by, comment);
    },
  );

  server.get(
    "/api/v1/holds",
    {
      config: { auth: { kind: "admin" } },
      schema: {
        summary: "every run held at a gate, oldest first (`sluice approvals`)",
        response: { 200: z.array(Hold) },
      },
    },
    async () => (await gate()).waiting(),
  );

  // It may continue the run with this terminal's environment: the socket's owner only.
  server.post(
    "/api/v1/runs/:id/approve",
    {
      config: { auth: { kind: "local" } },
      schema: {
        summary:
          "approve a held run as the git identity of this machine's terminal (`sluice approve`); the approval that completes the hold continues the run here",
        params: IdParams,
        body: LocalApproval,
        response: { 200: Approval },
      },
    },
    async ({ params, body }) => {
      const { as, comment, ...how } = body;
      const outcome = await (await gate()).approve(params.id, as, comment, how);
      return approvalOf(outcome.hold.runId, outcome);
    },
  );

  server.post(
    "/api/v1/runs/:id/reject",
    {
      config: { auth: { kind: "local" } },
      schema: {
        summary:
          "reject a held run as the git identity of this machine's terminal (`sluice reject`): the hold and the run fail",
        params: IdParams,
        body: LocalAnswer,
        response: { 200: Hold },
      },
    },
    async ({ params, body }) =>
      (await gate()).reject(params.id, body.as, body.comment),
  );
};
