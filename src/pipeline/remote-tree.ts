import { execFile } from "node:child_process";
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
import { AppError } from "../kernel/index.js";
import { readGitFacts } from "./git-facts.js";

/**
 * What a remote `sluice run` sends of the repository it runs (ADR 099): the commit as a git
 * bundle, and the uncommitted changes as a binary diff against it when the run is of the
 * working tree.
 */
export interface SentTree {
  /** `git bundle create - HEAD` of the client's repository. */
  bundle: Uint8Array;
  /** The commit the bundle's HEAD must be (40 or 64 hex digits). */
  commit: string;
  /** The client's branch, checked out under the same name (git facts, policies). */
  branch?: string | undefined;
  /** The client's default branch (`origin/HEAD`, else `init.defaultBranch`). */
  defaultBranch?: string | undefined;
  /** `git diff --binary HEAD` of the working tree, untracked files included. */
  diff?: Uint8Array | undefined;
  /** The repository folder's name: the tree is received under it, as a checkout is. */
  folder: string;
}

/**
 * Packs what a remote run of `dir` sends (the client's side of `receiveTree`): its repository's
 * HEAD as a bundle, with its branch and default branch; with `workingTree`, the uncommitted
 * changes too (untracked files that git does not ignore included, through a scratch index so the
 * user's staging is untouched). `path` is `dir` within the repository.
 */
export async function packTree(
  dir: string,
  options: {
    workingTree: boolean;
    /** The environment git runs in (the client's). */
    env: NodeJS.ProcessEnv;
  },
): Promise<SentTree & { path: string }> {
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
    await git(
      root,
      ["bundle", "create", "--quiet", bundleFile, "HEAD"],
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
      bundle: readFileSync(bundleFile),
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
 * Unpacks a sent tree into a new repository under `<home>/received` (mode 0700): fetches the
 * bundle's HEAD, checks that it is the commit the client named, checks it out on the client's
 * branch, and applies the diff. Any failure is a one-line INVALID_ARGUMENT and leaves nothing.
 */
async function receiveTree(
  home: string,
  sent: SentTree,
): Promise<ReceivedTree> {
  const base = join(home, "received");
  mkdirSync(base, { recursive: true, mode: 0o700 });
  const dir = mkdtempSync(join(base, "tree-"));
  const root = join(dir, sent.folder);
  const release = async () => rmSync(dir, { recursive: true, force: true });
  try {
    mkdirSync(root, { mode: 0o700 });
    await git(root, ["init", "--quiet"], "cannot create a repository");
    if (sent.defaultBranch)
      await git(root, ["config", "init.defaultBranch", sent.defaultBranch]);
    const bundle = join(dir, "sent.bundle");
    writeFileSync(bundle, sent.bundle, { mode: 0o600 });
    await git(
      root,
      ["fetch", "--quiet", "--no-tags", bundle, "HEAD"],
      "the bundle cannot be read",
    );
    const head = (await git(root, ["rev-parse", "FETCH_HEAD"])).trim();
    if (head !== sent.commit)
      throw new AppError(
        "INVALID_ARGUMENT",
        `the bundle's HEAD is ${head.slice(0, 8)}, not the commit ${sent.commit.slice(0, 8)} the run names`,
      );
    await git(
      root,
      [
        "-c",
        "core.hooksPath=/dev/null",
        "checkout",
        "--quiet",
        ...(sent.branch ? ["-B", sent.branch] : ["--detach"]),
        "FETCH_HEAD",
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
    rmSync(bundle, { force: true });
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
  request: { tree: SentTree; path: string; config: string },
): Promise<{ cwd: string; release(): Promise<void> }> {
  const tree = await receiveTree(home, request.tree);
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

function git(
  cwd: string,
  args: string[],
  what?: string,
  env?: NodeJS.ProcessEnv,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      args,
      {
        cwd,
        maxBuffer: 16 * 1024 * 1024,
        encoding: "utf8",
        ...(env ? { env } : {}),
      },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const reason =
          stderr
            .split("\n")
            .map((line) => line.trim())
            .find((line) => line !== "") ?? error.message;
        reject(
          new AppError(
            "INVALID_ARGUMENT",
            `${what ?? `git ${args[0]} failed`}: ${reason.replace(/^(fatal|error): /, "")}`,
          ),
        );
      },
    );
  });
}
