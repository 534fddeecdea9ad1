// CLI latency with the local server on demand (issue 14): `sluice runs` against a warm local
// server next to `node -e 0` and `git status` in the same run (interleaved, so load hits each
// alike), and the first command in a fresh $SLUICE_HOME (it starts the server). Also the
// server's peak RSS, and its peak RSS on a home with 1,000 recorded runs (3 jobs of 2 steps
// each) while `sluice runs --limit 1000` and `sluice runs` answer from it. Needs `npm run build`
// (it spawns bin/sluice.js). Targets (issue 14): warm `sluice runs` < 150 ms, a warm one-job
// `sluice run` < 600 ms, first command < 3 s. And the marginal cost of a no-op job through the
// CLI: a 50-job `sluice run` (independent jobs, each one step `run: 'true'`) against the one-job
// one, less what 49 more raw spawns of the step's own command (bash on a script file) take, per
// job; target <= 10 ms. Measured with `--max-parallel 50` (the server's machine-wide limit,
// max(8, 2 x CPUs), still applies) and with `--max-parallel 1` (one job at a time, where the
// raw spawns subtract exactly). Beside it, the CPU a job adds to the server (and its step
// spawner) and to the client, which a loaded machine disturbs less than wall time.
import { execFileSync, spawnSync } from "node:child_process";
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
import { fileURLToPath } from "node:url";
import { openApp } from "../src/app.js";
import { silentLogger } from "../src/kernel/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin", "sluice.js");
const reps = Number(process.env.BENCH_REPS ?? 15);

if (!existsSync(join(root, "dist", "cli", "main.js"))) {
  console.error("bench/cli: run `npm run build` first");
  process.exit(2);
}

const repo = mkdtempSync(join(tmpdir(), "sluice-bench-cli-"));
writeFileSync(join(repo, "README.md"), "bench\n");
// A one-job pipeline: `sluice run` end to end through the warm server.
writeFileSync(
  join(repo, "sluice.yml"),
  "name: bench\njobs:\n  one:\n    steps:\n      - run: 'true'\n",
);
// 50 independent no-op jobs: the marginal cost of a job, against the one-job pipeline.
const fanOut = 50;
writeFileSync(
  join(repo, "fifty.yml"),
  [
    "name: bench-fifty",
    "jobs:",
    ...Array.from(
      { length: fanOut },
      (_, i) => `  j${i}:\n    steps:\n      - run: 'true'`,
    ),
  ].join("\n") + "\n",
);
const git = (...args: string[]) =>
  execFileSync("git", args, { cwd: repo, stdio: "ignore" });
git("init", "-q", "-b", "main");
git("add", ".");
git(
  "-c",
  "user.name=b",
  "-c",
  "user.email=b@example.com",
  "commit",
  "-qm",
  "x",
);

const home = mkdtempSync(join(tmpdir(), "sluice-bench-home-"));
const env = { ...process.env, SLUICE_HOME: home, SLUICE_SERVER_IDLE: "10m" };

// What a step spawns for `run: 'true'` (src/pipeline/executors/shell.ts: bash on a script file).
const stepScript = join(home, "bench-step.sh");
writeFileSync(stepScript, "true", { mode: 0o600 });
const stepArgv = ["--noprofile", "--norc", "-eo", "pipefail", stepScript];

/** Wall time of `count` raw spawns of the step's command, one after the other, in ms. */
function rawSpawns(count: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const result = spawnSync("bash", stepArgv, {
      cwd: repo,
      env,
      stdio: "pipe",
    });
    if (result.status !== 0)
      throw new Error(`bash ${stepScript} exited ${result.status}`);
  }
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Wall time of one command, in ms; fails loudly on a non-zero exit. */
function timed(command: string, args: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd: repo, env, stdio: "pipe" });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0)
    throw new Error(
      `${command} ${args.join(" ")} exited ${result.status}: ${result.stderr}`,
    );
  return ms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? sorted[mid]!
    : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** Records `count` finished runs in a new home, as the pipeline would (3 jobs of 2 steps each). */
async function homeWithRuns(count: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-bench-home-runs-"));
  const app = await openApp({ home: dir, logger: silentLogger });
  try {
    for (let i = 0; i < count; i++) {
      const run = await app.runs.createRun({
        project: `project-${i % 3}`,
        trigger: "manual",
        workdir: repo,
        change: {
          commit: i.toString(16).padStart(40, "0"),
          branch: "main",
          author: "Bench",
          authorEmail: "bench@example.com",
          message: `change ${i}`,
        },
      });
      const jobs = await app.runs.addJobs(
        run.id,
        ["build", "test", "deploy"].map((key, position) => ({
          key,
          name: key,
          needs: position === 0 ? [] : ["build"],
          steps: ["npm ci", `npm run ${key}`],
        })),
      );
      await app.runs.startRun(run.id);
      for (const job of jobs.values()) {
        await app.runs.updateStep(job.id, 0, { status: "success" });
        await app.runs.updateStep(job.id, 1, { status: "success" });
        await app.runs.updateJob(job.id, { status: "success" });
      }
      await app.runs.finishRun(run.id, "success");
      if ((i + 1) % 250 === 0)
        console.log(`recorded ${i + 1} of ${count} runs`);
    }
  } finally {
    await app.close();
  }
  return dir;
}

let serverPid: number | undefined;
let manyPid: number | undefined;
const manyHome = await homeWithRuns(1000);
const manyEnv = { ...env, SLUICE_HOME: manyHome };
try {
  const first = timed(process.execPath, [bin, "runs"]);
  const status = JSON.parse(
    execFileSync(process.execPath, [bin, "server", "status", "--json"], {
      env,
      encoding: "utf8",
    }),
  ) as { pid: number };
  serverPid = status.pid;

  const samples = {
    node: [] as number[],
    git: [] as number[],
    help: [] as number[],
    runs: [] as number[],
    run: [] as number[],
    fifty: [] as number[],
    fiftySerial: [] as number[],
    spawn1: [] as number[],
    spawnMany: [] as number[],
  };
  // CPU (ms) of the server and of the clients, summed over the reps, per pipeline.
  const cpu = {
    one: { server: 0, client: 0 },
    fifty: { server: 0, client: 0 },
    fiftySerial: { server: 0, client: 0 },
  };
  const withCpu = (
    into: { server: number; client: number },
    run: () => number,
  ) => {
    const server = processTreeCpuMs(serverPid!);
    const client = endedChildrenCpuMs();
    const ms = run();
    into.server += processTreeCpuMs(serverPid!) - server;
    into.client += endedChildrenCpuMs() - client;
    return ms;
  };
  const fiftyRun = (maxParallel: number) =>
    timed(process.execPath, [
      bin,
      "run",
      "-f",
      "fifty.yml",
      "--max-parallel",
      String(maxParallel),
    ]);
  for (let i = 0; i < reps; i++) {
    samples.node.push(timed(process.execPath, ["-e", "0"]));
    samples.git.push(timed("git", ["status", "--short"]));
    samples.help.push(timed(process.execPath, [bin, "--help"]));
    samples.runs.push(timed(process.execPath, [bin, "runs"]));
    samples.run.push(
      withCpu(cpu.one, () => timed(process.execPath, [bin, "run"])),
    );
    samples.fifty.push(withCpu(cpu.fifty, () => fiftyRun(fanOut)));
    samples.fiftySerial.push(withCpu(cpu.fiftySerial, () => fiftyRun(1)));
    samples.spawn1.push(rawSpawns(1));
    samples.spawnMany.push(rawSpawns(fanOut));
  }
  // ((t50 - t1) - (raw50 - raw1)) / 49: what one more job costs beyond its process.
  const rawMore = median(samples.spawnMany) - median(samples.spawn1);
  const marginal = (fifty: number[]) =>
    round((median(fifty) - median(samples.run) - rawMore) / (fanOut - 1));
  const marginalCpu = (fifty: number, one: number) =>
    round((fifty - one) / reps / (fanOut - 1));
  const figures = {
    firstCommandMs: round(first),
    warmRunsMs: round(median(samples.runs)),
    nodeMs: round(median(samples.node)),
    gitStatusMs: round(median(samples.git)),
    helpMs: round(median(samples.help)),
    warmRunsOverNodeMs: round(median(samples.runs) - median(samples.node)),
    warmRunsOverHelpMs: round(median(samples.runs) - median(samples.help)),
    warmOneJobRunMs: round(median(samples.run)),
    warmFiftyJobRunMs: round(median(samples.fifty)),
    warmFiftyJobSerialRunMs: round(median(samples.fiftySerial)),
    rawSpawnOneMs: round(median(samples.spawn1)),
    rawSpawnFiftyMs: round(median(samples.spawnMany)),
    marginalJobMs: marginal(samples.fifty),
    marginalJobSerialMs: marginal(samples.fiftySerial),
    marginalJobServerCpuMs: marginalCpu(cpu.fifty.server, cpu.one.server),
    marginalJobClientCpuMs: marginalCpu(cpu.fifty.client, cpu.one.client),
    marginalJobSerialServerCpuMs: marginalCpu(
      cpu.fiftySerial.server,
      cpu.one.server,
    ),
    serverPeakRssMb: peakRssMb(serverPid),
    ...serverWithManyRuns(),
    reps,
  };
  console.log(
    `first command in a fresh home (starts the server): ${figures.firstCommandMs} ms (target < 3000)`,
  );
  console.log(
    `sluice runs, warm local server: ${figures.warmRunsMs} ms median of ${reps} (target < 150)`,
  );
  console.log(
    `sluice run, one job, warm:      ${figures.warmOneJobRunMs} ms median of ${reps} (target < 600)`,
  );
  console.log(
    `sluice run, 50 no-op jobs, warm: ${figures.warmFiftyJobRunMs} ms (--max-parallel 50), ${figures.warmFiftyJobSerialRunMs} ms (--max-parallel 1)`,
  );
  console.log(
    `raw spawns of the step (bash script): 50 in ${figures.rawSpawnFiftyMs} ms, 1 in ${figures.rawSpawnOneMs} ms`,
  );
  console.log(
    `marginal cost of a no-op job:   ${figures.marginalJobMs} ms (--max-parallel 50; target <= 10), ${figures.marginalJobSerialMs} ms one at a time`,
  );
  console.log(
    `  its CPU: server and step spawner ${figures.marginalJobServerCpuMs} ms (one at a time: ${figures.marginalJobSerialServerCpuMs} ms), client ${figures.marginalJobClientCpuMs} ms`,
  );
  console.log(`node -e 0:                      ${figures.nodeMs} ms`);
  console.log(`git status:                     ${figures.gitStatusMs} ms`);
  console.log(
    `sluice runs minus node -e 0:    ${figures.warmRunsOverNodeMs} ms`,
  );
  console.log(
    `local server peak RSS:          ${figures.serverPeakRssMb ?? "n/a"} MB`,
  );
  console.log(
    `local server peak RSS, 1,000 runs in the home: ${figures.manyRunsServerPeakRssMb ?? "n/a"} MB (sluice runs --limit 1000: ${figures.manyRunsListMs} ms)`,
  );
  console.log(JSON.stringify({ bench: "cli", ...figures }));
} finally {
  stopServer(manyEnv, manyPid);
  stopServer(env, serverPid);
  for (const dir of [repo, home, manyHome]) {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Asks a home's server to stop, and makes sure it did. */
function stopServer(serverEnv: NodeJS.ProcessEnv, pid: number | undefined) {
  spawnSync(process.execPath, [bin, "server", "stop"], {
    env: serverEnv,
    stdio: "ignore",
  });
  if (pid === undefined) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // stopped
  }
}

/** The server of the home with 1,000 runs: a full listing, then warm ones; its peak RSS. */
function serverWithManyRuns() {
  const list = (limit: string) => {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [bin, "runs", "-n", limit], {
      cwd: repo,
      env: manyEnv,
      stdio: "pipe",
    });
    if (result.status !== 0)
      throw new Error(
        `sluice runs -n ${limit} exited ${result.status}: ${result.stderr}`,
      );
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  list("20");
  const listMs = list("1000");
  for (let i = 0; i < 5; i++) list("20");
  manyPid = (
    JSON.parse(
      execFileSync(process.execPath, [bin, "server", "status", "--json"], {
        env: manyEnv,
        encoding: "utf8",
      }),
    ) as { pid: number }
  ).pid;
  return {
    manyRunsListMs: round(listMs),
    manyRunsServerPeakRssMb: peakRssMb(manyPid),
  };
}

/** User + system CPU (ms) of a process and of its live node children (the step spawner). */
function processTreeCpuMs(pid: number): number {
  let ticks = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "latin1");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const self = Number(entry) === pid;
      if (!self && (Number(fields[1]) !== pid || comm !== "node")) continue;
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

/** CPU (ms) of this process's children that have ended (cutime + cstime): the clients. */
function endedChildrenCpuMs(): number {
  const stat = readFileSync("/proc/self/stat", "latin1");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

/** VmHWM of a process (Linux), in MB. */
function peakRssMb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
    return Number.isFinite(kb) ? Math.round(kb / 1024) : undefined;
  } catch {
    return undefined;
  }
}
