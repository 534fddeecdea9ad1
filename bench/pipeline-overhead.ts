// Pipeline overhead: a 50-job no-op DAG (each step `true`), width 4, through sluice, next to the
// raw cost of spawning the same 50 processes 4 at a time. Also `sluice --help`, the first run in a
// fresh $SLUICE_HOME, and peak RSS (PGlite included). Needs `npm run build` (it spawns bin/sluice.js).
import { execFileSync, spawn } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
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
  code: number | null;
  peakRssMb: number;
  stderr: string;
}

/** Runs the CLI; samples VmHWM of the child from /proc until it exits. */
function runCli(args: string[], home: string): Promise<Measured> {
  return new Promise((resolve) => {
    const start = performance.now();
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: repo,
      env: { ...process.env, SLUICE_HOME: home, NO_COLOR: "1" },
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
    const timer = setInterval(sample, 25);
    child.on("exit", (code) => {
      clearInterval(timer);
      resolve({
        ms: performance.now() - start,
        code,
        peakRssMb: peakKb / 1024,
        stderr,
      });
    });
  });
}

/** The same 50 processes (`bash -c true`, as a step runs its script with bash), 4 at a time. */
async function rawSpawn(): Promise<number> {
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
  return performance.now() - start;
}

/** The run alone, in-process: engine + store + queue + embedded runner, no process start-up. */
async function inProcess(home: string, times: number): Promise<number[]> {
  // The built modules, like the CLI runs them (and independent of work in progress in src/).
  const { openApp } = (await import(
    pathToFileURL(join(root, "dist", "app.js")).href
  )) as typeof AppModule;
  const { loadConfig } = (await import(
    pathToFileURL(join(root, "dist", "config", "index.js")).href
  )) as typeof ConfigModule;
  const app = await openApp({ home });
  try {
    const runtime = await app.pipeline({ capacity: width });
    const loaded = loadConfig(join(repo, "sluice.yml"), {
      knownSteps: new Set(app.steps.names()),
    });
    const out: number[] = [];
    for (let i = 0; i < times; i++) {
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
      out.push(performance.now() - start);
      if (outcome.result.status !== "success")
        throw new Error("bench run failed");
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

const help: number[] = [];
for (let i = 0; i < reps; i++)
  help.push((await runCli(["--help"], join(repo, "unused-home"))).ms);

const freshHome = mkdtempSync(join(tmpdir(), "sluice-bench-home-"));
const first = await runCli(["run", "--max-parallel", String(width)], freshHome);
if (first.code !== 0)
  throw new Error(`first sluice run failed:\n${first.stderr}`);

const cli: Measured[] = [];
for (let i = 0; i < reps; i++) {
  const m = await runCli(["run", "--max-parallel", String(width)], freshHome);
  if (m.code !== 0) throw new Error(`sluice run failed:\n${m.stderr}`);
  cli.push(m);
}
const raw: number[] = [];
for (let i = 0; i < reps; i++) raw.push(await rawSpawn());
const engineHome = mkdtempSync(join(tmpdir(), "sluice-bench-engine-"));
const engine = await inProcess(engineHome, reps);

const rawMs = median(raw);
const cliMs = median(cli.map((m) => m.ms));
const engineMs = median(engine);
const figures = {
  jobs,
  width,
  reps,
  rawSpawnMs: Math.round(rawMs),
  sluiceCliMs: Math.round(cliMs),
  sluiceEngineMs: Math.round(engineMs),
  ratioCli: Number((cliMs / rawMs).toFixed(1)),
  ratioEngine: Number((engineMs / rawMs).toFixed(1)),
  perJobOverheadCliMs: Number(((cliMs - rawMs) / jobs).toFixed(1)),
  perJobOverheadEngineMs: Number(((engineMs - rawMs) / jobs).toFixed(1)),
  peakRssMb: Math.round(Math.max(...cli.map((m) => m.peakRssMb))),
  firstRunPeakRssMb: Math.round(first.peakRssMb),
  helpMs: Math.round(median(help)),
  firstRunFreshHomeMs: Math.round(first.ms),
  load1: Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]),
};

console.log(`50-job no-op DAG, width ${width}, median of ${reps}`);
console.log(`  raw spawn (bash -c true, ${width} at a time): ${fmt(rawMs)}`);
console.log(
  `  sluice run (CLI, warm $SLUICE_HOME):        ${fmt(cliMs)}  ratio ${figures.ratioCli}x  per job ${figures.perJobOverheadCliMs} ms (target <= 15)`,
);
console.log(
  `  sluice engine + store + queue (in-process): ${fmt(engineMs)}  ratio ${figures.ratioEngine}x  per job ${figures.perJobOverheadEngineMs} ms (target <= 15)`,
);
console.log(
  `  peak RSS, sluice run (PGlite included):     ${figures.peakRssMb} MB (target <= 400); first run in a fresh home ${figures.firstRunPeakRssMb} MB`,
);
console.log(
  `  sluice --help:                              ${fmt(median(help))} (target < 300 ms)`,
);
console.log(`  first sluice run, fresh $SLUICE_HOME:       ${fmt(first.ms)}`);
console.log(
  `  peer: GitHub-hosted no-op job 5-15 s end to end; runner handshake p99 39 s (notes §2.7)`,
);
console.log(`  machine load (1 min): ${figures.load1}`);
console.log(JSON.stringify(figures));

for (const dir of [repo, freshHome, engineHome])
  rmSync(dir, { recursive: true, force: true });
