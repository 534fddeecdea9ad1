// npm run bench:compare -- [--base <ref>] [--head <ref>] [--rounds N] [bench names...]
//
// Runs every bench of bench/run-all.ts for an old build (a git worktree of --base) and the new one
// (this tree, or a worktree of --head), interleaved (old, new, then new, old, and so on: even
// rounds are fairest) so load on the machine hits both alike; then prints, per figure, the old
// and new medians, new/old and a verdict, and last one JSON line with every figure. Exits 1 when
// a figure is worse by more than the threshold (10%) or changed, or a bench could not be
// compared (every run of one build failed); 2 when the comparison could not be set up. The worktrees are removed at the
// end, on error and on Ctrl-C.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import {
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
} from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  compareBench,
  failing,
  flatten,
  formatTable,
  lastJsonLine,
  sidesOf,
} from "./figures.js";
import type { Row, Scalar } from "./figures.js";

/** main before the issue-11 refactor started. */
const defaultBase = "887539e";
const here = fileURLToPath(new URL("../..", import.meta.url)).replace(
  /\/$/,
  "",
);

class SetupError extends Error {}

const log = (message: string) =>
  process.stderr.write(`[bench:compare] ${message}\n`);

let current: ChildProcess | undefined;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs a command in its own process group (so a timeout or Ctrl-C ends all it started). */
function run(
  cmd: string,
  args: string[],
  cwd: string,
  timeoutMs = 60 * 60_000,
): Promise<Ran> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    current = child;
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n(timed out after ${timeoutMs / 60_000} min)`;
      killGroup(child);
    }, timeoutMs);
    const done = (code: number | null) => {
      clearTimeout(timer);
      current = undefined;
      resolve({
        code,
        stdout,
        stderr,
        seconds: (performance.now() - started) / 1000,
      });
    };
    child.on("error", (error) => {
      stderr += String(error.message);
      done(null);
    });
    child.on("close", (code) => done(code));
  });
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    // Already gone.
  }
}

/** 2.2800000000000002 -> 2.28: sums of CPU seconds carry float noise into the JSON line. */
const tidy = (v: Scalar | null) =>
  typeof v === "number" ? Math.round(v * 1e6) / 1e6 : v;

const tail = (text: string, lines = 15) =>
  text.trimEnd().split("\n").slice(-lines).join("\n");

async function git(args: string[], cwd = here): Promise<string> {
  const r = await run("git", args, cwd);
  if (r.code !== 0)
    throw new SetupError(
      `git ${args[0]} failed: ${r.stderr.trim().split("\n")[0]}`,
    );
  return r.stdout.trim();
}

async function step(what: string, cmd: string, args: string[], cwd: string) {
  log(`${what} ...`);
  const r = await run(cmd, args, cwd);
  if (r.code !== 0) {
    process.stderr.write(`${tail(r.stdout + r.stderr)}\n`);
    throw new SetupError(`${what} failed (exit ${r.code})`);
  }
  log(`${what}: ${r.seconds.toFixed(0)} s`);
}

const worktrees: string[] = [];
let temp: string | undefined;

let cleaning: Promise<void> | undefined;
/** Once, whether the end comes from main, an error or a signal. */
const cleanUp = () => (cleaning ??= removeWorktrees());

async function removeWorktrees(): Promise<void> {
  for (const dir of worktrees.splice(0)) {
    // A linked node_modules is this tree's: unlink it before anything removes the folder.
    const modules = join(dir, "node_modules");
    if (existsSync(modules) && lstatSync(modules).isSymbolicLink())
      unlinkSync(modules);
    const r = await run("git", ["worktree", "remove", "--force", dir], here);
    if (r.code !== 0) log(`could not remove worktree ${dir}: ${r.stderr}`);
  }
  if (temp) rmSync(temp, { recursive: true, force: true });
  temp = undefined;
  await run("git", ["worktree", "prune"], here);
}

/** A worktree of `commit`, with node_modules and a build. */
async function checkout(
  label: string,
  commit: string,
  linkAlways: boolean,
): Promise<string> {
  temp ??= mkdtempSync(join(tmpdir(), "sluice-bench-compare-"));
  const dir = join(temp, label);
  await git(["worktree", "add", "--detach", "--quiet", dir, commit]);
  worktrees.push(dir);
  const lock = (root: string) =>
    readFileSync(join(root, "package-lock.json"), "utf8");
  if (linkAlways || lock(dir) === lock(here)) {
    log(
      `${label}: package-lock.json ${linkAlways ? "differs, linked anyway (--link-node-modules)" : "is identical"}; node_modules linked to this tree's`,
    );
    symlinkSync(join(here, "node_modules"), join(dir, "node_modules"), "dir");
    await step(`${label}: npm run build`, "npm", ["run", "build"], dir);
  } else {
    // npm ci runs `prepare`, which is the build.
    await step(
      `${label}: package-lock.json differs, npm ci`,
      "npm",
      ["ci", "--no-audit", "--no-fund"],
      dir,
    );
    if (!existsSync(join(dir, "dist", "cli", "main.js")))
      await step(`${label}: npm run build`, "npm", ["run", "build"], dir);
  }
  return dir;
}

/** The benches as bench/run-all.ts picks them. */
const benchFiles = (root: string) =>
  readdirSync(join(root, "bench"))
    .filter(
      (f) => f.endsWith(".ts") && f !== "run-all.ts" && !f.endsWith(".test.ts"),
    )
    .sort();

interface Failure {
  bench: string;
  side: "old" | "new";
  round: number;
  code: number | null;
  output: string;
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseArgs({
      allowPositionals: true,
      options: {
        base: { type: "string", default: defaultBase },
        head: { type: "string" },
        rounds: { type: "string", default: "3" },
        threshold: { type: "string", default: "0.1" },
        "timeout-min": { type: "string", default: "30" },
        "link-node-modules": { type: "boolean", default: false },
        "no-build": { type: "boolean", default: false },
        "bench-from": { type: "string", default: "own" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    throw new SetupError((error as Error).message.split("\n")[0]!);
  }
  const { values, positionals: only } = options;
  if (values.help) {
    console.log(
      "usage: npm run bench:compare -- [--base <ref>] [--head <ref>] [--rounds N] [--threshold 0.1]\n" +
        "         [--timeout-min 30] [--link-node-modules] [--no-build] [bench name ...]\n" +
        `  --base   the old build's git ref (default ${defaultBase}, main before issue 11)\n` +
        "  --head   the new build's git ref (default: this working tree as it is, built first)\n" +
        "  --link-node-modules  link this tree's node_modules into the worktrees even when\n" +
        "           their package-lock.json differs (faster; the builds then share dependencies)\n" +
        "  --no-build  do not build this working tree (it is built already)\n" +
        "  --bench-from new  run the new tree's bench files (and bench/data/) on both builds (same\n" +
        "           figures, same method; for benches whose imports the old tree also has).\n" +
        "           Default: own",
    );
    return 0;
  }
  const rounds = Number(values.rounds);
  const threshold = Number(values.threshold);
  const timeoutMs = Number(values["timeout-min"]) * 60_000;
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new SetupError(`--rounds must be a whole number >= 1`);
  if (!(threshold > 0 && threshold < 1))
    throw new SetupError(`--threshold must be a fraction between 0 and 1`);
  if (!(timeoutMs > 0))
    throw new SetupError(`--timeout-min must be a positive number`);
  if (values["bench-from"] !== "own" && values["bench-from"] !== "new")
    throw new SetupError(`--bench-from must be own or new`);

  const resolve = (ref: string) =>
    git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).catch(() => {
      throw new SetupError(`unknown git ref: ${ref}`);
    });
  const baseCommit = await resolve(values.base);
  const headCommit = values.head ? await resolve(values.head) : undefined;
  const linkAlways = values["link-node-modules"];

  const oldDir = await checkout("old", baseCommit, linkAlways);
  let newDir = here;
  if (headCommit) newDir = await checkout("new", headCommit, linkAlways);
  else if (!values["no-build"])
    await step("new (this tree): npm run build", "npm", ["run", "build"], here);

  if (values["bench-from"] === "new") {
    for (const file of benchFiles(newDir).filter(
      (f) => only.length === 0 || only.some((o) => f.includes(o)),
    )) {
      log(`old: bench/${file} replaced by the new tree's (--bench-from new)`);
      copyFileSync(join(newDir, "bench", file), join(oldDir, "bench", file));
    }
    // What the bench files share (bench/data/: fixed inputs such as 887539e's rule ids).
    if (existsSync(join(newDir, "bench", "data")))
      cpSync(join(newDir, "bench", "data"), join(oldDir, "bench", "data"), {
        recursive: true,
      });
  }
  const oldBenches = new Set(benchFiles(oldDir));
  const skipped: { bench: string; reason: string }[] = [];
  const benches = benchFiles(newDir).filter(
    (f) => only.length === 0 || only.some((o) => f.includes(o)),
  );
  for (const file of benches.filter((f) => !oldBenches.has(f))) {
    const reason = "not in the old tree";
    log(`skip bench/${file}: ${reason}`);
    skipped.push({ bench: file.replace(/\.ts$/, ""), reason });
  }
  for (const file of [...oldBenches].filter(
    (f) => !benches.includes(f) && only.length === 0,
  )) {
    const reason = "only in the old tree";
    log(`skip bench/${file}: ${reason}`);
    skipped.push({ bench: file.replace(/\.ts$/, ""), reason });
  }

  const loadBefore = loadavg()[0]!;
  const rows: Row[] = [];
  const failures: Failure[] = [];
  // Benches with no successful run on one side: nothing compared, which is no pass.
  const uncompared: string[] = [];
  for (const file of benches.filter((f) => oldBenches.has(f))) {
    const bench = file.replace(/\.ts$/, "");
    const runs: Record<"old" | "new", Record<string, Scalar>[]> = {
      old: [],
      new: [],
    };
    for (let round = 1; round <= rounds; round++) {
      for (const side of sidesOf(round)) {
        const root = side === "old" ? oldDir : newDir;
        // What the run before wrote reaches the disk now, not during this run.
        await run("sync", [], root, timeoutMs);
        const r = await run(
          process.execPath,
          ["--import", "tsx", join(root, "bench", file)],
          root,
          timeoutMs,
        );
        const figures = r.code === 0 ? lastJsonLine(r.stdout) : null;
        log(
          `${bench} round ${round}/${rounds} ${side}: ${r.seconds.toFixed(0)} s${figures ? "" : `, FAILED (exit ${r.code})`}`,
        );
        if (!figures) {
          const output = tail(r.stdout + r.stderr);
          process.stderr.write(`${output}\n`);
          failures.push({ bench, side, round, code: r.code, output });
          continue;
        }
        runs[side].push(flatten(figures));
      }
    }
    if (runs.old.length > 0 && runs.new.length > 0)
      rows.push(...compareBench(bench, runs.old, runs.new, threshold));
    else uncompared.push(bench);
  }
  const loadAfter = loadavg()[0]!;

  const bad = failing(rows);
  const newFailed = failures.filter((f) => f.side === "new");
  console.log(
    `\nold: ${values.base} (${baseCommit.slice(0, 7)})   new: ${headCommit ? `${values.head} (${headCommit.slice(0, 7)})` : "this working tree"}   rounds: ${rounds} interleaved, medians   bench files: ${values["bench-from"] === "new" ? "the new tree's on both" : "each tree's own"}   load average ${loadBefore.toFixed(1)} -> ${loadAfter.toFixed(1)}`,
  );
  console.log(
    `better: which way is better; "same" must not change; control (not sluice's code) and info are not judged`,
  );
  // Constants (targets, peers' published figures, the bench's name) would only lengthen the table.
  const shown = rows.filter((r) => r.verdict !== "info" || r.old !== r.new);
  for (const line of formatTable(shown)) console.log(line);
  if (shown.length < rows.length)
    console.log(
      `(${rows.length - shown.length} unchanged info figures not shown: targets, peers' published figures; all are in the JSON line)`,
    );
  for (const s of skipped) console.log(`skipped ${s.bench}: ${s.reason}`);
  for (const f of failures)
    console.log(
      `FAILED ${f.bench} (${f.side} build, round ${f.round}, exit ${f.code})`,
    );
  for (const bench of uncompared)
    console.log(
      `NOT COMPARED ${bench}: every run of one build failed (with --bench-from new, the new bench may import modules the old tree does not have)`,
    );
  console.log(
    bad.length === 0 && newFailed.length === 0 && uncompared.length === 0
      ? `no figure worse by more than ${(threshold * 100).toFixed(0)}%`
      : `${bad.length} figure(s) worse by more than ${(threshold * 100).toFixed(0)}% or changed: ${bad.map((r) => `${r.bench} ${r.figure}`).join(", ")}${newFailed.length ? `; ${newFailed.length} run(s) of the new build failed` : ""}${uncompared.length ? `; not compared: ${uncompared.join(", ")}` : ""}`,
  );
  console.log(
    JSON.stringify({
      bench: "compare",
      base: { ref: values.base, commit: baseCommit },
      head: headCommit
        ? { ref: values.head, commit: headCommit }
        : { ref: "working tree", commit: await git(["rev-parse", "HEAD"]) },
      rounds,
      threshold,
      loadAverage: [
        Number(loadBefore.toFixed(2)),
        Number(loadAfter.toFixed(2)),
      ],
      regressions: bad.length,
      figures: rows.map((r) => ({
        ...r,
        old: tidy(r.old),
        new: tidy(r.new),
        ratio: r.ratio === null ? null : Number(r.ratio.toFixed(4)),
        worse:
          r.worse === null || !Number.isFinite(r.worse)
            ? r.worse === null
              ? null
              : "infinite"
            : Number(r.worse.toFixed(4)),
      })),
      skipped,
      uncompared,
      failed: failures.map(({ output: _output, ...f }) => f),
    }),
  );
  return bad.length > 0 || newFailed.length > 0 || uncompared.length > 0
    ? 1
    : 0;
}

for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => {
    log(`${signal}: stopping, removing the worktrees`);
    if (current) killGroup(current);
    void cleanUp().finally(() => process.exit(130));
  });

try {
  process.exitCode = await main();
} catch (error) {
  const message =
    error instanceof SetupError
      ? error.message
      : `unexpected error: ${(error as Error).message.split("\n")[0]}`;
  console.error(`bench:compare: ${message}`);
  process.exitCode = 2;
} finally {
  await cleanUp();
}
