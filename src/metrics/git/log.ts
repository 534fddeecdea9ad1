import { spawn } from "node:child_process";
import { StringDecoder } from "node:string_decoder";
import { AppError, messageOf, parseBodyTrailers } from "../../kernel/index.js";
import { compileTagPatterns } from "./tag-pattern.js";

/** One commit as `git log` prints it with our format. Times in ms. */
export interface GitCommit {
  sha: string;
  parents: string[];
  authorName: string;
  authorEmail: string;
  authorAt: number;
  committerName: string;
  committerEmail: string;
  committerAt: number;
  subject: string;
  body: string;
  trailers: [string, string][];
}

/** A tag: its name, the commit it points at, and its date (tagger date, or the commit's for a lightweight tag). */
export interface GitTag {
  name: string;
  commit: string;
  at: number;
}

const US = "\x1f";
const RS = "\x1e";
/** Unit-separated fields, record-separated commits: messages may hold any other character. */
const logFormat = [
  "%H",
  "%P",
  "%an",
  "%ae",
  "%at",
  "%cn",
  "%ce",
  "%ct",
  "%s",
  // The trailers are parsed from the subject and body with sluice's one parser (kernel's
  // `parseBodyTrailers`), not git's `%(trailers)`, so an import attributes a commit as a run does.
  "%b",
]
  .join("%x1f")
  .concat("%x1e");

/** Runs git and returns its stdout; a failure becomes an EXTERNAL AppError with git's own message. */
export async function git(cwd: string, args: string[]): Promise<string> {
  const chunks: Buffer[] = [];
  await runGit(cwd, args, (chunk) => chunks.push(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

function runGit(
  cwd: string,
  args: string[],
  onData: (chunk: Buffer) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, {
      cwd,
      // Into a pipe, `git log` flushes after every commit: 12,000 commits arrive as ~6,000 reads
      // of ~500 bytes, and the reads cost more of our CPU than the parsing. GIT_FLUSH=0 makes it
      // write full buffers (~500 reads; git itself also spends a quarter less).
      env: { ...process.env, GIT_FLUSH: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const err: Buffer[] = [];
    child.stdout.on("data", onData);
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", (error) =>
      reject(
        new AppError("EXTERNAL", `cannot run git: ${messageOf(error)}`, {
          cause: error,
        }),
      ),
    );
    child.on("close", (code) => {
      if (code === 0) resolve();
      else {
        const message =
          Buffer.concat(err).toString("utf8").trim().split("\n")[0] ?? "";
        reject(
          new AppError(
            "EXTERNAL",
            `git ${args[0]} failed: ${message || `exit ${code}`}`,
          ),
        );
      }
    });
  });
}

/** Parses one record of `logFormat`. */
function parseCommit(record: string): GitCommit | undefined {
  return parseRecord(record, 0, record.length);
}

/** Where each field of the record being parsed starts, less one (`cut[k] + 1` to `cut[k + 1]`). */
const cut = new Int32Array(11);

/**
 * Parses the record `text[from, to)` by positions: no array of fields and no copy of the record,
 * only the strings a commit keeps (12,000 commits are parsed per import).
 */
function parseRecord(
  text: string,
  from: number,
  to: number,
): GitCommit | undefined {
  if (text.charCodeAt(from) === 10) from++;
  cut[0] = from - 1;
  for (let k = 1; k <= 9; k++) {
    const u = text.indexOf(US, cut[k - 1]! + 1);
    if (u < 0 || u >= to) return undefined;
    cut[k] = u;
  }
  const u = text.indexOf(US, cut[9]! + 1);
  cut[10] = u >= 0 && u < to ? u : to;
  const field = (k: number) => text.slice(cut[k]! + 1, cut[k + 1]);

  const parents = field(1);
  return {
    sha: field(0).trim(),
    parents: !parents
      ? []
      : parents.includes(" ")
        ? parents.split(" ").filter(Boolean)
        : [parents],
    authorName: field(2),
    authorEmail: field(3),
    authorAt: Number(field(4)) * 1000,
    committerName: field(5),
    committerEmail: field(6),
    committerAt: Number(field(7)) * 1000,
    subject: field(8),
    body: field(9).trim(),
    trailers: parseBodyTrailers(field(9)),
  };
}

/**
 * Streams `git log` of the given revisions with one process, parsing records as they arrive.
 * `onProgress` gets the running count every 5,000 commits.
 */
export async function readLog(
  cwd: string,
  revisions: string[],
  options: {
    since?: string | undefined;
    onProgress?: (n: number) => void;
  } = {},
): Promise<GitCommit[]> {
  const commits: GitCommit[] = [];
  let rest = "";
  // A multi-byte character may straddle two chunks: decode with state.
  const decoder = new StringDecoder("utf8");
  const args = [
    "log",
    `--format=${logFormat}`,
    "--no-color",
    ...(options.since ? [`--since=${options.since}`] : []),
    ...revisions,
    "--",
  ];
  await runGit(cwd, args, (chunk) => {
    const text = rest + decoder.write(chunk);
    let start = 0;
    for (let end = text.indexOf(RS); end >= 0; end = text.indexOf(RS, start)) {
      const c = parseRecord(text, start, end);
      start = end + 1;
      if (c) {
        commits.push(c);
        if (options.onProgress && commits.length % 5000 === 0)
          options.onProgress(commits.length);
      }
    }
    rest = text.slice(start);
  });
  rest += decoder.end();
  const last = parseCommit(rest);
  if (last) commits.push(last);
  return commits;
}

/**
 * The repository's tags whose names match `patterns` (the `--deploy-tags` syntax, see
 * `tagPatternSyntax`; any one matching is enough), or every tag when none is given. Each tag
 * points at its commit (annotated tags peeled) with the tagger's date, or the commit's for a
 * lightweight tag.
 */
export async function readTags(
  cwd: string,
  patterns?: string | readonly string[],
): Promise<GitTag[]> {
  const list = typeof patterns === "string" ? [patterns] : (patterns ?? []);
  const matches = list.length > 0 ? compileTagPatterns(list) : () => true;
  const out = await git(cwd, [
    "for-each-ref",
    "--format=%(refname:strip=2)%1f%(objectname)%1f%(*objectname)%1f%(creatordate:unix)".replaceAll(
      "%1f",
      "%09",
    ),
    "refs/tags",
  ]);
  const tags: GitTag[] = [];
  for (const line of out.split("\n")) {
    if (!line) continue;
    const [name, object, peeled, at] = line.split("\t");
    if (!matches(name!)) continue;
    tags.push({
      name: name!,
      commit: peeled || object!,
      at: Number(at) * 1000,
    });
  }
  return tags;
}
