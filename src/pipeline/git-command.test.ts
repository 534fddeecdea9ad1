import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { gitReason, runGit } from "./git-command.js";

describe("runGit, pipeline's one way to run git", () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-git-command-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("answers git's output as text, or as bytes", async () => {
    expect(await runGit(dir, ["--version"])).toMatch(/^git version /);
    const bytes = await runGit(dir, ["--version"], { encoding: "buffer" });
    expect(Buffer.isBuffer(bytes)).toBe(true);
  });

  it("a failure carries git's standard error; gitReason is its first line without `fatal: `", async () => {
    const failed = await runGit(dir, ["rev-parse", "HEAD"]).catch(
      (error: unknown) => error,
    );
    expect((failed as { stderr: string }).stderr).toMatch(
      /^fatal: not a git repository/,
    );
    expect(gitReason(failed)).toMatch(/^not a git repository/);
    expect(gitReason(new Error("plain"))).toBe("plain");
  });

  it("a folder that is not there is not a missing git", async () => {
    const failed = await runGit(join(dir, "gone"), ["status"]).catch(
      (error: unknown) => error,
    );
    expect(failed).not.toMatchObject({ code: "EXTERNAL" });
    expect(gitReason(failed)).toMatch(/ENOENT/);
  });

  it("no git on PATH is one EXTERNAL error", async () => {
    await expect(
      runGit(dir, ["status"], { env: { PATH: dir } }),
    ).rejects.toMatchObject({
      code: "EXTERNAL",
      message: "git is not installed (no `git` on PATH)",
    });
  });
});
