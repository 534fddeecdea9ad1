import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSampleService } from "../../src/deploy/index.js";
import { assertBuilt, sluice } from "./cli.js";
import { stopTarget } from "../support/deploy-cli.js";
import { stopLocalServer } from "../support/local-server.js";

// Issue 11: `sluice deploy` named the project from sluice.yml and `sluice rollout` from the folder.
describe("every command names the project alike (built CLI, local target)", () => {
  const home = mkdtempSync(join(tmpdir(), "sluice-e2e-project-"));
  const folder = join(home, "checkout-folder");
  const env = { SLUICE_HOME: join(home, "home") };
  const project = "shop-name";

  beforeAll(() => {
    assertBuilt();
    const server = writeSampleService(folder);
    writeFileSync(
      join(folder, "sluice.yml"),
      `name: ${project}\njobs:\n  build:\n    steps:\n      - run: echo built\n`,
    );
    const r = sluice(folder, env, [
      "deploy",
      "production",
      "--proxy-port",
      "0",
      "--command",
      `exec node ${server}`,
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
  });

  afterAll(async () => {
    await stopTarget(env.SLUICE_HOME, project, "production");
    stopLocalServer(env.SLUICE_HOME);
    rmSync(home, { recursive: true, force: true });
  });

  it("finds with `rollout status` and `releases` what `deploy` recorded, under sluice.yml's name", () => {
    const status = sluice(folder, env, [
      "rollout",
      "status",
      "production",
      "--json",
    ]);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      project,
      phase: "Healthy",
    });
    const releases = sluice(folder, env, ["releases", "--json"]);
    expect(releases.code, releases.stderr).toBe(0);
    const listed = JSON.parse(releases.stdout) as {
      project: string;
      releases: unknown[];
    };
    expect(listed.project).toBe(project);
    expect(listed.releases).toHaveLength(1);
  });
});
