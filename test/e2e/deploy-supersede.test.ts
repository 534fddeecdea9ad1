import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalTarget, writeSampleService } from "../../src/deploy/index.js";
import { assertBuilt, sluice } from "./cli.js";

/**
 * ADR 076: `sluice deploy` to an environment whose rollout waits for a person supersedes it
 * (aborted back to stable, as Argo Rollouts does with a new revision) and says so.
 */
describe("a deploy supersedes a paused rollout (built CLI, real processes)", () => {
  const home = mkdtempSync(join(tmpdir(), "sluice-e2e-deploy-supersede-"));
  const app = join(home, "app");
  const server = writeSampleService(app);
  const env = { SLUICE_HOME: join(home, "home") };
  const paused = ["--steps", '[{"weight":20},{"pause":{}}]'];
  const deploy = (version: string, extra: string[] = []) =>
    sluice(app, env, [
      ...["deploy", "staging", "--project", "shop", "--proxy-port", "0"],
      ...["--release", version, "--env", `VERSION=${version}`],
      ...["--command", `exec node ${server}`, "--json", ...extra],
    ]);

  afterAll(async () => {
    const dir = join(env.SLUICE_HOME, "deploy", "shop", "staging");
    if (existsSync(join(dir, "daemon.json")))
      await new LocalTarget({
        dir,
        proxyPort: 0,
        daemonCommand: [],
        env: {},
      }).shutdown();
    rmSync(home, { recursive: true, force: true });
  });

  it("aborts the paused rollout, names it, and starts the new one from the same stable", async () => {
    assertBuilt();
    expect(deploy("v1").code).toBe(0);
    const second = deploy("v2", paused);
    expect(second.code, second.stderr).toBe(3);
    const old = JSON.parse(second.stdout).rollout as string;

    const third = deploy("v3", paused);
    expect(third.code, third.stderr).toBe(3);
    const now = JSON.parse(third.stdout);
    expect(third.stderr).toContain(
      `sluice deploy: superseded the paused rollout ${old} (aborted: superseded by rollout ${now.rollout} / release v3)`,
    );
    expect(now).toMatchObject({ phase: "Paused", stable: "v1" });
    const releases = sluice(app, env, ["releases", "--project", "shop"]);
    expect(releases.stdout).toMatch(
      /v2 +rolled_back \(superseded by rollout ro_\w+ \/ release v3\)/,
    );
  }, 180_000);
});
