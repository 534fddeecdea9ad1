import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSampleService } from "../../src/deploy/index.js";
import { assertBuilt, gitRepo, sluice } from "./cli.js";
import { stopTarget } from "../support/deploy-cli.js";
import { stopLocalServer } from "../support/local-server.js";

// The rollout spec as a user writes it: in sluice.yml, as the `with` of `uses: sluice/deploy`.
const config = (version: string) => `name: shop
jobs:
  test:
    steps:
      - run: echo tested
  deploy:
    needs: [test]
    steps:
      - uses: sluice/deploy
        with:
          environment: staging
          proxy-port: 0
          steps:
            - weight: 50
            - pause: { duration: 1s }
            - weight: 100
          release:
            command: exec node app/server.mjs
            env:
              VERSION: ${version}
`;

describe("a rollout from sluice.yml: `sluice run` with uses: sluice/deploy (built CLI)", () => {
  let repo: string;
  const home = mkdtempSync(join(tmpdir(), "sluice-e2e-deploy-run-"));
  const env = { SLUICE_HOME: home };

  beforeAll(() => {
    assertBuilt();
    repo = gitRepo({ "sluice.yml": config("a") });
    expect(writeSampleService(join(repo, "app"))).toBe(
      join(repo, "app", "server.mjs"),
    );
    // A run runs a clean checkout of the commit: the service is committed.
    execFileSync("git", ["add", "app"], { cwd: repo });
    execFileSync("git", ["commit", "-q", "-m", "the service"], { cwd: repo });
  });

  afterAll(async () => {
    await stopTarget(home, "shop", "staging");
    stopLocalServer(home);
    rmSync(home, { recursive: true, force: true });
  });

  it("runs the pipeline, then rolls the release out by the steps of sluice.yml", async () => {
    const run = sluice(repo, env, ["run"]);
    expect(run.code, run.stderr).toBe(0);
    const status = sluice(repo, env, [
      "rollout",
      "status",
      "staging",
      "--project",
      "shop",
      "--json",
    ]);
    expect(status.code, status.stderr).toBe(0);
    const view = JSON.parse(status.stdout);
    expect(view.phase).toBe("Healthy");
    const response = await fetch(`${view.endpoint}/`);
    expect(await response.text()).toBe("hello from a\n");

    // A second change goes through the canary steps: 50%, a pause, then 100%.
    writeFileSync(join(repo, "sluice.yml"), config("b"));
    execFileSync("git", ["commit", "-qam", "release b"], { cwd: repo });
    const second = sluice(repo, env, ["run"]);
    expect(second.code, second.stderr).toBe(0);
    const after = JSON.parse(
      sluice(repo, env, [
        "rollout",
        "status",
        "staging",
        "--project",
        "shop",
        "--json",
      ]).stdout,
    );
    expect(after).toMatchObject({ phase: "Healthy", weight: 100 });
    expect(after.release).not.toBe(view.release);
    expect(
      after.timeline
        .filter((e: { weight?: number }) => e.weight !== undefined)
        .map((e: { weight: number }) => e.weight),
    ).toEqual(expect.arrayContaining([50, 100]));
    expect(await (await fetch(`${after.endpoint}/`)).text()).toBe(
      "hello from b\n",
    );

    const show = JSON.parse(
      sluice(repo, env, ["run", "show", "last", "--json"]).stdout,
    );
    expect(show.status).toBe("success");
    expect(
      show.jobs.map((j: { name: string; status: string }) => [
        j.name,
        j.status,
      ]),
    ).toEqual([
      ["test", "success"],
      ["deploy", "success"],
    ]);
  });
});
