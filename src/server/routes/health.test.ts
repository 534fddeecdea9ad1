import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApp } from "../../app.js";
import type { App } from "../../app.js";
import { silentLogger } from "../../kernel/index.js";
import { buildServer } from "../app.js";

const admin = { authorization: "Bearer admin-token" };

describe("health, readiness and the server's own metrics", () => {
  let home: string;
  let app: App;
  let server: FastifyInstance;
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "sluice-health-"));
    app = await openApp({ home, logger: silentLogger });
    server = await buildServer({
      app,
      logger: silentLogger,
      adminToken: "admin-token",
    });
  });
  afterAll(async () => {
    await server?.close();
    await app?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("answers /readyz when its store answers", async () => {
    const response = await server.inject({ url: "/readyz" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: "ready" });
  });

  it("refuses /metrics without the metrics token or an admin", async () => {
    const response = await server.inject({ url: "/metrics" });
    expect(response.statusCode).toBe(401);
    expect(response.headers["content-type"]).toContain("problem+json");
  });

  it("counts requests by route template, runs by status and the queue depth", async () => {
    await app.runs.createRun({
      project: "shop",
      trigger: "manual",
      workdir: home,
      change: {},
    });
    for (const id of ["run-secret-1", "run-secret-2"]) {
      const missing = await server.inject({
        url: `/api/v1/runs/${id}`,
        headers: admin,
      });
      expect(missing.statusCode).toBe(404);
    }
    // No route: counted as unmatched, and a credential in its URL is refused all the same.
    expect((await server.inject({ url: "/no/such/route" })).statusCode).toBe(
      404,
    );
    const leaked = await server.inject({
      url: "/no/such/route?access_token=x",
    });
    expect(leaked.statusCode).toBe(400);
    expect(leaked.body).not.toContain("access_token");
    const response = await server.inject({ url: "/metrics", headers: admin });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toContain("text/plain");
    const text = response.body;
    // One series for both requests: the template, not the ids in the URLs.
    expect(text).toContain(
      'sluice_http_requests_total{route="/api/v1/runs/:id",method="GET",status="404"} 2',
    );
    expect(text).not.toContain("run-secret");
    expect(text).toContain('sluice_runs{status="queued"} 1');
    expect(text).toMatch(/^sluice_queue_depth 0$/m);
    expect(text).toMatch(/^sluice_process_resident_memory_bytes \d+/m);
    expect(text).toContain(
      'sluice_http_requests_total{route="unmatched",method="GET",status="404"} 1',
    );
    expect(text).toContain(
      'sluice_http_requests_total{route="unmatched",method="GET",status="400"} 1',
    );
    // A refused request is counted too, under its route.
    expect(text).toContain(
      'sluice_http_requests_total{route="/metrics",method="GET",status="401"} 1',
    );
  });
});
