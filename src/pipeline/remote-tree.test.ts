import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { gitRepo } from "../../test/e2e/cli.js";
import { createKeptRepositories } from "./kept-repositories.js";
import type { KeptRepositories } from "./kept-repositories.js";
import { commitsToOffer, packTree, receiveRunTree } from "./remote-tree.js";

/**
 * ADR 107: a server keeps what remote clients sent, one repository per project, and a client
 * sends only the commits the server lacks. Real git on both sides, no database: the served run
 * around it is in served-runs.test.ts and test/e2e/remote-run.test.ts.
 */
describe("thin bundles: the server keeps each project's commits", () => {
  let home: string;
  let kept: KeptRepositories;
  const repos: string[] = [];
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "sluice-kept-"));
    kept = createKeptRepositories(home);
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
    for (const repo of repos.splice(0))
      rmSync(repo, { recursive: true, force: true });
  });

  const repo = (files: Record<string, string>) => {
    const dir = gitRepo(files);
    repos.push(dir);
    return dir;
  };
  const commit = (dir: string, file: string, text: string) => {
    writeFileSync(join(dir, file), text);
    execFileSync("git", ["add", "."], { cwd: dir });
    execFileSync("git", ["commit", "-qm", `change ${file}`], { cwd: dir });
  };
  /** What the client does: offer, learn, pack. */
  const send = async (dir: string, project: string, workingTree = false) => {
    const known = await kept.known(project, await commitsToOffer(dir));
    const { path, ...tree } = await packTree(dir, {
      workingTree,
      env: process.env,
      known,
    });
    return { known, path, tree };
  };
  const receive = async (
    project: string,
    sent: Awaited<ReturnType<typeof send>>,
  ) =>
    receiveRunTree(home, kept, {
      project,
      tree: sent.tree,
      path: sent.path,
      config: ".",
    });
  /** The `-<commit>` lines of a bundle's header: the commits it builds on. */
  const prerequisites = (bundle: Uint8Array | undefined) =>
    Buffer.from(bundle ?? [])
      .toString("latin1")
      .split("\n\n")[0]!
      .split("\n")
      .filter((line) => line.startsWith("-"))
      .map((line) => line.slice(1, 41));

  it("the second run of a project sends only the new commit, on top of the one the server kept", async () => {
    // History that does not compress away: six commits of 60 KiB of random text each.
    const noise = () => randomBytes(30_000).toString("hex");
    const dir = repo({ "note.txt": "one\n", "big.txt": noise() });
    for (let i = 0; i < 5; i++) commit(dir, `f${i}.txt`, noise());
    const first = await send(dir, "svc");
    expect(first.known).toEqual([]);
    expect(prerequisites(first.tree.bundle)).toEqual([]);
    expect(first.tree.newCommits).toBe(6);
    const one = await receive("svc", first);
    expect(readFileSync(join(one.cwd, "note.txt"), "utf8")).toBe("one\n");
    await one.release();

    const before = first.tree.commit;
    commit(dir, "note.txt", "two\n");
    const second = await send(dir, "svc");
    expect(second.known[0]).toBe(before);
    expect(second.tree.newCommits).toBe(1);
    expect(prerequisites(second.tree.bundle)).toEqual([before]);
    expect(second.tree.bundle!.length).toBeLessThan(
      first.tree.bundle!.length / 10,
    );
    const two = await receive("svc", second);
    expect(readFileSync(join(two.cwd, "note.txt"), "utf8")).toBe("two\n");
    // The whole history is there for git facts and diffs.
    expect(
      execFileSync("git", ["rev-list", "--count", "HEAD"], {
        cwd: two.cwd,
        encoding: "utf8",
      }).trim(),
    ).toBe("7");
    await two.release();
    expect(readdirSync(join(home, "received"))).toEqual([]);

    // HEAD itself is known: nothing but the uncommitted changes travels.
    writeFileSync(join(dir, "note.txt"), "three\n");
    const third = await send(dir, "svc", true);
    expect(third.tree.bundle).toBeUndefined();
    expect(third.tree.newCommits).toBe(0);
    const three = await receive("svc", third);
    expect(readFileSync(join(three.cwd, "note.txt"), "utf8")).toBe("three\n");
    await three.release();
  });

  it("another project's repository is not used: a bundle thin for one project is refused for another", async () => {
    const dir = repo({ "note.txt": "one\n" });
    await (await receive("svc", await send(dir, "svc"))).release();
    commit(dir, "note.txt", "two\n");
    const thin = await send(dir, "svc");
    expect(thin.known).not.toEqual([]);
    expect(await kept.known("other", thin.known)).toEqual([]);
    await expect(receive("other", thin)).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringMatching(
        /^this server does not have the commit [0-9a-f]{8} the bundle builds on: send the whole history$/,
      ),
    });
    expect(readdirSync(join(home, "received"))).toEqual([]);
  });

  it("a lost repository knows nothing: a thin bundle is refused (CONFLICT), the whole history is taken", async () => {
    const dir = repo({ "note.txt": "one\n" });
    await (await receive("svc", await send(dir, "svc"))).release();
    commit(dir, "note.txt", "two\n");
    const thin = await send(dir, "svc");
    rmSync(join(home, "repositories"), { recursive: true, force: true });
    expect(await kept.known("svc", await commitsToOffer(dir))).toEqual([]);
    await expect(receive("svc", thin)).rejects.toMatchObject({
      code: "CONFLICT",
    });
    const { tree: noBundle } = thin;
    await expect(
      receive("svc", {
        ...thin,
        tree: { ...noBundle, bundle: undefined },
      }),
    ).rejects.toThrow(/this server does not have the commit [0-9a-f]{8}:/);
    const full = await send(dir, "svc");
    expect(full.known).toEqual([]);
    const tree = await receive("svc", full);
    expect(readFileSync(join(tree.cwd, "note.txt"), "utf8")).toBe("two\n");
    // Removed again while the run goes: its end still lets go of its tree.
    rmSync(join(home, "repositories"), { recursive: true, force: true });
    await tree.release();
    expect(readdirSync(join(home, "received"))).toEqual([]);
  });

  it("two runs of one project arriving at once are both received, into one repository", async () => {
    const a = repo({ "note.txt": "base\n" });
    await (await receive("svc", await send(a, "svc"))).release();
    const b = mkdtempSync(join(tmpdir(), "sluice-kept-clone-"));
    repos.push(b);
    execFileSync("git", ["clone", "-q", a, b]);
    execFileSync("git", ["config", "user.email", "b@example.com"], { cwd: b });
    execFileSync("git", ["config", "user.name", "B"], { cwd: b });
    commit(a, "note.txt", "a\n");
    commit(b, "note.txt", "b\n");
    const [sa, sb] = await Promise.all([send(a, "svc"), send(b, "svc")]);
    expect(sa.tree.newCommits).toBe(1);
    expect(sb.tree.newCommits).toBe(1);
    const [ta, tb] = await Promise.all([
      receive("svc", sa),
      receive("svc", sb),
    ]);
    expect(readFileSync(join(ta.cwd, "note.txt"), "utf8")).toBe("a\n");
    expect(readFileSync(join(tb.cwd, "note.txt"), "utf8")).toBe("b\n");
    await Promise.all([ta.release(), tb.release()]);
    expect(readdirSync(join(home, "repositories"))).toHaveLength(1);
    // Both are kept: either clone's next run builds on its own.
    expect(await kept.known("svc", [sa.tree.commit, sb.tree.commit])).toEqual([
      sa.tree.commit,
      sb.tree.commit,
    ]);
  });

  it("a detached HEAD (a CI checkout) is kept too: its next run is thin", async () => {
    const dir = repo({ "note.txt": "one\n" });
    execFileSync("git", ["checkout", "-q", "--detach"], { cwd: dir });
    const first = await send(dir, "svc");
    expect(first.tree.branch).toBeUndefined();
    await (await receive("svc", first)).release();
    commit(dir, "note.txt", "two\n");
    const second = await send(dir, "svc");
    expect(prerequisites(second.tree.bundle)).toEqual([first.tree.commit]);
    const tree = await receive("svc", second);
    expect(readFileSync(join(tree.cwd, "note.txt"), "utf8")).toBe("two\n");
    await tree.release();
  });

  it("a bundle whose HEAD is not the commit named is refused, and its ref is not kept", async () => {
    const dir = repo({ "note.txt": "one\n" });
    const sent = await send(dir, "svc");
    await expect(
      receive("svc", {
        ...sent,
        tree: { ...sent.tree, commit: "0".repeat(40) },
      }),
    ).rejects.toThrow(
      /the bundle's HEAD is [0-9a-f]{8}, not the commit 00000000/,
    );
    expect(await kept.known("svc", [sent.tree.commit])).toEqual([]);
  });
});
