import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFreshPostgres } from "../support/databases.js";
import { deployArgs, deployFolder } from "../support/deploy-cli.js";
import { serveHome } from "../support/served-home.js";
import { assertBuilt, sluice } from "./cli.js";

/**
 * Issue 14, "every command through the API": `sluice metrics`, `sluice releases` and `sluice
 * rollout` are clients of the home's server. While `sluice serve` holds the embedded store they
 * work from other processes (before, each opened the store itself and failed with "`sluice
 * serve` (process N) holds the embedded store"). With SLUICE_TEST_DATABASE_URL the same runs on
 * a fresh Postgres database.
 */
describe("metrics, releases and rollout while `sluice serve` holds the store (built CLI)", () => {
  const folder = deployFolder("sluice-e2e-via-server-", {
    SLUICE_SERVER_IDLE: "10m",
  });
  const { root, app, service, env } = folder;
  const project = ["--project", "shop"];
  let serve: Awaited<ReturnType<typeof serveHome>> | undefined;

  const deploy = (version: string, extra: string[] = []) =>
    sluice(
      app,
      env,
      deployArgs(version, `exec node ${service}`, ["--json", ...extra]),
    );
  const rollout = (...args: string[]) =>
    sluice(app, env, ["rollout", ...args, "production", ...project, "--json"]);

  beforeAll(async () => {
    assertBuilt();
    await useFreshPostgres(env);
    // Recorded before `sluice serve` starts (by the home's on-demand server, which it takes over).
    const first = deploy("v1");
    expect(first.code, first.stderr).toBe(0);
    const second = deploy("v2", [
      "--steps",
      '[{"weight":20},{"pause":{}},{"weight":50}]',
    ]);
    expect(second.code, second.stderr).toBe(3);
    serve = await serveHome(app, env);
  }, 180_000);

  afterAll(async () => {
    await serve?.stop();
    await folder.remove();
  });

  it("serves the home on its socket, and records events sent to its port", async () => {
    const { pid, url, adminToken } = JSON.parse(
      readFileSync(join(env.SLUICE_HOME!, "server.json"), "utf8"),
    ) as { pid: number; url: string; adminToken: string };
    expect(pid).toBe(serve!.server.pid);
    const at = new Date(Date.now() - 3_600_000).toISOString();
    const sent = await fetch(`${url}/api/v1/metrics/events`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${adminToken}`,
      },
      body: JSON.stringify({
        events: ["started", "succeeded"].map((status) => ({
          kind: "deployment",
          project: "shop",
          id: "d-1",
          status,
          at,
          environment: "production",
          commit: "0123456789abcdef",
        })),
      }),
    });
    expect(sent.status).toBe(202);
  });

  it("sluice metrics, attribution and report answer from the server", () => {
    const shown = sluice(app, env, ["metrics", ...project, "--json"]);
    expect(shown.code, shown.stderr).toBe(0);
    const report = JSON.parse(shown.stdout) as {
      scope: { project: string; projectBasis: string };
      figures: { deploymentFrequency: { samples: number } };
      cohorts?: unknown;
    };
    expect(report.scope).toMatchObject({
      project: "shop",
      projectBasis: "project shop (--project)",
    });
    // the deployment sent to the server's port
    expect(report.figures.deploymentFrequency.samples).toBeGreaterThanOrEqual(
      1,
    );
    expect(report.cohorts).toBeUndefined();

    const table = sluice(app, env, ["metrics", ...project, "--by", "cohort"]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/Deployment frequency/);

    const attribution = sluice(app, env, [
      "metrics",
      "attribution",
      ...project,
      "--json",
    ]);
    expect(attribution.code, attribution.stderr).toBe(0);
    expect(JSON.parse(attribution.stdout)).toMatchObject({
      scope: "project shop (--project)",
      changes: [],
    });

    const html = join(root, "report.html");
    const written = sluice(app, env, [
      "metrics",
      "report",
      ...project,
      "--html",
      html,
    ]);
    expect(written.code, written.stderr).toBe(0);
    expect(written.stdout.trim()).toBe(`wrote ${html}`);
    expect(readFileSync(html, "utf8")).toMatch(/Deployment frequency/);

    // Bad input is still one line and exit 2, checked before the server is asked.
    const bad = sluice(app, env, ["metrics", ...project, "--since", "soon"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/^sluice: --since must be/);
  }, 120_000);

  it("sluice releases lists the releases and deployments", () => {
    const listed = sluice(app, env, ["releases", ...project, "--json"]);
    expect(listed.code, listed.stderr).toBe(0);
    const { releases, deployments } = JSON.parse(listed.stdout) as {
      releases: { version: string; createdAt: string }[];
      deployments: { release: string; status: string; startedAt: string }[];
    };
    expect(releases.map((r) => r.version)).toEqual(["v2", "v1"]);
    expect(releases[0]!.createdAt).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    expect(deployments.map((d) => [d.release, d.status])).toEqual([
      ["v2", "in_progress"],
      ["v1", "succeeded"],
    ]);
    const human = sluice(app, env, ["releases", ...project]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^releases of shop:\n {2}v2 +\d{4}-/);
  }, 60_000);

  it("sluice rollout status, promote and undo steer the rollout through the server", async () => {
    const status = rollout("status");
    expect(status.code, status.stderr).toBe(3);
    expect(JSON.parse(status.stdout)).toMatchObject({
      phase: "Paused",
      outcome: "paused",
      stable: "v1",
      serving: true,
    });
    const human = sluice(app, env, ["rollout", "status", ...project]);
    expect(human.stdout).toMatch(/^Paused: /);
    expect(human.stdout).toMatch(/continue with: sluice rollout promote/);

    const promote = rollout("promote");
    expect(promote.code, promote.stderr).toBe(0);
    const promoted = JSON.parse(promote.stdout) as {
      phase: string;
      stable: string;
      endpoint: string;
    };
    expect(promoted).toMatchObject({ phase: "Healthy", stable: "v2" });
    expect(promoted).not.toHaveProperty("progress");
    // the timeline entries it went through, on stderr as `sluice deploy` prints them
    expect(promote.stderr).toMatch(
      /^ {2}\d\d:\d\d:\d\d\.\d{3} \S.* \[Healthy\]$/m,
    );
    expect(
      (await fetch(`${promoted.endpoint}/`)).headers.get("x-version"),
    ).toBe("v2");

    const undo = rollout("undo", "--to-release", "v1");
    expect(undo.code, undo.stderr).toBe(0);
    expect(JSON.parse(undo.stdout)).toMatchObject({
      phase: "Healthy",
      stable: "v1",
    });
    const unknown = rollout("undo", "--to-release", "v7");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe(
      "sluice: no release v7 in shop (known: v2, v1)",
    );
    // the server served all of it, and still does
    expect(serve!.server.exitCode).toBeNull();
  }, 180_000);
});
