import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSampleService } from "../../src/deploy/index.js";
import { assertBuilt, gitRepo, sluice } from "./cli.js";
import { stopTarget } from "../support/deploy-cli.js";
import { stopLocalServer } from "../support/local-server.js";

const deployStep = (extra: string[]) =>
  [
    "name: shop",
    "jobs:",
    "  deploy:",
    "    steps:",
    "      - uses: sluice/deploy",
    "        with:",
    "          environment: staging",
    "          proxy-port: 0",
    ...extra,
    "          release:",
    "            command: exec node app/server.mjs",
    "",
  ].join("\n");

// Issue 11: `release.name` in a sluice/deploy step was accepted and never read (ADR 075), and
// `sluice deploy` refused a step that set the step's own keys (`environment`, `version`).
describe("the release's name in a sluice/deploy step (built CLI)", () => {
  const home = mkdtempSync(join(tmpdir(), "sluice-e2e-release-name-"));
  const env = { SLUICE_HOME: home };
  let repo: string;

  beforeAll(() => {
    assertBuilt();
    repo = gitRepo({ "sluice.yml": deployStep(['          version: "v7"']) });
    writeSampleService(join(repo, "app"));
  });

  afterAll(async () => {
    await stopTarget(home, "shop", "staging");
    stopLocalServer(home);
    rmSync(home, { recursive: true, force: true });
  });

  it("sluice deploy names the release by the step's version, as the step does", () => {
    const deployed = sluice(repo, env, ["deploy", "staging", "--json"]);
    expect(deployed.code, deployed.stderr).toBe(0);
    const view = JSON.parse(deployed.stdout);
    expect(view).toMatchObject({
      project: "shop",
      environment: "staging",
      release: "v7",
      phase: "Healthy",
    });
    const releases = sluice(repo, env, ["releases", "--json"]);
    expect(releases.code, releases.stderr).toBe(0);
    expect(releases.stdout).toContain('"v7"');
  });

  it("refuses release.name at its file, line and column, and names what to use", () => {
    const old = gitRepo({
      "sluice.yml": deployStep([]).replace(
        "          release:\n",
        "          release:\n            name: checkout-api\n",
      ),
    });
    const checked = sluice(old, env, ["config"]);
    expect(checked.code).toBe(2);
    expect(checked.stderr.split("\n")[0]).toBe(
      "sluice: sluice.yml:6:9: sluice/deploy in step 1 of job `deploy`: with release.name: not read: name the release with the step's `version` (default: the commit's first 12 characters) or `sluice deploy --release NAME`",
    );
    const deployed = sluice(old, env, ["deploy", "staging"]);
    expect(deployed.code).toBe(2);
    expect(deployed.stdout).toBe("");
    expect(deployed.stderr).toBe(
      "sluice: sluice deploy release.name: not read: name the release with the step's `version` (default: the commit's first 12 characters) or `sluice deploy --release NAME`\n",
    );
  });

  it("asks for a quoted version rather than read YAML's number 1.10 as 1.1", () => {
    const numbered = gitRepo({
      "sluice.yml": deployStep(["          version: 1.10"]),
    });
    const deployed = sluice(numbered, env, ["deploy", "staging"]);
    expect(deployed.code).toBe(2);
    expect(deployed.stderr).toBe(
      "sluice: sluice.yml sluice/deploy with version: 1.1 is not a name (write it as a quoted string)\n",
    );
  });
});
