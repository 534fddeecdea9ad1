import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { testDatabases } from "../../test/support/databases.js";
import { silentLogger, systemClock } from "../kernel/index.js";
import {
  createDeployService,
  createDeployStep,
  writeSampleService,
} from "./index.js";
import type { DeliveryEvent, LocalTarget } from "./index.js";
import { createDeployStore } from "./store.js";

const daemon = fileURLToPath(
  new URL("../deploy/targets/local/daemon-main.ts", import.meta.url),
);

describe("uses: sluice/deploy (in process, real daemon and processes)", async () => {
  const home = mkdtempSync(join(tmpdir(), "sluice-step-"));
  const server = writeSampleService(join(home, "app"));
  const database = await testDatabases[0]!.open();
  const events: DeliveryEvent[] = [];
  const killed: string[][] = [];
  const store = createDeployStore(database);
  const deploy = createDeployService({
    home,
    store,
    clock: systemClock,
    logger: silentLogger,
    daemonCommand: [process.execPath, "--import", "tsx", daemon],
    env: process.env,
    cwd: home,
    events: { emit: async (e) => void events.push(e) },
    killSwitch: { kill: async (flags) => void killed.push(flags) },
  });
  const step = createDeployStep(() => deploy);
  const log: string[] = [];
  const ctx = (w: Record<string, unknown>) => ({
    with: { project: "shop", environment: "staging", "proxy-port": 0, ...w },
    env: {},
    workdir: home,
    facts: { commit: "0123456789abcdef0123" },
    log: (line: string) => void log.push(line),
    signal: new AbortController().signal,
  });

  afterAll(async () => {
    const latest = await deploy.latest("shop", "staging").catch(() => null);
    if (latest) await (deploy.target(latest) as LocalTarget).shutdown();
    await database.close();
  });

  it("fails with one line when the release command is missing", async () => {
    expect(await step(ctx({}))).toEqual({
      status: "failure",
      message: "with.release.command is required",
    });
  });

  it("refuses a weight over 100 before starting anything", async () => {
    const r = await step(
      ctx({ steps: [{ weight: 150 }], release: { command: "true" } }),
    );
    expect(r.status).toBe("failure");
    expect(r.message).toMatch(/steps.0.weight: 150/);
  });

  it("deploys, names the release after the commit, records events", async () => {
    const r = await step(
      ctx({
        release: { command: `exec node ${server}`, env: { VERSION: "a" } },
      }),
    );
    expect(r).toMatchObject({
      status: "success",
      outputs: { phase: "Healthy" },
    });
    expect((await store.listReleases("shop")).map((x) => x.version)).toEqual([
      "0123456789ab",
    ]);
    expect(log.join("\n")).toMatch(/promoted 100%/);
    expect(events.map((e) => e.kind)).toEqual([
      "deployment.started",
      "deployment.succeeded",
    ]);
  });

  it("a release that exits at once fails the step, kills the flags, leaves stable serving", async () => {
    const r = await step(
      ctx({
        version: "broken",
        "kill-flags": ["new-checkout"],
        release: { command: "exit 7" },
      }),
    );
    expect(r.status).toBe("failure");
    expect(r.message).toMatch(/exited with code 7/);
    expect(killed).toEqual([["new-checkout"]]);
    expect(events.map((e) => e.kind).slice(-2)).toEqual([
      "deployment.started",
      "deployment.failed",
    ]);
    const latest = await deploy.latest("shop", "staging");
    const res = await fetch(`${await deploy.target(latest).endpoint()}/`);
    expect(await res.text()).toBe("hello from a\n");
  });

  it("undo after a promotion deploys the previous release again, fast-tracked", async () => {
    const r = await step(
      ctx({
        version: "b",
        steps: [{ weight: 50 }],
        release: { command: `exec node ${server}`, env: { VERSION: "b" } },
      }),
    );
    expect(r).toMatchObject({
      status: "success",
      outputs: { phase: "Healthy" },
    });
    const latest = await deploy.latest("shop", "staging");
    const endpoint = await deploy.target(latest).endpoint();
    expect(await (await fetch(`${endpoint}/`)).text()).toBe("hello from b\n");
    const undone = await deploy.undo("shop", "staging");
    expect(undone.status.phase).toBe("Healthy");
    expect(undone.status.fastTrack).toBe(true);
    expect((await store.getRelease(undone.status.stable!))?.version).toBe(
      "0123456789ab",
    );
    expect(await (await fetch(`${endpoint}/`)).text()).toBe("hello from a\n");
    const [last] = await store.listDeployments("shop", "staging");
    expect(last).toMatchObject({ status: "succeeded", reason: "undo" });
  });

  it("a deploy after one left paused supersedes it, and the log says so", async () => {
    const paused = (version: string) =>
      ctx({
        version,
        steps: [{ weight: 50 }, { pause: {} }],
        release: { command: `exec node ${server}`, env: { VERSION: version } },
      });
    const first = await step(paused("c"));
    expect(first).toMatchObject({
      status: "success",
      outputs: { phase: "Paused" },
    });
    log.length = 0;
    const second = await step(paused("d"));
    expect(second).toMatchObject({
      status: "success",
      outputs: { phase: "Paused" },
    });
    const old = first.outputs!.rollout!;
    const now = second.outputs!.rollout!;
    expect(log[0]).toBe(
      `superseded the paused rollout ${old} (aborted: superseded by rollout ${now} / release d)`,
    );
    expect(log[1]).toBe(`rollout ${now} of shop to staging`);
    const latest = await deploy.latest("shop", "staging");
    const serving = await deploy.target(latest).serving();
    const version = async (id: string | null) =>
      id ? (await store.getRelease(id))?.version : null;
    // Stable (a) keeps its place; the paused canary c is stopped, d takes its place.
    expect(await version(serving.routes.stable)).toBe("0123456789ab");
    expect(await version(serving.routes.canary)).toBe("d");
    expect(
      serving.states[(await deploy.get(old)).status.canary.release],
    ).not.toBe("ready");
  });
});
