import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeSampleService } from "../../sample-service.js";
import { LocalTargetDaemon } from "./daemon.js";
import {
  processStartTime,
  readSavedState,
  sameProcess,
  writeSavedState,
} from "./daemon-state.js";
import type { SavedRelease } from "./daemon-state.js";
import { freePort, groupAlive, probe } from "./supervisor.js";

const dir = mkdtempSync(join(tmpdir(), "sluice-restore-"));
const server = writeSampleService(join(dir, "app"));
const started: number[] = [];

afterAll(() => {
  for (const pid of started) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // gone
    }
  }
});

/** A release process as an earlier daemon left it: its own process group, on its port. */
async function orphan(version: string): Promise<SavedRelease> {
  const port = await freePort();
  const child = spawn("sh", ["-c", `exec node ${server}`], {
    env: { ...process.env, PORT: String(port), VERSION: version },
    detached: true,
    stdio: "ignore",
  });
  child.unref();
  started.push(child.pid!);
  for (let i = 0; i < 200 && !(await probe(port, "/healthz", 500)); i++)
    await new Promise((r) => setTimeout(r, 25));
  return {
    id: version,
    command: `exec node ${server}`,
    env: { VERSION: version },
    health: "/healthz",
    port,
    pid: child.pid!,
    startTime: processStartTime(child.pid!),
  };
}

function fetchText(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve(body.trim()));
    }).on("error", reject);
  });
}

describe("processStartTime", () => {
  it("tells this process from a pid handed out again", () => {
    const mine = processStartTime(process.pid);
    expect(mine).toMatch(/^\d+$/);
    expect(sameProcess(process.pid, mine)).toBe(true);
    expect(sameProcess(process.pid, String(Number(mine) + 1))).toBe(false);
  });
});

describe("a daemon started over an earlier daemon's state file", () => {
  it("re-adopts live releases, restarts dead ones, and serves the saved routes on the saved port", async () => {
    const folder = join(dir, "d1");
    const stable = await orphan("v1");
    const canary = await orphan("v2");
    // v3 died with the daemon: same port, its process is gone.
    const deadPort = await freePort();
    const proxyPort = await freePort();
    mkdirSync(folder, { recursive: true });
    writeSavedState(folder, {
      proxyPort,
      routes: { stable: "v1", canary: "v2", weight: 100 },
      releases: [
        stable,
        canary,
        {
          ...stable,
          id: "v3",
          env: { VERSION: "v3" },
          port: deadPort,
          pid: 999_999,
          startTime: "1",
        },
      ],
    });
    const daemon = new LocalTargetDaemon({
      dir: folder,
      proxyPort: 0,
      token: "t",
      env: process.env,
    });
    try {
      const info = await daemon.start();
      expect(info.proxyPort).toBe(proxyPort);
      const state = daemon.state();
      expect(state.routes).toEqual({
        stable: "v1",
        canary: "v2",
        weight: 100,
      });
      const byId = Object.fromEntries(state.releases.map((r) => [r.id, r]));
      expect(byId.v1).toMatchObject({ state: "ready", pid: stable.pid });
      expect(byId.v2).toMatchObject({ state: "ready", pid: canary.pid });
      expect(await fetchText(proxyPort)).toBe("hello from v2");
      // the dead one starts again on its port
      for (
        let i = 0;
        i < 400 && daemon.state().releases[2]?.state !== "ready";
        i++
      )
        await new Promise((r) => setTimeout(r, 25));
      const v3 = daemon.state().releases.find((r) => r.id === "v3")!;
      expect(v3.state).toBe("ready");
      expect(v3.port).toBe(deadPort);
      expect(v3.pid).not.toBe(999_999);
      started.push(v3.pid!);
      // what the next daemon would find
      const saved = readSavedState(folder)!;
      expect(saved.releases.map((r) => [r.id, r.pid])).toEqual([
        ["v1", stable.pid],
        ["v2", canary.pid],
        ["v3", v3.pid],
      ]);
    } finally {
      await daemon.shutdown();
    }
    expect(groupAlive(stable.pid!)).toBe(false);
    expect(existsSync(join(folder, "state.json"))).toBe(false);
  });

  it("does not adopt a live process that is not the recorded one (a reused pid)", async () => {
    const folder = join(dir, "d2");
    const impostor = await orphan("v1");
    mkdirSync(folder, { recursive: true });
    const port = await freePort();
    writeSavedState(folder, {
      proxyPort: 0,
      routes: { stable: "v1", canary: null, weight: 0 },
      // The pid is alive, but it started at another time than the recorded release did.
      releases: [{ ...impostor, port, startTime: "1" }],
    });
    const daemon = new LocalTargetDaemon({
      dir: folder,
      proxyPort: 0,
      token: "t",
      env: process.env,
    });
    try {
      await daemon.start();
      let r = daemon.state().releases[0]!;
      for (let i = 0; i < 400 && r.state !== "ready"; i++) {
        await new Promise((res) => setTimeout(res, 25));
        r = daemon.state().releases[0]!;
      }
      expect(r.state).toBe("ready");
      expect(r.pid).not.toBe(impostor.pid);
      started.push(r.pid!);
      // the other process was left alone
      expect(groupAlive(impostor.pid!)).toBe(true);
      expect(daemon.state().routes.stable).toBe("v1");
    } finally {
      await daemon.shutdown();
    }
    expect(readFileSync(join(folder, "daemon.json"), "utf8")).toMatch(/"pid"/);
  });
});
