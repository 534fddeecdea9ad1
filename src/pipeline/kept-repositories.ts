import { createHash, randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { AppError, isAppError } from "../kernel/index.js";
import { gitReason, runGit } from "./git-command.js";

/** The commits of a sent tree a kept repository takes in (ADR 107). */
export interface SentCommits {
  /**
   * `git bundle create - HEAD [--not <commits the server has>]`; absent or empty: the server
   * has the commit already (it said so).
   */
  bundle?: Uint8Array | undefined;
  /** The commit the bundle's HEAD must be. */
  commit: string;
}

/** Received commits a project's repository keeps a ref to (the newest by commit date). */
const keptTips = 64;

/** A sent commit, held in its project's kept repository until `release()`. */
interface HeldCommit {
  /** The kept repository's object folder: a received tree borrows it (git alternates). */
  objects: string;
  release(): Promise<void>;
}

/**
 * What a server keeps of its remote clients' commits (ADR 107): one bare repository per
 * project under `<home>/repositories` (0700), so a client sends only the commits the server
 * lacks (a thin bundle). A project's repository takes and answers only that project's commits:
 * a bundle's prerequisites are looked up there and nowhere else. Writes to one project's
 * repository are serialized in this process; each received commit has a ref of its own while its
 * run goes, and a repository is created under a temporary name and renamed into place, so two
 * runs arriving at once (or two processes on one home) never see a half-made one.
 */
export function createKeptRepositories(home: string) {
  const queues = new Map<string, Promise<unknown>>();

  /** Runs `work` after the project's earlier writes (in this process). */
  function serialized<T>(project: string, work: () => Promise<T>): Promise<T> {
    const before = queues.get(project) ?? Promise.resolve();
    const mine = before.then(work, work);
    const tail = mine.catch(() => undefined);
    queues.set(project, tail);
    void tail.then(() => {
      if (queues.get(project) === tail) queues.delete(project);
    });
    return mine;
  }

  const base = join(home, "repositories");
  // A project name may hold any character but a control one: the folder is named by its hash.
  const pathOf = (project: string) =>
    join(
      base,
      `${createHash("sha256").update(project).digest("hex").slice(0, 32)}.git`,
    );

  /**
   * The project's repository, created if missing: bare, its automatic gc in the foreground (no
   * process left behind; it prunes only objects no ref reaches, and a run's commit has one).
   */
  async function ensure(project: string): Promise<string> {
    const path = pathOf(project);
    if (existsSync(join(path, "HEAD"))) return path;
    mkdirSync(base, { recursive: true, mode: 0o700 });
    const making = `${path}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      await runGit(base, ["init", "--quiet", "--bare", making]);
      await runGit(making, ["config", "gc.autoDetach", "false"]);
      renameSync(making, path);
    } catch (error) {
      // Another process made it meanwhile: that one is used.
      if (!existsSync(join(path, "HEAD"))) throw error;
    } finally {
      rmSync(making, { recursive: true, force: true });
    }
    return path;
  }

  /**
   * Which of `candidates` the project's repository has, whole: each is reachable from one of its
   * refs, so its history is there too. None when the repository is missing (lost, or never made).
   */
  async function known(project: string, offered: string[]) {
    const path = pathOf(project);
    const candidates = offered.filter((c) => commitId.test(c));
    if (candidates.length === 0 || !existsSync(join(path, "HEAD"))) return [];
    try {
      const lines = (text: string) => new Set(text.split("\n").filter(Boolean));
      const present = lines(
        await runGit(path, [
          "rev-list",
          "--ignore-missing",
          "--no-walk",
          ...candidates,
          "--",
        ]),
      );
      if (present.size === 0) return [];
      const unreached = lines(
        await runGit(path, ["rev-list", ...present, "--not", "--all", "--"]),
      );
      return candidates.filter((c) => present.has(c) && !unreached.has(c));
    } catch {
      // A candidate that is not a commit, or a broken history: nothing is known, all is sent.
      return [];
    }
  }

  return {
    known,

    /**
     * Takes a sent commit into the project's repository: checks that what the bundle builds on
     * is there (CONFLICT otherwise: the client sends its whole history), fetches it under a ref
     * of its own (`id`), checks its HEAD is the commit named, and keeps a ref to it. `scratch` is
     * a folder of the caller's for the bundle file. Failures are one line.
     */
    hold(
      project: string,
      sent: SentCommits,
      scratch: string,
      id: string,
    ): Promise<HeldCommit> {
      return serialized(project, async () => {
        const path = await ensure(project);
        const ref = `refs/sluice/runs/${id}`;
        const lacking = (what: string) =>
          new AppError(
            "CONFLICT",
            `this server does not have ${what}: send the whole history`,
          );
        if (sent.bundle === undefined || sent.bundle.length === 0) {
          if ((await known(project, [sent.commit])).length === 0)
            throw lacking(`the commit ${sent.commit.slice(0, 8)}`);
          await runGit(path, ["update-ref", ref, sent.commit]);
        } else {
          const needed = prerequisitesOf(sent.bundle);
          const have = await known(project, needed);
          const missing = needed.filter((c) => !have.includes(c));
          if (missing.length > 0)
            throw lacking(
              `the commit ${missing[0]!.slice(0, 8)} the bundle builds on`,
            );
          const file = join(scratch, "sent.bundle");
          writeFileSync(file, sent.bundle, { mode: 0o600 });
          try {
            await runGit(path, [
              "fetch",
              "--quiet",
              "--no-tags",
              "--no-write-fetch-head",
              file,
              `+HEAD:${ref}`,
            ]);
          } catch (error) {
            if (isAppError(error)) throw error;
            throw new AppError(
              "INVALID_ARGUMENT",
              `the bundle cannot be read: ${gitReason(error).replaceAll(scratch, "<tree>")}`,
            );
          } finally {
            rmSync(file, { force: true });
          }
        }
        const drop = () =>
          runGit(path, ["update-ref", "-d", ref]).then(() => undefined);
        const head = (await runGit(path, ["rev-parse", ref])).trim();
        if (head !== sent.commit) {
          await drop(); // in this project's turn already: not queued behind itself
          throw new AppError(
            "INVALID_ARGUMENT",
            `the bundle's HEAD is ${head.slice(0, 8)}, not the commit ${sent.commit.slice(0, 8)} the run names`,
          );
        }
        await keepTip(path, sent.commit);
        return {
          objects: join(path, "objects"),
          // A repository removed meanwhile (by hand) has nothing left to let go of.
          release: () =>
            serialized(project, () =>
              existsSync(path) ? drop() : Promise.resolve(),
            ),
        };
      });
    },
  };
}

/**
 * Keeps a ref to a received commit (what the next run's thin bundle builds on, on any branch or
 * none), and lets go of the oldest beyond `keptTips`: their history stays known through newer
 * commits built on them.
 */
async function keepTip(path: string, commit: string): Promise<void> {
  await runGit(path, ["update-ref", `refs/sluice/kept/${commit}`, commit]);
  const tips = (
    await runGit(path, [
      "for-each-ref",
      "--sort=-committerdate",
      "--format=%(refname)",
      "refs/sluice/kept/",
    ])
  )
    .split("\n")
    .filter(Boolean);
  for (const ref of tips.slice(keptTips))
    await runGit(path, ["update-ref", "-d", ref]);
}

/** A full commit id (SHA-1 or SHA-256): nothing else reaches git's command line. */
const commitId = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

export type KeptRepositories = ReturnType<typeof createKeptRepositories>;

/**
 * The commits a git bundle builds on (its header's `-<id>` lines): the server must have them.
 * A bundle without a header is refused as unreadable.
 */
function prerequisitesOf(bundle: Uint8Array): string[] {
  const head = Buffer.from(
    bundle.subarray(0, Math.min(bundle.length, 1024 * 1024)),
  ).toString("latin1");
  const end = head.indexOf("\n\n");
  if (!/^# v[23] git bundle\n/.test(head) || end < 0)
    throw new AppError(
      "INVALID_ARGUMENT",
      "the bundle cannot be read: it is not a git bundle",
    );
  return head
    .slice(0, end)
    .split("\n")
    .flatMap((line) => {
      const match = /^-([0-9a-f]{40}(?:[0-9a-f]{24})?)(?: |$)/.exec(line);
      return match ? [match[1]!] : [];
    });
}
