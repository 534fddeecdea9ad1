import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  keepRelease,
  openRunSource,
  pruneCheckouts,
  workingTreeState,
} from "./checkout.js";
import { gitRepo } from "../../test/e2e/cli.js";

const head = (dir: string) =>
  execFileSync("git", ["rev-parse", "HEAD"], { cwd: dir, encoding: "utf8" })
    .toString()
    .trim();

const owner = { pid: 4242, host: "here" };

describe("openRunSource", () => {
  it("checks the commit out (a project in a subfolder runs in that subfolder) and removes it on release", async () => {
    const dir = gitRepo({ "svc/sluice.yml": "jobs: {}\n", "svc/a.txt": "a\n" });
    writeFileSync(join(dir, "svc", "a.txt"), "edited\n");
    const home = mkdtempSync(join(tmpdir(), "sluice-home-"));
    const source = await openRunSource({
      home,
      projectDir: join(dir, "svc"),
      git: { repository: true, root: dir, commit: head(dir) },
      workingTree: false,
      owner,
      isAlive: () => true,
    });
    expect(source).toMatchObject({ kind: "checkout", dirty: false });
    expect(source.leftOut).toEqual(["svc/a.txt"]);
    expect(source.workdir.startsWith(join(home, "checkouts"))).toBe(true);
    expect(source.workdir.endsWith(join(dir.split("/").at(-1)!, "svc"))).toBe(
      true,
    );
    expect(readFileSync(join(source.workdir, "a.txt"), "utf8")).toBe("a\n");
    await source.release();
    expect(existsSync(source.workdir)).toBe(false);
    expect(readdirSync(join(home, "checkouts"))).toEqual([]);
  });

  it("gives a repository the same checkout path run after run, and a concurrent run another", async () => {
    const dir = gitRepo({ "a.txt": "a\n" });
    const home = mkdtempSync(join(tmpdir(), "sluice-home-"));
    const open = () =>
      openRunSource({
        home,
        projectDir: dir,
        git: { repository: true, root: dir, commit: head(dir) },
        workingTree: false,
        owner,
        isAlive: () => true,
      });
    const first = await open();
    const concurrent = await open();
    expect(concurrent.workdir).not.toBe(first.workdir);
    await first.release();
    await concurrent.release();
    // A path baked into a cached venv or an editable install stays valid for the next run.
    const next = await open();
    expect(next.workdir).toBe(first.workdir);
    await next.release();
  });

  it("outside a repository runs the folder itself", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-folder-"));
    const source = await openRunSource({
      home: mkdtempSync(join(tmpdir(), "sluice-home-")),
      projectDir: dir,
      git: { repository: false },
      workingTree: false,
      owner,
      isAlive: () => true,
    });
    expect(source).toMatchObject({
      kind: "folder",
      dirty: false,
      workdir: dir,
    });
  });
});

describe("pruneCheckouts", () => {
  it("removes the checkouts of a process that is gone, with git's record of them, and keeps the live ones", async () => {
    const dir = gitRepo({ "a.txt": "a\n" });
    const home = mkdtempSync(join(tmpdir(), "sluice-home-"));
    const open = (pid: number) =>
      openRunSource({
        home,
        projectDir: dir,
        git: { repository: true, root: dir, commit: head(dir) },
        workingTree: false,
        owner: { pid, host: "here" },
        isAlive: () => true,
      });
    const dead = await open(1001);
    const live = await open(1002);
    const worktrees = () =>
      execFileSync("git", ["worktree", "list"], { cwd: dir, encoding: "utf8" })
        .trim()
        .split("\n").length;
    expect(worktrees()).toBe(3);
    const removed = await pruneCheckouts(home, {
      owner: { pid: 1, host: "here" },
      isAlive: (pid) => pid === 1002,
    });
    expect(removed).toHaveLength(1);
    expect(existsSync(dead.workdir)).toBe(false);
    expect(existsSync(live.workdir)).toBe(true);
    expect(worktrees()).toBe(2);
    // Another host's checkout (a shared home) is not judged by this host's processes.
    expect(
      await pruneCheckouts(home, {
        owner: { pid: 1, host: "elsewhere" },
        isAlive: () => false,
      }),
    ).toEqual([]);
    await live.release();
    expect(worktrees()).toBe(1);
  });
});

describe("workingTreeState", () => {
  it("lists changes (a rename once, untracked files, not ignored ones) and hashes them stably", async () => {
    const dir = gitRepo({
      "a.txt": "a\n",
      "b.txt": "b\n",
      ".gitignore": "out/\n",
    });
    expect(await workingTreeState(dir, head(dir))).toMatchObject({
      changes: [],
    });
    execFileSync("git", ["mv", "b.txt", "c.txt"], { cwd: dir });
    writeFileSync(join(dir, "new.txt"), "new\n");
    mkdirSync(join(dir, "out"));
    writeFileSync(join(dir, "out", "ignored.txt"), "x\n");
    const first = await workingTreeState(dir, head(dir));
    expect(first.changes.sort()).toEqual(["c.txt", "new.txt"]);
    expect(first.diffHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await workingTreeState(dir, head(dir))).diffHash).toBe(
      first.diffHash,
    );
    // An untracked file's content is part of the hash, an ignored file's is not.
    writeFileSync(join(dir, "out", "ignored.txt"), "y\n");
    expect((await workingTreeState(dir, head(dir))).diffHash).toBe(
      first.diffHash,
    );
    writeFileSync(join(dir, "new.txt"), "newer\n");
    expect((await workingTreeState(dir, head(dir))).diffHash).not.toBe(
      first.diffHash,
    );
  });
});

describe("keepRelease", () => {
  it("copies a checkout for a deployed release, without its .git link; leaves other folders alone", async () => {
    const dir = gitRepo({ "svc/server.mjs": "// app\n" });
    const home = mkdtempSync(join(tmpdir(), "sluice-home-"));
    const source = await openRunSource({
      home,
      projectDir: join(dir, "svc"),
      git: { repository: true, root: dir, commit: head(dir) },
      workingTree: false,
      owner,
      isAlive: () => true,
    });
    const kept = await keepRelease(home, source.workdir, "run_1-deploy");
    expect(kept).toBe(
      join(home, "releases", "run_1-deploy", dir.split("/").at(-1)!, "svc"),
    );
    await source.release();
    expect(readFileSync(join(kept, "server.mjs"), "utf8")).toBe("// app\n");
    expect(existsSync(join(kept, "..", ".git"))).toBe(false);
    expect(await keepRelease(home, dir, "run_2-deploy")).toBe(dir);
    // A folder named like a checkout, but not under this home's checkouts, is not copied.
    const elsewhere = join(dir, "checkouts", "co-1", "x");
    mkdirSync(elsewhere, { recursive: true });
    expect(await keepRelease(home, elsewhere, "run_3")).toBe(elsewhere);
  });
});
