import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployArgs, deployFolder } from "../support/deploy-cli.js";
import { serveHome } from "../support/served-home.js";
import { assertBuilt, exited, sluice, startSluice, until } from "./cli.js";

/**
 * Issue 14, "every command through the API": `sluice deploy` and `sluice deploy stop` are
 * clients of the home's server, which records the deployment and drives its rollout. While
 * `sluice serve` holds the embedded store they work from other processes (before, each opened
 * the store itself and failed with "`sluice serve` (process N) holds the embedded store"), and
 * the rollout commands print the timeline while it happens. With SLUICE_TEST_DATABASE_URL the
 * same runs on a fresh Postgres database.
 */
describe("sluice deploy and deploy stop while `sluice serve` holds the store (built CLI)", () => {
  const folder = deployFolder("sluice-e2e-deploy-via-server-", {
    SLUICE_SERVER_IDLE: "10m",
  });
  const { root, app, service, env } = folder;
  const project = ["--project", "shop"];
  let serve: Awaited<ReturnType<typeof serveHome>> | undefined;

  // A path relative to the command's folder: the release runs there, not in the server's.
  const deploy = (version: string, extra: string[] = []) =>
    sluice(app, env, deployArgs(version, "exec node ./server.mjs", extra));

  beforeAll(async () => {
    assertBuilt();
    expect(service).toBe(join(app, "server.mjs"));
    // An analysis whose command is relative to the folder `sluice deploy` runs in.
    writeFileSync(
      join(app, "sluice.yml"),
      [
        "name: shop",
        "jobs:",
        "  deploy:",
        "    environment: production",
        "    steps:",
        "      - uses: sluice/deploy",
        "        with:",
        "          analysis:",
        "            here:",
        "              metrics:",
        "                - name: beside-the-release",
        '                  provider: { command: { run: "test -f ./server.mjs" } }',
        "                  count: 1",
        "",
      ].join("\n"),
    );
    serve = await serveHome(root, env);
  }, 120_000);

  afterAll(async () => {
    await serve?.stop();
    await folder.remove();
  });

  it("deploys, pauses, streams a promote's timeline while it goes on, and stops the environment", async () => {
    const first = deploy("v1", ["--json"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).not.toMatch(/holds the embedded store/);
    expect(first.stderr).toMatch(
      /^sluice deploy: rollout ro_\S+ of shop to production$/m,
    );
    expect(first.stderr).toMatch(
      /^ {2}\d\d:\d\d:\d\d\.\d{3} promoted 100% \S+ \[Healthy\]$/m,
    );
    const v1 = JSON.parse(first.stdout) as {
      phase: string;
      stable: string;
      endpoint: string;
    };
    expect(v1).toMatchObject({ phase: "Healthy", stable: "v1" });
    expect((await fetch(`${v1.endpoint}/`)).headers.get("x-version")).toBe(
      "v1",
    );

    // Waits for a person after 20 %: exit 3, and the same words as before.
    const second = deploy("v2", [
      "--steps",
      JSON.stringify([
        { weight: 20 },
        { analysis: "here" },
        { pause: {} },
        { weight: 50 },
        { pause: { duration: "10m" } },
        { weight: 100 },
      ]),
    ]);
    expect(second.code, second.stderr).toBe(3);
    expect(second.stderr).toMatch(/ analysis run finished .*Successful/);
    expect(second.stdout).toMatch(/^Paused: /);
    expect(second.stdout).toMatch(
      /continue with: sluice rollout promote production/,
    );

    // Refused while the rollout is unfinished: one line, exit 2.
    const early = sluice(app, env, [
      "deploy",
      "stop",
      "production",
      ...project,
    ]);
    expect(early.code).toBe(2);
    expect(early.stderr.trim()).toMatch(
      /^sluice: rollout ro_\S+ in production is still Paused: promote or abort it first$/,
    );

    // The promote goes on into a 10-minute pause: its lines show while it still runs.
    const promote = startSluice(app, env, [
      "rollout",
      "promote",
      "production",
      ...project,
    ]);
    await until(
      () => / weight 50% \[\w+\]$/m.test(promote.output.stderr),
      "the promote's weight 50% line",
      60_000,
    );
    expect(promote.exitCode).toBeNull();
    expect(promote.output.stdout).toBe("");
    // Its terminal goes away: the server stops driving, and the next command carries it on.
    promote.kill("SIGTERM");
    await exited(promote);
    const full = sluice(app, env, [
      "rollout",
      "promote",
      "production",
      ...project,
      "--full",
      "--json",
    ]);
    expect(full.code, full.stderr).toBe(0);
    expect(JSON.parse(full.stdout)).toMatchObject({
      phase: "Healthy",
      stable: "v2",
    });
    expect(full.stderr).toMatch(
      / promote --full .*\n(.*\n)* {2}\S+ promoted 100% \S+ \[Healthy\]$/m,
    );

    const stop = sluice(app, env, ["deploy", "stop", "production", ...project]);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout.trim()).toBe(
      "stopped shop in production: its releases and proxy",
    );
    await expect(fetch(`${v1.endpoint}/`)).rejects.toThrow();
    const again = sluice(app, env, [
      "deploy",
      "stop",
      "production",
      ...project,
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(
      "nothing was running for shop in production",
    );
    // The server did all of it, and still serves.
    expect(serve!.server.exitCode).toBeNull();
  }, 240_000);
});
