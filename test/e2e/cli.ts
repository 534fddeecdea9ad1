import { execFileSync, spawn, spawnSync } from "node:child_process";
import type { ChildProcess, SpawnSyncOptions } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root and the built CLI the e2e tests spawn. */
export const root = fileURLToPath(new URL("../..", import.meta.url));
export const bin = join(root, "bin", "sluice.js");

export function assertBuilt(): void {
  if (!existsSync(join(root, "dist", "cli", "main.js"))) {
    throw new Error("dist/ is missing: run `npm run build` first");
  }
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * A local server a command starts on demand exits this soon after the tests' last command
 * (default 10 minutes), so none outlives the test run; a test may set its own.
 */
const serverIdle = { SLUICE_SERVER_IDLE: "20s" };

/** Runs `sluice ARGS` to completion in `cwd` with `env` added. */
export function sluice(
  cwd: string,
  env: Record<string, string>,
  args: string[],
  options: Pick<SpawnSyncOptions, "uid" | "gid" | "timeout" | "input"> = {},
): CliResult {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", ...serverIdle, ...env },
    maxBuffer: 64 * 1024 * 1024,
    ...options,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts `sluice ARGS` and returns the child (for signals and live output). */
export function startSluice(
  cwd: string,
  env: Record<string, string>,
  args: string[],
): ChildProcess & { output: { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", ...serverIdle, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "" };
  child.stdout!.on("data", (d: Buffer) => (output.stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output.stderr += d.toString()));
  return Object.assign(child, { output });
}

export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });
}

/**
 * Starts `sluice serve --port 0` in `env.SLUICE_HOME` and waits for its `server.json`: the
 * process, the URL it listens on and its admin token.
 */
export async function startServe(
  cwd: string,
  env: Record<string, string> & { SLUICE_HOME: string },
) {
  const server = startSluice(cwd, env, ["serve", "--port", "0"]);
  const file = join(env.SLUICE_HOME, "server.json");
  let written: { url: string; adminToken: string } | undefined;
  // Waits until it is whole: the file may be seen before its text is written.
  await until(
    () => {
      try {
        written = JSON.parse(readFileSync(file, "utf8")) as typeof written;
        return true;
      } catch {
        return false;
      }
    },
    "server.json",
    60_000,
  );
  const { url, adminToken } = written!;
  return { server, url, adminToken };
}

/** A temp git repository with `files` committed. */
export function gitRepo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "sluice-e2e-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: dir, stdio: "pipe" });
  git("init", "-q", "-b", "main");
  git("config", "user.name", "E2E");
  git("config", "user.email", "e2e@example.com");
  git("config", "commit.gpgsign", "false");
  git("add", ".");
  git("commit", "-q", "-m", "Initial commit");
  return dir;
}

/**
 * A `sleep` whose command line marks this test process's steps in `ps`: `n` (a number of the
 * file's own) followed by this process's id, padded so that no marker is a prefix of another.
 * Two suites on one machine then never count each other's processes.
 */
export const markedSleep = (n: number): string =>
  `sleep ${n}${String(process.pid).padStart(8, "0")}`;

/** Processes whose command line contains `marker` (e.g. a {@link markedSleep}), as `pid args`. */
export function processesMatching(marker: string): string[] {
  const out = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" });
  return out
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.includes(marker) && !line.includes("ps -eo"));
}

/** Waits until `check` holds (polling), or throws after `ms`. */
export async function until(
  check: () => boolean,
  what: string,
  ms = 30_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Peak resident set size of a live process in kB (VmHWM), or undefined once it is gone. */
export function peakRssKb(pid: number): number | undefined {
  try {
    const status = execFileSync("cat", [`/proc/${pid}/status`], {
      encoding: "utf8",
    });
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}
