// The step spawner (see spawner.ts): a small process that starts step processes for the sluice
// process, hands their stdout and stderr pipes over, and reports how they exit.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import type { Socket } from "node:net";
import { groupMembers, signalGroup } from "./process-group.js";
import type { SpawnerMessage, SpawnRequest } from "./spawner.js";

type Request = SpawnRequest & { kind: "spawn"; id: number };

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
 * The process groups of the steps started here that may still have live members, with the temp
 * files of each step. A group leaves this map once it is empty; a group whose leader exited while
 * background members live on stays until those are gone (the sluice process ends them with the
 * job, or this process does when the sluice process is gone).
 */
const groups = new Map<number, string[]>();
/** Grace between SIGTERM and SIGKILL for steps left running by a sluice process that is gone. */
const orphanGraceMs = 3_000;
const pollMs = 50;

/** Forgets the groups that have no process at all (a cheap probe, run before each spawn). */
function prune(): void {
  for (const pgid of groups.keys()) {
    try {
      process.kill(-pgid, 0);
    } catch {
      groups.delete(pgid);
    }
  }
}

function liveGroups(): number[] {
  return [...groups.keys()].filter((pgid) => groupMembers(pgid).length > 0);
}

function removeTempFiles(): void {
  for (const files of groups.values()) {
    for (const file of files) rmSync(file, { force: true });
  }
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
  if (request.kind !== "spawn") return;
  const { id } = request;
  prune();
  const child = spawn(request.program, request.args, {
    cwd: request.cwd,
    env: request.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.on("error", (error: NodeJS.ErrnoException) => {
    if (child.pid === undefined) {
      send({ kind: "error", id, code: error.code, message: error.message });
    }
  });
  const pid = child.pid;
  if (pid === undefined) return;
  groups.set(pid, request.tempFiles ?? []);
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
