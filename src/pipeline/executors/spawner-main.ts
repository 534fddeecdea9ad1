// The step spawner (see spawner.ts): a small process that starts step processes for the sluice
// process, hands their stdout and stderr pipes over, and reports how they exit.
import { spawn } from "node:child_process";
import type { Socket } from "node:net";
import type { SpawnerMessage, SpawnRequest } from "./spawner.js";

type Request = SpawnRequest & { kind: "spawn"; id: number };

const send = (message: SpawnerMessage, handle?: Socket) =>
  process.send?.(message, handle);

// Ctrl-C reaches the whole foreground process group: the sluice process decides what stops.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => {});
/** The process groups of the steps started here whose leader has not exited yet. */
const running = new Set<number>();
/** Grace between SIGTERM and SIGKILL for steps left running by a sluice process that is gone. */
const orphanGraceMs = 3_000;

// The sluice process is gone (or done): so is this one. A sluice process that ended normally has
// stopped its steps already; one that was killed (SIGKILL, OOM) could not, so the steps it left
// are stopped here: SIGTERM to each process group, SIGKILL to what is left after a grace.
process.on("disconnect", () => {
  if (running.size === 0) process.exit(0);
  const groups = [...running];
  signalGroups(groups, "SIGTERM");
  const deadline = Date.now() + orphanGraceMs;
  const poll = setInterval(() => {
    if (running.size > 0 && Date.now() < deadline) return;
    clearInterval(poll);
    signalGroups(groups, "SIGKILL");
    process.exit(0);
  }, 50);
});

function signalGroups(groups: number[], signal: NodeJS.Signals): void {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, signal);
    } catch {
      // The group is empty already.
    }
  }
}

process.on("message", (request: Request) => {
  if (request.kind !== "spawn") return;
  const { id } = request;
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
  running.add(pid);
  child.once("exit", (code, signal) => {
    running.delete(pid);
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
