import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, isAbsolute, join, relative, resolve, sep } from "node:path";
import { configFileName } from "../config/index.js";
import { AppError, isAppError } from "../kernel/index.js";
import { gitReason, runGit } from "./git-command.js";
import type { KeptRepositories, SentCommits } from "./kept-repositories.js";
import { readGitFacts } from "./git-facts.js";

/**
 * What a remote `sluice run` sends of the repository it runs (ADR 099): the commit as a git
 * bundle, and the uncommitted changes as a binary diff against it when the run is of the
 * working tree.
 */
export interface SentTree extends SentCommits {
  /** The client's branch, checked out under the same name (git facts, policies). */
  branch?: string | undefined;
  /** The client's default branch (`origin/HEAD`, else `init.defaultBranch`). */
  defaultBranch?: string | undefined;
  /** `git diff --binary HEAD` of the working tree, untracked files included. */
  diff?: Uint8Array | undefined;
  /** The repository folder's name: the tree is received under it, as a checkout is. */
  folder: string;
}

/** How many of HEAD's newest commits a client offers the server, before it skips (ADR 107). */
const offeredInARow = 16;

/**
 * The commits of `dir`'s HEAD a client offers the server, to learn which it has (ADR 107):
 * HEAD and its first-parent ancestors, the newest 16 and then every 2^n-th (32, 64, ...), as
 * git's negotiation skips further back. Empty outside a repository or without commits.
 */
export async function commitsToOffer(dir: string): Promise<string[]> {
  const history = await runGit(dir, [
    "rev-list",
    "--first-parent",
    "--max-count=65536",
    "HEAD",
  ]).catch(() => "");
  const commits = history.split("\n").filter(Boolean);
  return commits.filter(
    (_, i) =>
      i < offeredInARow || (i & (i - 1)) === 0 || i === commits.length - 1,
  );
}

/**
 * Packs what a remote run of `dir` sends (the client's side of `receiveTree`): its repository's
 * HEAD as a bundle, with its branch and default branch; with `workingTree`, the uncommitted
 * changes too (untracked files that git does not ignore included, through a scratch index so the
 * user's staging is untouched). `path` is `dir` within the repository. With `known`, the
 * bundle is thin: only the commits the server lacks (`newCommits` of them), and none when it
 * has HEAD.
 */
export async function packTree(
  dir: string,
  options: {
    workingTree: boolean;
    /** The environment git runs in (the client's). */
    env: NodeJS.ProcessEnv;
    /** Commits the server has (`commitsToOffer`, answered): the bundle leaves them out. */
    known?: string[] | undefined;
  },
): Promise<SentTree & { path: string; newCommits: number }> {
  const facts = await readGitFacts(dir);
  if (!facts.repository || facts.root === undefined)
    throw new AppError(
      "INVALID_ARGUMENT",
      "a run on a server sends a commit, and this folder is not in a git repository",
    );
  if (facts.commit === undefined)
    throw new AppError(
      "INVALID_ARGUMENT",
      "this repository has no commits yet: commit your files to run them on a server",
    );
  const root = facts.root;
  const scratch = mkdtempSync(join(tmpdir(), "sluice-pack-"));
  try {
    const bundleFile = join(scratch, "head.bundle");
    const known = options.known ?? [];
    const not = known.length > 0 ? ["--not", ...known] : [];
    const newCommits = Number(
      (await git(root, ["rev-list", "--count", "HEAD", ...not])).trim(),
    );
    // A server with HEAD itself gets no bundle (git refuses an empty one).
    if (newCommits > 0)
      await git(
        root,
        ["bundle", "create", "--quiet", bundleFile, "HEAD", ...not],
        "cannot pack the commit",
      );
    let diff: Buffer | undefined;
    if (options.workingTree) {
      const env = { ...options.env, GIT_INDEX_FILE: join(scratch, "index") };
      const diffFile = join(scratch, "changes.diff");
      await git(root, ["read-tree", "HEAD"], undefined, env);
      await git(root, ["add", "--all"], "cannot read the working tree", env);
      await git(
        root,
        ["diff", "--cached", "--binary", `--output=${diffFile}`, "HEAD"],
        "cannot diff the working tree",
        env,
      );
      diff = readFileSync(diffFile);
    }
    return {
      ...(newCommits > 0 ? { bundle: readFileSync(bundleFile) } : {}),
      newCommits,
      commit: facts.commit,
      branch: facts.branch,
      defaultBranch: facts.defaultBranch,
      ...(diff !== undefined ? { diff } : {}),
      folder: basename(root),
      path: relative(realpathSync(root), realpathSync(dir)) || ".",
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** A sent tree, unpacked: its top level, and `release()` to remove it. */
interface ReceivedTree {
  root: string;
  release(): Promise<void>;
}

/**
 * Unpacks a sent tree into a new repository under `<home>/received` (mode 0700): its commits go
 * into the project's kept repository (`KeptRepositories.hold`: the bundle's HEAD must be the
 * commit the client named, and what a thin bundle builds on must be there), which the new
 * repository borrows its objects from (git alternates); the commit is checked out on the
 * client's branch and the diff applied. Any failure is one line and leaves nothing.
 */
async function receiveTree(
  home: string,
  kept: KeptRepositories,
  project: string,
  sent: SentTree,
): Promise<ReceivedTree> {
  const base = join(home, "received");
  mkdirSync(base, { recursive: true, mode: 0o700 });
  const dir = mkdtempSync(join(base, "tree-"));
  const root = join(dir, sent.folder);
  let held: { release(): Promise<void> } | undefined;
  const release = async () => {
    rmSync(dir, { recursive: true, force: true });
    await held?.release();
  };
  try {
    const commits = await kept.hold(project, sent, dir, basename(dir));
    held = commits;
    mkdirSync(root, { mode: 0o700 });
    await git(root, ["init", "--quiet"], "cannot create a repository");
    writeFileSync(
      join(root, ".git", "objects", "info", "alternates"),
      `${commits.objects}\n`,
    );
    if (sent.defaultBranch)
      await git(root, ["config", "init.defaultBranch", sent.defaultBranch]);
    await git(
      root,
      [
        "-c",
        "core.hooksPath=/dev/null",
        "checkout",
        "--quiet",
        ...(sent.branch ? ["-B", sent.branch] : ["--detach"]),
        sent.commit,
      ],
      "cannot check out the commit",
    );
    if (sent.diff !== undefined && sent.diff.length > 0) {
      const diff = join(dir, "sent.diff");
      writeFileSync(diff, sent.diff, { mode: 0o600 });
      await git(
        root,
        ["apply", "--binary", "--whitespace=nowarn", diff],
        "the uncommitted changes do not apply to the commit",
      );
    }
    return { root, release };
  } catch (error) {
    await release();
    // git names the files it could not read: this server's paths are not the client's business.
    if (error instanceof AppError)
      throw new AppError(error.code, error.message.replaceAll(dir, "<tree>"));
    throw error;
  }
}

/**
 * A remote run's tree, received (`receiveTree`), and the folder it starts from: that folder
 * and its config must be inside the tree, symlinks followed, so nothing of the server's is run
 * or read (a config's error would show its lines). A refusal removes the tree.
 */
export async function receiveRunTree(
  home: string,
  kept: KeptRepositories,
  request: { project: string; tree: SentTree; path: string; config: string },
): Promise<{ cwd: string; release(): Promise<void> }> {
  const tree = await receiveTree(home, kept, request.project, request.tree);
  const cwd = resolve(tree.root, request.path);
  const outside = (path: string, what: string) =>
    isOutside(tree.root, path)
      ? new AppError(
          "INVALID_ARGUMENT",
          `${what} must be inside the repository`,
        )
      : undefined;
  const config = resolve(cwd, request.config);
  const refused =
    outside(cwd, "path") ??
    outside(config, "the config") ??
    outside(join(config, configFileName), "the config");
  if (refused) {
    await tree.release();
    throw refused;
  }
  return { cwd, release: tree.release };
}

/**
 * How to remove the received tree a run's `workdir` lies in (a remote run handed back by a
 * stopping server, continued by the next one); undefined for a folder of this machine.
 */
export function receivedTreeOf(
  home: string,
  workdir: string,
): (() => Promise<void>) | undefined {
  const base = join(home, "received");
  if (isOutside(base, workdir)) return undefined;
  const real = (p: string) => (existsSync(p) ? realpathSync(p) : p);
  const [tree] = relative(real(base), real(workdir)).split(sep);
  if (!tree?.startsWith("tree-")) return undefined;
  return async () => rmSync(join(base, tree), { recursive: true, force: true });
}

/** Whether `path` (symlinks followed, where it exists) leaves the folder `root`. */
function isOutside(root: string, path: string): boolean {
  const real = (p: string) => (existsSync(p) ? realpathSync(p) : p);
  const rel = relative(real(root), real(path));
  return rel.startsWith("..") || isAbsolute(rel);
}

/**
 * git for a sent tree: a failure is the client's (a bundle that does not unpack, a diff that
 * does not apply), one INVALID_ARGUMENT line saying `what` failed and git's reason.
 */
function git(
  cwd: string,
  args: string[],
  what?: string,
  env?: NodeJS.ProcessEnv,
): Promise<string> {
  return runGit(cwd, args, { env }).catch((error: unknown) => {
    if (isAppError(error)) throw error;
    throw new AppError(
      "INVALID_ARGUMENT",
      `${what ?? `git ${args[0]} failed`}: ${gitReason(error)}`,
    );
  });
}
