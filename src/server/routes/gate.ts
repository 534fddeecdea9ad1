import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { AppError } from "../../kernel/index.js";
import type { DecisionView, GateApprovals } from "../../policy/index.js";
import { urlName } from "../params.js";
import { principalOf } from "../route-auth.js";
import type { RouteModule } from "../types.js";
import type { ZodTypeProvider } from "../zod-provider.js";

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
    hold: Hold,
    next: z.string().nullable().describe("how the run continues once approved"),
  })
  .describe("what the approval did");

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
 * cannot answer); the change's author is refused as in the CLI. An
 * approval that completes a hold records it; the run goes on with `sluice run resume RUN`.
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
      const { approved, hold } = await g.approve(runId, by, comment);
      return {
        approved,
        hold,
        next: approved ? `sluice run resume ${runId}` : null,
      };
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
};
