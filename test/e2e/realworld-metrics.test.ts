import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, root, sluice } from "./cli.js";

/**
 * `sluice metrics import-git` on express (../shared/realworld/express.bundle), a repository nobody
 * here wrote: 304 release tags, 295 bare versions (`4.17.1`) and 9 with a `v` (`v5.0.0`).
 */
const bundle = join(root, "..", "shared", "realworld", "express.bundle");
const present = existsSync(bundle);
if (!present)
  console.warn(`${bundle} is absent: the express metrics tests are skipped`);

describe.skipIf(!present)("sluice metrics import-git on express", () => {
  let work: string;
  let repo: string;
  const homes: string[] = [];
  const env = () => {
    const home = mkdtempSync(join(tmpdir(), "sluice-express-home-"));
    homes.push(home);
    return { SLUICE_HOME: home, SLUICE_DATABASE_URL: "" };
  };

  beforeAll(() => {
    assertBuilt();
    work = mkdtempSync(join(tmpdir(), "sluice-express-metrics-"));
    repo = join(work, "express");
    execFileSync("git", ["clone", "-q", bundle, repo], { stdio: "pipe" });
    execFileSync("git", ["-C", repo, "switch", "-q", "-c", "main"]);
  });
  afterAll(() => {
    for (const dir of [work, ...homes])
      if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the bundle holds what the test relies on: 304 tags, 295 bare versions and 9 starting with v", () => {
    const tags = execFileSync("git", ["-C", repo, "tag"], { encoding: "utf8" })
      .trim()
      .split("\n");
    expect(tags).toHaveLength(304);
    expect(tags.filter((t) => t.startsWith("v"))).toHaveLength(9);
    expect(tags.filter((t) => /^\d/.test(t))).toHaveLength(295);
  });

  it.each([["{v,}[0-9]*"], ["/^v?\\d/"]])(
    "--deploy-tags '%s' counts the 304 release tags as deployments",
    (pattern) => {
      const e = env();
      const r = sluice(repo, e, [
        "metrics",
        "import-git",
        "--deploy-tags",
        pattern,
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^imported express: \d+ commits, 3888 changes/);
      expect(r.stdout).toContain("304 deployments from tags");
      expect(r.stdout).toContain(
        `deployments: 304 tags matching '${pattern}', each at its tag date`,
      );
      // And the figures rest on them: every tag since express began is a deployment.
      const shown = sluice(repo, e, ["metrics", "--since", "30y", "--json"]);
      expect(shown.code, shown.stderr).toBe(0);
      const report = JSON.parse(shown.stdout);
      expect(report.scope.project).toBe("express");
      expect(report.figures.deploymentFrequency.samples).toBe(304);
      expect(report.sources.deployments).toEqual([
        expect.objectContaining({ source: "git (tags)", count: 304 }),
      ]);
      expect(report.figures.changeFailRate.missingSource).toBe(
        "no failure source",
      );
    },
    120_000,
  );

  it("without --deploy-tags, it says plainly what its default counted and how to count the tags", () => {
    const e = env();
    const r = sluice(repo, e, ["metrics", "import-git"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      "deployments: by default, each of the 3888 first-parent commits of HEAD counts as a deployment at its commit time, because no --deploy-tags was given",
    );
    expect(r.stdout).toMatch(
      /This repository has 304 tags, such as [^.]+\.[^ ]*.* If they mark releases, import again with --deploy-tags '\{v,\}\[0-9\]\*' \(matches 304 of them\)/,
    );
    expect(r.stdout).toContain(
      "Git history records no failure: change fail rate and recovery time stay unknown",
    );
    const shown = sluice(repo, e, ["metrics", "--since", "3y"]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(
      /^Deployments: \d+ from git \(first-parent commits\): each first-parent commit/m,
    );
    expect(shown.stdout).toMatch(
      /^Change fail rate\s+n\/a\s+no failure source/m,
    );
  }, 120_000);
});
