import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalTarget } from "../../src/deploy/index.js";
import { deployArgs, deployFolder } from "../support/deploy-cli.js";
import { loadGenerator } from "./load-generator.js";
import type { Seen } from "./load-generator.js";
import {
  assertBuilt,
  exited,
  processesMatching,
  sluice,
  startSluice,
  until,
} from "./cli.js";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The longest stretch between the first and the last failed request (0 with none). */
function outage(seen: Seen[]): { failed: number; ms: number } {
  const failed = seen.filter((s) => s.status !== 200);
  if (failed.length === 0) return { failed: 0, ms: 0 };
  const first = Math.min(...failed.map((s) => s.start));
  const last = Math.max(...failed.map((s) => s.end));
  return { failed: failed.length, ms: last - first };
}

/**
 * `kill -9` of the local target's daemon (issue 10, defect 2): its supervisor starts a new
 * daemon at once, which re-adopts the release processes from its state file and puts the routes
 * back, so traffic returns within 2 s with no command typed; status tells the truth; `sluice
 * deploy stop` leaves no process behind.
 */
describe("the deploy daemon comes back by itself after kill -9 (built CLI, real processes)", () => {
  const folder = deployFolder("sluice-e2e-daemon-kill-");
  const { app, env, service: server } = folder;
  // A marker in every release's command line, to count processes.
  const marker = `daemon-kill-${process.pid}`;
  const dir = join(env.SLUICE_HOME, "deploy", "shop", "production");
  const target = () =>
    new LocalTarget({ dir, proxyPort: 0, daemonCommand: [], env: {} });
  const deploy = (version: string, extra: string[] = []) =>
    sluice(
      app,
      env,
      deployArgs(version, `exec node ${server} ${marker}`, [
        "--json",
        ...extra,
      ]),
    );
  const daemonInfo = () =>
    JSON.parse(readFileSync(join(dir, "daemon.json"), "utf8")) as {
      pid: number;
      supervisorPid: number;
      proxyPort: number;
    };

  afterAll(async () => {
    await folder.remove();
    for (const line of processesMatching(marker))
      process.kill(Number(line.split(" ")[0]), "SIGKILL");
  });

  it("serves again within 2 s of the daemon's death, with no command typed", async () => {
    assertBuilt();
    const first = deploy("v1");
    expect(first.code, first.stderr).toBe(0);
    const second = deploy("v2", ["--steps", '[{"weight":40},{"pause":{}}]']);
    // stopped at a pause: the canary takes 40 % of the traffic
    expect(second.stdout, second.stderr).toMatch(/"phase": "Paused"/);
    const endpoint = JSON.parse(second.stdout).endpoint as string;
    const before = daemonInfo();
    const releasesBefore = processesMatching(marker);
    expect(releasesBefore).toHaveLength(2);

    const load = loadGenerator(`${endpoint}/`);
    await new Promise((r) => setTimeout(r, 500));
    const killedAt = Date.now();
    process.kill(before.pid, "SIGKILL");
    await until(() => !alive(before.pid), "the daemon to die");
    // No command typed: wait, then look at what the load generator saw.
    await new Promise((r) => setTimeout(r, 3_000));
    const seen = await load.stop();

    const after = daemonInfo();
    expect(after.pid).not.toBe(before.pid);
    expect(after.proxyPort).toBe(before.proxyPort);
    const { failed, ms } = outage(seen.filter((s) => s.start >= killedAt));
    expect(ms, `${failed} failed requests`).toBeLessThanOrEqual(2_000);
    // traffic flows again, split as before: both releases answer after the restart
    const tail = seen.filter((s) => s.start >= killedAt + 2_000);
    expect(tail.length).toBeGreaterThan(20);
    expect(tail.filter((s) => s.status !== 200)).toEqual([]);
    expect(new Set(tail.map((s) => s.version))).toEqual(new Set(["v1", "v2"]));
    // the same release processes were re-adopted: no second copy, none restarted
    expect(processesMatching(marker).sort()).toEqual(releasesBefore.sort());
    const state = await target().state();
    expect(state.routes).toMatchObject({ weight: 40 });
    expect(state.releases.map((r) => [r.state, r.restarts])).toEqual([
      ["ready", 0],
      ["ready", 0],
    ]);
    process.stderr.write(
      `daemon kill -9: ${failed} of ${seen.length} requests failed, over ${ms} ms\n`,
    );

    // The rollout carries on with the new daemon.
    const promote = sluice(app, env, [
      "rollout",
      "promote",
      "production",
      "--project",
      "shop",
      "--json",
    ]);
    expect(promote.code, promote.stderr).toBe(0);
    expect(JSON.parse(promote.stdout)).toMatchObject({
      phase: "Healthy",
      stable: "v2",
    });
    expect(processesMatching(marker)).toHaveLength(1);
  }, 180_000);

  it("a sluice deploy that drives a rollout carries on across the daemon's death", async () => {
    const steps = [
      { weight: 30 },
      { pause: { duration: "4s" } },
      { weight: 60 },
      { pause: {} },
    ];
    const child = startSluice(app, env, [
      "deploy",
      "production",
      "--project",
      "shop",
      "--proxy-port",
      "0",
      "--release",
      "v3",
      "--env",
      "VERSION=v3",
      "--command",
      `exec node ${server} ${marker}`,
      "--steps",
      JSON.stringify(steps),
      "--json",
    ]);
    await until(
      () => /weight 30%/.test(child.output.stderr),
      "the canary to take 30 %",
      60_000,
    );
    const before = daemonInfo();
    process.kill(before.pid, "SIGKILL");
    const code = await exited(child);
    expect(code, child.output.stderr).toBe(3);
    expect(JSON.parse(child.output.stdout)).toMatchObject({
      phase: "Paused",
      weight: 60,
      serving: true,
    });
    expect(daemonInfo().pid).not.toBe(before.pid);
    expect(processesMatching(marker)).toHaveLength(2);
    const abort = sluice(app, env, [
      "rollout",
      "abort",
      "production",
      "--project",
      "shop",
    ]);
    expect(abort.code, abort.stderr).toBe(0);
    expect(processesMatching(marker)).toHaveLength(1);
  }, 180_000);

  it("status tells the truth when nothing serves, and a command brings the daemon back", async () => {
    const info = daemonInfo();
    // Supervisor, daemon and its state file gone: nothing can bring traffic back by itself.
    process.kill(-info.supervisorPid, "SIGKILL");
    await until(
      () => !alive(info.pid) && !alive(info.supervisorPid),
      "the daemon and its supervisor to die",
    );
    rmSync(join(dir, "state.json"));
    const status = sluice(app, env, [
      "rollout",
      "status",
      "production",
      "--project",
      "shop",
    ]);
    expect(status.stdout).toMatch(/not serving/);
    expect(status.stdout).not.toMatch(/serving at/);
    expect(status.code).toBe(5);

    // `rollout resume` re-adopts the release from the store's record and routes to it again.
    const resume = sluice(app, env, [
      "rollout",
      "resume",
      "production",
      "--project",
      "shop",
    ]);
    // The exit status is the rollout's end state (the last one was aborted), no longer 5.
    expect(resume.code, resume.stderr).toBe(4);
    expect(resume.stdout).toMatch(/serving at/);
    expect(resume.stdout).not.toMatch(/not serving/);
    expect(processesMatching(marker)).toHaveLength(1);
  }, 180_000);

  it("`sluice deploy stop` stops the service and its proxy, leaving no process", async () => {
    const info = daemonInfo();
    const stop = sluice(app, env, [
      "deploy",
      "stop",
      "production",
      "--project",
      "shop",
    ]);
    expect(stop.code, stop.stderr).toBe(0);
    expect(processesMatching(marker)).toEqual([]);
    expect(alive(info.pid)).toBe(false);
    expect(alive(info.supervisorPid)).toBe(false);
    // status says so, and does not start an empty daemon
    const status = sluice(app, env, [
      "rollout",
      "status",
      "production",
      "--project",
      "shop",
    ]);
    expect(status.code).toBe(5);
    expect(status.stdout).toMatch(
      /not serving: nothing runs \(stopped, or never started\)/,
    );
    expect(processesMatching(dir)).toEqual([]);
    // stopping again, or an environment never deployed, is not an error
    for (const environment of ["production", "staging"]) {
      const again = sluice(app, env, [
        "deploy",
        "stop",
        environment,
        "--project",
        "shop",
      ]);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/^nothing was running for shop in /);
    }
  }, 180_000);
});
