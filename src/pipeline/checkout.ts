import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, join, relative } from "node:path";
import { AppError } from "../kernel/index.js";
import { gitReason, runGit as git } from "./git-command.js";

/** How a run got its files. */
type RunSourceKind =
  /** A clean checkout of the recorded commit (a git worktree under `$SLUICE_HOME/checkouts`). */
  | "checkout"
  /** The user's working tree as it is, uncommitted changes included (`sluice run --working-tree`). */
  | "working-tree"
  /** A folder that is not in a git repository: run as it is, with no commit. */
  | "folder";

/** What a run runs, as recorded with it. */
export interface RunSourceFacts {
  kind: RunSourceKind;
  /** The working tree differed from the commit (only a `working-tree` run can be dirty). */
  dirty: boolean;
  /** `sha256:<hex>` of the uncommitted changes of a dirty run (see `workingTreeState`). */
  diffHash?: string | undefined;
}

/** A run's files, ready to run in; `release()` removes a checkout. */
export interface RunSource extends RunSourceFacts {
  /** The project's folder inside the source: where the jobs run. */
  workdir: string;
  /** Uncommitted changes (porcelain paths) a `checkout` run leaves out. */
  leftOut: string[];
  release(): Promise<void>;
}

export interface OpenSourceOptions {
  /** `$SLUICE_HOME`: checkouts go to `<home>/checkouts` (mode 0700). */
  home: string;
  /** The project's folder (where sluice.yml is) in the user's working tree. */
  projectDir: string;
  /** The repository's top level and HEAD commit, as `readGitFacts` read them. */
  git: { repository: boolean; root?: string | undefined; commit?: string };
  /** Run the working tree (`--working-tree`) instead of a clean checkout. */
  workingTree: boolean;
  /** Who holds the checkout, so a later run can remove it once that process is gone. */
  owner: { pid: number; host: string };
  isAlive(pid: number): boolean;
}

/**
 * Prepares what a run runs. In a repository, by default a clean checkout of the commit (a
 * detached git worktree, so nothing the pipeline writes lands in the user's checkout and nothing
 * uncommitted is run); with `workingTree`, the working tree itself, recorded dirty with the hash
 * of its changes when it has any. Outside a repository, the folder as it is. Checkouts left by a
 * process that died are removed first.
 */
export async function openRunSource(
  options: OpenSourceOptions,
): Promise<RunSource> {
  const { git: facts, projectDir } = options;
  if (!facts.repository || facts.root === undefined) {
    return {
      kind: "folder",
      dirty: false,
      workdir: projectDir,
      leftOut: [],
      release: async () => {},
    };
  }
  const root = facts.root;
  if (options.workingTree) {
    const state = await workingTreeState(root, facts.commit);
    return {
      kind: "working-tree",
      dirty: state.changes.length > 0,
      ...(state.changes.length > 0 ? { diffHash: state.diffHash } : {}),
      workdir: projectDir,
      leftOut: [],
      release: async () => {},
    };
  }
  if (facts.commit === undefined) {
    throw new AppError(
      "INVALID_ARGUMENT",
      "this repository has no commits yet, so there is nothing to check out: commit your files, or run the working tree with `sluice run --working-tree`",
    );
  }
  const checkouts = checkoutsDir(options.home);
  await pruneCheckouts(options.home, options);
  // The same path for every run of a repository (another slot only while one runs), as a CI
  // runner's workspace is: what a step bakes an absolute path into (a Python venv, an editable
  // install) still works when the cache restores it into the next run's checkout.
  const base = `co-${createHash("sha256").update(root).digest("hex").slice(0, 12)}`;
  let id: string | undefined;
  for (let slot = 0; id === undefined; slot++) {
    try {
      // The marker goes first, created exclusively (it claims the slot): a crash at any later
      // point leaves something `pruneCheckouts` finds.
      writeFileSync(
        join(checkouts, `${base}-${slot}.json`),
        JSON.stringify({ ...options.owner, repository: root }),
        { mode: 0o600, flag: "wx" },
      );
      id = `${base}-${slot}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  // The checkout's folder has the repository folder's name, so a tool that names things after
  // its folder (a project name, a Go module cache) sees the same name as in the user's checkout.
  const path = join(checkouts, id, basename(root));
  // The slot is ours: whatever a failed removal left in it goes.
  rmSync(join(checkouts, id), { recursive: true, force: true });
  await git(root, ["worktree", "prune"]).catch(() => undefined);
  try {
    // Hooks off: the user's post-checkout hook is not part of the pipeline.
    await git(root, [
      "-c",
      "core.hooksPath=/dev/null",
      "worktree",
      "add",
      "--detach",
      "--quiet",
      path,
      facts.commit,
    ]);
  } catch (error) {
    await removeCheckout(checkouts, id, root);
    throw new AppError(
      "EXTERNAL",
      `cannot check out commit ${facts.commit.slice(0, 8)}: ${gitReason(error)}`,
      { cause: error },
    );
  }
  const state = await workingTreeState(root, facts.commit, {
    hash: false,
  }).catch(() => ({ changes: [] as string[] }));
  let released = false;
  return {
    kind: "checkout",
    dirty: false,
    // Real paths: git names the top level with symlinks resolved, the user's path may have some.
    workdir: join(path, relative(realpathSync(root), realpathSync(projectDir))),
    leftOut: state.changes,
    async release() {
      if (released) return;
      released = true;
      await removeCheckout(checkouts, id, root);
    },
  };
}

/**
 * A deployed release outlives its run, and a checkout does not: a deploy step that runs in a
 * checkout gets a copy of it, `<home>/releases/<name>/<repository folder>` (its `.git` link
 * dropped), to start and restart the release from. Returns the workdir in the copy, or
 * `workdir` itself when it is not in a checkout (a working-tree run deploys the user's folder).
 */
export async function keepRelease(
  home: string,
  workdir: string,
  name: string,
): Promise<string> {
  const inCheckouts = relative(join(home, "checkouts"), workdir).split("/");
  const [id, folder, ...rest] = inCheckouts;
  if (id === undefined || id === ".." || !id.startsWith("co-") || !folder)
    return workdir;
  const target = join(home, "releases", name);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true, mode: 0o700 });
  await run("cp", ["-a", join(home, "checkouts", id, folder), target]);
  rmSync(join(target, folder, ".git"), { force: true });
  return join(target, folder, ...rest);
}

/**
 * Removes checkouts whose process is gone (a crash or a kill skipped their `release`), with their
 * git worktree records. Checkouts of another host (a shared home) are left alone.
 */
export async function pruneCheckouts(
  home: string,
  options: Pick<OpenSourceOptions, "owner" | "isAlive">,
): Promise<string[]> {
  const checkouts = checkoutsDir(home);
  const removed: string[] = [];
  for (const name of readdirSync(checkouts)) {
    if (!name.endsWith(".json")) continue;
    const id = name.slice(0, -".json".length);
    let owner: { pid?: number; host?: string; repository?: string };
    try {
      owner = JSON.parse(readFileSync(join(checkouts, name), "utf8"));
    } catch {
      // Being written by the run that claimed it (or broken): not ours to judge.
      continue;
    }
    if (owner.host !== options.owner.host) continue;
    if (typeof owner.pid !== "number" || options.isAlive(owner.pid)) continue;
    await removeCheckout(checkouts, id, owner.repository);
    removed.push(id);
  }
  return removed;
}

/** `<home>/checkouts`, created owner-only (checkouts may hold the project's secrets files). */
function checkoutsDir(home: string): string {
  const dir = join(home, "checkouts");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  return dir;
}

async function removeCheckout(
  checkouts: string,
  id: string,
  repository: string | undefined,
): Promise<void> {
  const dir = join(checkouts, id);
  if (repository !== undefined && existsSync(repository)) {
    const [path] = existsSync(dir) ? readdirSync(dir) : [];
    if (path !== undefined) {
      await git(repository, [
        "worktree",
        "remove",
        "--force",
        "--force",
        join(dir, path),
      ]).catch(() => undefined);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  // Drops git's record of a worktree whose folder is gone (a `remove` that did not run).
  if (repository !== undefined && existsSync(repository))
    await git(repository, ["worktree", "prune"]).catch(() => undefined);
  rmSync(join(checkouts, `${id}.json`), { force: true });
}

/**
 * The uncommitted changes of a working tree (porcelain paths, untracked files included, ignored
 * files not) and their hash: sha256 over `git diff --binary HEAD` (every tracked file against the
 * empty tree when there is no commit yet), then each untracked file's path and content.
 */
export async function workingTreeState(
  root: string,
  commit: string | undefined,
  options: { hash?: boolean } = {},
): Promise<{ changes: string[]; diffHash: string }> {
  const status = await git(root, [
    "status",
    "--porcelain=v1",
    "-z",
    "--untracked-files=all",
  ]);
  const changes: string[] = [];
  const entries = status.split("\0").filter(Boolean);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    changes.push(entry.slice(3));
    // A rename or copy is followed by its source path, which is not an entry of its own.
    if (/^[RC]/.test(entry)) i++;
  }
  const hash = createHash("sha256");
  if (options.hash !== false && changes.length > 0) {
    const emptyTree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
    hash.update(
      await git(
        root,
        [
          "diff",
          "--binary",
          "--no-ext-diff",
          "--no-textconv",
          commit ?? emptyTree,
        ],
        { encoding: "buffer" },
      ),
    );
    const untracked = (
      await git(root, ["ls-files", "-z", "--others", "--exclude-standard"])
    )
      .split("\0")
      .filter(Boolean)
      .sort();
    for (const path of untracked) {
      hash.update(`\0${path}\0`);
      hash.update(contentOf(join(root, path)));
    }
  }
  return { changes, diffHash: `sha256:${hash.digest("hex")}` };
}

function contentOf(path: string): Buffer | string {
  try {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return `symlink:${readlinkSync(path)}`;
    return readFileSync(path);
  } catch {
    return "";
  }
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, (error, _stdout, stderr) => {
      if (error) reject(Object.assign(error, { stderr: String(stderr) }));
      else resolve();
    });
  });
}
