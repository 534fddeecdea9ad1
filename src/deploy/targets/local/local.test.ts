import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import type { Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { writeSampleService } from "../../sample-service.js";
import { LocalTargetDaemon } from "./daemon.js";
import type { ReleaseRequest } from "./daemon.js";
import { WeightedChooser } from "./proxy.js";
import { freePort, groupAlive } from "./supervisor.js";
import { TrafficRing } from "./traffic.js";

describe("WeightedChooser", () => {
  it.each([0, 1, 10, 20, 33, 50, 99, 100])(
    "sends exactly %d of 100 requests to the canary",
    (weight) => {
      const chooser = new WeightedChooser();
      let canary = 0;
      for (let i = 0; i < 100; i++) if (chooser.pickCanary(weight)) canary++;
      expect(canary).toBe(weight);
    },
  );
});

describe("TrafficRing", () => {
  it("answers windows by status class, and forgets beyond its capacity", () => {
    const ring = new TrafficRing(8);
    const statuses = [200, 200, 500, 404, 302, 0, 200, 503, 200, 200];
    statuses.forEach((status, i) => ring.record(1_000 + i * 100, i, status));
    // the first two entries (at 1000 and 1100) fell out of the ring
    const all = ring.window(0, 10_000);
    expect(all.requests).toBe(8);
    expect(all.byClass).toEqual({ "2xx": 3, "3xx": 1, "4xx": 1, "5xx": 2 });
    expect(all.connectionErrors).toBe(1);
    const w = ring.window(1_500, 1_800);
    expect(w.requests).toBe(3);
    expect(w.latencies.sort()).toEqual([5, 6, 7]);
  });
});

const dir = mkdtempSync(join(tmpdir(), "sluice-local-"));
const server = writeSampleService(join(dir, "app"));
let daemon: LocalTargetDaemon;
let proxyUrl = "";

function release(
  id: string,
  env: Record<string, string> = {},
  extra: Partial<ReleaseRequest> = {},
): ReleaseRequest {
  return {
    id,
    command: `exec node ${server}`,
    env: { VERSION: id, ...env },
    health: "/healthz",
    ...extra,
  };
}

interface Seen {
  state: string;
  error?: string;
  pid: number | null;
  port: number;
  restarts: number;
}

async function waitState(
  id: string,
  states: string[],
  also: (r: Seen) => boolean = () => true,
): Promise<Seen> {
  for (let i = 0; i < 1_000; i++) {
    const r = daemon.state().releases.find((x) => x.id === id);
    if (r && states.includes(r.state) && also(r)) return r;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`release ${id} never reached ${states.join("|")}`);
}

async function get(
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const res = await fetch(proxyUrl, { headers });
  return { status: res.status, body: (await res.text()).trim() };
}

beforeAll(async () => {
  daemon = new LocalTargetDaemon({
    dir: join(dir, "daemon"),
    proxyPort: 0,
    token: "t",
    env: process.env,
    probes: {
      readinessTimeoutMs: 1_500,
      graceMs: 500,
      backoffMs: 100,
      livenessPeriodMs: 200,
    },
  });
  const info = await daemon.start();
  proxyUrl = `http://127.0.0.1:${info.proxyPort}/`;
  await daemon.startRelease(release("v1"));
  await waitState("v1", ["ready"]);
  daemon.setRoutes({ stable: "v1", canary: null, weight: 0 });
});

afterAll(async () => {
  await daemon.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

/** Stable must answer throughout, whatever a test did to a canary. */
afterEach(async () => {
  expect(await get({ "x-sluice-version": "stable" })).toEqual({
    status: 200,
    body: "hello from v1",
  });
});

describe("local target daemon", () => {
  it("splits traffic by weight, honours the header override and records per-release metrics", async () => {
    await daemon.startRelease(release("v2"));
    await waitState("v2", ["ready"]);
    const from = Date.now();
    daemon.setRoutes({ stable: "v1", canary: "v2", weight: 30 });
    const bodies: string[] = [];
    for (let i = 0; i < 50; i++) bodies.push((await get()).body);
    expect(bodies.filter((b) => b === "hello from v2")).toHaveLength(15);
    expect((await get({ "x-sluice-version": "canary" })).body).toBe(
      "hello from v2",
    );
    const w = daemon.proxy.ring("v2").window(from, Date.now() + 1);
    expect(w.requests).toBe(16);
    expect(w.byClass["2xx"]).toBe(16);
    await daemon.stopRelease("v2");
    expect(daemon.state().routes).toEqual({
      stable: "v1",
      canary: null,
      weight: 0,
    });
  });

  it("counts 5xx of a failing release", async () => {
    await daemon.startRelease(release("bad", { FAIL_RATE: "0.3" }));
    await waitState("bad", ["ready"]);
    const from = Date.now();
    for (let i = 0; i < 20; i++)
      await get({ "x-sluice-version": "canary" }).catch(() => undefined);
    daemon.setRoutes({ stable: "v1", canary: "bad", weight: 100 });
    for (let i = 0; i < 20; i++) await get();
    const w = daemon.proxy.ring("bad").window(from, Date.now() + 1);
    expect(w.requests).toBe(20);
    expect(w.byClass["5xx"]).toBe(6);
    daemon.setRoutes({ stable: "v1", canary: null, weight: 0 });
    await daemon.stopRelease("bad");
  });

  it("refuses a port already taken, leaving nothing running", async () => {
    const port = await freePort();
    const squatter: Server = createServer();
    await new Promise<void>((r) => squatter.listen(port, r));
    try {
      await daemon.startRelease(release("taken", {}, { port }));
      const r = await waitState("taken", ["failed"]);
      expect(r.error).toMatch(`port ${port} is already in use`);
      expect(r.pid).toBeNull();
    } finally {
      squatter.close();
    }
    expect(() =>
      daemon.setRoutes({ stable: "v1", canary: "taken", weight: 10 }),
    ).toThrow(/not ready/);
  });

  it("reports a command that exits at once, with its last output", async () => {
    await daemon.startRelease({
      id: "quits",
      command: "echo cannot start; exit 3",
      env: {},
      health: "/healthz",
    });
    const r = await waitState("quits", ["failed"]);
    expect(r.error).toMatch(
      /release quits exited with code 3 \(last output: cannot start\)/,
    );
  });

  it("gives up on a readiness probe that never passes and kills the process group", async () => {
    await daemon.startRelease({
      id: "deaf",
      command: `exec node ${server}`,
      env: { FAIL_RATE: "1" },
      health: "/missing",
    });
    const starting = await waitState(
      "deaf",
      ["starting"],
      (r) => r.pid !== null,
    );
    const pid = starting.pid!;
    const r = await waitState("deaf", ["failed"]);
    expect(r.error).toMatch(
      /did not pass its readiness probe GET \/missing within 1.5s/,
    );
    expect(groupAlive(pid)).toBe(false);
  });

  it("stops with SIGTERM, then SIGKILL on the group after the grace period", async () => {
    // sh ignores TERM and keeps a child: only SIGKILL on the group ends both.
    await daemon.startRelease({
      id: "stubborn",
      command: `trap '' TERM; node ${server} & wait`,
      env: {},
      health: "/healthz",
    });
    const r = await waitState("stubborn", ["ready"]);
    await daemon.stopRelease("stubborn");
    expect(groupAlive(r.pid!)).toBe(false);
  });

  it("restarts a release that dies, with backoff, and counts the restart", async () => {
    await daemon.startRelease(release("crashy"));
    const r = await waitState("crashy", ["ready"]);
    process.kill(-r.pid!, "SIGKILL");
    await waitState("crashy", ["restarting"]);
    const again = await waitState("crashy", ["ready"]);
    expect(again.restarts).toBe(1);
    expect(again.pid).not.toBe(r.pid);
    await daemon.stopRelease("crashy");
  });

  it("drains in-flight requests before stopping a canary", async () => {
    await daemon.startRelease(release("slow", { DELAY_MS: "600" }));
    await waitState("slow", ["ready"]);
    daemon.setRoutes({ stable: "v1", canary: "slow", weight: 100 });
    const inflight = get();
    await new Promise((r) => setTimeout(r, 100));
    const stopping = daemon.stopRelease("slow");
    // the route moved back to stable at once; the slow request still completes
    expect(await get()).toEqual({ status: 200, body: "hello from v1" });
    expect(await inflight).toEqual({ status: 200, body: "hello from slow" });
    await stopping;
  });

  it("lets a new daemon adopt a release left running by pid and port", async () => {
    const other = new LocalTargetDaemon({
      dir: join(dir, "daemon2"),
      proxyPort: 0,
      token: "u",
      env: process.env,
    });
    await other.start();
    try {
      await other.startRelease(release("orphan"));
      let r = other.state().releases[0]!;
      for (let i = 0; i < 500 && r.state !== "ready"; i++) {
        await new Promise((res) => setTimeout(res, 20));
        r = other.state().releases[0]!;
      }
      expect(r.state).toBe("ready");
      expect(
        await daemon.adopt({ ...release("orphan"), pid: r.pid!, port: r.port }),
      ).toBe(true);
      expect(
        await daemon.adopt({ ...release("ghost"), pid: 999_999, port: r.port }),
      ).toBe(false);
      daemon.setRoutes({ stable: "v1", canary: "orphan", weight: 100 });
      expect((await get()).body).toBe("hello from orphan");
      await daemon.stopRelease("orphan");
      expect(groupAlive(r.pid!)).toBe(false);
    } finally {
      await other.shutdown();
    }
  });
});
