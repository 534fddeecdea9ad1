import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadGenerator } from "./load-generator.js";
import { assertBuilt, exited, sluice, startSluice } from "./cli.js";
import { deployFolder } from "../support/deploy-cli.js";

describe("sluice deploy on the local target (built CLI, real processes)", () => {
  const folder = deployFolder("sluice-e2e-deploy-");
  const { app, env, service: server } = folder;
  const project = "shop";
  const base = [
    "--project",
    project,
    "--proxy-port",
    "0",
    "--command",
    `exec node ${server}`,
    "--json",
  ];
  let endpoint = "";

  /** Runs `sluice deploy` without blocking this process, so the load generator keeps running. */
  const deploy = async (version: string, extra: string[]) => {
    const child = startSluice(app, env, [
      "deploy",
      "production",
      "--release",
      version,
      "--env",
      `VERSION=${version}`,
      ...base,
      ...extra,
    ]);
    const code = await exited(child);
    const { stdout, stderr } = child.output;
    return {
      code,
      stdout,
      stderr,
      view: stdout.trim().startsWith("{") ? JSON.parse(stdout) : undefined,
    };
  };

  beforeAll(async () => {
    assertBuilt();
    const first = await deploy("v1", []);
    expect(first.code, first.stderr).toBe(0);
    expect(first.view.phase).toBe("Healthy");
    endpoint = first.view.endpoint;
  });

  afterAll(async () => {
    await folder.remove();
  });

  it("promotes a good canary with zero failed requests during the whole rollout", async () => {
    const load = loadGenerator(`${endpoint}/`);
    const r = await deploy("v2", [
      "--steps",
      JSON.stringify([
        { weight: 20 },
        { analysis: "default" },
        { weight: 50 },
        { analysis: "default" },
      ]),
    ]);
    const seen = await load.stop();
    expect(r.code, r.stderr).toBe(0);
    expect(r.view.phase).toBe("Healthy");
    expect(r.view.stable).toBe("v2");
    expect(r.view.weight).toBe(100);
    expect(r.view.steps.map((s: { state: string }) => s.state)).toEqual([
      "done",
      "done",
      "done",
      "done",
    ]);
    expect(r.view.analysisRuns.map((a: { phase: string }) => a.phase)).toEqual([
      "Successful",
      "Successful",
    ]);
    expect(r.view.timeline.at(-1)).toMatchObject({
      event: "promoted",
      at: expect.stringMatching(/^\d{4}-/),
    });
    expect(seen.length).toBeGreaterThan(50);
    expect(seen.filter((s) => s.status !== 200)).toEqual([]);
    expect(new Set(seen.map((s) => s.version))).toEqual(new Set(["v1", "v2"]));
  });

  it("rolls back a canary failing 30% of requests: no failure from stable, none after the abort", async () => {
    const load = loadGenerator(`${endpoint}/`);
    const r = await deploy("v3", [
      "--env",
      "FAIL_RATE=0.3",
      "--kill-flags",
      "new-checkout",
    ]);
    // keep the load on a little after the abort
    await new Promise((res) => setTimeout(res, 1_000));
    const seen = await load.stop();
    expect(r.code, r.stderr).toBe(1);
    expect(r.view.phase).toBe("Degraded");
    expect(r.view.aborted).toBe(true);
    expect(r.view.weight).toBe(0);
    expect(r.view.stable).toBe("v2");
    expect(r.view.message).toMatch(
      /analysis default Failed: error-rate Failed/,
    );
    const failed = seen.filter((s) => s.status !== 200);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((s) => s.status === 500 && s.version === "v3")).toBe(
      true,
    );
    const recovered = r.view.timeline.find(
      (t: { event: string }) => t.event === "all traffic on stable",
    );
    const abortedAt = Date.parse(recovered.at);
    const after = seen.filter((s) => s.start > abortedAt);
    expect(after.length).toBeGreaterThan(10);
    expect(after.every((s) => s.status === 200 && s.version === "v2")).toBe(
      true,
    );

    const status = sluice(app, env, [
      "rollout",
      "status",
      "production",
      "--project",
      project,
      "--json",
    ]);
    expect(status.code).toBe(1);
    expect(JSON.parse(status.stdout)).toMatchObject({
      phase: "Degraded",
      release: "v3",
      stable: "v2",
    });

    const listing = JSON.parse(
      sluice(app, env, ["releases", "--project", project, "--json"]).stdout,
    );
    expect(
      listing.deployments.map((d: { release: string; status: string }) => [
        d.release,
        d.status,
      ]),
    ).toEqual([
      ["v3", "failed"],
      ["v2", "succeeded"],
      ["v1", "succeeded"],
    ]);
    expect(listing.deployments[0].incidentId).toMatch(/^inc_/);
    // the canary's process group is gone
    const log = readFileSync(
      join(env.SLUICE_HOME, "deploy", project, "production", "daemon.log"),
      "utf8",
    );
    expect(log).toMatch(/proxy on/);
  });

  it("refuses bad input with one clear line and leaves stable serving", async () => {
    const cases: [string[], RegExp][] = [
      [
        ["--steps", '[{"weight":120}]'],
        /weight: 120 is not a whole percentage/,
      ],
      [["--steps", '[{"weight":50},{"weight":10}]'], /out of order/],
      [["--steps", "[{"], /--steps is not valid JSON/],
    ];
    for (const [extra, message] of cases) {
      const r = await deploy("bad", extra);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    const quits = sluice(app, env, [
      "deploy",
      "production",
      "--release",
      "quits",
      ...base.slice(0, 4),
      "--command",
      "echo no; exit 3",
      "--json",
    ]);
    expect(quits.code, quits.stderr).toBe(1);
    expect(JSON.parse(quits.stdout).message).toMatch(/exited with code 3/);
    const res = await fetch(`${endpoint}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-version")).toBe("v2");
  });
});
