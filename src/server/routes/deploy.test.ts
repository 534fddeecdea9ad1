import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApp } from "../../app.js";
import type { App } from "../../app.js";
import {
  createDeployService,
  parseDeploySpec,
  writeSampleService,
} from "../../deploy/index.js";
import type { LocalTarget } from "../../deploy/index.js";
import { silentLogger, systemClock } from "../../kernel/index.js";
import { createDeployStore } from "../../deploy/index.js";
import { buildServer } from "../app.js";
import { deployRoutes } from "./deploy.js";

const daemonEntry = fileURLToPath(
  new URL("../../deploy/targets/local/daemon-main.ts", import.meta.url),
);
const token = "admin-token";
const auth = { authorization: `Bearer ${token}` };

const ndjson = (body: string) =>
  body
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe("rollout routes", () => {
  let app: App;
  let server: FastifyInstance | undefined;
  let home: string;
  const spec = parseDeploySpec({
    "proxy-port": 0,
    steps: [{ weight: 20 }, { pause: {} }, { weight: 100 }],
  });
  const release = (version: string) => ({
    command: `exec node ${join(home, "app", "server.mjs")}`,
    env: { VERSION: version },
    health: "/healthz",
  });

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "sluice-deploy-http-"));
    writeSampleService(join(home, "app"));
    app = await openApp({ home, logger: silentLogger });
    // The composition root points at the built daemon (dist/); from sources it runs with tsx.
    Object.assign(app, {
      deploy: createDeployService({
        home,
        store: createDeployStore(app.database),
        clock: systemClock,
        logger: silentLogger,
        daemonCommand: [process.execPath, "--import", "tsx", daemonEntry],
        env: process.env,
        cwd: home,
      }),
    });
    const first = await app.deploy.deploy({
      project: "shop",
      environment: "production",
      spec,
      version: "v1",
      release: release("v1"),
    });
    await app.deploy.drive(first.id);
    // Recorded but never driven: as if sluice stopped right after `sluice deploy` began.
    await app.deploy.deploy({
      project: "shop",
      environment: "production",
      spec,
      version: "v2",
      release: release("v2"),
    });
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    const latest = await app.deploy.latest("shop", "production");
    await (app.deploy.target(latest) as LocalTarget).shutdown();
    await app.close();
  }, 30_000);

  const get = (url: string, headers: Record<string, string> = auth) =>
    server!.inject({ method: "GET", url, headers });
  const post = (url: string, headers: Record<string, string> = auth) =>
    server!.inject({ method: "POST", url, headers, payload: {} });

  it("serves the rollout the App's background work resumed, up to its pause", async () => {
    server = await buildServer(
      { app, logger: silentLogger, adminToken: token },
      { routes: [deployRoutes] },
    );
    // As `sluice serve` does: resuming is the App's work, not the route module's.
    app.startBackground();
    let phase = "";
    for (let i = 0; i < 600 && phase !== "Paused"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      phase = (await get("/api/v1/rollouts/production?project=shop")).json()
        .phase as string;
    }
    expect(phase).toBe("Paused");
  }, 80_000);

  it.each([
    {
      what: "no token",
      call: () => get("/api/v1/rollouts/production?project=shop", {}),
      status: 401,
    },
    {
      what: "a wrong token",
      call: () =>
        post("/api/v1/rollouts/production/abort?project=shop", {
          authorization: "Bearer nope",
        }),
      status: 401,
    },
    {
      what: "no project",
      call: () => get("/api/v1/rollouts/production"),
      status: 400,
    },
    {
      what: "an environment without rollouts",
      call: () => get("/api/v1/rollouts/staging?project=shop"),
      status: 404,
    },
    {
      what: "an unknown command",
      call: () => post("/api/v1/rollouts/production/explode?project=shop"),
      status: 404,
    },
  ])("answers $status to $what", async ({ call, status }) => {
    const answer = await call();
    expect(answer.statusCode).toBe(status);
    expect(answer.headers["content-type"]).toContain("problem+json");
  });

  it("reports the paused rollout with what the target serves, and the project's releases", async () => {
    const report = await get("/api/v1/rollouts/production/report?project=shop");
    expect(report.statusCode).toBe(200);
    expect(report.json()).toMatchObject({
      phase: "Paused",
      outcome: "paused",
      serving: true,
      stable: "v1",
      release: "v2",
    });
    const listed = await get("/api/v1/releases?project=shop");
    expect(listed.statusCode).toBe(200);
    const { releases, deployments } = listed.json() as {
      releases: {
        version: string;
        createdAt: string;
        env: Record<string, string>;
      }[];
      deployments: { release: string; previousRelease: string | null }[];
    };
    expect(releases.map((r) => r.version)).toEqual(["v2", "v1"]);
    // A viewer learns the names of a release's environment, never its values.
    expect(releases[0]!.env).toEqual({
      VERSION: `sha256:${createHash("sha256").update("v2").digest("hex")}`,
    });
    expect(listed.body).not.toContain('"VERSION":"v');
    expect(releases[1]!.createdAt).toBe(
      new Date(Date.parse(releases[1]!.createdAt)).toISOString(),
    );
    expect(deployments[0]).toMatchObject({
      release: "v2",
      previousRelease: "v1",
    });
    const none = await get("/api/v1/releases?project=nothing");
    expect(none.json()).toEqual({
      project: "nothing",
      releases: [],
      deployments: [],
    });
  }, 60_000);

  it("promotes the paused rollout, refuses to abort a finished one, and undoes it", async () => {
    const promoted = await post(
      "/api/v1/rollouts/production/promote?project=shop",
    );
    expect(promoted.statusCode).toBe(200);
    expect(promoted.headers["content-type"]).toMatch(/^application\/x-ndjson/);
    // the timeline entries the command went through, each with the phase it left, then the report
    const lines = ndjson(promoted.body);
    const report = lines.at(-1) as {
      kind: string;
      report: { timeline: { at: string; event: string }[] };
    };
    expect(report).toMatchObject({
      kind: "report",
      report: {
        phase: "Healthy",
        stable: "v2",
        outcome: "promoted",
        serving: true,
      },
    });
    const progress = lines.slice(0, -1);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({
      kind: "progress",
      ...report.report.timeline.at(-1),
      phase: "Healthy",
    });
    const unknown = await server!.inject({
      method: "POST",
      url: "/api/v1/rollouts/production/undo?project=shop",
      headers: auth,
      payload: { toRelease: "v9" },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().detail).toBe("no release v9 in shop (known: v2, v1)");
    const abort = await post("/api/v1/rollouts/production/abort?project=shop");
    expect(abort.statusCode).toBe(409);
    const undone = await post("/api/v1/rollouts/production/undo?project=shop");
    expect(undone.statusCode).toBe(200);
    expect(ndjson(undone.body).at(-1)).toMatchObject({
      kind: "report",
      report: { phase: "Healthy", stable: "v1" },
    });
    const status = await get("/api/v1/rollouts/production?project=shop");
    expect(status.json()).toMatchObject({ phase: "Healthy", stable: "v1" });
  }, 60_000);

  it("deploys for the socket's owner only; stop refuses an unfinished rollout, then stops the environment", async () => {
    // A release runs a command as the server's user: no token over the network deploys.
    const deploy = await server!.inject({
      method: "POST",
      url: "/api/v1/deployments?project=shop",
      headers: auth,
      payload: {
        environment: "production",
        spec: { release: { command: "true", cwd: home } },
      },
    });
    expect(deploy.statusCode).toBe(403);
    const stopped = await post(
      "/api/v1/environments/production/stop?project=shop",
    );
    expect(stopped.statusCode).toBe(200);
    expect(stopped.json()).toEqual({ stopped: true });
    const again = await post(
      "/api/v1/environments/production/stop?project=shop",
    );
    expect(again.json()).toEqual({ stopped: false });
  }, 60_000);
});
