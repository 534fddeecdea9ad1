import { generateX25519Identity } from "age-encryption";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, gitRepo, sluice } from "./cli.js";
import { homeForTest } from "../support/local-server.js";

beforeAll(assertBuilt);

describe("secrets in pipeline runs (built CLI)", () => {
  it("a step never inherits SLUICE_AGE_IDENTITY, the key that decrypts the secrets", async () => {
    const identity = await generateX25519Identity();
    expect(identity).not.toBe("");
    const repo = gitRepo({
      "sluice.yml": `name: plain
jobs:
  show:
    steps:
      - run: env | sort
`,
    });
    const env = {
      SLUICE_HOME: homeForTest("sluice-e2e-key-"),
      SLUICE_AGE_IDENTITY: identity,
    };
    const run = sluice(repo, env, ["run", "--json"]);
    expect(run.code).toBe(0);
    const detail = JSON.parse(run.stdout) as {
      jobs: { steps: { logPath: string }[] }[];
    };
    const log = readFileSync(detail.jobs[0]!.steps[0]!.logPath, "utf8");
    expect(log).toContain("SLUICE_RUN_ID=");
    expect(log).not.toContain("SLUICE_AGE_IDENTITY");
    expect(log).not.toContain("AGE-SECRET-KEY");
    expect(run.stdout + run.stderr).not.toContain("AGE-SECRET-KEY");
  }, 240_000);
});
