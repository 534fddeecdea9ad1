import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { openApp } from "../app.js";
import type { App } from "../app.js";
import { capturingLogger } from "../../test/support/capturing-logger.js";
import { AppError, silentLogger } from "../kernel/index.js";
import { buildServer } from "./app.js";
import { listen } from "./listen.js";
import { readServerFile } from "./server-file.js";
import type { RouteModule } from "./types.js";
import type { ZodTypeProvider } from "./zod-provider.js";

const probe: RouteModule = (fastify) => {
  const server = fastify.withTypeProvider<ZodTypeProvider>();
  server.post(
    "/probe/:what",
    {
      config: { auth: { kind: "public" } },
      schema: { params: z.object({ what: z.string() }) },
    },
    async (request) => {
      const { what } = request.params;
      if (what === "missing") throw new AppError("NOT_FOUND", "no such probe");
      if (what === "locked")
        throw new AppError("STORE_LOCKED", "held by process 1");
      if (what === "crash")
        throw new Error("select * from secrets where x = 'hunter2'");
      return { ok: true, body: request.body };
    },
  );
};

describe("server skeleton", () => {
  let app: App;
  beforeAll(async () => {
    app = await openApp({
      home: mkdtempSync(join(tmpdir(), "sluice-server-")),
      logger: silentLogger,
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  it.each([
    ["missing", 404, "NOT_FOUND"],
    ["locked", 503, "STORE_LOCKED"],
    ["crash", 500, "INTERNAL"],
  ])("maps %s to a %i problem with code %s", async (what, status, code) => {
    const server = await buildServer(
      { app, logger: silentLogger, adminToken: "t" },
      { routes: [probe] },
    );
    const response = await server.inject({
      method: "POST",
      url: `/probe/${what}`,
      payload: {},
    });
    expect(response.statusCode).toBe(status);
    expect(response.headers["content-type"]).toMatch(
      /^application\/problem\+json/,
    );
    expect(response.json()).toMatchObject({ status, code });
    expect(response.body).not.toContain("hunter2");
    await server.close();
  });

  it("answers a body over the limit with a 413 problem and keeps serving", async () => {
    const server = await buildServer(
      { app, logger: silentLogger, adminToken: "t" },
      { routes: [probe], bodyLimit: 1000 },
    );
    const big = await server.inject({
      method: "POST",
      url: "/probe/x",
      payload: { pad: "x".repeat(5000) },
    });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    const bad = await server.inject({
      method: "POST",
      url: "/probe/x",
      headers: { "content-type": "application/json" },
      payload: "{not json",
    });
    expect(bad.statusCode).toBe(400);
    const ok = await server.inject({
      method: "POST",
      url: "/probe/x",
      payload: { a: 1 },
    });
    expect(ok.json()).toEqual({ ok: true, body: { a: 1 } });
    await server.close();
  });

  it("answers a body that drifted from its response schema with a 500 problem, naming no value", async () => {
    const logger = capturingLogger();
    // What the handler answers for `id`: one shape per id, one schema for the route.
    const answers: Record<string, unknown> = {
      good: { id: "good", count: 2 },
      renamed: { id: "renamed", total: 2 },
      wrongType: { id: "wrongType", count: "hunter2" },
    };
    const drifting: RouteModule = (fastify) => {
      const server = fastify.withTypeProvider<ZodTypeProvider>();
      server.get(
        "/drift/:id",
        {
          config: { auth: { kind: "public" } },
          schema: {
            params: z.object({ id: z.string() }),
            response: { 200: z.object({ id: z.string(), count: z.number() }) },
          },
        },
        // Cast on purpose: the type provider would refuse these bodies at compile time.
        async (request) =>
          answers[request.params.id] as { id: string; count: number },
      );
    };
    const server = await buildServer(
      { app, logger, adminToken: "t" },
      { routes: [drifting] },
    );
    const good = await server.inject({ url: "/drift/good" });
    expect(good.statusCode).toBe(200);
    expect(good.json()).toEqual({ id: "good", count: 2 });
    for (const id of ["renamed", "wrongType"]) {
      const answer = await server.inject({ url: `/drift/${id}` });
      expect(answer.statusCode, id).toBe(500);
      expect(answer.headers["content-type"]).toMatch(/problem\+json/);
      expect(answer.json()).toMatchObject({ status: 500, code: "INTERNAL" });
      expect(answer.body).not.toContain("hunter2");
    }
    const mismatches = logger.lines.filter((l) =>
      /declared schema/.test(l.msg),
    );
    expect(mismatches[0]?.fields).toMatchObject({
      route: "GET /drift/:id",
      status: "200",
      field: "count",
    });
    expect(logger.text()).not.toContain("hunter2");
    await server.close();
  });

  it("answers unknown routes with a 404 problem, and /healthz", async () => {
    const server = await buildServer({
      app,
      logger: silentLogger,
      adminToken: "t",
    });
    expect((await server.inject({ url: "/nope" })).statusCode).toBe(404);
    expect((await server.inject({ url: "/healthz" })).json()).toEqual({
      status: "ok",
    });
    await server.close();
  });

  it("records server.json (0600) while listening and removes it on close", async () => {
    const running = await listen(app, { port: 0, host: "127.0.0.1" });
    const file = readServerFile(app.home);
    expect(file?.pid).toBe(process.pid);
    expect(file?.url).toBe(running.url);
    expect(statSync(join(app.home, "server.json")).mode & 0o777).toBe(0o600);
    const health = await fetch(`${running.url}/healthz`);
    expect(health.status).toBe(200);
    await running.close();
    expect(readServerFile(app.home)).toBeUndefined();
    expect(() => readFileSync(join(app.home, "server.json"))).toThrow();
  });
});
