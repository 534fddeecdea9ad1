import type { FastifyRequest } from "fastify";
import { atLeast, csrfTokenOf, everyProject } from "../accounts/index.js";
import type { Identity, Role } from "../accounts/index.js";
import { AppError } from "../kernel/index.js";
import { cookieOf, sameSecret } from "./auth.js";
import type { Principal, RouteAuth } from "./route-auth.js";

/** The cookie of a browser session (HttpOnly) and the one the page reads its CSRF token from. */
export const sessionCookie = "sluice_session";
export const csrfCookie = "sluice_csrf";
/** The header an unsafe request of a browser session must repeat the CSRF token in. */
const csrfHeader = "x-csrf-token";

/** Where a `role` route's project comes from. */
export type ProjectSource = "param" | "query" | "server";

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * The project a `role` rule is checked on: the matched route's `:project`, or `?project=`, or
 * `*` (every project) for a server-wide route. A query without exactly one project asks for `*`:
 * only a server-wide role passes, never a guess.
 */
function projectOf(request: FastifyRequest, source: ProjectSource): string {
  if (source === "server") return everyProject;
  const value =
    source === "param"
      ? (request.params as Record<string, unknown> | undefined)?.project
      : (request.query as Record<string, unknown> | undefined)?.project;
  return typeof value === "string" && value !== "" ? value : everyProject;
}

/** Whether `identity` holds at least `role` on `project`. */
function holds(identity: Identity, role: Role, project: string): boolean {
  return atLeast(identity.roleOn(project), role);
}

/**
 * The CSRF check of a request authenticated by a session cookie (ADR 093): an unsafe method
 * must send the session's CSRF token in `X-CSRF-Token` (double submit: another site can make a
 * browser send the cookie, never read it or set the header), and an `Origin`, when the browser
 * sends one, must be this server's host. Tokens in headers need neither: a browser never adds
 * them on its own.
 */
export function checkCsrf(request: FastifyRequest, session: string): void {
  if (safeMethods.has(request.method)) return;
  const expected = csrfTokenOf(session);
  const sent = request.headers[csrfHeader];
  if (!expected || typeof sent !== "string" || !sameSecret(sent, expected))
    throw new AppError(
      "FORBIDDEN",
      `a browser session must send its CSRF token in ${csrfHeader} on ${request.method}`,
    );
  const origin = request.headers.origin;
  if (typeof origin === "string" && hostOf(origin) !== request.headers.host)
    throw new AppError(
      "FORBIDDEN",
      "the request comes from another site (Origin does not match)",
    );
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/** The session cookie's value, when the request sends one. */
export function sessionOf(request: FastifyRequest): string | undefined {
  return cookieOf(request, sessionCookie);
}

/** Whether an authenticated principal may call a route declaring `auth`. */
export function allows(
  principal: Principal,
  auth: RouteAuth,
  request: FastifyRequest,
): boolean {
  if (principal.kind === "admin") return true;
  if (principal.kind === "metrics") return auth.kind === "metrics";
  if (principal.kind !== "account") return false;
  const { identity } = principal;
  switch (auth.kind) {
    case "signedIn":
      return true;
    case "role":
      return holds(identity, auth.role, projectOf(request, auth.project));
    case "admin":
    case "metrics":
      return holds(identity, "admin", projectOf(request, "server"));
    default:
      return false;
  }
}

/** Why an authenticated caller is refused: the role it lacks, and where. */
export function refusal(auth: RouteAuth, request: FastifyRequest): string {
  if (auth.kind === "local")
    return "only the local CLI of this server's home (its Unix socket) may do this";
  if (auth.kind !== "role")
    return "this needs the admin role on every project (*) or the server's admin token";
  const project = projectOf(request, auth.project);
  return project === "*"
    ? `this needs the ${auth.role} role on every project (*)`
    : `this needs the ${auth.role} role on project ${project}`;
}
