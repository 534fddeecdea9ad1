import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { roles } from "../../accounts/index.js";
import type { Caller } from "../../accounts/index.js";
import { AppError } from "../../kernel/index.js";
import { csrfCookie, sessionCookie } from "../auth-accounts.js";
import { IdParams, urlName } from "../params.js";
import { principalOf } from "../route-auth.js";
import type { RouteAuth } from "../route-auth.js";
import type { RouteModule } from "../types.js";
import type { ZodTypeProvider } from "../zod-provider.js";

const Role = z.enum(roles);
const Grant = z.object({ project: urlName, role: Role });
const date = z.date().meta({ type: "string", format: "date-time" });

const User = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    hasPassword: z.boolean(),
    roles: z.array(Grant),
    createdAt: date,
    createdBy: z.string(),
  })
  .describe("a user (never a password or its hash)");
const Token = z
  .object({
    id: z.string(),
    name: z.string(),
    user: z.string(),
    roles: z.array(Grant),
    createdAt: date,
    createdBy: z.string(),
    expiresAt: date.nullable(),
    revokedAt: date.nullable(),
    revokedBy: z.string().nullable(),
  })
  .describe("an API token (never its secret)");
const Ok = z.object({ ok: z.literal(true) });

// Bounds the accounts service checks itself (a password's, an email's, a token's name and
// lifetime) are declared with `meta` for the OpenAPI document, not checked here: the service's
// message answers, the one `sluice users` and `sluice tokens` print.
const rule = (auth: RouteAuth) => ({ config: { auth } }) as const;
const admin = rule({ kind: "admin" });
const signedIn = rule({ kind: "signedIn" });

/** Who asks, for the accounts service: the admin token and the local owner are the owner. */
function callerOf(request: FastifyRequest): Caller {
  const principal = principalOf(request);
  if (principal.kind === "account")
    return {
      kind: "user",
      actor: principal.actor,
      identity: principal.identity,
    };
  if (principal.kind === "admin")
    return { kind: "owner", actor: principal.actor };
  throw new AppError("FORBIDDEN", "this needs a user or the admin token");
}

/** `Set-Cookie` values: the session HttpOnly, both Secure and SameSite=Strict, whole site. */
function cookie(
  name: string,
  value: string,
  maxAge: number,
  httpOnly: boolean,
) {
  return `${name}=${value}; Path=/; Max-Age=${maxAge}; Secure; SameSite=Strict${httpOnly ? "; HttpOnly" : ""}`;
}

/**
 * Accounts over HTTP (ADR 093): sign in and out, users and their roles (the admin role on every
 * project), API tokens (a user's own; any for a server admin). The password and a new token's
 * secret travel in bodies only; a token's secret is in the one answer that creates it.
 */
export const accountRoutes: RouteModule<"accounts" | "clock"> = (
  fastify,
  deps,
) => {
  const server = fastify.withTypeProvider<ZodTypeProvider>();
  const accounts = deps.app.accounts;

  server.post(
    "/api/v1/auth/login",
    {
      ...rule({ kind: "login" }),
      schema: {
        summary: "sign in: sets the session cookie and answers the CSRF token",
        body: z.object({
          name: z.string().min(1).max(64),
          password: z.string().min(1).max(1024),
        }),
        response: {
          200: z.object({
            user: z.string(),
            csrfToken: z.string(),
            expiresAt: date,
          }),
        },
      },
    },
    async (request, reply) => {
      const login = await accounts.login(
        request.body.name,
        request.body.password,
      );
      const maxAge = Math.max(
        0,
        Math.floor((login.expiresAt.getTime() - deps.app.clock.now()) / 1000),
      );
      reply.header("set-cookie", [
        cookie(sessionCookie, login.session, maxAge, true),
        cookie(csrfCookie, login.csrfToken, maxAge, false),
      ]);
      return {
        user: login.user,
        csrfToken: login.csrfToken,
        expiresAt: login.expiresAt,
      };
    },
  );
  server.post(
    "/api/v1/auth/logout",
    {
      ...signedIn,
      schema: {
        summary: "sign out: ends the session",
        body: z.unknown(),
        response: { 200: Ok },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.kind === "account")
        await accounts.logout(principal.identity);
      reply.header("set-cookie", [
        cookie(sessionCookie, "", 0, true),
        cookie(csrfCookie, "", 0, false),
      ]);
      return { ok: true as const };
    },
  );
  server.get(
    "/api/v1/auth/whoami",
    {
      ...signedIn,
      schema: {
        summary: "who the credential is",
        response: { 200: z.object({ actor: z.string(), kind: z.string() }) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return { actor: principal.actor, kind: principal.kind };
    },
  );

  server.get(
    "/api/v1/users",
    {
      ...admin,
      schema: { summary: "every user", response: { 200: z.array(User) } },
    },
    async (request) => accounts.listUsers(callerOf(request)),
  );
  server.post(
    "/api/v1/users",
    {
      ...admin,
      schema: {
        summary: "add a user (with a password to sign in, or tokens only)",
        body: z.object({
          name: urlName,
          email: z
            .string()
            .meta({ maxLength: 254 })
            .optional()
            .describe(
              "the person's email, as in their git commits: the gate never lets the author of a change approve it",
            ),
          password: z.string().meta({ maxLength: 1024 }).optional(),
          roles: z.array(Grant).max(1000).optional(),
        }),
        response: { 200: User },
      },
    },
    async (request) => accounts.addUser(callerOf(request), request.body),
  );
  server.delete(
    "/api/v1/users/:name",
    {
      ...admin,
      schema: {
        summary: "remove a user with their sessions and tokens",
        params: z.object({ name: urlName }),
        response: { 200: Ok },
      },
    },
    async (request) => {
      await accounts.removeUser(callerOf(request), request.params.name);
      return { ok: true as const };
    },
  );
  server.put(
    "/api/v1/users/:name/email",
    {
      ...admin,
      schema: {
        summary:
          "set (or, with null, remove) a user's email: the gate knows a change's author by it",
        params: z.object({ name: urlName }),
        body: z.object({
          email: z.string().meta({ maxLength: 254 }).nullable(),
        }),
        response: { 200: Ok },
      },
    },
    async (request) => {
      await accounts.setEmail(
        callerOf(request),
        request.params.name,
        request.body.email,
      );
      return { ok: true as const };
    },
  );
  server.put(
    "/api/v1/users/:name/roles/:project",
    {
      ...admin,
      schema: {
        summary: "give a user a role on a project (* for every project)",
        params: z.object({ name: urlName, project: urlName }),
        body: z.object({ role: Role }),
        response: { 200: Ok },
      },
    },
    async (request) => {
      const { name, project } = request.params;
      await accounts.setRole(
        callerOf(request),
        name,
        project,
        request.body.role,
      );
      return { ok: true as const };
    },
  );
  server.delete(
    "/api/v1/users/:name/roles/:project",
    {
      ...admin,
      schema: {
        summary: "take a user's role on a project away",
        params: z.object({ name: urlName, project: urlName }),
        response: { 200: Ok },
      },
    },
    async (request) => {
      const { name, project } = request.params;
      await accounts.setRole(callerOf(request), name, project, undefined);
      return { ok: true as const };
    },
  );

  server.post(
    "/api/v1/tokens",
    {
      ...signedIn,
      schema: {
        summary: "create an API token: its secret is in this answer only",
        body: z.object({
          name: z.string().meta({ minLength: 1, maxLength: 100 }),
          user: urlName.optional(),
          roles: z
            .array(Grant)
            .min(1)
            .max(1000)
            .optional()
            .describe(
              "default: none of its own, the token acts as its user (whatever roles they hold at each use)",
            ),
          expiresInDays: z
            .number()
            .meta({ exclusiveMinimum: 0, maximum: 366 })
            .describe("default 90; a fraction for hours (0.5 is 12 hours)")
            .optional(),
        }),
        response: { 200: Token.extend({ token: z.string() }) },
      },
    },
    async (request) => {
      const { expiresInDays, ...input } = request.body;
      return accounts.createToken(callerOf(request), {
        ...input,
        // Whole milliseconds: `sluice tokens create --expires 1h` sends 1/24 of a day.
        expiresInMs:
          expiresInDays === undefined
            ? undefined
            : Math.round(expiresInDays * 86_400_000),
      });
    },
  );
  server.get(
    "/api/v1/tokens",
    {
      ...signedIn,
      schema: {
        summary: "your API tokens (every user's for a server admin)",
        querystring: z.object({ user: urlName.optional() }),
        response: { 200: z.array(Token) },
      },
    },
    async (request) => accounts.listTokens(callerOf(request), request.query),
  );
  server.post(
    "/api/v1/tokens/:id/revoke",
    {
      ...signedIn,
      schema: {
        summary: "revoke an API token",
        params: IdParams,
        body: z.unknown(),
        response: { 200: Token },
      },
    },
    async (request) =>
      accounts.revokeToken(callerOf(request), request.params.id),
  );
};
