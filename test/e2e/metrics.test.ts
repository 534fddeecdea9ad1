import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { homeForTest, stopLocalServer } from "../support/local-server.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const bin = join(root, "bin", "sluice.js");
const chromiumPath = "/usr/bin/chromium";

/** A repository spanning ~10 weeks: 30 commits (every third AI-assisted), a tag every 3 commits. */
function makeRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), "sluice-metrics-e2e-"));
  const now = Math.floor(Date.now() / 1000);
  const g = (
    args: string[],
    at: number,
    who: [string, string] = ["Ada Lovelace", "ada@example.com"],
  ) =>
    execFileSync("git", args, {
      cwd: dir,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: who[0],
        GIT_AUTHOR_EMAIL: who[1],
        GIT_COMMITTER_NAME: who[0],
        GIT_COMMITTER_EMAIL: who[1],
        GIT_AUTHOR_DATE: `${at} +0000`,
        GIT_COMMITTER_DATE: `${at} +0000`,
      },
    });
  g(["init", "-q", "-b", "main"], now);
  for (let i = 0; i < 30; i++) {
    const at = now - (70 - i * 2) * 86_400;
    const message =
      i % 3 === 0
        ? `feat ${i}\n\nCo-Authored-By: Claude <noreply@anthropic.com>`
        : `fix ${i}`;
    g(
      ["commit", "-q", "--allow-empty", "-m", message],
      at,
      i % 2 ? ["Grace Hopper", "grace@example.com"] : undefined,
    );
    if (i % 3 === 2)
      g(["tag", "-a", `v1.${i}`, "-m", `release ${i}`], at + 3600 * 5);
  }
  return dir;
}

function sluice(cwd: string, home: string, args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    env: { ...process.env, SLUICE_HOME: home, SLUICE_DATABASE_URL: "" },
    encoding: "utf8",
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!existsSync(join(root, "dist", "cli", "main.js")))(
  "sluice metrics end to end",
  () => {
    let repo: string;
    let home: string;
    beforeAll(() => {
      repo = makeRepo();
      home = mkdtempSync(join(tmpdir(), "sluice-metrics-home-"));
    });
    afterAll(() => {
      // Its commands started the home's local server on demand: it would idle for 10 minutes.
      stopLocalServer(home);
      rmSync(home, { recursive: true, force: true });
      rmSync(repo, { recursive: true, force: true });
    });

    it("imports tags as deployments, once", () => {
      const first = sluice(repo, home, [
        "metrics",
        "import-git",
        "--deploy-tags",
        "v*",
      ]);
      expect(first.stderr).toContain("import-git: read 30 commits, 10 tags");
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(
        /30 commits, 30 changes \(10 ai-assisted\), 10 deployments/,
      );
      const again = sluice(repo, home, [
        "metrics",
        "import-git",
        "--deploy-tags",
        "v*",
      ]);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain("0 changes and 0 deployments were new");
    });

    it("prints every figure with value, unit, level and samples, split by cohort", () => {
      const r = sluice(repo, home, [
        "metrics",
        "--since",
        "3650d",
        "--by",
        "cohort",
        "--json",
      ]);
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout);
      const keys = [
        "deploymentFrequency",
        "leadTime",
        "changeFailRate",
        "recoveryTime",
        "reworkRate",
      ];
      for (const key of keys) {
        expect(report.figures[key]).toHaveProperty("value");
        expect(report.figures[key]).toHaveProperty("unit");
        expect(report.figures[key]).toHaveProperty("level");
        expect(report.figures[key]).toHaveProperty("samples");
        for (const cohort of ["ai-assisted", "unmarked"]) {
          expect(report.cohorts[cohort].figures[key]).toHaveProperty("samples");
        }
      }
      expect(report.figures.deploymentFrequency.samples).toBe(10);
      expect(report.figures.leadTime.samples).toBe(30);
      expect(report.cohorts["ai-assisted"].figures.leadTime.samples).toBe(10);
      expect(report.cohorts.unmarked.figures.leadTime.samples).toBe(20);
      // No incidents and no failure signal in git: no level, and why, instead of "0.0 % elite".
      for (const key of ["changeFailRate", "recoveryTime"]) {
        expect(report.figures[key].value).toBeNull();
        expect(report.figures[key].level).toBeNull();
        expect(report.figures[key].missingSource).toBe("no failure source");
        expect(report.figures[key].reason).toMatch(
          /^no failure source: import incidents or connect a webhook/,
        );
      }
      expect(report.sources.deployments).toEqual([
        expect.objectContaining({ source: "git (tags)", count: 10 }),
      ]);
      expect(report.scope.projectBasis).toMatch(
        /^project sluice-metrics-e2e-\w+ \(the repository folder's name; --all-projects/,
      );
    });

    it("the table says 'no failure source' where a level would be, and takes --since in years", () => {
      const r = sluice(repo, home, ["metrics", "--since", "3y"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/· production · \d{4}-\d\d-\d\d to /);
      const cfr = r.stdout
        .split("\n")
        .find((l) => l.startsWith("Change fail rate"));
      expect(cfr).toMatch(/^Change fail rate\s+n\/a\s+no failure source\s+0/);
      expect(r.stdout).toContain(
        "Incidents: none, and no source that could report one",
      );
      const from = /· (\d{4})-\d\d-\d\d to (\d{4})/.exec(r.stdout)!;
      expect(Number(from[2]) - Number(from[1])).toBe(3);
    });

    it("defaults to the current project: another project's data is not mixed in; --all-projects has both", () => {
      const other = makeRepo();
      writeFileSync(
        join(other, "sluice.yml"),
        "name: other-service\njobs:\n  test:\n    steps:\n      - run: echo ok\n",
      );
      const imported = sluice(other, home, ["metrics", "import-git"]);
      expect(imported.code).toBe(0);
      expect(imported.stdout).toMatch(/^imported other-service: /);
      const mine = JSON.parse(
        sluice(repo, home, ["metrics", "--since", "1y", "--json"]).stdout,
      );
      expect(mine.scope.project).toBe(basename(repo));
      expect(mine.figures.deploymentFrequency.samples).toBe(10);
      const theirs = sluice(other, home, ["metrics", "--since", "1y"]);
      expect(theirs.stdout).toContain("DORA figures for other-service");
      expect(theirs.stdout).toContain(
        "Scope: project other-service (the name in ./sluice.yml;",
      );
      const all = JSON.parse(
        sluice(repo, home, [
          "metrics",
          "--since",
          "1y",
          "--all-projects",
          "--json",
        ]).stdout,
      );
      expect(all.scope.project).toBeNull();
      expect(all.scope.projectBasis).toBe("all projects (--all-projects)");
      // 10 tags here and 30 first-parent commits there.
      expect(all.figures.deploymentFrequency.samples).toBe(40);
      const both = sluice(repo, home, [
        "metrics",
        "--project",
        "x",
        "--all-projects",
      ]);
      expect(both.code).toBe(2);
      expect(both.stderr.trim()).toBe(
        "sluice: --project and --all-projects exclude each other",
      );
    });

    it("without --deploy-tags, import-git says what it counted as a deployment, why, and how to count tags", () => {
      const fresh = homeForTest("sluice-metrics-home-");
      const r = sluice(repo, fresh, ["metrics", "import-git"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(
        "deployments: by default, each of the 30 first-parent commits of HEAD counts as a deployment at its commit time, because no --deploy-tags was given",
      );
      expect(r.stdout).toContain(
        "This repository has 10 tags, such as v1.29. If they mark releases, import again with --deploy-tags 'v[0-9]*' (matches 10 of them)",
      );
      const shown = sluice(repo, fresh, ["metrics", "--since", "1y"]);
      expect(shown.stdout).toContain(
        "Deployments: 30 from git (first-parent commits): each first-parent commit of the imported history counted as a deployment at its commit time, because `metrics import-git` was not given --deploy-tags",
      );
      // Following the advice replaces the first-parent deployments: the two never mix.
      const tagged = sluice(repo, fresh, [
        "metrics",
        "import-git",
        "--deploy-tags",
        "v[0-9]*",
      ]);
      expect(tagged.code).toBe(0);
      expect(tagged.stdout).toContain(
        "replaced: 30 deployments an earlier import of this repository counted otherwise were removed",
      );
      const after = JSON.parse(
        sluice(repo, fresh, ["metrics", "--since", "1y", "--json"]).stdout,
      );
      expect(after.figures.deploymentFrequency.samples).toBe(10);
      expect(after.sources.deployments).toEqual([
        expect.objectContaining({ source: "git (tags)", count: 10 }),
      ]);
    });

    it("lists each change with its cohort and the markers that decided it", () => {
      const r = sluice(repo, home, ["metrics", "attribution", "--json"]);
      expect(r.code).toBe(0);
      const { changes } = JSON.parse(r.stdout);
      expect(changes).toHaveLength(30);
      const ai = changes.filter(
        (c: { cohort: string }) => c.cohort === "ai-assisted",
      );
      expect(ai).toHaveLength(10);
      expect(ai[0].markers[0]).toMatchObject({
        rule: "claude-code-coauthor",
        tool: "Claude Code",
        field: "trailer",
      });
    });

    it("answers bad input with one line and exit 2", () => {
      const since = sluice(repo, home, ["metrics", "--since", "lots"]);
      expect(since.code).toBe(2);
      expect(since.stderr.trim()).toBe(
        "sluice: --since must be a number and a unit: s, m (minutes), h, d, w, mo (30 days) or y (365 days), e.g. 90d, 6mo, 3y, 1y6mo; not 'lots'",
      );
      const tags = sluice(repo, home, [
        "metrics",
        "import-git",
        "--deploy-tags",
        "release-*",
      ]);
      expect(tags.code).toBe(2);
      expect(tags.stderr.trim()).toBe(
        "sluice: no tag matches 'release-*' in this repository (it has 10 tags, such as v1.29; --deploy-tags 'v[0-9]*' matches 10); leave out --deploy-tags to count each first-parent commit of HEAD as a deployment",
      );
    });

    it("writes an HTML report whose charts render in Chromium without console errors", async () => {
      const out = join(tmpdir(), "sluice-test-output");
      mkdirSync(out, { recursive: true });
      const file = join(out, "metrics-report.html");
      const r = sluice(repo, home, [
        "metrics",
        "report",
        "--html",
        file,
        "--since",
        "84d",
      ]);
      expect(r.code).toBe(0);
      if (!existsSync(chromiumPath)) {
        console.warn(`${chromiumPath} is missing: browser check skipped`);
        return;
      }
      const browser = await chromium.launch({
        executablePath: chromiumPath,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
        ],
      });
      try {
        const page = await browser.newPage({
          viewport: { width: 1300, height: 1800 },
        });
        const errors: string[] = [];
        page.on("console", (m) => {
          if (m.type() === "error") errors.push(m.text());
        });
        page.on("pageerror", (e) => errors.push(e.message));
        const requests: string[] = [];
        page.on("request", (req) => requests.push(req.url()));
        await page.goto(`file://${file}`);
        expect(await page.locator("svg[data-chart^='trend-']").count()).toBe(5);
        expect(await page.locator("svg[data-chart^='cohort-']").count()).toBe(
          5,
        );
        // Deployments happened: the frequency trend has points and the cohort chart has bars.
        expect(
          await page
            .locator("svg[data-chart='trend-deploymentFrequency'] circle")
            .count(),
        ).toBeGreaterThan(0);
        expect(
          await page.locator("svg[data-chart='cohort-leadTime'] rect").count(),
        ).toBe(2);
        // No failure source: no bars, no interval, the counts and why.
        const cfr = page.locator("svg[data-chart='cohort-changeFailRate']");
        expect(await cfr.getAttribute("data-too-few")).toBe("true");
        expect(await cfr.locator("rect, line").count()).toBe(0);
        expect(await cfr.textContent()).toContain(
          "no failure source: nothing to compare",
        );
        // Recovery time has no value in any week: no line at all.
        expect(
          await page
            .locator("svg[data-chart='trend-recoveryTime'] path")
            .count(),
        ).toBe(0);
        await page.screenshot({
          path: join(out, "metrics-report.png"),
          fullPage: true,
        });
        expect(errors).toEqual([]);
        // Self-contained: nothing but the file itself was loaded.
        expect(requests.filter((u) => !u.startsWith("file://"))).toEqual([]);
      } finally {
        await browser.close();
      }
    });
  },
);
