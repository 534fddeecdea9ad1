import {
  chmodSync,
  renameSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { isAlive } from "../kernel/index.js";

/** `$SLUICE_HOME/server.json`: where a running `sluice serve` can be reached. Mode 0600. */
export interface ServerFile {
  pid: number;
  url: string;
  /** Authorizes management routes for the local CLI; never logged or printed. */
  adminToken: string;
}

function serverFilePath(home: string): string {
  return join(home, "server.json");
}

export function writeServerFile(home: string, file: ServerFile): void {
  const path = serverFilePath(home);
  // Written aside and renamed into place: a command reading it never sees half a file.
  const aside = `${path}.${process.pid}.tmp`;
  writeFileSync(aside, `${JSON.stringify(file)}\n`, { mode: 0o600 });
  chmodSync(aside, 0o600);
  renameSync(aside, path);
}

/** Removes the file, but only when it still names this process. */
export function removeServerFile(home: string, pid: number): void {
  const current = readServerFile(home, { checkAlive: false });
  if (current && current.pid !== pid) return;
  rmSync(serverFilePath(home), { force: true });
}

/**
 * The server named in `$SLUICE_HOME/server.json`, when its process is alive; undefined when
 * there is no file, it is unreadable, or it names a dead process (a crash leaves it behind).
 */
export function readServerFile(
  home: string,
  options: { checkAlive?: boolean } = {},
): ServerFile | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(serverFilePath(home), "utf8"));
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== "object") return undefined;
  const { pid, url, adminToken } = parsed as Record<string, unknown>;
  if (
    typeof pid !== "number" ||
    typeof url !== "string" ||
    typeof adminToken !== "string"
  )
    return undefined;
  if (options.checkAlive !== false && !isAlive(pid)) return undefined;
  return { pid, url, adminToken };
}
