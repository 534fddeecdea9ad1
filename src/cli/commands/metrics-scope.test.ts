import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { metricsScope } from "./metrics-scope.js";

const folder = () => realpathSync(mkdtempSync(join(tmpdir(), "sluice-scope-")));
const repo = () => {
  const dir = folder();
  execFileSync("git", ["init", "-q", dir]);
  return dir;
};
const scopeOf = (cwd: string) => metricsScope({ cwd }, {});

describe("the scope of sluice metrics", () => {
  it("defaults to the name in ./sluice.yml, even when the folder is named otherwise, and says so", async () => {
    const dir = repo();
    writeFileSync(join(dir, "sluice.yml"), "name: checkout-service\n");
    expect(await scopeOf(dir)).toEqual({
      project: "checkout-service",
      basis:
        "project checkout-service (the name in ./sluice.yml; --all-projects for every project, --project NAME for another)",
      byDefault: true,
    });
  });

  it("in a subfolder, is the project named by the repository's sluice.yml", async () => {
    const dir = repo();
    writeFileSync(join(dir, "sluice.yml"), "name: shop\n");
    mkdirSync(join(dir, "src"));
    expect((await scopeOf(join(dir, "src"))).project).toBe("shop");
  });

  it("in a repository whose sluice.yml has no name (or none), is the repository folder's name", async () => {
    const dir = repo();
    mkdirSync(join(dir, "lib"));
    const scope = await scopeOf(join(dir, "lib"));
    expect(scope.project).toBe(basename(dir));
    expect(scope.basis).toContain("the repository folder's name");
  });

  it("outside any project folder, is every project, and says why", async () => {
    const scope = await scopeOf(folder());
    expect(scope.project).toBeUndefined();
    expect(scope.basis).toMatch(/^all projects \(this folder is not a project/);
  });

  it("is every project with --all-projects, the named one with --project", async () => {
    const dir = repo();
    expect(await metricsScope({ cwd: dir }, { allProjects: true })).toEqual({
      project: undefined,
      basis: "all projects (--all-projects)",
      byDefault: false,
    });
    expect((await metricsScope({ cwd: dir }, { project: "x" })).project).toBe(
      "x",
    );
  });

  it("refuses --project with --all-projects", async () =>
    expect(
      metricsScope({ cwd: folder() }, { project: "x", allProjects: true }),
    ).rejects.toThrow("--project and --all-projects exclude each other"));
});
