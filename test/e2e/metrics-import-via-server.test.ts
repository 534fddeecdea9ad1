import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, gitRepo, sluice } from "./cli.js";
import { serveHome } from "../support/served-home.js";

/**
 * Issue 14: `sluice metrics import-git` reads git in its own process and stores the parsed
 * history through the home's server. While `sluice serve` holds the embedded store it works from
 * another process (before, it failed with "`sluice serve` (process N) holds the embedded
 * store"). With SLUICE_TEST_DATABASE_URL the same runs on a fresh Postgres database.
 */

describe("sluice metrics import-git while `sluice serve` holds the store (built CLI)", () => {
  const repo = gitRepo({ "README.md": "# shop\n" });
  const env: Record<string, string> = {
    SLUICE_HOME: `${repo}-home`,
  };
  let serve: Awaited<ReturnType<typeof serveHome>> | undefined;

  beforeAll(async () => {
    assertBuilt();
    const git = (...args: string[]) =>
      execFileSync("git", args, { cwd: repo, stdio: "pipe" });
    git(
      "commit",
      "-q",
      "--allow-empty",
      "-m",
      "Add checkout",
      "-m",
      "Co-Authored-By: Claude <noreply@anthropic.com>",
    );
    git("tag", "v1.0.0");
    serve = await serveHome(dirname(repo), env);
  }, 120_000);

  afterAll(async () => {
    await serve?.stop();
    rmSync(repo, { recursive: true, force: true });
    rmSync(env.SLUICE_HOME!, { recursive: true, force: true });
  });

  it("imports, says what it stored, and imports again without new events", () => {
    const args = ["metrics", "import-git", "--project", "shop"];
    const first = sluice(repo, env, args);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(
      /^imported shop: 2 commits, 2 changes \(1 ai-assisted\), 2 deployments from first-parent history; 2 changes and 2 deployments were new \(\d+\.\d\d s\)\n/,
    );
    expect(first.stderr).toContain(
      "import-git: stored 2 new changes and 2 new deployments",
    );
    const again = sluice(repo, env, args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/; 0 changes and 0 deployments were new \(/);

    // Counting the tag instead replaces what the first-parent imports counted.
    const tags = sluice(repo, env, [...args, "--deploy-tags", "v*"]);
    expect(tags.code, tags.stderr).toBe(0);
    expect(tags.stdout).toMatch(/1 deployments from tags;/);
    expect(tags.stdout).toContain(
      "replaced: 2 deployments an earlier import of this repository counted otherwise were removed",
    );

    const shown = sluice(repo, env, [
      "metrics",
      "attribution",
      "--project",
      "shop",
      "--json",
    ]);
    expect(shown.code, shown.stderr).toBe(0);
    const { changes } = JSON.parse(shown.stdout) as {
      changes: { cohort: string }[];
    };
    expect(changes.map((c) => c.cohort).sort()).toEqual([
      "ai-assisted",
      "unmarked",
    ]);
  }, 180_000);

  it("events of another project than ?project= are refused", async () => {
    const answer = await fetch(
      `${serve!.url}/api/v1/metrics/import-git?project=shop`,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${serve!.adminToken}`,
        },
        body: JSON.stringify({
          project: "other",
          environment: "production",
          commits: 0,
          mode: "tags",
          events: { changes: [], deployments: [], commitCount: 0 },
        }),
      },
    );
    expect(answer.status).toBe(400);
  });
});
