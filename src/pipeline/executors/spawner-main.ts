// The step spawner (see spawner.ts): a small process that starts step processes for the sluice
// process, hands their stdout and stderr pipes over, and reports how they exit. It also writes each
// step's files before the step starts, and reads and removes them when asked.
import { spawn } from "node:child_process";
import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import type { Socket } from "node:net";
import { groupMembers, signalGroup } from "./process-group.js";
import type { SpawnerMessage, SpawnRequest } from "./spawner.js";

type Request =
  | (SpawnRequest & { kind: "spawn"; id: number })
  | { kind: "finish"; id: number; read: string[] };

/**
 * Sends to the sluice process. Once that process is gone the channel is closed: a send then
 * fails (EPIPE, ERR_IPC_CHANNEL_CLOSED), which is expected and must not end this process before
 * it has stopped the steps left behind, so the error goes to a callback that drops it.
 */
const send = (message: SpawnerMessage, handle?: Socket) => {
  if (!process.connected) return;
  process.send?.(message, handle, {}, () => {});
};

// Ctrl-C reaches the whole foreground process group: the sluice process decides what stops.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => {});

/**
 * The process groups of the steps started here that may still have live members. A group leaves
 * this set once it is empty; a group whose leader exited while background members live on stays
 * until those are gone (the sluice process ends them with the job, or this process does when the
 * sluice process is gone).
 */
const groups = new Set<number>();
/**
 * The files of each step (by request id), written here before it starts; they are read and
 * removed here when the sluice process asks (`finish`), or when that process is gone.
 */
const stepFiles = new Map<number, string[]>();
/** Grace between SIGTERM and SIGKILL for steps left running by a sluice process that is gone. */
const orphanGraceMs = 3_000;
const pollMs = 50;

/** Forgets the groups that have no process at all (a cheap probe, run before each spawn). */
function prune(): void {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 0);
    } catch {
      groups.delete(pgid);
    }
  }
}

function liveGroups(): number[] {
  return [...groups].filter((pgid) => groupMembers(pgid).length > 0);
}

/** Removes a step's files: one `unlink` each (`rmSync` would `lstat` each first). */
function removeFiles(files: string[]): void {
  for (const file of files) {
    try {
      unlinkSync(file);
    } catch {
      // Gone already (the step removed it), or not removable: nothing that should end the helper.
    }
  }
}

function removeTempFiles(): void {
  for (const files of stepFiles.values()) removeFiles(files);
}

/** Reads the files asked for and removes all of the step's (synchronous: nothing else waits here). */
function finish(id: number, read: string[]): void {
  const files = stepFiles.get(id) ?? [];
  stepFiles.delete(id);
  let answer: SpawnerMessage;
  try {
    answer = {
      kind: "finished",
      id,
      texts: read.map((file) => readFileSync(file, "utf8")),
    };
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    answer = { kind: "finished", id, error: { code, message } };
  }
  // Removed before the answer goes: once `finish` settles, the files are gone.
  removeFiles(files);
  send(answer);
}

// The sluice process is gone (or done): so is this one. A sluice process that ended normally has
// stopped its steps already; one that was killed (SIGKILL, OOM) could not, so the steps it left
// are stopped here: SIGTERM to each process group, SIGKILL to what is left after a grace, and the
// temp files of those steps are removed.
process.on("disconnect", () => {
  const left = liveGroups();
  if (left.length === 0) {
    removeTempFiles();
    process.exit(0);
  }
  for (const pgid of left) signalGroup(pgid, "SIGTERM");
  const deadline = performance.now() + orphanGraceMs;
  const poll = setInterval(() => {
    const live = liveGroups();
    if (live.length > 0 && performance.now() < deadline) return;
    clearInterval(poll);
    for (const pgid of live) signalGroup(pgid, "SIGKILL");
    removeTempFiles();
    process.exit(0);
  }, pollMs);
});

process.on("message", (request: Request) => {
  if (request.kind === "finish") return finish(request.id, request.read);
  if (request.kind !== "spawn") return;
  const { id } = request;
  const files = request.files ?? [];
  const paths = files.map((file) => file.path);
  stepFiles.set(id, paths);
  try {
    for (const file of files)
      writeFileSync(file.path, file.content, { mode: 0o600 });
  } catch (error) {
    stepFiles.delete(id);
    removeFiles(paths);
    const { code, message } = error as NodeJS.ErrnoException;
    send({ kind: "error", id, code, message, files: true });
    return;
  }
  prune();
  const child = spawn(request.program, request.args, {
    cwd: request.cwd,
    env: request.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.on("error", (error: NodeJS.ErrnoException) => {
    if (child.pid === undefined) {
      stepFiles.delete(id);
      removeFiles(paths);
      send({ kind: "error", id, code: error.code, message: error.message });
    }
  });
  const pid = child.pid;
  if (pid === undefined) return;
  groups.add(pid);
  child.once("exit", (code, signal) => {
    // Background members may outlive the leader; the group is kept until they are gone.
    if (groupMembers(pid).length === 0) groups.delete(pid);
    send({ kind: "exit", id, code, signal });
  });
  for (const stream of ["stdout", "stderr"] as const) {
    const socket = child[stream] as Socket;
    // Node starts reading a child's pipe at once; stop, so every byte stays in the pipe for the
    // process the pipe is handed to (the handle is sent in this same tick).
    (
      socket as unknown as { _handle?: { readStop?(): void } }
    )._handle?.readStop?.();
    send({ kind: "stream", id, pid, stream }, socket);
  }
});

send({ kind: "ready" });
