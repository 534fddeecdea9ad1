import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalTarget } from "../../src/deploy/index.js";
import { loadGenerator } from "./load-generator.js";
import { assertBuilt, exited, startSluice } from "./cli.js";
import { deployFolder } from "../support/deploy-cli.js";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * `kill -9` of sluice in the middle of a rollout: the data plane (proxy and releases) lives in
 * the local target's daemon, so traffic keeps flowing; `sluice rollout resume` re-adopts the
 * processes and finishes the rollout; every request was answered once, by a live release.
 */
describe("a rollout survives kill -9 of sluice (built CLI, real processes)", () => {
  const folder = deployFolder("sluice-e2e-crash-");
  const { app, env, service: server } = folder;
  const dir = join(env.SLUICE_HOME, "deploy", "shop", "production");
  const base = [
    "--project",
    "shop",
    "--proxy-port",
    "0",
    "--command",
    `exec node ${server}`,
  ];

  afterAll(() => folder.remove());

  it("resumes after kill -9 and completes with no lost or doubled request", async () => {
    assertBuilt();
    const first = startSluice(app, env, [
      "deploy",
      "production",
      "--release",
      "v1",
      "--env",
      "VERSION=v1",
      ...base,
      "--json",
    ]);
    expect(await exited(first), first.output.stderr).toBe(0);
    const endpoint = JSON.parse(first.output.stdout).endpoint as string;
    const target = new LocalTarget({
      dir,
      proxyPort: 0,
      daemonCommand: [],
      env: {},
    });
    const daemonPid = (await target.state()).pid;

    const load = loadGenerator(`${endpoint}/`);
    const started = Date.now();
    const steps = [
      { weight: 30 },
      { pause: { duration: "3s" } },
      { weight: 60 },
      { analysis: "default" },
    ];
    const deploy = startSluice(app, env, [
      "deploy",
      "production",
      "--release",
      "v2",
      "--env",
      "VERSION=v2",
      ...base,
      "--steps",
      JSON.stringify(steps),
    ]);
    for (let i = 0; i < 600 && !/weight 30%/.test(deploy.output.stderr); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(deploy.output.stderr).toMatch(/weight 30%/);
    deploy.kill("SIGKILL");
    await exited(deploy);

    // sluice is gone; the proxy and both releases keep serving.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(alive(daemonPid)).toBe(true);

    const resume = startSluice(app, env, [
      "rollout",
      "resume",
      "production",
      "--project",
      "shop",
      "--json",
    ]);
    const code = await exited(resume);
    await new Promise((r) => setTimeout(r, 500));
    const seen = await load.stop();
    const ended = Date.now();
    expect(code, resume.output.stderr).toBe(0);
    const view = JSON.parse(resume.output.stdout);
    expect(view.phase).toBe("Healthy");
    expect(view.stable).toBe("v2");
    expect(view.timeline.map((t: { event: string }) => t.event)).toContain(
      "resumed after restart",
    );

    // every request answered 200 by a live release, none failed while sluice was down
    expect(seen.length).toBeGreaterThan(100);
    expect(seen.filter((s) => s.status !== 200)).toEqual([]);
    // no doubled traffic: the proxy delivered exactly the requests the load generator made
    const state = await target.state();
    let delivered = 0;
    let connectionErrors = 0;
    for (const r of state.releases) {
      const w = await target.window(r.id, started - 1_000, ended + 1);
      delivered += w.byClass["2xx"];
      connectionErrors += w.connectionErrors;
    }
    expect(connectionErrors).toBe(0);
    expect(delivered).toBe(seen.length);
    // the old stable was drained and stopped, the new one serves
    expect(state.releases.map((r) => r.state).sort()).toEqual([
      "ready",
      "stopped",
    ]);
  });
});
