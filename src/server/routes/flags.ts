import type { FastifyRequest } from "fastify";
import type { FlagScope, SplitStep } from "../../flags/index.js";
import { parsePercent, parseSchedule } from "../../flags/index.js";
import { z } from "zod";
import { AppError } from "../../kernel/index.js";
import {
  FlagParams,
  IdParams,
  ScopeFilterQuery,
  ScopeParams,
  urlName,
} from "../params.js";
import type { Role } from "../../accounts/index.js";
import type { ProjectSource } from "../auth-accounts.js";
import { principalOf } from "../route-auth.js";
import type { RouteAuth } from "../route-auth.js";
import {
  ApiKeySummaries,
  AuditEntries,
  CreatedKey,
  FlagDefinition,
  FlagSetDocument,
  FlagSetWrite,
  FlagSummaries,
  RevokedKey,
  StaleFlags,
} from "./flag-responses.js";
import type { RouteModule } from "../types.js";
import type { ZodTypeProvider } from "../zod-provider.js";

/** The project and environment of a scoped route's parsed params. */
const scopeOf = ({ params }: { params: FlagScope }): FlagScope => ({
  project: params.project,
  environment: params.environment,
});

/**
 * Who may call each route (ADR 093): a viewer of the project reads its flags, a developer
 * changes them (the kill switch included), its admin mints flag API keys. Listing keys across
 * projects and revoking one by id need a server-wide admin. A flag API key gets 403 on all.
 */
const rule = (role: Role, project: ProjectSource) =>
  ({ config: { auth: { kind: "role", role, project } } }) as const;
const viewer = rule("viewer", "param");
const developer = rule("developer", "param");

/** The bodies the CLI sends: checked before a handler runs, so a wrong type is a 400. */
const reason = z.string().max(2000).optional();
const Change = z.object({ reason }).nullish();
const bodies = {
  change: Change,
  createKey: z.object({ name: urlName.optional() }).nullish(),
  kill: z.object(
    { keys: z.array(urlName).min(1), reason: z.string().min(1).max(2000) },
    'send {"keys": [flag keys], "reason": "..."}',
  ),
  importSet: z.object({ document: z.unknown(), reason }),
  setFlag: z.object({ flag: z.unknown(), reason }),
  rollout: z.object({
    percent: z.union([z.string().max(20), z.number()]).optional(),
    schedule: z.string().max(2000).optional(),
    variant: urlName.optional(),
    offVariant: urlName.optional(),
    reason,
  }),
};
/** A route's schemas: params, body (writes) and its 200 answer (`flag-responses.ts`). */
const on = <P extends z.ZodType, B extends z.ZodType, R extends z.ZodType>(
  params: P,
  body: B,
  response: R,
  auth: { readonly config: { readonly auth: RouteAuth } } = developer,
) =>
  ({
    ...auth,
    schema: { params, body, response: { 200: response } },
  }) as const;
const scoped = <R extends z.ZodType>(response: R) =>
  ({
    ...viewer,
    schema: { params: ScopeParams, response: { 200: response } },
  }) as const;
const keyed = <R extends z.ZodType>(response: R) =>
  ({
    ...viewer,
    schema: { params: FlagParams, response: { 200: response } },
  }) as const;
/** `?days=N` of the stale report (default 30). */
const StaleQuery = z.object({
  days: z.string("days must be a number ≥ 0").optional(),
});

/**
 * Flag management: the same operations as `sluice flags ...`, under
 * `/api/v1/flags/{project}/{environment}`; API keys of every scope under `/api/v1/flags/keys`.
 */
export const flagRoutes: RouteModule<"flags" | "clock"> = (fastify, deps) => {
  const server = fastify.withTypeProvider<ZodTypeProvider>();
  const flags = deps.app.flags;
  const base = "/api/v1/flags/:project/:environment";
  // The audit actor is who the credential says, never a header the caller chose.
  const actorOf = (request: FastifyRequest) => principalOf(request).actor;
  const change = (
    request: FastifyRequest & {
      body: { reason?: string | undefined } | null | undefined;
    },
  ) => ({
    actor: actorOf(request),
    reason: request.body?.reason,
  });

  // The router tries the static `keys` before `:project` and falls back: a project named
  // "keys" keeps its routes (no scoped route ends in /revoke).
  server.get(
    "/api/v1/flags/keys",
    {
      ...rule("admin", "query"),
      schema: {
        querystring: ScopeFilterQuery,
        response: { 200: ApiKeySummaries },
      },
    },
    async (request) => flags.listApiKeys(request.query),
  );
  server.post(
    "/api/v1/flags/keys/:id/revoke",
    on(IdParams, bodies.change, RevokedKey, {
      config: { auth: { kind: "admin" } },
    }),
    async (request) => flags.revokeApiKey(request.params.id, change(request)),
  );

  server.get(base, scoped(FlagSummaries), async (request) =>
    flags.list(scopeOf(request)),
  );
  server.get(`${base}/export`, scoped(FlagSetDocument), async (request) =>
    flags.export(scopeOf(request)),
  );
  server.put(
    base,
    on(ScopeParams, bodies.importSet, FlagSetWrite),
    async (request) => {
      const { document } = request.body;
      if (document === undefined)
        throw new AppError(
          "INVALID_ARGUMENT",
          'send {"document": <flagd JSON>}',
        );
      return flags.importSet(scopeOf(request), document, change(request));
    },
  );
  server.get(`${base}/history`, scoped(AuditEntries), async (request) =>
    flags.history(scopeOf(request)),
  );
  server.get(
    `${base}/stale`,
    {
      ...viewer,
      schema: {
        params: ScopeParams,
        querystring: StaleQuery,
        response: { 200: StaleFlags },
      },
    },
    async (request) => {
      const days = Number(request.query.days ?? "30");
      if (!Number.isFinite(days) || days < 0)
        throw new AppError("INVALID_ARGUMENT", "days must be a number ≥ 0");
      return flags.stale(scopeOf(request), days);
    },
  );
  server.post(
    `${base}/keys`,
    on(ScopeParams, bodies.createKey, CreatedKey, rule("admin", "param")),
    async (request) => {
      const name = request.body?.name;
      return flags.createApiKey(
        scopeOf(request),
        name ?? "default",
        actorOf(request),
      );
    },
  );
  server.post(
    `${base}/kill`,
    on(ScopeParams, bodies.kill, FlagSetWrite),
    async (request) => {
      const { keys, reason } = request.body;
      return flags.killFlags(scopeOf(request), keys, reason, actorOf(request));
    },
  );
  server.get(`${base}/flags/:key`, keyed(FlagDefinition), async (request) =>
    flags.get(scopeOf(request), request.params.key),
  );
  server.get(
    `${base}/flags/:key/history`,
    keyed(AuditEntries),
    async (request) => flags.history(scopeOf(request), request.params.key),
  );
  server.put(
    `${base}/flags/:key`,
    on(FlagParams, bodies.setFlag, FlagSetWrite),
    async (request) => {
      const { flag } = request.body;
      if (flag === undefined)
        throw new AppError(
          "INVALID_ARGUMENT",
          'send {"flag": <flag definition>}',
        );
      return flags.setFlag(
        scopeOf(request),
        request.params.key,
        flag,
        change(request),
      );
    },
  );
  server.delete(
    `${base}/flags/:key`,
    on(FlagParams, bodies.change, FlagSetWrite),
    async (request) =>
      flags.deleteFlag(scopeOf(request), request.params.key, change(request)),
  );
  for (const [action, state] of [
    ["enable", "ENABLED"],
    ["disable", "DISABLED"],
  ] as const) {
    server.post(
      `${base}/flags/:key/${action}`,
      on(FlagParams, bodies.change, FlagSetWrite),
      async (request) =>
        flags.setState(
          scopeOf(request),
          request.params.key,
          state,
          change(request),
        ),
    );
  }
  server.post(
    `${base}/flags/:key/rollout`,
    on(FlagParams, bodies.rollout, FlagSetWrite),
    async (request) => {
      const plan = request.body;
      let steps: SplitStep[];
      if (plan.schedule) steps = parseSchedule(plan.schedule);
      else if (plan.percent !== undefined)
        steps = [
          {
            at: deps.app.clock.now(),
            percent: parsePercent(String(plan.percent)),
          },
        ];
      else
        throw new AppError(
          "INVALID_ARGUMENT",
          'send {"percent": "25%"} or {"schedule": "10%@T1,50%@T2"}',
        );
      // A percentage split; the route keeps its first name (ADR 062).
      return flags.split(
        scopeOf(request),
        request.params.key,
        {
          steps,
          variants: {
            ...(plan.variant ? { on: plan.variant } : {}),
            ...(plan.offVariant ? { off: plan.offVariant } : {}),
          },
        },
        change(request),
      );
    },
  );
};
