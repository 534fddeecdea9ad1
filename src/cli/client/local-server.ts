import { spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AppError, ensureHome, isAlive } from "../../kernel/index.js";
import {
  localSocketPath,
  sluiceVersion,
  storeOf,
} from "../../server/local/address.js";
import {
  OtherVersionError,
  call,
  isNoServer,
  parseWithDates,
  problemError,
  streamLines,
} from "./socket-http.js";
import type { ServerClient } from "./server-client.js";
import type { CallOptions } from "./socket-http.js";

/** What `GET /api/v1/server` answers. */
export interface ServerStatus {
  version: string;
  pid: number;
  mode: "on-demand" | "serve" | "embedded";
  startedAt: string | null;
  idleMs: number | null;
}

type Method = "GET" | "POST" | "PUT" | "DELETE";

/** A client of the local server of one `$SLUICE_HOME`. */
export interface LocalClient extends ServerClient {
  socketPath: string;
  /**
   * Calls a JSON route (also PUT and DELETE, for the account commands); a problem answer
   * throws as the AppError it stands for.
   */
  json<T>(method: Method, path: string, body?: unknown): Promise<T>;
  /** POST a JSON body to a route that answers application/x-ndjson, line by line. */
  postLines(
    path: string,
    body: unknown,
    onLine: (line: string) => void | Promise<void>,
  ): Promise<void>;
}

export interface LocalServerEnv {
  home: string;
  /** Who this terminal's changes are by, recorded in audit rows (`actorOf`); else the server's owner. */
  actor?: string | undefined;
  /** SLUICE_DATABASE_URL: a server of another store is refused. */
  databaseUrl?: string | undefined;
  /** Tells the user when a server of another version is replaced. */
  stderr(text: string): void;
}

/** How long a command waits for a server to start (opening a large store can take seconds). */
const startTimeoutMs = 60_000;
/** How long a server that accepts connections may take to answer its status. */
const answerTimeoutMs = 10_000;
const pollMs = 15;
const bin = fileURLToPath(new URL("../../../bin/sluice.js", import.meta.url));

/** The server's log: what it prints, and why it did not start. */
const serverLogName = "server.log";

/** The local server's status, or undefined when nobody serves the socket (no file, or a dead server's). */
export async function probe(
  socketPath: string,
): Promise<ServerStatus | undefined> {
  try {
    const answer = await call(socketPath, "GET", "/api/v1/server", {
      timeoutMs: answerTimeoutMs,
    });
    if (answer.status !== 200) throw problemError(answer);
    return JSON.parse(answer.body) as ServerStatus;
  } catch (error) {
    if (isNoServer(error)) return undefined;
    if ((error as NodeJS.ErrnoException).code === "ETIMEDOUT")
      throw new AppError(
        "TIMEOUT",
        `the local server on ${socketPath} accepts connections but does not answer: stop it (\`sluice server stop\`) or end its process`,
      );
    throw error;
  }
}

/**
 * A client of the local server of `$SLUICE_HOME`. The first request goes straight to the
 * socket (one round trip when the server runs); when nobody serves it, or a server of another
 * sluice version answers, `ensureServer` starts (or replaces) it and the request is sent again.
 */
export function localClient(env: LocalServerEnv): LocalClient {
  const socketPath = localSocketPath(env.home);
  const store = storeOf(env.databaseUrl);
  // A server that says no store is older than this check: its version differs anyway.
  const checkStore = (served: string | undefined) => {
    if (served !== undefined && served !== store)
      throw new AppError(
        "CONFLICT",
        `the local server of ${env.home} serves ${served === "embedded" ? "the embedded database" : "another Postgres database"}, not ${env.databaseUrl ? "the one SLUICE_DATABASE_URL names" : "the embedded one (SLUICE_DATABASE_URL is not set here)"}: stop it (\`sluice server stop\`) or use another SLUICE_HOME`,
      );
  };
  async function withServer<T>(attempt: () => Promise<T>): Promise<T> {
    try {
      return await attempt();
    } catch (error) {
      if (!isNoServer(error) && !(error instanceof OtherVersionError))
        throw error;
      const early = earlyStarts.get(env.home);
      earlyStarts.delete(env.home);
      await (early ?? ensureServer(env));
      return attempt().catch((again: unknown) => {
        throw isNoServer(again)
          ? new AppError(
              "STORE_UNAVAILABLE",
              "the local server stopped while answering; run the command again",
              { cause: again },
            )
          : again;
      });
    }
  }
  return {
    socketPath,
    json<T>(method: Method, path: string, body?: unknown) {
      return withServer(async () => {
        const options: CallOptions = {
          ...(body === undefined ? {} : { body }),
          actor: env.actor,
        };
        const answer = await call(socketPath, method, path, options);
        if (answer.version !== sluiceVersion)
          throw new OtherVersionError(answer.version);
        checkStore(answer.store);
        if (answer.status >= 300) throw problemError(answer);
        return parseWithDates<T>(answer.body);
      });
    },
    postLines(path, body, onLine) {
      return withServer(() =>
        streamLines(
          socketPath,
          path,
          { version: sluiceVersion, checkStore, body, actor: env.actor },
          onLine,
        ),
      );
    },
    lines(path, onLine, signal) {
      return withServer(() =>
        streamLines(
          socketPath,
          path,
          { version: sluiceVersion, checkStore, signal },
          onLine,
        ),
      );
    },
  };
}

/** Starts begun by `startServerEarly`, by home, until a request takes them. */
const earlyStarts = new Map<string, Promise<ServerStatus>>();

/**
 * Begins now, in the background of this command, the start of the server its first request will
 * need, so that the server's start (seconds on a fresh home: its modules, the store) overlaps
 * what the command does before that request (`sluice run` loads its terminal view). The first
 * request that finds no server waits for this start, and fails with its error if it failed.
 */
export function startServerEarly(env: LocalServerEnv): void {
  if (earlyStarts.has(env.home)) return;
  const start = ensureServer(env);
  // Its error reaches the request that takes it.
  start.catch(() => {});
  earlyStarts.set(env.home, start);
}

/**
 * Finds the local server of `$SLUICE_HOME` or starts it in the background and waits until it
 * answers. A socket left by a dead server is replaced; a server of another sluice version is
 * asked to stop and replaced. Of commands starting at once, one starts the server (a start
 * lock in the home) and the others wait for it.
 */
export async function ensureServer(env: LocalServerEnv): Promise<ServerStatus> {
  const socketPath = localSocketPath(env.home);
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    const status = await probe(socketPath);
    if (status && status.version === sluiceVersion) return status;
    if (status) {
      env.stderr(
        `sluice: replacing the local server of sluice ${status.version} (pid ${status.pid}) with one of sluice ${sluiceVersion}`,
      );
      await stopServer(socketPath, status);
      continue;
    }
    const started = await startOnce(env.home, socketPath, deadline);
    if (started) return started;
    if (Date.now() > deadline)
      throw new AppError(
        "TIMEOUT",
        `the local server did not start within ${startTimeoutMs / 1000} s; see ${join(env.home, serverLogName)}`,
      );
  }
}

/** Asks a server to stop and waits until its process is gone. */
export async function stopServer(
  socketPath: string,
  status: Pick<ServerStatus, "pid">,
  body: { handBack?: boolean } = {},
): Promise<void> {
  const answer = await call(socketPath, "POST", "/api/v1/server/stop", {
    body,
    timeoutMs: answerTimeoutMs,
  }).catch((error: unknown) => {
    if (isNoServer(error)) return undefined;
    throw error;
  });
  // A server without the stop route (another version) is ended by its pid.
  if (answer?.status === 404) signal(status.pid, "SIGTERM");
  else if (answer && answer.status !== 202) throw problemError(answer);
  await until(() => !isAlive(status.pid), startTimeoutMs);
}

/**
 * Starts the server unless another command is starting it: holds `server-start.lock` while it
 * spawns and waits. Returns the status once it answers, or undefined when another command held
 * the lock (the caller looks again).
 */
async function startOnce(
  home: string,
  socketPath: string,
  deadline: number,
): Promise<ServerStatus | undefined> {
  ensureHome(home);
  const lock = join(home, "server-start.lock");
  if (!takeLock(lock)) {
    // Another command is starting it: wait for its server, or for its lock to go.
    await until(
      async () => !lockHeld(lock) || (await probe(socketPath)) !== undefined,
      Math.max(0, deadline - Date.now()),
    );
    return undefined;
  }
  try {
    // It may have started between our look and our lock.
    const running = await probe(socketPath);
    if (running) return running;
    const log = openSync(join(home, serverLogName), "a", 0o600);
    const child = spawn(process.execPath, [bin, "server", "run"], {
      detached: true,
      stdio: ["ignore", log, log],
      // The server of this home, whatever this process's own SLUICE_HOME (`sluice demo` has its own).
      env: { ...process.env, SLUICE_HOME: home },
    });
    closeSync(log);
    let exited = false;
    child.once("exit", () => (exited = true));
    child.once("error", () => (exited = true));
    let status: ServerStatus | undefined;
    await until(
      async () => exited || (status = await probe(socketPath)) !== undefined,
      Math.max(0, deadline - Date.now()),
    );
    child.unref();
    if (status) return status;
    throw new AppError(
      "STORE_UNAVAILABLE",
      exited
        ? `the local server did not start: ${lastLine(join(home, serverLogName))}`
        : `the local server did not start within ${startTimeoutMs / 1000} s; see ${join(home, serverLogName)}`,
    );
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Takes the start lock; a lock whose holder died is taken over. */
function takeLock(lock: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: "wx", mode: 0o600 });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      if (lockHeld(lock)) return false;
      rmSync(lock, { force: true });
    }
  }
  return false;
}

function lockHeld(lock: string): boolean {
  let text: string;
  try {
    text = readFileSync(lock, "utf8");
  } catch {
    return false;
  }
  const pid = Number(text.trim());
  // Empty: its holder is writing it right now.
  return text === "" || (Number.isInteger(pid) && pid > 0 && isAlive(pid));
}

/**
 * Before a command opens the embedded store in its own process (`sluice run`, until it goes
 * through the server too): an idle on-demand server of the home is asked to hand the store
 * back (stop), and waited for. A busy one says so (CONFLICT); `sluice serve` keeps it.
 */
export async function handBackLocalServer(home: string): Promise<void> {
  let socketPath: string;
  try {
    socketPath = localSocketPath(home);
  } catch {
    return; // no socket can exist at that path
  }
  if (!existsSync(socketPath)) return;
  const status = await probe(socketPath).catch(() => undefined);
  if (status?.mode === "serve")
    throw new AppError(
      "STORE_LOCKED",
      `\`sluice serve\` (process ${status.pid}) holds the embedded store of ${home}, and this command does not go through it yet: run it while the server is stopped, or run both on Postgres (SLUICE_DATABASE_URL)`,
    );
  if (!status || status.mode !== "on-demand") return;
  await stopServer(socketPath, status, { handBack: true });
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** The server's last error line in its log (`sluice: …`, as main prints errors). */
function lastLine(path: string): string {
  try {
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    const error = lines.findLast((line) => line.startsWith("sluice: "));
    return error ? error.slice("sluice: ".length) : `see ${path}`;
  } catch {
    return `see ${path}`;
  }
}

async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition()) && Date.now() < end)
    await new Promise((resolve) => setTimeout(resolve, pollMs));
}
