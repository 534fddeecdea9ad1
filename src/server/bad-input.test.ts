import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApp } from "../app.js";
import type { App } from "../app.js";
import { ManualClock, silentLogger } from "../kernel/index.js";
import { capturingLogger } from "../../test/support/capturing-logger.js";
import { buildServer } from "./app.js";
import { routeModules } from "./routes/index.js";
import type { RouteModule } from "./types.js";

const admin = "admin-token";
const asAdmin = { authorization: `Bearer ${admin}` };

/** A route whose query fails in the database driver, with SQL and a parameter in its message. */
const failingQuery: RouteModule = (server, deps) => {
  server.get(
    "/probe/driver-error",
    { config: { auth: { kind: "admin" } } },
    async () => {
      await deps.app.database.executeSql(
        "select * from no_such_table where secret = 'hunter2'",
      );
      return {};
    },
  );
};

describe("bad input and failures reach no log or client as SQL (issue 10 item 8)", () => {
  let app: App;
  let server: FastifyInstance;
  const logger = capturingLogger();
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  beforeAll(async () => {
    app = await openApp({
      home: mkdtempSync(join(tmpdir(), "sluice-bad-input-")),
      logger: silentLogger,
      clock,
    });
    server = await buildServer(
      { app, logger, adminToken: admin },
      {
        routes: [...routeModules, failingQuery],
        failedAuthLimit: { max: 5, windowMs: 60_000 },
      },
    );
  });
  afterAll(async () => {
    await server?.close();
    await app?.close();
  });

  it.each([
    ["GET", "/api/v1/flags/sh%00op/production"],
    ["GET", "/api/v1/flags/shop/prod%00uction/flags/banner"],
    ["PUT", "/api/v1/flags/shop/production/flags/ban%00ner"],
    ["GET", "/api/v1/flags/shop/production/flags/ban%0Aner/history"],
    ["GET", "/api/v1/flags/keys?project=sh%00op"],
    ["POST", "/api/v1/flags/keys/fkey%00x/revoke"],
    ["GET", "/api/v1/rollouts/production?project=s%00vc"],
    ["POST", "/api/v1/rollouts/prod%00uction/undo?project=svc"],
  ] as const)(
    "answers a control character in %s %s with a 400 problem, not a 500",
    async (method, url) => {
      const before = logger.lines.length;
      const response = await server.inject({
        method,
        url,
        headers: asAdmin,
        ...(method === "GET" ? {} : { payload: { flag: {} } }),
      });
      expect(response.statusCode).toBe(400);
      expect(response.headers["content-type"]).toMatch(/problem\+json/);
      expect(response.json()).toMatchObject({ code: "INVALID_ARGUMENT" });
      expect(response.body).not.toMatch(/select|insert|params/i);
      expect(logger.text(before)).not.toMatch(/select|insert|params/i);
    },
  );

  it.each([
    ["GET", "/api/v1/metrics?project=a%00b", undefined],
    ["POST", "/api/v1/flags/keys/fkey_x/revoke", { reason: 5 }],
    ["POST", "/api/v1/flags/shop/production/keys", { name: 5 }],
    ["POST", "/api/v1/flags/shop/production/kill", { keys: "banner" }],
    ["POST", "/api/v1/flags/shop/production/flags/b/rollout", { variant: [] }],
    ["PUT", "/api/v1/flags/shop/production", [1, 2]],
  ] as const)(
    "answers %s %s %j with a 400 problem naming the field",
    async (method, url, payload) => {
      const response = await server.inject({
        method,
        url,
        headers: asAdmin,
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: "INVALID_ARGUMENT" });
    },
  );

  it("refuses NUL inside a JSON body before it reaches the store", async () => {
    const response = await server.inject({
      method: "POST",
      url: "/api/v1/flags/shop/production/keys",
      headers: asAdmin,
      payload: { name: "bad\u0000name" },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().detail).toMatch(/NUL/);
  });

  it("logs a driver failure by class and correlation id only, and sends a generic 500", async () => {
    const before = logger.lines.length;
    const response = await server.inject({
      url: "/probe/driver-error",
      headers: asAdmin,
    });
    expect(response.statusCode).toBe(500);
    const body = response.json() as { code: string; correlationId: string };
    expect(body).toMatchObject({ code: "INTERNAL" });
    expect(body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.body).not.toMatch(/hunter2|no_such_table|select/);
    const logged = logger.text(before);
    expect(logged).toContain(body.correlationId);
    expect(logged).not.toMatch(/hunter2|no_such_table|select/);
  });

  it("records the credential's actor, never the x-sluice-actor header", async () => {
    const response = await server.inject({
      method: "POST",
      url: "/api/v1/flags/shop/production/keys",
      headers: { ...asAdmin, "x-sluice-actor": "mallory" },
      payload: { name: "ci" },
    });
    expect(response.statusCode).toBe(200);
    const history = await app.flags.history({
      project: "shop",
      environment: "production",
    });
    expect(history[0]).toMatchObject({ action: "create-key", actor: "admin" });
    expect(JSON.stringify(history)).not.toContain("mallory");
  });

  it("answers too many failed authentications from one address with 429 and Retry-After, then lets it try again", async () => {
    const attempt = (remoteAddress: string, token: string) =>
      server.inject({
        url: "/ofrep/v1/evaluate/flags",
        method: "POST",
        remoteAddress,
        headers: { authorization: `Bearer ${token}` },
        payload: {},
      });
    const made = (i: number) =>
      `sluice_flags_${String(i).padStart(32, "0").slice(-32)}`;
    for (let i = 0; i < 5; i++)
      expect((await attempt("10.0.0.7", made(i))).statusCode).toBe(401);
    const limited = await attempt("10.0.0.7", made(99));
    expect(limited.statusCode).toBe(429);
    expect(limited.headers["retry-after"]).toBe("60");
    expect(limited.json()).toMatchObject({ status: 429, code: "RATE_LIMITED" });
    // Even the right credential waits: the address is refused before any lookup.
    const { key } = await app.flags.createApiKey(
      { project: "shop", environment: "production" },
      "ok",
    );
    expect((await attempt("10.0.0.7", key)).statusCode).toBe(429);
    // Another address is not affected, and the window ends.
    expect((await attempt("10.0.0.8", key)).statusCode).toBe(200);
    clock.advance(60_000);
    expect((await attempt("10.0.0.7", key)).statusCode).toBe(200);
  });
});

describe("bad keys cost few lookups (issue 10 item 8)", () => {
  let app: App;
  beforeAll(async () => {
    app = await openApp({
      home: mkdtempSync(join(tmpdir(), "sluice-bad-keys-")),
      logger: silentLogger,
      clock: new ManualClock(Date.UTC(2026, 0, 1)),
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  /** Scans of the API key table so far, from the database's own statistics. */
  const lookups = async () => {
    await app.database.executeSql("select pg_stat_force_next_flush()");
    await app.database.executeSql("select pg_stat_clear_snapshot()");
    const { rows } = await app.database.executeSql(
      "select coalesce(seq_scan, 0) + coalesce(idx_scan, 0) as n from pg_stat_user_tables where relname = 'flag_api_keys'",
    );
    return Number(rows[0]?.n ?? 0);
  };
  const unknown = (i: number) =>
    `sluice_flags_${String(i).padStart(32, "0").slice(-32)}`;

  it("looks up no malformed key, and an unknown key once while it is remembered", async () => {
    const start = await lookups();
    for (let i = 0; i < 20; i++)
      expect(await app.flags.authenticate(`junk-${i}`)).toBeUndefined();
    expect(await lookups()).toBe(start);
    for (let i = 0; i < 20; i++)
      expect(await app.flags.authenticate(unknown(1))).toBeUndefined();
    expect(await lookups()).toBe(start + 1);
  });
});
