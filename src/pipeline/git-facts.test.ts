import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readGitFacts, trailersByKey } from "./git-facts.js";

describe("trailersByKey (kernel's parseTrailers, by key)", () => {
  it.each([
    ["a subject only", "Fix it", {}],
    ["a body without trailers", "Fix it\n\nBecause it broke.", {}],
    [
      "one trailer",
      "Fix it\n\nSigned-off-by: Ada <ada@example.com>",
      { "Signed-off-by": ["Ada <ada@example.com>"] },
    ],
    [
      "repeated keys keep their order",
      "Fix\n\nbody\n\nCo-authored-by: A <a@x>\nCo-authored-by: B <b@x>\nAssisted-by: Claude",
      {
        "Co-authored-by": ["A <a@x>", "B <b@x>"],
        "Assisted-by": ["Claude"],
      },
    ],
    [
      "a continuation line folds into the trailer",
      "Fix\n\nNote: first part\n  second part",
      { Note: ["first part second part"] },
    ],
    [
      "a last paragraph with prose is not a trailer block",
      "Fix\n\nSee: this\nand some prose",
      {},
    ],
    ["the subject is never a trailer", "Refs: 123", {}],
  ])("%s", (_name, message, expected) => {
    expect(trailersByKey(message)).toEqual(expected);
  });
});

function repo(): string {
  const dir = mkdtempSync(join(tmpdir(), "sluice-git-"));
  const run = (...args: string[]) =>
    execFileSync("git", args, { cwd: dir, stdio: "pipe" });
  run("init", "-q", "-b", "main");
  run("config", "user.name", "Ada Lovelace");
  run("config", "user.email", "ada@example.com");
  run("config", "commit.gpgsign", "false");
  return dir;
}

describe("readGitFacts", () => {
  it("reads commit, branch, author, message and trailers of HEAD", async () => {
    const dir = repo();
    writeFileSync(join(dir, "a.txt"), "a");
    execFileSync("git", ["add", "."], { cwd: dir });
    execFileSync(
      "git",
      [
        "commit",
        "-q",
        "-m",
        "Add healthz ünïcode",
        "-m",
        "Body line.",
        "-m",
        "Co-authored-by: Bot <bot@example.com>",
      ],
      { cwd: dir },
    );
    const sha = execFileSync("git", ["rev-parse", "HEAD"], { cwd: dir })
      .toString()
      .trim();
    const facts = await readGitFacts(dir);
    expect(facts).toMatchObject({
      repository: true,
      commit: sha,
      branch: "main",
      author: "Ada Lovelace",
      authorEmail: "ada@example.com",
      message:
        "Add healthz ünïcode\n\nBody line.\n\nCo-authored-by: Bot <bot@example.com>",
      trailers: { "Co-authored-by": ["Bot <bot@example.com>"] },
    });
  });

  it("has no branch on a detached HEAD and no commit in an empty repository", async () => {
    const dir = repo();
    const empty = await readGitFacts(dir);
    expect(empty).toMatchObject({ repository: true, branch: "main" });
    expect(empty.commit).toBeUndefined();
    writeFileSync(join(dir, "a.txt"), "a");
    execFileSync("git", ["add", "."], { cwd: dir });
    execFileSync("git", ["commit", "-q", "-m", "one"], { cwd: dir });
    execFileSync("git", ["checkout", "-q", "--detach"], { cwd: dir });
    const facts = await readGitFacts(dir);
    expect(facts.branch).toBeUndefined();
    expect(facts.commit).toMatch(/^[0-9a-f]{40}$/);
  });

  it("reads the default branch from origin/HEAD, else init.defaultBranch", async () => {
    const origin = repo();
    writeFileSync(join(origin, "a.txt"), "a");
    execFileSync("git", ["add", "."], { cwd: origin });
    execFileSync("git", ["commit", "-q", "-m", "one"], { cwd: origin });
    execFileSync("git", ["branch", "-q", "-m", "trunk"], { cwd: origin });
    const clone = mkdtempSync(join(tmpdir(), "sluice-clone-"));
    execFileSync("git", ["clone", "-q", origin, clone]);
    execFileSync("git", ["checkout", "-q", "-b", "feature/x"], { cwd: clone });
    expect(await readGitFacts(clone)).toMatchObject({
      branch: "feature/x",
      defaultBranch: "trunk",
    });

    const local = repo();
    execFileSync("git", ["config", "init.defaultBranch", "develop"], {
      cwd: local,
    });
    expect((await readGitFacts(local)).defaultBranch).toBe("develop");
  });

  it("says when the folder is not a repository", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-nogit-"));
    expect(await readGitFacts(dir)).toEqual({
      repository: false,
      trailers: {},
    });
  });
});
