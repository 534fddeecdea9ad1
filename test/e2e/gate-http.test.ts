import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApp } from "../../src/app.js";
import type { App } from "../../src/app.js";
import { silentLogger } from "../../src/kernel/index.js";
import { buildServer } from "../../src/server/app.js";
import { assertBuilt, gitRepo, sluice } from "./cli.js";
import { gatedPipeline } from "./gate-pipeline.js";

const admin = "admin-token-of-the-gate-test";
const password = "correct horse battery staple";

/**
 * Issue 12, the gate over HTTP: runs held by the built CLI (real git, real processes), then the
 * routes on the same home's PGlite through app.inject: the decision with its facts, fired rules
 * and risk; the holds; approve and reject as the signed-in person, the author refused, roles per
 * project enforced; and the approval that completes a hold continuing the run in the server.
 */
describe("the gate over HTTP: decision, holds, approve and reject as the signed-in person (issue 12)", () => {
  const home = mkdtempSync(join(tmpdir(), "sluice-e2e-gate-http-"));
  const env = { SLUICE_HOME: home, SLUICE_EVIDENCE_KEY: "" };
  let repo: string;
  let app: App | undefined;
  let server: FastifyInstance | undefined;
  const held: string[] = [];
  const sessions = new Map<string, { cookie: string; csrf: string }>();

  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: repo, stdio: "pipe" });
  /** A 500-line change to infra/ by e2e@example.com, held by the default policy. */
  const holdBigInfraChange = (name: string) => {
    mkdirSync(join(repo, "infra"), { recursive: true });
    writeFileSync(
      join(repo, "infra", `${name}.tf`),
      Array.from({ length: 500 }, (_, i) => `# ${name} ${i}`).join("\n") + "\n",
    );
    git("add", ".");
    git("commit", "-q", "-m", `infra: ${name}`);
    const run = sluice(repo, env, ["run"]);
    expect(run.code, run.stderr).toBe(3);
    const id = /sluice approve (run_\w+)/.exec(run.stderr)?.[1];
    expect(id, run.stderr).toBeDefined();
    held.push(id!);
  };
  const as = (name: string) => {
    const session = sessions.get(name)!;
    return { cookie: session.cookie, "x-csrf-token": session.csrf };
  };
  const answer = (
    name: string,
    verb: "approve" | "reject",
    run: string,
    project = "shop",
    payload: unknown = {},
  ) =>
    server!.inject({
      method: "POST",
      url: `/api/v1/gate/${project}/runs/${run}/${verb}`,
      headers: as(name),
      payload: payload as Record<string, unknown>,
    });

  beforeAll(async () => {
    assertBuilt();
    repo = gitRepo({
      "sluice.yml": gatedPipeline,
      "src/app.js": "export const a = 1;\n",
      "test/app.test.js": "// a\n",
    });
    holdBigInfraChange("network");
    holdBigInfraChange("storage");
    // Every CLI process has exited, and the local server that ran their pipelines is stopped:
    // this test's server opens the same home.
    const stopped = sluice(repo, env, ["server", "stop"]);
    expect(stopped.code, stopped.stderr).toBe(0);
    app = await openApp({ home, logger: silentLogger });
    server = await buildServer({
      app,
      logger: silentLogger,
      adminToken: admin,
    });
    const users: [string, string, string, string | undefined][] = [
      // The change's author (git's e2e@example.com) under another name: known by the email.
      ["erin", "shop", "approver", "E2E@example.com"],
      ["rita", "shop", "approver", "rita@example.com"],
      ["val", "shop", "viewer", "val@example.com"],
      ["otto", "other", "approver", "otto@example.com"],
      // An approver whose account has no email cannot show it is not the author.
      ["nemo", "shop", "approver", undefined],
    ];
    for (const [name, project, role, email] of users) {
      const added = await server.inject({
        method: "POST",
        url: "/api/v1/users",
        headers: { authorization: `Bearer ${admin}` },
        payload: { name, email, password, roles: [{ project, role }] },
      });
      expect(added.statusCode, added.body).toBe(200);
      const login = await server.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { name, password },
      });
      expect(login.statusCode, login.body).toBe(200);
      const cookies = [login.headers["set-cookie"]].flat() as string[];
      sessions.set(name, {
        cookie: cookies
          .find((c) => c.startsWith("sluice_session="))!
          .split(";")[0]!,
        csrf: login.json().csrfToken as string,
      });
    }
  }, 240_000);
  afterAll(async () => {
    await server?.close();
    await app?.close();
    // The local server the CLI commands started writes to the home until it stops.
    if (repo) sluice(repo, env, ["server", "stop"]);
    rmSync(home, { recursive: true, force: true });
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  it("shows a run's decision: its facts, every fired rule with the facts it read, and the risk", async () => {
    const response = await server!.inject({
      url: `/api/v1/gate/shop/runs/${held[0]}`,
      headers: as("val"),
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.runId).toBe(held[0]);
    const [gate] = body.decisions;
    expect(gate).toMatchObject({
      jobKey: "gate",
      decision: "hold",
      status: "waiting",
      reasons: [
        "large-sensitive-change: a large change to sensitive paths needs a person",
      ],
    });
    expect(gate.facts).toMatchObject({
      linesAdded: 500,
      author: "e2e@example.com",
    });
    expect(gate.fired).toContainEqual(
      expect.objectContaining({
        rule: "large-sensitive-change",
        decision: "hold",
        facts: expect.objectContaining({ linesChanged: 500 }),
      }),
    );
    expect(gate.risk.score).toBeGreaterThan(0);
    expect(gate.risk.factors.length).toBeGreaterThan(0);
    expect(gate.policyFile).toBe("(default policy)");
  });

  it("describes the gate routes in /openapi.json, with their bodies and answers", async () => {
    const doc = (await server!.inject({ url: "/openapi.json" })).json();
    const approve = doc.paths["/api/v1/gate/{project}/runs/{run}/approve"];
    expect(approve.post.requestBody).toBeDefined();
    expect(approve.post.responses["200"]).toBeDefined();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/gate/{project}/holds",
        "/api/v1/gate/{project}/runs/{run}",
        "/api/v1/gate/{project}/runs/{run}/reject",
      ]),
    );
  });

  it("lists the project's holds for its viewers, and nobody else's", async () => {
    const holds = await server!.inject({
      url: "/api/v1/gate/shop/holds",
      headers: as("val"),
    });
    expect(holds.statusCode).toBe(200);
    expect(
      holds
        .json()
        .map((h: { runId: string; missing: number }) => [h.runId, h.missing]),
    ).toEqual([
      [held[0], 1],
      [held[1], 1],
    ]);
    // A role on another project reads nothing of shop's, and its own project has no holds.
    const foreign = await server!.inject({
      url: "/api/v1/gate/shop/holds",
      headers: as("otto"),
    });
    expect(foreign.statusCode).toBe(403);
    const own = await server!.inject({
      url: "/api/v1/gate/other/holds",
      headers: as("otto"),
    });
    expect(own.json()).toEqual([]);
    const anonymous = await server!.inject({ url: "/api/v1/gate/shop/holds" });
    expect(anonymous.statusCode).toBe(401);
  });

  it("refuses a viewer, another project's approver, and the author; the hold still waits", async () => {
    const viewer = await answer("val", "approve", held[0]!);
    expect(viewer.statusCode).toBe(403);
    const foreign = await answer("otto", "approve", held[0]!);
    expect(foreign.statusCode).toBe(403);
    // Naming its own project does not reach shop's run.
    const smuggled = await answer("otto", "approve", held[0]!, "other");
    expect(smuggled.statusCode).toBe(404);
    expect(smuggled.json().detail).toBe(`run ${held[0]} not found in other`);
    const unknown = await answer("rita", "approve", "run_nosuchrun");
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().detail).toBe("run run_nosuchrun not found");
    const author = await answer("erin", "approve", held[0]!);
    expect(author.statusCode).toBe(403);
    expect(author.headers["content-type"]).toMatch(/problem\+json/);
    expect(author.json().detail).toBe(
      "e2e@example.com is the author of this change and cannot approve it; someone else must",
    );
    const anonymousApprover = await answer("nemo", "approve", held[0]!);
    expect(anonymousApprover.statusCode).toBe(403);
    expect(anonymousApprover.json().detail).toContain(
      "account nemo has no email",
    );
    const bad = await answer("rita", "approve", held[0]!, "shop", {
      comment: 42,
    });
    expect(bad.statusCode).toBe(400);
    const holds = await server!.inject({
      url: "/api/v1/gate/shop/holds",
      headers: as("val"),
    });
    expect(holds.json()[0]).toMatchObject({
      runId: held[0],
      missing: 1,
      approvedBy: [],
    });
  });

  it("approves as the signed-in approver: the approval continues the run in the server, to deploy; a second answer is refused", async () => {
    const approved = await answer("rita", "approve", held[0]!, "shop", {
      comment: "reviewed the network change",
    });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({
      approved: true,
      // The gate's use case continued the run here (ADR 104): nothing is left to type.
      continued: true,
      notices: [expect.stringMatching(`^run ${held[0]} resumed at main@`)],
      hold: {
        runId: held[0],
        status: "approved",
        approvedBy: ["rita@example.com"],
      },
      next: null,
    });
    const again = await answer("rita", "approve", held[0]!);
    expect(again.statusCode).toBe(409);
    expect(again.json().detail).toContain("is not held");
    // The run goes on from its gate in this server, and ends.
    let status = "running";
    const deadline = Date.now() + 60_000;
    while (status === "running" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      status = (await app!.runs.getRun(held[0]!)).status;
    }
    const continued = await app!.runs.getRun(held[0]!);
    expect(continued.status, continued.reason ?? "").toBe("success");
    expect(
      Object.fromEntries(continued.jobs.map((j) => [j.key, j.status])),
    ).toMatchObject({ test: "success", gate: "success", deploy: "success" });

    const rejected = await answer("rita", "reject", held[1]!, "shop", {
      comment: "not this week",
    });
    expect(rejected.statusCode, rejected.body).toBe(200);
    expect(rejected.json()).toMatchObject({
      runId: held[1],
      status: "rejected",
    });
    const holds = await server!.inject({
      url: "/api/v1/gate/shop/holds",
      headers: as("val"),
    });
    expect(holds.json()).toEqual([]);

    // The server lets go of the home; the CLI reads what happened through its own server.
    await server!.close();
    await app!.close();
    server = undefined;
    app = undefined;
    const shown = JSON.parse(
      sluice(repo, env, ["run", "show", held[0]!, "--json"]).stdout,
    );
    expect(shown.status).toBe("success");
    const resume = sluice(repo, env, ["run", "resume", held[0]!]);
    expect(resume.code).toBe(2);
    expect(resume.stderr).toContain("only a held run can be resumed");
    const rejectedRun = JSON.parse(
      sluice(repo, env, ["run", "show", held[1]!, "--json"]).stdout,
    );
    expect(rejectedRun.status).toBe("failure");
    expect(rejectedRun.reason).toContain(
      "rejected by rita@example.com: not this week",
    );
  }, 120_000);
});
