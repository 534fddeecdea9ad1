import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openApp } from "./app.js";
import type { App } from "./app.js";
import {
  createDeployService,
  createDeployStore,
  parseDeploySpec,
  writeSampleService,
} from "./deploy/index.js";
import type { LocalTarget } from "./deploy/index.js";
import { silentLogger, systemClock } from "./kernel/index.js";

describe("App background work (issue 11, lifecycle in one place)", () => {
  let app: App | undefined;
  let home: string | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    await app?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("writes flag evaluation times every 30 s only once started, and stops on close", async () => {
    home = mkdtempSync(join(tmpdir(), "sluice-app-"));
    app = await openApp({ home });
    // Only the interval timers are faked: the embedded database keeps its own.
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const flush = vi.spyOn(app.flags, "flushEvaluations");

    vi.advanceTimersByTime(60_000);
    expect(flush).not.toHaveBeenCalled();

    app.startBackground();
    app.startBackground(); // a second start adds no second timer
    vi.advanceTimersByTime(30_000);
    expect(flush).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(30_000);
    expect(flush).toHaveBeenCalledTimes(2);

    await app.close();
    app = undefined;
    // close() writes the last batch itself, then no timer is left to call it again.
    expect(flush).toHaveBeenCalledTimes(3);
    vi.advanceTimersByTime(120_000);
    expect(flush).toHaveBeenCalledTimes(3);
  });
});

describe("App background work: unfinished rollouts (issue 11, lifecycle in one place)", () => {
  const daemonEntry = fileURLToPath(
    new URL("./deploy/targets/local/daemon-main.ts", import.meta.url),
  );
  let home: string;
  let app: App | undefined;
  let target: LocalTarget | undefined;
  afterEach(async () => {
    // A failed test may leave the environment's daemon running: find it before closing.
    const latest = await app?.deploy
      .latest("shop", "production")
      .catch(() => undefined);
    if (latest && !target) target = app!.deploy.target(latest) as LocalTarget;
    await app?.close();
    await target?.shutdown();
    rmSync(home, { recursive: true, force: true });
  });

  it("resumes a rollout left unfinished once started, and close() stops driving it", async () => {
    home = mkdtempSync(join(tmpdir(), "sluice-app-rollout-"));
    writeSampleService(join(home, "app"));
    const opened = await openApp({ home, logger: silentLogger });
    app = opened;
    // The composition root points at the built daemon (dist/); from sources it runs with tsx.
    Object.assign(opened, {
      deploy: createDeployService({
        home,
        store: createDeployStore(opened.database),
        clock: systemClock,
        logger: silentLogger,
        daemonCommand: [process.execPath, "--import", "tsx", daemonEntry],
        env: process.env,
        cwd: home,
      }),
    });
    // A timed pause of an hour: the driver keeps ticking until something stops it.
    const spec = parseDeploySpec({
      "proxy-port": 0,
      steps: [{ weight: 20 }, { pause: { duration: "1h" } }, { weight: 100 }],
    });
    const release = (version: string) => ({
      command: `exec node ${join(home, "app", "server.mjs")}`,
      env: { VERSION: version },
      health: "/healthz",
    });
    const first = await opened.deploy.deploy({
      project: "shop",
      environment: "production",
      spec,
      version: "v1",
      release: release("v1"),
    });
    await opened.deploy.drive(first.id);
    // Recorded but never driven: as if sluice stopped right after `sluice deploy` began.
    await opened.deploy.deploy({
      project: "shop",
      environment: "production",
      spec,
      version: "v2",
      release: release("v2"),
    });
    const resume = vi.spyOn(opened.deploy, "resumeUnfinished");

    opened.startBackground();
    expect(resume).toHaveBeenCalledTimes(1);
    let latest = await opened.deploy.latest("shop", "production");
    for (let i = 0; i < 600 && latest.status.phase !== "Paused"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      latest = await opened.deploy.latest("shop", "production");
    }
    expect(latest.status.phase).toBe("Paused");
    expect(latest.status.weight).toBe(20);
    target = opened.deploy.target(latest) as LocalTarget;
    let stopped = false;
    void resume.mock.results[0]!.value.then(() => (stopped = true));

    await opened.close();
    app = undefined;
    // close() waited for the driver to let go: it returned although the pause has an hour left.
    expect(stopped).toBe(true);
  }, 90_000);
});
