import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApp } from "../app.js";
import type { App } from "../app.js";
import type { Grant, Role } from "../accounts/index.js";
import { roles } from "../accounts/index.js";
import { silentLogger } from "../kernel/index.js";
import { buildServer } from "./app.js";
import type { RouteAuth } from "./route-auth.js";
import { routeModules } from "./routes/index.js";
import { routeRecorder } from "../../test/support/route-recorder.js";

/**
 * Issue 14: the authorization matrix. Every route of the live route table (recorded by an
 * onRoute hook, so a new route is in it without editing this file) is called by every kind of
 * caller: nobody, the admin token, a user of each role on the project (by API token and by
 * browser session), an admin of another project, a user with no role, a server-wide admin.
 * What each route must allow is written below, by hand, apart from the routes' declarations:
 * a route that is not in `matrix` fails the test, and so does a declaration that drifts from it.
 * Handlers are replaced by a recorder: what is asserted is who gets past authorization.
 */

/** Who may call a route: a role on the request's project (`:project` or `?project=`), or a kind. */
type Rule =
  | "public" // anyone
  | "login" // anyone (the sign-in)
  | "signedIn" // any user, the admin token
  | "serverAdmin" // the admin token, admin on every project
  | "local" // the local socket's owner only: no caller over the network
  | "metrics" // as serverAdmin, or the metrics token
  | "flagKey" // a flag API key only
  | "webhook" // a signature only
  | { role: Role; project: "param" | "query" };

const matrix: Record<string, Rule> = {
  "GET /healthz": "public",
  "GET /readyz": "public",
  "GET /metrics": "metrics",
  "GET /openapi.json": "public",
  "POST /ofrep/v1/evaluate/flags/:key": "flagKey",
  "POST /ofrep/v1/evaluate/flags": "flagKey",
  "GET /api/v1/flag-sync": "flagKey",
  "GET /ofrep/v1/events": "flagKey",
  "GET /api/v1/flags/keys": { role: "admin", project: "query" },
  "POST /api/v1/flags/keys/:id/revoke": "serverAdmin",
  "GET /api/v1/flags/:project/:environment": {
    role: "viewer",
    project: "param",
  },
  "PUT /api/v1/flags/:project/:environment": {
    role: "developer",
    project: "param",
  },
  "GET /api/v1/flags/:project/:environment/export": {
    role: "viewer",
    project: "param",
  },
  "GET /api/v1/flags/:project/:environment/history": {
    role: "viewer",
    project: "param",
  },
  "GET /api/v1/flags/:project/:environment/stale": {
    role: "viewer",
    project: "param",
  },
  "POST /api/v1/flags/:project/:environment/keys": {
    role: "admin",
    project: "param",
  },
  "POST /api/v1/flags/:project/:environment/kill": {
    role: "developer",
    project: "param",
  },
  "GET /api/v1/flags/:project/:environment/flags/:key": {
    role: "viewer",
    project: "param",
  },
  "GET /api/v1/flags/:project/:environment/flags/:key/history": {
    role: "viewer",
    project: "param",
  },
  "PUT /api/v1/flags/:project/:environment/flags/:key": {
    role: "developer",
    project: "param",
  },
  "DELETE /api/v1/flags/:project/:environment/flags/:key": {
    role: "developer",
    project: "param",
  },
  "POST /api/v1/flags/:project/:environment/flags/:key/enable": {
    role: "developer",
    project: "param",
  },
  "POST /api/v1/flags/:project/:environment/flags/:key/disable": {
    role: "developer",
    project: "param",
  },
  "POST /api/v1/flags/:project/:environment/flags/:key/rollout": {
    role: "developer",
    project: "param",
  },
  "POST /api/v1/metrics/webhooks/github": "webhook",
  "POST /api/v1/metrics/webhooks/pagerduty": "webhook",
  "POST /api/v1/metrics/webhooks/alertmanager": "metrics",
  "GET /api/v1/metrics": "metrics",
  "GET /api/v1/metrics/trend": "metrics",
  "GET /api/v1/metrics/changes": "metrics",
  "GET /api/v1/metrics/projects": "metrics",
  "POST /api/v1/metrics/events": "metrics",
  "GET /api/v1/releases": { role: "viewer", project: "query" },
  "GET /api/v1/rollouts/:environment": { role: "viewer", project: "query" },
  "GET /api/v1/rollouts/:environment/report": {
    role: "viewer",
    project: "query",
  },
  "POST /api/v1/rollouts/:environment/:verb": {
    role: "approver",
    project: "query",
  },
  "POST /api/v1/deployments": "local",
  "POST /api/v1/environments/:environment/stop": {
    role: "approver",
    project: "query",
  },
  "POST /api/v1/auth/login": "login",
  "POST /api/v1/auth/logout": "signedIn",
  "GET /api/v1/auth/whoami": "signedIn",
  "GET /api/v1/users": "serverAdmin",
  "POST /api/v1/users": "serverAdmin",
  "DELETE /api/v1/users/:name": "serverAdmin",
  "PUT /api/v1/users/:name/email": "serverAdmin",
  "PUT /api/v1/users/:name/roles/:project": "serverAdmin",
  "DELETE /api/v1/users/:name/roles/:project": "serverAdmin",
  "POST /api/v1/tokens": "signedIn",
  "GET /api/v1/tokens": "signedIn",
  "POST /api/v1/tokens/:id/revoke": "signedIn",
  "GET /api/v1/gate/:project/holds": { role: "viewer", project: "param" },
  "GET /api/v1/gate/:project/runs/:run": { role: "viewer", project: "param" },
  "POST /api/v1/gate/:project/runs/:run/approve": {
    role: "approver",
    project: "param",
  },
  "POST /api/v1/gate/:project/runs/:run/reject": {
    role: "approver",
    project: "param",
  },
  "GET /api/v1/runs": "serverAdmin",
  "GET /api/v1/runs/:id": "serverAdmin",
  "GET /api/v1/runs/:id/logs": "serverAdmin",
  "POST /api/v1/runs": "local",
  // Resuming and answering as this terminal's git identity run the run's commands with the
  // client's environment, as submitting does (ADR 104).
  "POST /api/v1/runs/:id/resume": "local",
  "POST /api/v1/runs/:id/approve": "local",
  "POST /api/v1/runs/:id/reject": "local",
  "GET /api/v1/holds": "serverAdmin",
  "POST /api/v1/metrics/import-git": { role: "developer", project: "query" },
  "GET /api/v1/advisories": "signedIn",
  "POST /api/v1/advisories/import": "local",
  "POST /api/v1/advisories/file": "local",
  // Secrets (ADR 105): no value over the network; names and history to viewers.
  "GET /api/v1/secrets/:project": { role: "viewer", project: "param" },
  "GET /api/v1/secrets/:project/history/:name": {
    role: "viewer",
    project: "param",
  },
  "GET /api/v1/secrets/:project/audit": { role: "viewer", project: "param" },
  "GET /api/v1/secrets/:project/recipients": {
    role: "viewer",
    project: "param",
  },
  "GET /api/v1/secrets/:project/age/:name": {
    role: "developer",
    project: "param",
  },
  "POST /api/v1/secrets/:project/remove": {
    role: "developer",
    project: "param",
  },
  "POST /api/v1/secrets/:project/set": "local",
  "POST /api/v1/secrets/:project/import": "local",
  "POST /api/v1/secrets/:project/values": {
    role: "developer",
    project: "param",
  },
  "POST /api/v1/secrets/:project/recipients/add": "local",
  "POST /api/v1/secrets/:project/recipients/remove": "local",
  "POST /api/v1/runs/:id/cancel": "serverAdmin",
  "GET /api/v1/runs/:id/events": "serverAdmin",
  "GET /api/v1/runs/:id/findings": "serverAdmin",
  "POST /api/v1/projects/:project/runs": {
    role: "developer",
    project: "param",
  },
  "POST /api/v1/projects/:project/known-commits": {
    role: "developer",
    project: "param",
  },
  "GET /api/v1/projects/:project/runs": { role: "viewer", project: "param" },
  "GET /api/v1/projects/:project/runs/:id/logs": {
    role: "viewer",
    project: "param",
  },
  "GET /api/v1/projects/:project/runs/:id": {
    role: "viewer",
    project: "param",
  },
  "GET /api/v1/projects/:project/runs/:id/events": {
    role: "viewer",
    project: "param",
  },
  "POST /api/v1/projects/:project/runs/:id/cancel": {
    role: "developer",
    project: "param",
  },
  "GET /api/v1/projects/:project/runs/:id/findings": {
    role: "viewer",
    project: "param",
  },
  "GET /api/v1/server": "serverAdmin",
  "POST /api/v1/server/stop": "serverAdmin",
};

/** The declaration a rule stands for (what the route must say in `config.auth`). */
function declared(rule: Rule): RouteAuth["kind"] | string {
  if (typeof rule !== "string") return `role:${rule.role}:${rule.project}`;
  return rule === "serverAdmin" ? "admin" : rule;
}
function declarationOf(auth: RouteAuth): string {
  return auth.kind === "role" ? `role:${auth.role}:${auth.project}` : auth.kind;
}

const adminToken = "admin-token-for-the-matrix";
const project = "shop";

/** A caller of the matrix: how it authenticates and what it holds on `shop` and on `*`. */
interface Caller {
  name: string;
  headers: () => Record<string, string>;
  /** Its role on `shop` (undefined: none); "owner" for the admin token. */
  onShop: Role | "owner" | undefined;
  serverAdmin: boolean;
  signedIn: boolean;
}

function allowed(rule: Rule, caller: Caller): boolean {
  if (rule === "public" || rule === "login") return true;
  if (rule === "flagKey" || rule === "webhook" || rule === "local")
    return false;
  if (rule === "signedIn") return caller.signedIn;
  if (rule === "serverAdmin" || rule === "metrics") return caller.serverAdmin;
  if (caller.onShop === "owner") return true;
  return (
    caller.onShop !== undefined &&
    roles.indexOf(caller.onShop) >= roles.indexOf(rule.role)
  );
}

describe("authorization matrix: every route, every role (issue 14)", () => {
  let app: App;
  let server: FastifyInstance;
  const callers: Caller[] = [];

  const { routes, reached, recording } = routeRecorder();

  beforeAll(async () => {
    app = await openApp({
      home: mkdtempSync(join(tmpdir(), "sluice-matrix-")),
      logger: silentLogger,
    });
    server = await buildServer(
      { app, logger: silentLogger, adminToken },
      {
        routes: routeModules.map(recording),
        failedAuthLimit: { max: Number.MAX_SAFE_INTEGER, windowMs: 1 },
      },
    );
    const owner = { kind: "owner" as const, actor: "test" };
    const bearer = (token: string) => () => ({
      authorization: `Bearer ${token}`,
    });
    callers.push(
      {
        name: "nobody",
        headers: () => ({}),
        onShop: undefined,
        serverAdmin: false,
        signedIn: false,
      },
      {
        name: "admin token",
        headers: bearer(adminToken),
        onShop: "owner",
        serverAdmin: true,
        signedIn: true,
      },
    );
    const people: [string, Grant[], Role | undefined, boolean][] = [
      ...roles.map((role): [string, Grant[], Role, boolean] => [
        role,
        [{ project, role }],
        role,
        false,
      ]),
      ["other-admin", [{ project: "other", role: "admin" }], undefined, false],
      ["no-role", [], undefined, false],
      ["server-admin", [{ project: "*", role: "admin" }], "admin", true],
    ];
    for (const [name, grants, onShop, serverAdmin] of people) {
      await app.accounts.addUser(owner, {
        name,
        password: `password of ${name}`,
        roles: grants,
      });
      if (grants.length > 0) {
        const { token } = await app.accounts.createToken(owner, {
          name: "matrix",
          user: name,
          roles: grants,
        });
        callers.push({
          name: `${name} (API token)`,
          headers: bearer(token),
          onShop,
          serverAdmin,
          signedIn: true,
        });
      }
      const login = await app.accounts.login(name, `password of ${name}`);
      callers.push({
        name: `${name} (browser session)`,
        headers: () => ({
          cookie: `sluice_session=${login.session}`,
          "x-csrf-token": login.csrfToken,
        }),
        onShop,
        serverAdmin,
        signedIn: true,
      });
    }
  });
  afterAll(async () => {
    await server?.close();
    await app?.close();
  });

  it("has a rule for every route, and every route declares that rule", () => {
    expect(routes.length).toBeGreaterThan(30);
    const missing = routes
      .filter((r) => r.method !== "HEAD")
      .map((r) => `${r.method} ${r.url}`)
      .filter((key) => !(key in matrix));
    expect(missing, "routes with no rule in the matrix").toEqual([]);
    for (const route of routes) {
      const key = `${route.method === "HEAD" ? "GET" : route.method} ${route.url}`;
      expect(declarationOf(route.auth!), key).toBe(declared(matrix[key]!));
    }
  });

  it("lets each caller reach exactly the routes its role allows", async () => {
    const outcomes: string[] = [];
    for (const route of routes) {
      const key = `${route.method === "HEAD" ? "GET" : route.method} ${route.url}`;
      const rule = matrix[key];
      if (!rule) continue; // reported by the test above
      const path = route.url.replace(/:(\w+)/g, (_, name: string) =>
        name === "project" ? project : "x",
      );
      const body = ["GET", "HEAD"].includes(route.method) ? "" : "{}";
      for (const caller of callers) {
        const before = reached.length;
        const response = await server.inject({
          method: route.method as "GET",
          url: `${path}?project=${project}`,
          headers: {
            ...(body ? { "content-type": "application/json" } : {}),
            ...caller.headers(),
          },
          ...(body ? { payload: body } : {}),
        });
        const got = reached.length > before;
        const want = allowed(rule, caller);
        outcomes.push(`${want ? "+" : "-"}`);
        expect(got, `${route.method} ${route.url} by ${caller.name}`).toBe(
          want,
        );
        if (!got && route.method !== "HEAD") {
          // Refused with a problem body that names no internals: 401 for nobody, 403 for a
          // caller who is known but lacks the role.
          const unknown =
            !caller.signedIn || rule === "flagKey" || rule === "webhook";
          expect(
            response.statusCode,
            `${route.method} ${route.url} by ${caller.name}`,
          ).toBe(unknown ? 401 : 403);
          const problem = JSON.parse(response.body || "null") as {
            code: string;
            detail: string;
          } | null;
          expect(
            problem,
            `${route.method} ${route.url} by ${caller.name}: ${response.statusCode}`,
          ).not.toBeNull();
          expect(problem!.code).toMatch(/^(UNAUTHENTICATED|FORBIDDEN)$/);
          expect(problem!.detail).not.toMatch(/stack|select |at \//i);
        }
      }
    }
    // The matrix can fail both ways: some calls pass, some are refused.
    expect(outcomes).toContain("+");
    expect(outcomes).toContain("-");
  });
});
