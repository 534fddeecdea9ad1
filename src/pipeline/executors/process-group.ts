import { readdirSync, readFileSync } from "node:fs";
import type { KillGrace } from "../ports.js";

/** The stop sequence of the GitHub runner: SIGINT, 7.5 s, SIGTERM, 2.5 s, SIGKILL. */
export const defaultGrace: KillGrace = { interruptMs: 7500, terminateMs: 2500 };

const pollMs = 25;

/**
 * Live (non-zombie) processes in a process group. Reads /proc on Linux, because `kill(-pgid, 0)`
 * also succeeds for zombies that nobody reaps (an init that does not wait). Elsewhere it falls
 * back to the signal probe.
 */
export function groupMembers(pgid: number): number[] {
  // Cheap first: no process at all in the group (the usual case once a step ended).
  if (!probe(pgid)) return [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return probe(pgid) ? [pgid] : [];
  }
  const members: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "latin1");
    } catch {
      continue; // it ended while we looked
    }
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parens, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(fields[2]) === pgid && fields[0] !== "Z" && fields[0] !== "X") {
      members.push(Number(entry));
    }
  }
  return members;
}

function probe(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends a signal to every process of the group; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

// Real time, not a Clock: the grace measures how long a real process takes to go (ADR 025).
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until the group has no live process, up to `ms`. True when it is gone. */
async function waitGroupGone(pgid: number, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  for (;;) {
    if (groupMembers(pgid).length === 0) return true;
    if (performance.now() >= deadline) return false;
    await sleep(Math.min(pollMs, Math.max(1, deadline - performance.now())));
  }
}

/**
 * Stops a whole process group: SIGINT, then SIGTERM after `grace.interruptMs`, then SIGKILL after
 * `grace.terminateMs`. Resolves with the last signal that was needed (or undefined if none was).
 */
export async function stopGroup(
  pgid: number,
  grace: KillGrace = defaultGrace,
): Promise<NodeJS.Signals | undefined> {
  if (groupMembers(pgid).length === 0) return undefined;
  const sequence: [NodeJS.Signals, number][] = [
    ["SIGINT", grace.interruptMs],
    ["SIGTERM", grace.terminateMs],
  ];
  for (const [signal, wait] of sequence) {
    if (!signalGroup(pgid, signal)) return signal;
    if (await waitGroupGone(pgid, wait)) return signal;
  }
  signalGroup(pgid, "SIGKILL");
  await waitGroupGone(pgid, 1000);
  return "SIGKILL";
}

/** Processes a job's steps left running in the background end with the job: SIGTERM, then SIGKILL. */
export async function endGroups(
  groups: Set<number>,
  graceMs: number,
): Promise<void> {
  await Promise.all(
    [...groups].map(async (pgid) => {
      if (groupMembers(pgid).length === 0) return;
      signalGroup(pgid, "SIGTERM");
      if (await waitGroupGone(pgid, graceMs)) return;
      signalGroup(pgid, "SIGKILL");
      await waitGroupGone(pgid, 1000);
    }),
  );
}
