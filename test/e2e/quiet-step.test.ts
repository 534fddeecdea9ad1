import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, gitRepo, sluice } from "./cli.js";
import { homeForTest } from "../support/local-server.js";

// A step that prints nothing for a while (a quiet `pip install`, `sleep 12`) used to end
// `sluice run` with Node's exit code 13 (an unsettled top-level await) in about one run of three:
// nothing kept the event loop alive while the step was silent. Ten runs in a row must all succeed.
const runs = 10;
const quietSeconds = 30;

describe("a step that is silent for 30 s (built CLI)", () => {
  let repo: string;
  beforeAll(() => {
    assertBuilt();
    repo = gitRepo({
      "sluice.yml": `name: quiet
jobs:
  quiet:
    steps:
      - run: sleep ${quietSeconds}; echo ok
`,
    });
  });

  it(
    `succeeds ${runs} times in a row`,
    () => {
      const results: { code: number | null; status: unknown; err: string }[] =
        [];
      const homes: string[] = [];
      for (let i = 0; i < runs; i++) {
        // A new user's first run, each time: the way the defect showed most often.
        // Its local server is stopped when the test ends.
        const home = homeForTest("sluice-e2e-quiet-");
        homes.push(home);
        const run = sluice(repo, { SLUICE_HOME: home }, ["run", "--json"], {
          timeout: 120_000,
        });
        let status: unknown;
        try {
          status = (JSON.parse(run.stdout) as { status: unknown }).status;
        } catch {
          status = `no JSON on stdout: ${run.stdout.slice(0, 200)}`;
        }
        results.push({ code: run.code, status, err: run.stderr });
      }
      // Every run, not just the first failure, so a failure shows how often it happens.
      expect(results.map(({ code, status }) => ({ code, status }))).toEqual(
        Array.from({ length: runs }, () => ({ code: 0, status: "success" })),
      );
      for (const { err } of results) {
        expect(err).not.toMatch(/EPIPE|ERR_IPC_CHANNEL_CLOSED|\n\s+at /);
      }
      // As recorded: no run is left `interrupted`.
      for (const home of homes) {
        const list = sluice(repo, { SLUICE_HOME: home }, ["runs", "--json"]);
        const recorded = (JSON.parse(list.stdout) as { status: string }[]).map(
          (r) => r.status,
        );
        expect(recorded).toEqual(["success"]);
      }
    },
    20 * 60_000,
  );
});
