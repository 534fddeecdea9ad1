import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApp } from "../../app.js";
import type { App } from "../../app.js";
import { ManualClock, silentLogger } from "../../kernel/index.js";
import { buildServer } from "../app.js";
import { metricsRoutes } from "./metrics.js";

describe("GET /api/v1/metrics", () => {
  const t0 = Date.UTC(2025, 5, 1);
  const h = (n: number) => t0 + n * 3_600_000;
  let app: App;
  let server: FastifyInstance;
  beforeAll(async () => {
    app = await openApp({
      home: mkdtempSync(join(tmpdir(), "sluice-metrics-get-")),
      logger: silentLogger,
      clock: new ManualClock(h(24 * 10)),
    });
    server = await buildServer(
      { app, logger: silentLogger, adminToken: "admin-token" },
      { routes: [metricsRoutes] },
    );
    // Two changes (one AI-assisted), each deployed; the AI one failed and recovered in 2 h.
    await app.metrics.recordChanges(
      [
        ["a1", "ai-assisted"],
        ["u1", "unmarked"],
      ].map(([id, cohort], i) => ({
        project: "api",
        id: id!,
        kind: "commit" as const,
        commits: [id!],
        firstCommitAt: h(i * 24),
        trailers: [],
        cohort: cohort as "ai-assisted" | "unmarked",
        markers: [],
        source: "test",
      })),
    );
    for (const [i, id] of ["a1", "u1"].entries()) {
      await app.metrics.events.deploymentSucceeded({
        project: "api",
        deploymentId: `d-${id}`,
        environment: "production",
        commit: id,
        at: h(i * 24 + 6),
      });
    }
    await app.metrics.events.incidentOpened({
      project: "api",
      incidentId: "inc-1",
      deploymentId: "d-a1",
      at: h(7),
    });
    await app.metrics.events.incidentResolved({
      project: "api",
      incidentId: "inc-1",
      at: h(9),
    });
  });
  afterAll(async () => {
    await server?.close();
    await app?.close();
  });
  const get = (url: string, token: string | null = "admin-token") =>
    server.inject({
      method: "GET",
      url,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  it("answers the same JSON as `sluice metrics --json`, with the cohort split on by=cohort", async () => {
    const response = await get(
      "/api/v1/metrics?project=api&since=30d&by=cohort",
    );
    expect(response.statusCode).toBe(200);
    const body = response.json();
    const report = await app.metrics.report({
      project: "api",
      environment: "production",
      windowMs: 30 * 86_400_000,
      year: 2024,
      incidentWindowMs: 24 * 3_600_000,
      minCohortSamples: 10,
    });
    expect(body).toEqual(JSON.parse(JSON.stringify(report)));
    expect(body.figures.changeFailRate).toMatchObject({
      value: 0.5,
      samples: 2,
    });
    expect(body.figures.recoveryTime.value).toBe(2 * 3600);
    expect(body.figures.leadTime.value).toBe(6 * 3600);
    expect(body.cohorts["ai-assisted"].figures.changeFailRate.value).toBe(1);
    expect(body.cohorts.unmarked.figures.changeFailRate.value).toBe(0);

    const plain = (await get("/api/v1/metrics?project=api&since=30d")).json();
    expect(plain.cohorts).toBeUndefined();
    expect(plain.figures).toEqual(body.figures);
  });

  it("answers the figures with their weekly trend, the attribution and the projects with data", async () => {
    const trend = await get("/api/v1/metrics/trend?project=api&since=30d");
    expect(trend.statusCode).toBe(200);
    const body = trend.json();
    const figures = (await get("/api/v1/metrics?project=api&since=30d")).json()
      .figures as unknown;
    expect(body.report.figures).toEqual(figures);
    expect(body.trend.length).toBeGreaterThan(0);
    expect(body.generatedAt).toBe(new Date(h(24 * 10)).toISOString());

    const changes = await get("/api/v1/metrics/changes?project=api");
    expect(changes.statusCode).toBe(200);
    expect(changes.json().changes.map((c: { id: string }) => c.id)).toEqual([
      "a1",
      "u1",
    ]);
    expect(changes.json().changes[0]).toMatchObject({
      project: "api",
      cohort: "ai-assisted",
      firstCommitAt: new Date(h(0)).toISOString(),
      title: null,
    });
    expect(
      (await get("/api/v1/metrics/changes?project=web")).json().changes,
    ).toEqual([]);
    expect((await get("/api/v1/metrics/projects")).json()).toEqual({
      projects: ["api"],
    });
  });

  it.each([
    ["no token", "/api/v1/metrics", null, 401, "UNAUTHENTICATED"],
    ["no token", "/api/v1/metrics/projects", null, 401, "UNAUTHENTICATED"],
    [
      "a bad span",
      "/api/v1/metrics/trend?since=soon",
      "admin-token",
      400,
      "since",
    ],
    ["a wrong token", "/api/v1/metrics", "nope", 401, "UNAUTHENTICATED"],
    ["a bad span", "/api/v1/metrics?since=soon", "admin-token", 400, "since"],
    ["a bad split", "/api/v1/metrics?by=team", "admin-token", 400, "by"],
    ["a bad year", "/api/v1/metrics?year=2019", "admin-token", 400, "year"],
    [
      "a repeated parameter",
      "/api/v1/metrics?since=30d&since=60d",
      "admin-token",
      400,
      "since",
    ],
  ])("refuses %s", async (_name, url, token, status, text) => {
    const response = await get(url, token);
    expect(response.statusCode).toBe(status);
    expect(response.body).toContain(text);
  });
});
