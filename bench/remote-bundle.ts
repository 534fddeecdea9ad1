// Bytes a remote `sluice run` sends (ADR 107) on a real repository (../shared/realworld/express,
// cloned from its bundle): the first run of a project (the whole history) and the next one after
// one new commit (a thin bundle: only what the server lacks), beside session 7's full bundle on
// every run and `git push`'s thin pack of the same commit. Client and server sides are pipeline's
// own (packTree, KeptRepositories); no database, no network.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  commitsToOffer,
  createKeptRepositories,
  packTree,
  receiveRunTree,
} from "../src/pipeline/index.js";

const source = fileURLToPath(
  new URL("../../shared/realworld/express.bundle", import.meta.url),
);
if (!existsSync(source)) {
  console.log(`remote-bundle: skipped, ${source} is absent`);
  process.exit(0);
}
const scratch = mkdtempSync(join(tmpdir(), "sluice-bench-bundle-"));
const repo = join(scratch, "express");
const home = join(scratch, "home");
/** git in the clone, as its author (set once, below). */
const git = (...args: string[]) =>
  execFileSync("git", args, { cwd: repo, stdio: "pipe", maxBuffer: 1 << 30 });
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

try {
  execFileSync("git", ["clone", "-q", source, repo], { stdio: "pipe" });
  git("config", "user.name", "Bench");
  git("config", "user.email", "bench@example.com");
  const kept = createKeptRepositories(home);
  /** One remote run's send: offer, learn, pack, and the server's receipt. */
  const send = async () => {
    const started = performance.now();
    const known = await kept.known("express", await commitsToOffer(repo));
    const { path, ...tree } = await packTree(repo, {
      workingTree: false,
      env: process.env,
      known,
    });
    const packed = performance.now() - started;
    const received = await receiveRunTree(home, kept, {
      project: "express",
      tree,
      path,
      config: ".",
    });
    await received.release();
    return { bytes: tree.bundle?.length ?? 0, packedMs: packed };
  };
  const first = await send();
  const before = git("rev-parse", "HEAD").toString().trim();
  writeFileSync(join(repo, "CHANGELOG.sluice.md"), "one more commit\n");
  git("add", ".");
  git("commit", "-q", "-m", "one more commit");
  const second = await send();
  const full = git("bundle", "create", "-", "HEAD").length;
  const push = execFileSync(
    "git",
    ["pack-objects", "--thin", "--stdout", "--revs", "--quiet"],
    { cwd: repo, input: `HEAD\n^${before}\n` },
  ).length;
  console.log(
    `first run (whole history): ${kib(first.bytes)}, packed in ${first.packedMs.toFixed(0)} ms`,
  );
  console.log(
    `second run (1 new commit):  ${kib(second.bytes)}, packed in ${second.packedMs.toFixed(0)} ms`,
  );
  console.log(`peer: every run before ADR 107 (full bundle): ${kib(full)}`);
  console.log(`peer: git push of the commit (thin pack): ${kib(push)}`);
  console.log(
    JSON.stringify({
      bench: "remote-bundle",
      firstBytes: first.bytes,
      secondBytes: second.bytes,
      fullBundleBytes: full,
      gitPushThinPackBytes: push,
    }),
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
