import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RouteOptions,
} from "fastify";
import type { FlagScope } from "../flags/index.js";
import { AppError } from "../kernel/index.js";
import { FailedAuthLimiter } from "./auth-limiter.js";
import type { FailedAuthLimit } from "./auth-limiter.js";
import { looksLikeToken } from "../accounts/index.js";
import type { Identity, Role } from "../accounts/index.js";
import { allows, checkCsrf, refusal, sessionOf } from "./auth-accounts.js";
import type { ProjectSource } from "./auth-accounts.js";
import { credentialOf, queryCarriesCredential, sameSecret } from "./auth.js";
import { createFlagKeyAuth } from "./auth-flag-key.js";
import { checkSignature } from "./auth-webhook.js";
import type { WebhookSource } from "./auth-webhook.js";
import { isLocalPeer } from "./local/peer.js";
import { problem, problemContentType } from "./problem.js";
import type { App } from "../app.js";
import type { ServerDeps } from "./types.js";

/**
 * What a route requires, declared in its `config.auth` (issue 10 item 1, issue 14). A route
 * without one is refused when it is registered, so the server cannot start with an unchecked route.
 * - `public`: nothing (health).
 * - `login`: nothing, but a failed sign-in counts against the address (429 after too many).
 * - `signedIn`: any user (session or API token), the admin token or the local owner.
 * - `role`: at least `role` on the project named by the route's `:project` (`param`), its
 *   `?project=` (`query`) or on every project (`server`). The admin token and the local
 *   socket's owner hold every role.
 * - `admin`: the admin role on every project (same as `role` admin on `server`).
 * - `local`: the local socket's owner only (the home's Unix user): work that runs commands as
 *   the server's user from a folder of this machine (`POST /api/v1/runs`). No token or role
 *   over the network reaches it: a sluice admin is not a shell on the server's host.
 * - `flagKey`: a valid, unrevoked flag API key; the key alone gives the scope. With `streamUrl`,
 *   also the key-bound HMAC token of an event stream URL (EventSource cannot send headers).
 * - `metrics`: the metrics token (`SLUICE_METRICS_TOKEN`), or what `admin` accepts.
 * - `webhook`: a valid signature of `source` over the raw body, checked before it is parsed.
 */
export type RouteAuth =
  | { kind: "public" }
  | { kind: "login" }
  | { kind: "signedIn" }
  | { kind: "role"; role: Role; project: ProjectSource }
  | { kind: "admin" }
  | { kind: "local" }
  | { kind: "flagKey"; streamUrl?: boolean }
  | { kind: "metrics" }
  | { kind: "webhook"; source: WebhookSource };

/** Who a request was authenticated as; `actor` is what audit rows record. */
export type Principal =
  | { kind: "public"; actor: "anonymous" }
  | { kind: "admin"; actor: string }
  | { kind: "account"; actor: string; identity: Identity }
  | { kind: "flagKey"; actor: string; keyId: string; scope: FlagScope }
  | { kind: "metrics"; actor: string }
  | { kind: "webhook"; actor: string; source: WebhookSource };

declare module "fastify" {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
  interface FastifyRequest {
    /** Set by the authorization hooks before any handler runs. */
    principal: Principal | undefined;
    /**
     * What the matched route declares, set first by its authorization hook (undefined for a
     * request no route matched): read it here, not from `routeOptions`, which builds an object
     * on each read.
     */
    routeAuth: RouteAuth | undefined;
  }
}

const kinds = new Set([
  "public",
  "login",
  "signedIn",
  "role",
  "admin",
  "local",
  "flagKey",
  "metrics",
  "webhook",
]);

/** The query parameters an event stream URL takes on purpose (its token is key-bound). */
const streamUrlParams = ["token"] as const;

/** The principal of a request that passed the authorization hooks. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal)
    throw new AppError("INTERNAL", "a route ran without its authorization");
  return request.principal;
}

/** The principal of a route declared `flagKey`. */
export function flagKeyOf(request: FastifyRequest): {
  keyId: string;
  scope: FlagScope;
} {
  const principal = principalOf(request);
  if (principal.kind !== "flagKey")
    throw new AppError("INTERNAL", "this route is not declared flagKey");
  return principal;
}

export interface AuthorizationOptions {
  /** Failed authentications allowed per client address (default 50 a minute). */
  failedAuthLimit?: FailedAuthLimit;
}

/**
 * The one authorization mechanism of the server. It runs after routing, on what the matched
 * route declares (its `config.auth`, bound to the route's own `onRequest` hook when it is
 * registered), never on the URL as spelled, so no
 * encoding, case or slash trick reaches a handler unchecked. Registration fails for a route that
 * declares nothing. Credentials in headers are checked `onRequest` (before the body is read);
 * webhook signatures `preValidation`, over the raw body, which is parsed only after.
 * A client address with too many failed authentications gets 429 with Retry-After.
 */
export function installAuthorization(
  server: FastifyInstance,
  deps: ServerDeps<
    Pick<App, "clock" | "metricsWebhooks" | "flags" | "accounts">
  >,
  options: AuthorizationOptions = {},
): void {
  const limiter = new FailedAuthLimiter(options.failedAuthLimit);
  const clock = deps.app.clock;
  const adminActor = deps.adminName ?? "admin";
  server.decorateRequest("principal", undefined);
  server.decorateRequest("routeAuth", undefined);

  server.addHook("onRoute", (route: RouteOptions) => {
    const auth = route.config?.auth;
    if (!auth || !kinds.has(auth.kind))
      throw new AppError(
        "INTERNAL",
        `route ${String(route.method)} ${route.url} declares no config.auth: every route must say who may call it`,
      );
    // Each route's own authorization hook, first among its hooks, with what it declares bound
    // now rather than read from the request each time (issue 11 bench). Fastify runs a route's
    // hooks for every request it answers; only the not-found handler has none, and it runs no
    // route code (app.ts refuses a credential in its URL too).
    route.onRequest = [authorizationHook(auth), ...hooksOf(route.onRequest)];
    // The hooks only some routes need are theirs too: every other request is spared an async
    // hook each.
    if (auth.kind === "webhook")
      route.preValidation = [
        checkSignature(auth.source, deps.app.metricsWebhooks, refuse),
        ...hooksOf(route.preValidation),
      ];
    if (auth.kind === "login")
      route.onSend = [countFailedSignIn, ...hooksOf(route.onSend)];
  });

  const refuse = (request: FastifyRequest, error: AppError): never => {
    limiter.fail(request.ip, clock.now());
    throw error;
  };
  const flagKeys = createFlagKeyAuth({
    flags: deps.app.flags,
    adminToken: deps.adminToken,
    refuse,
  });

  /**
   * The `onRequest` hook of a route declaring `auth`. Synchronous: a request whose credential is
   * settled without waiting (a public route, a flag key this process knows) goes on without a
   * promise or a microtask hop (issue 11 bench).
   */
  function authorizationHook(auth: RouteAuth) {
    const allowed =
      auth.kind === "flagKey" && auth.streamUrl ? streamUrlParams : [];
    return (
      request: FastifyRequest,
      reply: FastifyReply,
      done: (error?: Error) => void,
    ): void => {
      request.routeAuth = auth;
      let outcome: ReturnType<typeof authorize>;
      try {
        refuseCredentialInUrl(request.url, allowed);
        outcome = authorize(request, reply, auth);
      } catch (error) {
        done(error as Error);
        return;
      }
      if (outcome === "answered") return;
      if (outcome) outcome.then(() => done(), done);
      else done();
    };
  }

  /**
   * Settles who `request` is and whether its route lets them in: throws (or rejects) to refuse;
   * "answered" when it sent the answer itself (429); a promise when the store must be asked.
   */
  function authorize(
    request: FastifyRequest,
    reply: FastifyReply,
    auth: RouteAuth,
  ): Promise<void> | "answered" | undefined {
    if (auth.kind === "public") {
      request.principal = { kind: "public", actor: "anonymous" };
      return undefined;
    }
    const wait = limiter.retryAfterMs(request.ip, clock.now());
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      void reply
        .status(429)
        .header("retry-after", String(seconds))
        .type(problemContentType)
        .send(
          problem(
            429,
            "RATE_LIMITED",
            `too many failed authentications from this address: retry in ${seconds} s`,
          ),
        );
      return "answered";
    }
    // Checked over the raw body (preValidation) and by the sign-in handler.
    if (auth.kind === "webhook" || auth.kind === "login") return undefined;
    if (auth.kind === "flagKey") {
      const principal = flagKeys.principal(request, auth);
      if (!(principal instanceof Promise)) {
        request.principal = principal;
        return undefined;
      }
      return principal.then((settled) => {
        request.principal = settled;
      });
    }
    return authenticate(request, auth).then((principal) => {
      if (
        !allows(principal, auth, request) ||
        (auth.kind === "local" && !isLocalPeer(request.raw.socket))
      )
        throw new AppError("FORBIDDEN", refusal(auth, request));
      request.principal = principal;
    });
  }

  /** A failed sign-in counts like any failed authentication: a flood of guesses gets 429. */
  async function countFailedSignIn(
    request: FastifyRequest,
    reply: FastifyReply,
    payload: unknown,
  ): Promise<unknown> {
    if (reply.statusCode === 401) limiter.fail(request.ip, clock.now());
    return payload;
  }

  /**
   * Who calls a route that is neither public nor a flag key's nor a webhook's: the local
   * socket's owner, the admin token, the metrics token (metrics routes only), an API token or a
   * browser session (whose unsafe requests must pass the CSRF check). Anything else is a 401 that
   * counts against the address.
   */
  async function authenticate(
    request: FastifyRequest,
    auth: RouteAuth,
  ): Promise<Principal> {
    // The local socket's peer is the home's owner (the socket is 0600): admin, no token. Its
    // audit name is the terminal's (`x-sluice-actor`, as it was when the CLI wrote the store
    // itself): the same Unix user could write any name there.
    if (isLocalPeer(request.raw.socket))
      return { kind: "admin", actor: localActor(request) ?? adminActor };
    const token = credentialOf(request);
    if (token !== undefined) {
      if (sameSecret(token, deps.adminToken))
        return { kind: "admin", actor: adminActor };
      const metricsToken = deps.app.metricsWebhooks.token;
      if (
        auth.kind === "metrics" &&
        metricsToken !== undefined &&
        sameSecret(token, metricsToken)
      )
        return { kind: "metrics", actor: "metrics-token" };
      if (looksLikeToken(token)) {
        const identity = await deps.app.accounts.tokenIdentity(token);
        if (identity)
          return { kind: "account", actor: identity.name, identity };
        return refuse(
          request,
          new AppError(
            "UNAUTHENTICATED",
            "the API token is unknown, expired or revoked",
          ),
        );
      }
      if (await flagKeys.identify(token))
        throw new AppError(
          "FORBIDDEN",
          "a flag API key cannot manage sluice: this needs an account's token or the server's admin token",
        );
      return refuse(
        request,
        new AppError("UNAUTHENTICATED", "the bearer token is not valid here"),
      );
    }
    const session = sessionOf(request);
    if (session !== undefined) {
      const identity = await deps.app.accounts.sessionIdentity(session);
      if (!identity)
        return refuse(
          request,
          new AppError(
            "UNAUTHENTICATED",
            "the session is unknown or has expired: sign in again",
          ),
        );
      checkCsrf(request, session);
      return { kind: "account", actor: identity.name, identity };
    }
    return refuse(
      request,
      new AppError(
        "UNAUTHENTICATED",
        auth.kind === "metrics"
          ? "a valid bearer token is required for metrics"
          : "sign in, or send a token (Authorization: Bearer)",
      ),
    );
  }
}

/**
 * A credential in a URL is refused everywhere (every route's authorization hook, and the
 * not-found handler), before anything else looks at it; the answer never repeats the URL, and
 * nothing logs it. `allowed` names the parameters a route takes on purpose.
 */
export function refuseCredentialInUrl(
  url: string,
  allowed: readonly string[] = [],
): void {
  if (queryCarriesCredential(url, allowed))
    throw new AppError(
      "INVALID_ARGUMENT",
      "credentials go in the Authorization header (or a session cookie), never in a URL",
    );
}

/** A route's own hooks of one kind as an array (Fastify takes one function or an array). */
function hooksOf<T>(hooks: T | T[] | undefined): T[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}

/** The audit name a local socket's peer gives (`x-sluice-actor`, URI-encoded), when sound. */
function localActor(request: FastifyRequest): string | undefined {
  const header = request.headers["x-sluice-actor"];
  if (typeof header !== "string") return undefined;
  try {
    const name = decodeURIComponent(header);
    return /^[^\p{Cc}]{1,200}$/u.test(name) ? name : undefined;
  } catch {
    return undefined;
  }
}
