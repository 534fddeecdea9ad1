// Pipeline overhead: a 50-job no-op DAG (each step `true`), width 4, through sluice, next to the
// raw cost of spawning the same 50 processes 4 at a time. Also `sluice --help`, the first run in a
// fresh $SLUICE_HOME, and peak RSS (PGlite included). Needs `npm run build` (it spawns bin/sluice.js).
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type * as AppModule from "../src/app.js";
import type * as ConfigModule from "../src/config/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin", "sluice.js");
const jobs = 50;
const width = 4;
const reps = Number(process.env.BENCH_REPS ?? 5);
/** `BENCH_ONLY=engine` measures only the in-process run (and the raw spawn), for quick checks. */
const engineOnly = process.env.BENCH_ONLY === "engine";

if (!existsSync(join(root, "dist", "cli", "main.js"))) {
  console.error("bench/pipeline-overhead: run `npm run build` first");
  process.exit(2);
}

/** 50 jobs in layers of 4; every job of a layer needs every job of the one before. */
function dagConfig(): string {
  const lines = ["name: overhead", "jobs:"];
  for (let i = 0; i < jobs; i++) {
    const layer = Math.floor(i / width);
    const needs =
      layer === 0
        ? []
        : Array.from(
            { length: width },
            (_, k) => `j${(layer - 1) * width + k}`,
          );
    lines.push(`  j${i}:`);
    if (needs.length > 0) lines.push(`    needs: [${needs.join(", ")}]`);
    lines.push("    steps:", '      - run: "true"');
  }
  return `${lines.join("\n")}\n`;
}

const repo = mkdtempSync(join(tmpdir(), "sluice-bench-repo-"));
writeFileSync(join(repo, "sluice.yml"), dagConfig());
for (const args of [
  ["init", "-q", "-b", "main"],
  ["-c", "user.name=bench", "-c", "user.email=bench@example.com", "add", "."],
  [
    "-c",
    "user.name=bench",
    "-c",
    "user.email=bench@example.com",
    "commit",
    "-q",
    "-m",
    "bench",
  ],
]) {
  execFileSync("git", args, { cwd: repo });
}

interface Measured {
  ms: number;
  /** User + system CPU of the CLI process and its children (the steps), when measurable. */
  cpuMs: number | undefined;
  code: number | null;
  peakRssMb: number;
  stderr: string;
}

/** GNU time gives exact CPU and peak RSS of the child; without it, RSS is sampled from /proc. */
const gnuTime = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

/** Runs a command in the bench repo; measures wall time, CPU and peak RSS. */
function measure(
  argv: string[],
  env: Record<string, string> = {},
): Promise<Measured> {
  return new Promise((resolve) => {
    const timeFile = join(repo, `.time-${process.pid}`);
    const full = gnuTime
      ? [gnuTime, "-f", "%U %S %M", "-o", timeFile, ...argv]
      : argv;
    const start = performance.now();
    const child = spawn(full[0]!, full.slice(1), {
      cwd: repo,
      env: { ...process.env, NO_COLOR: "1", ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    let peakKb = 0;
    const sample = () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
        const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
        peakKb = Math.max(peakKb, kb);
      } catch {
        // gone
      }
    };
    const timer = gnuTime ? undefined : setInterval(sample, 25);
    child.on("exit", (code) => {
      clearInterval(timer);
      const ms = performance.now() - start;
      let cpuMs: number | undefined;
      if (gnuTime) {
        const [user, system, rssKb] = readFileSync(timeFile, "utf8")
          .trim()
          .split("\n")
          .at(-1)!
          .split(" ")
          .map(Number);
        rmSync(timeFile, { force: true });
        cpuMs = (user! + system!) * 1000;
        peakKb = rssKb!;
      }
      resolve({ ms, cpuMs, code, peakRssMb: peakKb / 1024, stderr });
    });
  });
}

/**
 * CPU (ms) of this process's children that have ended and been waited for (cutime + cstime of
 * /proc/self/stat, in 10 ms ticks): summed over many short runs it resolves CPU per run to about
 * a millisecond, which GNU time's 10 ms per run does not.
 */
function endedChildrenCpuMs(): number {
  const stat = readFileSync("/proc/self/stat", "latin1");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

/** Runs `sluice ARGS` with `$SLUICE_HOME` set. */
function runCli(args: string[], home: string): Promise<Measured> {
  return measure([process.execPath, bin, ...args], { SLUICE_HOME: home });
}

/** The same 50 processes (`bash -c true`, as a step runs its script with bash), 4 at a time. */
async function rawSpawn(): Promise<{ ms: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let layer = 0; layer * width < jobs; layer++) {
    const count = Math.min(width, jobs - layer * width);
    await Promise.all(
      Array.from(
        { length: count },
        () =>
          new Promise<void>((resolve, reject) => {
            const child = spawn(
              "bash",
              ["--noprofile", "--norc", "-eo", "pipefail", "-c", "true"],
              {
                stdio: "ignore",
                detached: true,
              },
            );
            child.on("error", reject);
            child.on("exit", () => resolve());
          }),
      ),
    );
  }
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000 };
}

/** What one in-process run cost: wall time, CPU of this process, SQL statements sent. */
interface EngineRun {
  ms: number;
  cpuMs: number;
  statements: number;
  /** Of which pg-boss's (raw SQL through `database.executeSql`). */
  queueStatements: number;
}

/**
 * Counts every SQL statement the app sends: pg-boss goes through `database.executeSql`, the stores
 * through drizzle (its logger sees each query; a transaction adds BEGIN and COMMIT).
 */
function countStatements(database: AppModule.App["database"]): {
  total(): number;
  queue(): number;
} {
  let drizzle = 0;
  let raw = 0;
  const original = database.executeSql.bind(database);
  database.executeSql = (text, values) => {
    raw++;
    return original(text, values);
  };
  // drizzle's session is internal; its logger and transaction are reached the way drizzle does.
  const session = (
    database.db as unknown as {
      session: {
        logger: unknown;
        options: { logger?: unknown };
        transaction: (...args: unknown[]) => Promise<unknown>;
      };
    }
  ).session;
  const logger = { logQuery: () => void drizzle++ };
  session.logger = logger;
  session.options.logger = logger;
  const transaction = session.transaction.bind(session);
  session.transaction = (...args) => {
    drizzle += 2;
    return transaction(...args);
  };
  return { total: () => drizzle + raw, queue: () => raw };
}

/**
 * CPU (ms) used so far by this process's live children that run node: the step spawner of the
 * runtime (ADR 032). The steps themselves are its children and are not counted.
 */
function helperCpuMs(): number {
  let ticks = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "latin1");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) !== process.pid || comm !== "node") continue;
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

/** The run alone, in-process: engine + store + queue + embedded runner, no process start-up. */
async function inProcess(home: string, times: number): Promise<EngineRun[]> {
  // The built modules, like the CLI runs them (and independent of work in progress in src/).
  const { openApp } = (await import(
    pathToFileURL(join(root, "dist", "app.js")).href
  )) as typeof AppModule;
  const { loadConfig } = (await import(
    pathToFileURL(join(root, "dist", "config", "index.js")).href
  )) as typeof ConfigModule;
  const app = await openApp({ home });
  const counter = countStatements(app.database);
  try {
    const runtime = await app.pipeline({ capacity: width });
    const loaded = loadConfig(join(repo, "sluice.yml"), {
      knownSteps: new Set(app.steps.names()),
    });
    const out: EngineRun[] = [];
    // One warm-up run (JIT, first queue use), not counted.
    for (let i = 0; i <= times; i++) {
      const statements = counter.total();
      const queueStatements = counter.queue();
      // The /proc walk first: its cost grows with the machine's process count, not with sluice.
      const helperCpu = helperCpuMs();
      const cpu = process.cpuUsage();
      const start = performance.now();
      const outcome = await runtime.runs.run({
        project: "overhead",
        trigger: "bench",
        workdir: repo,
        config: loaded.config,
        facts: { event: "push", branch: "main" },
        change: { branch: "main" },
        maxParallel: width,
        signal: new AbortController().signal,
        owner: { pid: process.pid, host: "bench" },
      });
      const ms = performance.now() - start;
      const used = process.cpuUsage(cpu);
      const helperUsed = helperCpuMs() - helperCpu;
      if (outcome.result.status !== "success")
        throw new Error("bench run failed");
      if (i === 0) continue;
      out.push({
        ms,
        cpuMs: (used.user + used.system) / 1000 + helperUsed,
        statements: counter.total() - statements,
        queueStatements: counter.queue() - queueStatements,
      });
    }
    return out;
  } finally {
    await app.close();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (ms: number) => `${ms.toFixed(0)} ms`;

const helpReps = Math.max(reps, 10);
const nodeBare: number[] = [];
const help: number[] = [];
// CPU of all the runs of each kind, interleaved, so load on the machine hits both alike.
let nodeBareCpu = 0;
let helpCpu = 0;
for (let i = 0; i < (engineOnly ? 0 : helpReps); i++) {
  let before = endedChildrenCpuMs();
  nodeBare.push((await measure([process.execPath, "-e", "0"])).ms);
  nodeBareCpu += endedChildrenCpuMs() - before;
  before = endedChildrenCpuMs();
  help.push((await runCli(["--help"], join(repo, "unused-home"))).ms);
  helpCpu += endedChildrenCpuMs() - before;
}

const freshHome = mkdtempSync(join(tmpdir(), "sluice-bench-home-"));
const first = engineOnly
  ? { ms: 0, cpuMs: 0, code: 0, peakRssMb: 0, stderr: "" }
  : await runCli(["run", "--max-parallel", String(width)], freshHome);
if (first.code !== 0)
  throw new Error(`first sluice run failed:\n${first.stderr}`);

const cli: Measured[] = [];
for (let i = 0; i < (engineOnly ? 0 : reps); i++) {
  const m = await runCli(["run", "--max-parallel", String(width)], freshHome);
  if (m.code !== 0) throw new Error(`sluice run failed:\n${m.stderr}`);
  cli.push(m);
}
// The CLI runs started the home's local server (issue 14): stop it, so it neither runs beside
// the in-process measurement nor outlives the bench. An old build without one ignores this.
if (!engineOnly)
  spawnSync(process.execPath, [bin, "server", "stop"], {
    env: { ...process.env, SLUICE_HOME: freshHome },
    stdio: "ignore",
  });
const raw: { ms: number; cpuMs: number }[] = [];
for (let i = 0; i < reps; i++) raw.push(await rawSpawn());
const engineHome = mkdtempSync(join(tmpdir(), "sluice-bench-engine-"));
const engine = await inProcess(engineHome, reps);

const rawMs = median(raw.map((r) => r.ms));
const rawCpuMs = median(raw.map((r) => r.cpuMs));
const cliMs = engineOnly ? 0 : median(cli.map((m) => m.ms));
const cliCpu = cli.flatMap((m) => (m.cpuMs === undefined ? [] : [m.cpuMs]));
const engineMs = median(engine.map((e) => e.ms));
const engineCpuMs = median(engine.map((e) => e.cpuMs));
const perJob = (x: number) => Number((x / jobs).toFixed(1));
const figures = {
  jobs,
  width,
  reps,
  rawSpawnMs: Math.round(rawMs),
  sluiceCliMs: Math.round(cliMs),
  sluiceEngineMs: Math.round(engineMs),
  ratioCli: Number((cliMs / rawMs).toFixed(1)),
  ratioEngine: Number((engineMs / rawMs).toFixed(1)),
  perJobOverheadCliMs: perJob(cliMs - rawMs),
  perJobOverheadEngineMs: perJob(engineMs - rawMs),
  // CPU of the sluice process and its step spawner (the steps' bash processes are not in it),
  // less the CPU the raw spawner spent starting the same processes.
  perJobCpuEngineMs: perJob(engineCpuMs - rawCpuMs),
  cliCpuMs: cliCpu.length > 0 ? Math.round(median(cliCpu)) : null,
  statementsPerJob: Number(
    (median(engine.map((e) => e.statements)) / jobs).toFixed(2),
  ),
  queueStatementsPerJob: Number(
    (median(engine.map((e) => e.queueStatements)) / jobs).toFixed(2),
  ),
  peakRssMb: Math.round(Math.max(0, ...cli.map((m) => m.peakRssMb))),
  firstRunPeakRssMb: Math.round(first.peakRssMb),
  helpMs: engineOnly ? null : Math.round(median(help)),
  nodeBareMs: engineOnly ? null : Math.round(median(nodeBare)),
  // CPU (user + system) per run: the start-up figures a loaded machine disturbs least.
  helpCpuMs: engineOnly ? null : Number((helpCpu / helpReps).toFixed(1)),
  nodeBareCpuMs: engineOnly
    ? null
    : Number((nodeBareCpu / helpReps).toFixed(1)),
  firstRunFreshHomeMs: Math.round(first.ms),
  firstRunCpuMs:
    engineOnly || first.cpuMs === undefined ? null : Math.round(first.cpuMs),
  load1: Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]),
};

console.log(`50-job no-op DAG, width ${width}, median of ${reps}`);
console.log(`  raw spawn (bash -c true, ${width} at a time): ${fmt(rawMs)}`);
console.log(
  `  sluice run (CLI, warm $SLUICE_HOME):        ${fmt(cliMs)}  ratio ${figures.ratioCli}x  per job ${figures.perJobOverheadCliMs} ms (start-up included)  CPU ${figures.cliCpuMs ?? "?"} ms`,
);
console.log(
  `  sluice engine + store + queue (in-process): ${fmt(engineMs)}  ratio ${figures.ratioEngine}x  per job ${figures.perJobOverheadEngineMs} ms wall, ${figures.perJobCpuEngineMs} ms CPU (target <= 15)`,
);
console.log(
  `  SQL statements per job:                     ${figures.statementsPerJob} (of which pg-boss ${figures.queueStatementsPerJob})`,
);
console.log(
  `  peak RSS, sluice run (PGlite included):     ${figures.peakRssMb} MB (target <= 400); first run in a fresh home ${figures.firstRunPeakRssMb} MB`,
);
console.log(
  `  sluice --help:                              ${figures.helpMs ?? "?"} ms, CPU ${figures.helpCpuMs ?? "?"} ms (target < 300 ms; node -e 0: ${figures.nodeBareMs ?? "?"} ms, CPU ${figures.nodeBareCpuMs ?? "?"} ms; median of ${helpReps})`,
);
console.log(
  `  first sluice run, fresh $SLUICE_HOME:       ${fmt(first.ms)}, CPU ${figures.firstRunCpuMs ?? "?"} ms`,
);
console.log(
  `  peer: GitHub-hosted no-op job 5-15 s end to end; runner handshake p99 39 s (notes §2.7)`,
);
console.log(`  machine load (1 min): ${figures.load1}`);
console.log(JSON.stringify(figures));

for (const dir of [repo, freshHome, engineHome])
  rmSync(dir, { recursive: true, force: true });
