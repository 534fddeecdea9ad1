import { spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { AppError } from "../../../kernel/index.js";
import type { FindingCommit } from "../../finding.js";

/** Added lines of one file in a diff: the content to scan and the file line of each. */
export interface DiffFragment {
  path: string;
  data: Buffer;
  lineMap: number[];
  commit?: FindingCommit;
  /** Git reported the file as binary: only path rules apply. */
  binary?: boolean;
}

/** Runs git and returns stdout; a failure becomes an EXTERNAL AppError with git's first line. */
export function git(cwd: string, args: string[]): string {
  const r = spawnSync("git", ["-c", "core.quotePath=false", ...args], {
    cwd,
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  if (r.error)
    throw new AppError("EXTERNAL", `git: ${r.error.message}`, {
      cause: r.error,
    });
  if (r.status !== 0)
    throw new AppError(
      "EXTERNAL",
      `git ${args[0]}: ${(r.stderr || "failed").trim().split("\n")[0]}`,
    );
  return r.stdout;
}

const roots = new Map<string, string | undefined>();

/** The repository's top-level folder, or undefined when `dir` is not inside a git work tree (memoised). */
export function repoRoot(dir: string): string | undefined {
  if (roots.has(dir)) return roots.get(dir);
  const r = spawnSync("git", ["rev-parse", "--show-toplevel"], {
    cwd: dir,
    encoding: "utf8",
  });
  const root = r.status === 0 ? r.stdout.trim() : undefined;
  roots.set(dir, root);
  return root;
}

/**
 * Parses a `-U0` patch stream into added-line fragments. Lines come in one at a time so
 * `git log -p` over a whole history is never held in memory; `onCommit` lines start commits.
 */
class PatchParser {
  private current:
    | { path: string; lines: string[]; map: number[]; binary?: boolean }
    | undefined;
  private nextLine = 0;
  private commit: FindingCommit | undefined;
  /** Between `diff --git` and the first hunk: `+++`/`Binary files` lines are headers there only. */
  private inHeader = false;

  constructor(private readonly emit: (f: DiffFragment) => void) {}

  setCommit(commit: FindingCommit | undefined): void {
    this.flush();
    this.inHeader = false;
    this.commit = commit;
  }

  line(text: string): void {
    if (text.startsWith("diff --git ")) {
      this.flush();
      this.inHeader = true;
      return;
    }
    if (!this.inHeader) {
      if (text.startsWith("@@")) {
        const m = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
        if (m) this.nextLine = Number(m[1]);
        return;
      }
      if (this.current && text.startsWith("+")) {
        this.current.lines.push(text.slice(1));
        this.current.map.push(this.nextLine++);
      }
      return;
    }
    if (text.startsWith("+++ ")) {
      const path = text.slice(4);
      if (path !== "/dev/null")
        this.current = { path: path.replace(/^b\//, ""), lines: [], map: [] };
      return;
    }
    if (text.startsWith("Binary files ")) {
      const m = / and b\/(.*) differ$/.exec(text);
      if (m) {
        this.flush();
        this.current = { path: m[1]!, lines: [], map: [], binary: true };
      }
      return;
    }
    if (text.startsWith("@@")) {
      this.inHeader = false;
      const m = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
      if (m) this.nextLine = Number(m[1]);
    }
  }

  flush(): void {
    const c = this.current;
    this.current = undefined;
    if (!c || (c.lines.length === 0 && !c.binary)) return;
    this.emit({
      path: c.path,
      data: Buffer.from(c.lines.join("\n"), "utf8"),
      lineMap: c.map,
      ...(this.commit ? { commit: this.commit } : {}),
      ...(c.binary ? { binary: true } : {}),
    });
  }
}

/** The added lines of the index against HEAD (`git diff --cached -U0`): the pre-commit case. */
export function stagedFragments(root: string): DiffFragment[] {
  const out: DiffFragment[] = [];
  const parser = new PatchParser((f) => out.push(f));
  const patch = git(root, [
    "diff",
    "--cached",
    "-U0",
    "--no-color",
    "--no-ext-diff",
    "--diff-filter=ACMR",
  ]);
  for (const line of patch.split("\n")) parser.line(line);
  parser.flush();
  return out;
}

const commitMarker = "\u0000sluice-commit\u0000";

/**
 * Streams the added lines of every commit in a range (`git log -p -U0`), as gitleaks does:
 * `revs` are git log arguments (`A..B`, `--all`, `REV..HEAD`). Each fragment names its commit.
 */
export async function* historyFragments(
  root: string,
  revs: string[],
): AsyncGenerator<DiffFragment> {
  const child = spawn(
    "git",
    [
      "-c",
      "core.quotePath=false",
      "log",
      "-p",
      "-U0",
      "--no-color",
      "--no-ext-diff",
      "--full-history",
      "--diff-filter=tuxdb",
      "--format=%x00sluice-commit%x00%H%x00%an%x00%ae%x00%aI%x00%s",
      ...revs,
      "--",
    ],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const exited = new Promise<number>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code ?? 1));
  });
  const ready: DiffFragment[] = [];
  const parser = new PatchParser((f) => ready.push(f));
  const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.startsWith(commitMarker)) {
      const [sha, author, email, date, message] = line
        .slice(commitMarker.length)
        .split("\u0000");
      parser.setCommit({
        sha: sha!,
        author: author!,
        email: email!,
        date: date!,
        message: message ?? "",
      });
    } else parser.line(line);
    while (ready.length > 0) yield ready.shift()!;
  }
  parser.flush();
  while (ready.length > 0) yield ready.shift()!;
  const code = await exited;
  if (code !== 0)
    throw new AppError(
      "EXTERNAL",
      `git log: ${(stderr || "failed").trim().split("\n")[0]}`,
    );
}
