import { createHmac } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import type { FlagScope } from "../flags/index.js";
import { AppError } from "../kernel/index.js";
import type { App } from "../app.js";
import { credentialOf, sameSecret } from "./auth.js";
import type { Principal } from "./route-auth.js";

/** `?key=ID&token=HMAC` of an event stream URL. */
const StreamQuery = z.object({ key: z.string(), token: z.string() });

/** The token of an event stream URL: an HMAC of the key id under the server's secret. */
export function streamToken(secret: string, keyId: string): string {
  return createHmac("sha256", secret)
    .update(`sluice-stream\u0000${keyId}`)
    .digest("base64url");
}

/** The event stream URL of a key: valid while the key is not revoked (checked on every connect). */
export function streamPath(secret: string, keyId: string): string {
  return `/ofrep/v1/events?key=${encodeURIComponent(keyId)}&token=${streamToken(secret, keyId)}`;
}

/**
 * Flag API keys as credentials (route-auth.ts asks it for `flagKey` routes, and whether a
 * bearer token elsewhere is a flag key): a key in a header, or a stream URL's key-bound token.
 * A refusal goes through `refuse`, which counts it against the address.
 */
export function createFlagKeyAuth(deps: {
  flags: App["flags"];
  /** The server's secret the stream URL tokens are made with. */
  adminToken: string;
  refuse: (request: FastifyRequest, error: AppError) => never;
}) {
  const { flags, refuse } = deps;

  function refuseKey(request: FastifyRequest): never {
    return refuse(
      request,
      new AppError(
        "UNAUTHENTICATED",
        "a valid API key is required (Authorization: Bearer or X-API-Key)",
      ),
    );
  }

  async function identify(token: string): Promise<Principal | undefined> {
    const key = await flags.identifyApiKey(token);
    return key && keyPrincipal(key);
  }

  /** `?key=ID&token=HMAC`: valid when the HMAC matches and the key is not revoked (asked now). */
  async function fromStreamUrl(
    request: FastifyRequest,
  ): Promise<Principal | undefined> {
    // onRequest runs before the route's schemas: the raw query is checked here.
    const query = StreamQuery.safeParse(request.query);
    if (!query.success) return undefined;
    const { key, token } = query.data;
    if (!sameSecret(token, streamToken(deps.adminToken, key))) return undefined;
    const scope = await flags.activeApiKeyScope(key);
    return scope && { kind: "flagKey", actor: key, keyId: key, scope };
  }

  return {
    /** The principal a flag key gives, if `token` is one (a bearer token on another route). */
    identify,

    /**
     * The key-bound principal of a `flagKey` route: a key in a header, or a stream URL's
     * token. A key the cache knows is settled at once; only the store's answer is waited for.
     */
    principal(
      request: FastifyRequest,
      auth: { kind: "flagKey"; streamUrl?: boolean },
    ): Principal | Promise<Principal> {
      const token = credentialOf(request);
      if (token !== undefined) {
        const cached = flags.cachedApiKey(token);
        if (cached) return keyPrincipal(cached);
        if (cached === null) return refuseKey(request);
        return identify(token).then((key) => key ?? refuseKey(request));
      }
      if (auth.streamUrl)
        return fromStreamUrl(request).then(
          (principal) => principal ?? refuseKey(request),
        );
      return refuseKey(request);
    },
  };
}

function keyPrincipal(key: { id: string; scope: FlagScope }): Principal {
  return { kind: "flagKey", actor: key.id, keyId: key.id, scope: key.scope };
}
