import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createDetector } from "../attribution/detect.js";
import { historyEvents } from "./history.js";
import { readLog, readTags } from "./log.js";
import { importGit } from "./import.js";

const t0 = Date.UTC(2025, 0, 1) / 1000;

/** A real repository: main with a merged branch (AI trailer on a branch commit), tags v1, v2. */
function makeRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), "sluice-git-"));
  let tick = 0;
  const g = (args: string[], who = "Ada Lovelace <ada@example.com>") => {
    const at = `${t0 + tick++ * 3600} +0000`;
    const [, name, email] = /^(.*) <(.*)>$/.exec(who)!;
    return execFileSync("git", args, {
      cwd: dir,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: name,
        GIT_AUTHOR_EMAIL: email,
        GIT_COMMITTER_NAME: name,
        GIT_COMMITTER_EMAIL: email,
        GIT_AUTHOR_DATE: at,
        GIT_COMMITTER_DATE: at,
      },
    })
      .toString()
      .trim();
  };
  g(["init", "-q", "-b", "main"]);
  g(["commit", "-q", "--allow-empty", "-m", "first"]); // h0
  g(["tag", "v1"]); // lightweight: dated by its commit (h0)
  g(["checkout", "-q", "-b", "feature"]);
  g([
    "commit",
    "-q",
    "--allow-empty",
    "-m",
    "branch work\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
  ]); // h2
  g(["commit", "-q", "--allow-empty", "-m", "more branch work"]); // h3
  g(["checkout", "-q", "main"]);
  g(["commit", "-q", "--allow-empty", "-m", "Motörhead fix on main"]); // h5
  g(["merge", "-q", "--no-ff", "feature", "-m", "Merge feature"]); // h6
  g(["commit", "-q", "--allow-empty", "-m", 'Revert "first"']); // h7
  g(["tag", "-a", "v2", "-m", "release 2"]); // annotated, tagger date h8
  return dir;
}

describe("git history as metrics events", () => {
  let repo: string;
  beforeAll(() => {
    repo = makeRepo();
  });
  const detector = createDetector();

  it("reads every commit with trailers and non-ASCII subjects", async () => {
    const commits = await readLog(repo, ["HEAD"]);
    expect(commits).toHaveLength(6);
    expect(commits.map((c) => c.subject)).toContain("Motörhead fix on main");
    const ai = commits.find((c) => c.subject === "branch work")!;
    expect(ai.trailers).toEqual([
      ["Co-Authored-By", "Claude <noreply@anthropic.com>"],
    ]);
  });

  it("turns tags into deployments that ship the newly reachable commits", async () => {
    const commits = await readLog(repo, ["HEAD"]);
    const tags = await readTags(repo, "v*");
    const head = commits[0]!.sha;
    const events = historyEvents({
      project: "p",
      head,
      commits,
      tags,
      detector,
    });
    // First-parent changes: first, Motörhead, merge (holding 2 branch commits), revert.
    expect(events.changes.map((c) => c.title)).toEqual([
      "first",
      "Motörhead fix on main",
      "Merge feature",
      'Revert "first"',
    ]);
    const merge = events.changes[2]!;
    expect(merge.commits).toHaveLength(3);
    expect(merge.cohort).toBe("ai-assisted");
    expect(merge.firstCommitAt).toBe((t0 + 4 * 3600) * 1000); // the branch's first commit (5th git call)
    expect(
      events.changes.filter((c) => c.cohort === "ai-assisted"),
    ).toHaveLength(1);

    expect(
      events.deployments.map((d) => [d.release, d.shipped?.length, d.hotfix]),
    ).toEqual([
      ["v1", 1, undefined],
      ["v2", 5, true], // a revert shipped: a rework proxy
    ]);
  });

  it("uses first-parent commits as deployments when there are no tags", async () => {
    const commits = await readLog(repo, ["HEAD"]);
    const events = historyEvents({
      project: "p",
      head: commits[0]!.sha,
      commits,
      tags: undefined,
      detector,
    });
    expect(events.deployments).toHaveLength(4);
    expect(events.deployments[2]!.shipped).toHaveLength(3);
  });

  it("refuses a glob that matches no tag, a shallow clone and a folder outside git", async () => {
    const store = {
      appendChanges: async () => 0,
      appendDeploymentEvents: async () => 0,
      listDeploymentIds: async () => [],
      removeDeployments: async () => 0,
    };
    await expect(
      importGit({ cwd: repo, deployTags: "release-*", detector, store }),
    ).rejects.toThrow(/no tag matches 'release-\*'/);
    const shallow = mkdtempSync(join(tmpdir(), "sluice-shallow-"));
    execFileSync("git", [
      "clone",
      "-q",
      "--depth",
      "1",
      `file://${repo}`,
      shallow,
    ]);
    await expect(importGit({ cwd: shallow, detector, store })).rejects.toThrow(
      /shallow clone/,
    );
    const plain = mkdtempSync(join(tmpdir(), "sluice-plain-"));
    await expect(importGit({ cwd: plain, detector, store })).rejects.toThrow(
      /not inside a git repository/,
    );
  });
});
