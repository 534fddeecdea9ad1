import { afterAll, describe, expect, it } from "vitest";
import { assertBuilt, sluice } from "./cli.js";
import { deployArgs, deployFolder } from "../support/deploy-cli.js";

/**
 * Issue 9, defect 12: each end state of a rollout has its own exit status (docs/deploy.md):
 * 0 promoted, 1 failed, 3 paused, 4 aborted; a command that did what it was asked (`rollout
 * abort`) exits 0. `rollout undo --to-release NAME` goes back to any earlier release. A deploy
 * supersedes a rollout that waits for a person (ADR 076).
 */
describe("rollout exit statuses and verbs (built CLI, real processes)", () => {
  const folder = deployFolder("sluice-e2e-deploy-exit-");
  const { app, env, service: server } = folder;
  const project = ["--project", "shop"];
  const deploy = (version: string, extra: string[] = []) =>
    sluice(
      app,
      env,
      deployArgs(version, `exec node ${server}`, ["--json", ...extra]),
    );
  const rollout = (...args: string[]) =>
    sluice(app, env, ["rollout", ...args, "production", ...project, "--json"]);
  const paused = ["--steps", '[{"weight":20},{"pause":{}}]'];
  const serving = async (endpoint: string) =>
    (await fetch(`${endpoint}/`)).headers.get("x-version");

  afterAll(async () => {
    await folder.remove();
  });

  it("gives promoted, paused and aborted their own statuses; abort as asked exits 0", async () => {
    assertBuilt();
    const first = deploy("v1");
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).outcome).toBe("promoted");
    const endpoint = JSON.parse(first.stdout).endpoint as string;

    const second = deploy("v2", paused);
    expect(second.code, second.stderr).toBe(3);
    expect(JSON.parse(second.stdout)).toMatchObject({
      phase: "Paused",
      outcome: "paused",
    });

    const abort = rollout("abort");
    expect(abort.code, abort.stderr).toBe(0);
    expect(JSON.parse(abort.stdout)).toMatchObject({
      phase: "Degraded",
      outcome: "aborted",
      stable: "v1",
    });
    // status reports the end state: aborted
    const status = rollout("status");
    expect(status.code).toBe(4);
    expect(JSON.parse(status.stdout).outcome).toBe("aborted");

    const third = deploy("v3", paused);
    expect(third.code).toBe(3);
    const promote = rollout("promote");
    expect(promote.code, promote.stderr).toBe(0);
    expect(JSON.parse(promote.stdout)).toMatchObject({
      phase: "Healthy",
      stable: "v3",
    });
    expect(await serving(endpoint)).toBe("v3");
  }, 180_000);

  it("undoes to a named earlier release, and refuses an unknown one with one line", async () => {
    const undo = rollout("undo", "--to-release", "v1");
    expect(undo.code, undo.stderr).toBe(0);
    const view = JSON.parse(undo.stdout);
    expect(view).toMatchObject({ phase: "Healthy", stable: "v1" });
    expect(await serving(view.endpoint)).toBe("v1");

    const unknown = rollout("undo", "--to-release", "v7");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe(
      "sluice: no release v7 in shop (known: v3, v2, v1)",
    );
    const same = rollout("undo", "--to-release", "v1");
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/release v1 is already stable in production/);
  }, 180_000);

  it("a deploy supersedes the rollout that waits for a person, and says so (ADR 076)", async () => {
    const waiting = deploy("v4", paused);
    expect(waiting.code, waiting.stderr).toBe(3);
    const old = JSON.parse(waiting.stdout).rollout as string;

    const next = deploy("v5", paused);
    expect(next.code, next.stderr).toBe(3);
    const view = JSON.parse(next.stdout);
    expect(next.stderr).toContain(
      `sluice deploy: superseded the paused rollout ${old} (aborted: superseded by rollout ${view.rollout} / release v5)`,
    );
    expect(view).toMatchObject({ phase: "Paused", stable: "v1" });
    const releases = sluice(app, env, ["releases", ...project]);
    expect(releases.stdout).toMatch(
      /v4 +superseded \(superseded by rollout ro_\w+ \/ release v5\)/,
    );
  }, 180_000);
});
