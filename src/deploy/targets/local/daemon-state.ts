import {
  existsSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

/** Routes by release id, as the admin API takes them and the state file keeps them. */
export interface RouteRequest {
  stable: string | null;
  canary: string | null;
  weight: number;
}

/** A release the daemon runs, with what is needed to find its process again. */
export interface SavedRelease {
  id: string;
  command: string;
  env: Record<string, string>;
  health: string;
  cwd?: string;
  port: number;
  pid: number | null;
  /** The process's start time (clock ticks since boot, from /proc), so a reused pid is not taken for it. */
  startTime: string | null;
}

/**
 * What the daemon writes to `state.json` at every change, so that a daemon started after it
 * died (by its supervisor or by the next sluice command) serves the same port with the same
 * releases and weights.
 */
export interface SavedState {
  proxyPort: number;
  routes: RouteRequest;
  releases: SavedRelease[];
}

const stateFile = (dir: string) => join(dir, "state.json");

/** The saved state of a daemon folder, or null when there is none (or it cannot be read). */
export function readSavedState(dir: string): SavedState | null {
  const file = stateFile(dir);
  if (!existsSync(file)) return null;
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as SavedState;
    if (
      typeof parsed.proxyPort !== "number" ||
      !Array.isArray(parsed.releases) ||
      typeof parsed.routes !== "object"
    )
      return null;
    return parsed;
  } catch {
    return null;
  }
}

/** Replaces the state file in one step (write, then rename), private to the user. */
export function writeSavedState(dir: string, state: SavedState): void {
  const file = stateFile(dir);
  writeFileSync(`${file}.tmp`, JSON.stringify(state), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

export function removeSavedState(dir: string): void {
  rmSync(stateFile(dir), { force: true });
}

/**
 * When a process started (field 22 of `/proc/PID/stat`), or null where /proc is missing or the
 * process is gone. With the pid it names one process: a pid the kernel handed out again has
 * another start time.
 */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/** Whether the process `pid` is the one that started at `startTime` (when /proc can tell). */
export function sameProcess(pid: number, startTime: string | null): boolean {
  const now = processStartTime(pid);
  if (now === null || startTime === null) return true;
  return now === startTime;
}
