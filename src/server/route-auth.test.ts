import { createHmac } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApp } from "../app.js";
import type { App } from "../app.js";
import { silentLogger } from "../kernel/index.js";
import { buildServer } from "./app.js";
import type { RouteAuth } from "./route-auth.js";
import { streamToken } from "./auth-flag-key.js";
import { routeModules } from "./routes/index.js";
import { routeRecorder } from "../../test/support/route-recorder.js";
import type { RouteModule } from "./types.js";

/**
 * Issue 10 item 1: every route of the real route table, walked with every spelling of its path
 * and every kind of credential. The table comes from the server itself (an onRoute hook), so a
 * route added later is walked without editing this file. Handlers are replaced by a recorder:
 * what is asserted is which requests get past authorization, never what a handler does.
 */

const admin = "admin-token-for-the-walk";
const metricsToken = "metrics-token-for-the-walk";
const githubSecret = "github-secret";
const pagerDutySecret = "pagerduty-secret";

/** What the walk sends: one credential, as headers and an optional query string. */
interface Credential {
  name: string;
  headers: (body: string) => Record<string, string>;
  query?: string;
  /** Whether a route declared `auth` must let it through. */
  accepted: (auth: RouteAuth) => boolean;
}

const sampleParams: Record<string, string> = {
  project: "shop",
  environment: "production",
  key: "banner",
  verb: "undo",
};

/** The route's path with its parameters filled in. */
function concrete(url: string, id: string): string {
  return url.replace(/:(\w+)/g, (_, name: string) =>
    name === "id" ? id : (sampleParams[name] ?? "x"),
  );
}

const encodeChar = (c: string, upper: boolean) => {
  const hex = c.charCodeAt(0).toString(16).padStart(2, "0");
  return `%${upper ? hex.toUpperCase() : hex}`;
};

/**
 * Spellings of one path that a router or a proxy may take for the same resource: a
 * percent-encoded letter in each static segment, whole segments encoded (lower and upper hex),
 * doubled slashes, dot segments (plain and encoded), case changes, an encoded slash, a trailing
 * slash, a matrix parameter.
 */
function spellings(path: string, template: string): string[] {
  const segments = path.split("/").slice(1);
  const statics = template
    .split("/")
    .slice(1)
    .map((s) => !s.startsWith(":"));
  const join = (parts: string[]) => `/${parts.join("/")}`;
  const mapped = (f: (segment: string, i: number) => string) =>
    join(segments.map((s, i) => (statics[i] && s ? f(s, i) : s)));
  const encodeAll = (s: string, upper: boolean) =>
    [...s].map((c) => encodeChar(c, upper)).join("");
  const out = new Set<string>([path]);
  segments.forEach((segment, i) => {
    if (statics[i] && segment)
      out.add(
        mapped((s, j) => (j === i ? encodeChar(s[0]!, false) + s.slice(1) : s)),
      );
  });
  const [first = "", ...rest] = segments;
  out.add(mapped((s) => encodeChar(s[0]!, true) + s.slice(1)));
  out.add(mapped((s) => encodeAll(s, false)));
  out.add(mapped((s) => encodeAll(s, true)));
  out.add(mapped((s) => s.toUpperCase()));
  out.add(mapped((s) => s[0]!.toUpperCase() + s.slice(1)));
  out.add(path.toUpperCase());
  out.add(`/${path}`);
  out.add(join([first, "", ...rest]));
  out.add(`${path}/`);
  out.add(join([first, ".", ...rest]));
  out.add(join([first, "x", "..", ...rest]));
  out.add(join([first, "%2e", ...rest]));
  out.add(join([first, "x", "%2e%2e", ...rest]));
  out.add(join([`${first};x=1`, ...rest]));
  out.add(`/${segments.join("%2F")}`);
  return [...out];
}

describe("route authorization walk (issue 10 item 1)", () => {
  let app: App;
  let server: FastifyInstance;
  let keyA: { id: string; key: string };
  let keyB: { id: string; key: string };
  let revoked: { id: string; key: string };
  const credentials: Credential[] = [];

  /** Wraps a route module: its routes are recorded and their handlers replaced by a recorder. */
  const { routes, reached, recording } = routeRecorder();

  beforeAll(async () => {
    app = await openApp({
      home: mkdtempSync(join(tmpdir(), "sluice-route-auth-")),
      logger: silentLogger,
    });
    app.metricsWebhooks.githubSecret = githubSecret;
    app.metricsWebhooks.pagerDutySecret = pagerDutySecret;
    app.metricsWebhooks.token = metricsToken;
    keyA = await app.flags.createApiKey(
      { project: "shop", environment: "production" },
      "a",
    );
    keyB = await app.flags.createApiKey(
      { project: "other", environment: "staging" },
      "b",
    );
    revoked = await app.flags.createApiKey(
      { project: "shop", environment: "production" },
      "revoked",
    );
    await app.flags.revokeApiKey(revoked.id, { actor: "test" });
    server = await buildServer(
      { app, logger: silentLogger, adminToken: admin },
      {
        routes: routeModules.map(recording),
        // The walk makes thousands of failed attempts from one address on purpose.
        failedAuthLimit: { max: Number.MAX_SAFE_INTEGER, windowMs: 1 },
      },
    );
    const bearer = (token: string) => () => ({
      authorization: `Bearer ${token}`,
    });
    const isFlagKey = (auth: RouteAuth) => auth.kind === "flagKey";
    const stream = (id: string, token = streamToken(admin, id)) =>
      `key=${encodeURIComponent(id)}&token=${token}`;
    credentials.push(
      { name: "none", headers: () => ({}), accepted: () => false },
      {
        name: "bad token",
        headers: bearer("not-a-token"),
        accepted: () => false,
      },
      {
        name: "unknown well-formed key",
        headers: bearer(`sluice_flags_${"A".repeat(32)}`),
        accepted: () => false,
      },
      {
        name: "revoked key",
        headers: bearer(revoked.key),
        accepted: () => false,
      },
      {
        name: "flag key of the right scope",
        headers: bearer(keyA.key),
        accepted: isFlagKey,
      },
      {
        name: "flag key of another scope",
        headers: () => ({ "x-api-key": keyB.key }),
        accepted: isFlagKey,
      },
      {
        name: "admin token",
        headers: bearer(admin),
        accepted: (auth) =>
          ["admin", "metrics", "role", "signedIn"].includes(auth.kind),
      },
      {
        name: "metrics token",
        headers: bearer(metricsToken),
        accepted: (auth) => auth.kind === "metrics",
      },
      {
        name: "webhook signatures",
        headers: (body) => {
          const hex = (secret: string) =>
            createHmac("sha256", secret).update(body).digest("hex");
          return {
            "x-github-event": "ping",
            "x-hub-signature-256": `sha256=${hex(githubSecret)}`,
            "x-pagerduty-signature": `v1=${hex(pagerDutySecret)}`,
          };
        },
        accepted: (auth) => auth.kind === "webhook",
      },
      {
        name: "webhook signatures under the wrong secrets",
        headers: (body) => {
          const hex = createHmac("sha256", admin).update(body).digest("hex");
          return {
            "x-github-event": "ping",
            "x-hub-signature-256": `sha256=${hex}`,
            "x-pagerduty-signature": `v1=${hex}`,
          };
        },
        accepted: () => false,
      },
      {
        name: "stream URL of a valid key",
        headers: () => ({}),
        query: stream(keyA.id),
        accepted: (auth) => auth.kind === "flagKey" && auth.streamUrl === true,
      },
      {
        name: "stream URL of a revoked key",
        headers: () => ({}),
        query: stream(revoked.id),
        accepted: () => false,
      },
      {
        name: "forged stream URL",
        headers: () => ({}),
        query: stream(keyA.id, streamToken("guess", keyA.id)),
        accepted: () => false,
      },
    );
  });
  afterAll(async () => {
    await server?.close();
    await app?.close();
  });

  it("finds the route table and a declared auth on every route", () => {
    // The six modules register well over twenty routes (plus their HEAD twins).
    expect(routes.length).toBeGreaterThan(20);
    for (const route of routes)
      expect(route.auth, `${route.method} ${route.url}`).toBeDefined();
    expect(new Set(routes.map((r) => r.auth!.kind))).toEqual(
      new Set([
        "public",
        "login",
        "signedIn",
        "role",
        "admin",
        "local",
        "flagKey",
        "metrics",
        "webhook",
      ]),
    );
  });

  it("lets no spelling of any path reach a handler without the credential it declares", async () => {
    const byKey = new Map(routes.map((r) => [`${r.method} ${r.url}`, r]));
    const passedCanonical = new Set<string>();
    let requests = 0;
    for (const route of routes) {
      const path = concrete(route.url, keyA.id);
      const body =
        route.method === "GET" || route.method === "HEAD" ? "" : "{}";
      for (const spelling of spellings(path, route.url)) {
        for (const credential of credentials) {
          const query = ["project=shop", credential.query]
            .filter(Boolean)
            .join("&");
          const before = reached.length;
          const response = await server.inject({
            method: route.method as "GET",
            url: `${spelling}?${query}`,
            headers: {
              ...(body ? { "content-type": "application/json" } : {}),
              ...credential.headers(body),
            },
            ...(body ? { payload: body } : {}),
          });
          requests += 1;
          const what = `${route.method} ${spelling} with ${credential.name}`;
          if (reached.length === before) {
            // Refused: a client error, never a server error.
            expect(response.statusCode, what).toBeGreaterThanOrEqual(400);
            expect(response.statusCode, what).toBeLessThan(500);
            continue;
          }
          const target = byKey.get(reached.at(-1)!)!;
          expect(
            ["public", "login"].includes(target.auth!.kind) ||
              credential.accepted(target.auth!),
            `${what} reached ${reached.at(-1)} (declared ${JSON.stringify(target.auth)})`,
          ).toBe(true);
          if (spelling === path)
            passedCanonical.add(`${route.method} ${route.url}`);
        }
      }
    }
    // The walk can fail: with the right credential, the plain spelling reaches every handler
    // (but a `local` one, which nothing off the socket reaches: route-auth-local.test.ts).
    for (const route of routes.filter((r) => r.auth!.kind !== "local"))
      expect(passedCanonical, `${route.method} ${route.url}`).toContain(
        `${route.method} ${route.url}`,
      );
    expect(requests).toBeGreaterThan(1000);
  });

  it.each([
    ["POST", "/api/v1/%66lags/shop/production/keys", { name: "x" }],
    [
      "POST",
      "/api/v1/%66lags/shop/production/kill",
      { keys: ["banner"], reason: "x" },
    ],
    ["PUT", "/api/v1/%66lags/shop/production/flags/banner", { flag: {} }],
    ["POST", "/api/v1/%66lags/keys/ID/revoke", {}],
    ["POST", "/api/v1/%72ollouts/production/undo?project=svc", {}],
    ["GET", "/api/v1/%72ollouts/production?project=svc", undefined],
  ] as const)(
    "answers the reported bypass %s %s with 401 and runs nothing",
    async (method, url, payload) => {
      const before = reached.length;
      const response = await server.inject({
        method,
        url: url.replace("ID", keyA.id),
        ...(payload ? { payload } : {}),
      });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ code: "UNAUTHENTICATED" });
      expect(reached.length).toBe(before);
    },
  );

  it("refuses to start with a route that declares no auth", async () => {
    const undeclared: RouteModule = (scope) => {
      scope.post("/api/v1/forgotten", async () => ({ ok: true }));
    };
    await expect(
      buildServer(
        { app, logger: silentLogger, adminToken: admin },
        { routes: [...routeModules, undeclared] },
      ),
    ).rejects.toThrow(/POST \/api\/v1\/forgotten declares no config\.auth/);
  });
});
