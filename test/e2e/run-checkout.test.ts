import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertBuilt,
  exited,
  gitRepo,
  markedSleep,
  processesMatching,
  sluice,
  startSluice,
  until,
} from "./cli.js";
import { stopLocalServer } from "../support/local-server.js";

// Each step fails unless it sees what the test expects, so a pass shows what the run ran.
const config = `name: checkout-e2e
jobs:
  build:
    env:
      LOCK_HASH: \${{ hashFiles('deps.lock') }}
    steps:
      - name: see
        run: |
          echo "file=$(cat file.txt) lock=$LOCK_HASH dir=$(basename "$PWD")"
          test "$(cat file.txt)" = "$EXPECT"
      - name: install
        run: mkdir -p node_modules && echo x > node_modules/installed && echo out > build.out
`;

const git = (dir: string, ...args: string[]) =>
  execFileSync("git", args, { cwd: dir, encoding: "utf8", stdio: "pipe" });

/** Every path under dir except .git, so a test can show a run created nothing in it. */
function listing(dir: string, rel = ""): string[] {
  return readdirSync(join(dir, rel)).flatMap((name) => {
    if (name === ".git") return [];
    const path = rel ? `${rel}/${name}` : name;
    return statSync(join(dir, path)).isDirectory()
      ? [path, ...listing(dir, path)]
      : [path];
  });
}

function hashFilesOf(name: string, content: string): string {
  return createHash("sha256").update(`${name}\0${content}\0`).digest("hex");
}

describe("a run runs a clean checkout of its commit; --working-tree runs the working tree, recorded dirty (built CLI)", () => {
  let repo: string;
  let home: string;
  beforeAll(() => {
    assertBuilt();
    repo = gitRepo({
      "sluice.yml": config,
      "file.txt": "committed\n",
      "deps.lock": "v1\n",
      // What the pipeline makes is ignored, as in a real project: not an uncommitted change.
      ".gitignore": "node_modules/\nbuild.out\n",
    });
    home = mkdtempSync(join(tmpdir(), "sluice-e2e-checkout-"));
  });

  afterAll(() => stopLocalServer(home));

  it("by default: nothing lands in the user's checkout, and an uncommitted edit is not seen", () => {
    writeFileSync(join(repo, "file.txt"), "edited\n");
    writeFileSync(join(repo, "deps.lock"), "v2\n");
    const before = listing(repo);
    const run = sluice(repo, { SLUICE_HOME: home, EXPECT: "committed" }, [
      "run",
      "--json",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      "sluice: 2 uncommitted changes are not in this run, which runs a clean checkout of main@",
    );
    // No node_modules, no build output, nothing else: the user's folder is as it was.
    expect(listing(repo)).toEqual(before);
    expect(git(repo, "status", "--porcelain")).toBe(
      " M deps.lock\n M file.txt\n",
    );
    const detail = JSON.parse(run.stdout);
    expect(detail).toMatchObject({
      status: "success",
      source: "checkout",
      dirty: false,
      diffHash: null,
      workdir: repo,
    });
    expect(detail.commit).toBe(git(repo, "rev-parse", "HEAD").trim());
    // hashFiles() read the committed lockfile, in a folder named as the user's.
    const log = sluice(repo, { SLUICE_HOME: home }, ["logs", detail.id]);
    expect(log.stdout).toContain(
      `file=committed lock=${hashFilesOf("deps.lock", "v1\n")} dir=${repo.split("/").at(-1)}`,
    );
    // The checkout is gone, from the disk and from git's worktree list.
    expect(readdirSync(join(home, "checkouts"))).toEqual([]);
    expect(statSync(join(home, "checkouts")).mode & 0o777).toBe(0o700);
    expect(git(repo, "worktree", "list").trim().split("\n")).toHaveLength(1);
  });

  it("with --working-tree: the edit is seen, and the run is recorded dirty with the diff's hash", () => {
    writeFileSync(join(repo, "file.txt"), "edited\n");
    writeFileSync(join(repo, "deps.lock"), "v2\n");
    const run = sluice(repo, { SLUICE_HOME: home, EXPECT: "edited" }, [
      "run",
      "--working-tree",
      "--json",
    ]);
    expect(run.code, run.stderr).toBe(0);
    const detail = JSON.parse(run.stdout);
    expect(detail).toMatchObject({ source: "working-tree", dirty: true });
    expect(detail.diffHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(run.stderr).toMatch(/at main@[0-9a-f]{8}-dirty \(uncommitted/);
    const log = sluice(repo, { SLUICE_HOME: home }, ["logs", detail.id]);
    expect(log.stdout).toContain(
      `file=edited lock=${hashFilesOf("deps.lock", "v2\n")}`,
    );
    // It ran in the user's folder, as asked.
    expect(existsSync(join(repo, "node_modules", "installed"))).toBe(true);

    const show = sluice(repo, { SLUICE_HOME: home }, [
      "run",
      "show",
      detail.id,
    ]);
    expect(show.stdout).toContain(
      `ran the working tree, dirty: uncommitted changes ${detail.diffHash}`,
    );
    const runs = sluice(repo, { SLUICE_HOME: home }, ["runs"]);
    expect(runs.stdout).toContain(`${detail.commit.slice(0, 8)}-dirty`);

    // The same changes give the same hash; another edit another.
    const again = sluice(repo, { SLUICE_HOME: home, EXPECT: "edited" }, [
      "run",
      "--working-tree",
      "--json",
    ]);
    expect(JSON.parse(again.stdout).diffHash).toBe(detail.diffHash);
    writeFileSync(join(repo, "file.txt"), "edited again\n");
    const other = sluice(repo, { SLUICE_HOME: home, EXPECT: "edited again" }, [
      "run",
      "--working-tree",
      "--json",
    ]);
    expect(other.code, other.stderr).toBe(0);
    expect(JSON.parse(other.stdout).diffHash).not.toBe(detail.diffHash);
  });

  it("a checkout left by a killed sluice is removed by the next run", async () => {
    // Marked with this process's id: another suite on the machine runs the same test.
    const marker = markedSleep(876);
    const killed = gitRepo({
      "sluice.yml": `name: killed\njobs:\n  a:\n    steps:\n      - run: ${marker}\n`,
    });
    const run = startSluice(killed, { SLUICE_HOME: home }, ["run"]);
    await until(
      () => processesMatching(marker).length > 0,
      "the step to start",
    );
    run.kill("SIGKILL");
    await exited(run);
    // The spawner helper stops the step itself once its channel closes; it may be gone already.
    for (const line of processesMatching(marker)) {
      try {
        process.kill(Number(line.split(" ")[0]), "SIGKILL");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
      }
    }
    expect(readdirSync(join(home, "checkouts")).length).toBeGreaterThan(0);
    expect(git(killed, "worktree", "list").trim().split("\n")).toHaveLength(2);

    const next = sluice(repo, { SLUICE_HOME: home, EXPECT: "committed" }, [
      "run",
    ]);
    expect(next.code, next.stderr).toBe(0);
    expect(readdirSync(join(home, "checkouts"))).toEqual([]);
    expect(git(killed, "worktree", "list").trim().split("\n")).toHaveLength(1);
  });
});

describe("sluice run on unusual repositories (built CLI)", () => {
  const home = mkdtempSync(join(tmpdir(), "sluice-e2e-odd-"));
  const env = { SLUICE_HOME: home };
  const simple = "jobs:\n  a:\n    steps:\n      - run: echo ran\n";
  beforeAll(() => assertBuilt());

  it("a repository with no commits: says why in one line and exits 2; --working-tree runs it, dirty", () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-e2e-empty-"));
    git(dir, "init", "-q", "-b", "main");
    writeFileSync(join(dir, "sluice.yml"), `name: empty\n${simple}`);
    const run = sluice(dir, env, ["run"]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split("\n")).toEqual([
      "sluice: this repository has no commits yet, so there is nothing to check out: commit your files, or run the working tree with `sluice run --working-tree`",
    ]);
    const tree = sluice(dir, env, ["run", "--working-tree", "--json"]);
    expect(tree.code, tree.stderr).toBe(0);
    expect(JSON.parse(tree.stdout)).toMatchObject({
      status: "success",
      commit: null,
      source: "working-tree",
      dirty: true,
    });
  });

  it("a detached HEAD runs its commit, recorded with no branch", () => {
    const dir = gitRepo({ "sluice.yml": `name: detached\n${simple}` });
    git(dir, "commit", "-q", "--allow-empty", "-m", "second");
    git(dir, "checkout", "-q", "--detach", "HEAD~1");
    const run = sluice(dir, env, ["run", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: "success",
      branch: null,
      commit: git(dir, "rev-parse", "HEAD").trim(),
      source: "checkout",
    });
    expect(run.stderr).toMatch(/at HEAD@[0-9a-f]{8}/);
  });

  it("a shallow clone runs", () => {
    const origin = gitRepo({ "sluice.yml": `name: shallow\n${simple}` });
    git(origin, "commit", "-q", "--allow-empty", "-m", "second");
    const dir = join(mkdtempSync(join(tmpdir(), "sluice-e2e-shallow-")), "s");
    execFileSync("git", [
      "clone",
      "-q",
      "--depth",
      "1",
      `file://${origin}`,
      dir,
    ]);
    expect(git(dir, "rev-parse", "--is-shallow-repository").trim()).toBe(
      "true",
    );
    const run = sluice(dir, env, ["run", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      status: "success",
      branch: "main",
      source: "checkout",
    });
  });

  it("a folder whose name differs from sluice.yml's name: the run, its steps and the checkout agree", () => {
    const made = gitRepo({
      "sluice.yml":
        'name: billing-api\njobs:\n  a:\n    steps:\n      - run: echo "project=$SLUICE_PROJECT dir=$(basename "$PWD")"\n',
    });
    const dir = join(made, "..", `not-billing-${Date.now()}`);
    renameSync(made, dir);
    const run = sluice(dir, env, ["run", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const detail = JSON.parse(run.stdout);
    expect(detail).toMatchObject({ status: "success", project: "billing-api" });
    const log = sluice(dir, env, ["logs", detail.id]);
    expect(log.stdout).toContain(
      `project=billing-api dir=${dir.split("/").at(-1)}`,
    );
    const runs = sluice(dir, env, ["runs", "--project", "billing-api"]);
    expect(runs.stdout).toContain(detail.id);
  });
});

describe("sluice run whose output reader goes away (built CLI)", () => {
  it("`sluice run | head -1`: the run is cancelled and recorded so, with no stack trace and no checkout left", async () => {
    assertBuilt();
    const home = mkdtempSync(join(tmpdir(), "sluice-e2e-pipe-"));
    const dir = gitRepo({
      "sluice.yml":
        "name: piped\njobs:\n  a:\n    steps:\n      - run: echo one\n      - run: sleep 1; echo two\n      - run: sleep 1; echo three\n",
    });
    const run = startSluice(dir, { SLUICE_HOME: home }, ["run"]);
    await until(() => run.output.stdout.length > 0, "the first output");
    run.stdout!.destroy();
    const code = await exited(run);
    expect(run.output.stderr).not.toMatch(/\n\s+at /);
    expect(code).toBe(130);
    const runs = sluice(dir, { SLUICE_HOME: home }, ["runs", "--json"]);
    expect(JSON.parse(runs.stdout)[0]).toMatchObject({
      project: "piped",
      status: "cancelled",
    });
    expect(readdirSync(join(home, "checkouts"))).toEqual([]);
  });
});
