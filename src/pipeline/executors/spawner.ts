import { fork, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import type { Socket } from "node:net";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";

/** A step process started in its own process group, with its output as two streams. */
export interface StepProcess {
  /** Its pid, which is also its process group id (it was started detached). */
  pid: number;
  stdout: Readable;
  stderr: Readable;
  /** Settles when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * Once the process has ended: reads the files of `read` (of its request's `files`, as UTF-8)
   * and removes every file of the request. Rejects with the read error (a step that removed its
   * output file); the files are removed either way.
   */
  finish(read: string[]): Promise<string[]>;
}

/** A file that exists for one step process only (its script, its output files). */
export interface StepFile {
  path: string;
  content: string;
}

/**
 * A file of the request could not be created (a missing or full temp folder): the step fails with
 * the file system's message, not as a missing shell.
 */
export class StepFileError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** What a step process needs: argv, working directory, the complete environment. */
export interface SpawnRequest {
  program: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /**
   * Files that exist for this process only (its script, its output files): created owner-only,
   * in this order, before it starts, and removed by `StepProcess.finish` (or when it cannot start).
   * Through the helper, the helper writes, reads and removes them, so this process's thread and
   * libuv's threads do no file work for a step (ADR 015, session 9); the helper removes them
   * when this process dies first.
   */
  files?: StepFile[] | undefined;
}

/**
 * Starts a step process. Rejects with the spawn error (`code` ENOENT, EACCES...) when the program
 * cannot be started.
 */
export type SpawnStep = (request: SpawnRequest) => Promise<StepProcess>;

/**
 * Spawns from this process (`detached`, stdin closed, stdout and stderr piped); its files are
 * written, read and removed off the event loop (`node:fs/promises`, ADR 036).
 */
export const spawnHere: SpawnStep = async (request) => {
  const files = request.files ?? [];
  try {
    for (const file of files)
      await writeFile(file.path, file.content, { mode: 0o600 });
  } catch (error) {
    await removeHere(files);
    const { code, message } = error as NodeJS.ErrnoException;
    throw new StepFileError(message, code);
  }
  try {
    return await new Promise<StepProcess>((resolve, reject) => {
      const child = spawn(request.program, request.args, {
        cwd: request.cwd,
        env: request.env,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
      if (child.pid === undefined) {
        child.once("error", reject);
        return;
      }
      resolve(fromChild(child, child.pid, (read) => finishHere(files, read)));
    });
  } catch (error) {
    await removeHere(files);
    throw error;
  }
};

/** `StepProcess.finish` in this process. */
async function finishHere(files: StepFile[], read: string[]) {
  try {
    return await Promise.all(read.map((path) => readFile(path, "utf8")));
  } finally {
    await removeHere(files);
  }
}

async function removeHere(files: StepFile[]): Promise<void> {
  await Promise.all(files.map((file) => rm(file.path, { force: true })));
}

function fromChild(
  child: ChildProcess,
  pid: number,
  finish: StepProcess["finish"],
): StepProcess {
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  // A late error (a kill that failed) must not crash the process.
  child.on("error", () => {});
  return {
    pid,
    stdout: child.stdout!,
    stderr: child.stderr!,
    exited,
    finish,
  };
}

/** Messages between this process and the spawner (see spawner-main.ts). */
export type SpawnerMessage =
  | { kind: "ready" }
  | { kind: "stream"; id: number; pid: number; stream: "stdout" | "stderr" }
  | {
      kind: "error";
      id: number;
      code?: string;
      message: string;
      /** The request's files could not be created (see `StepFileError`). */
      files?: boolean;
    }
  | { kind: "exit"; id: number; code: number | null; signal: string | null }
  | {
      kind: "finished";
      id: number;
      texts?: string[];
      /** When a file could not be read. */
      error?: { code?: string; message: string };
    };

interface Pending {
  request: SpawnRequest;
  resolve(process: StepProcess): void;
  reject(error: Error): void;
  pid?: number;
  stdout?: Socket;
  stderr?: Socket;
  exit(result: { code: number | null; signal: NodeJS.Signals | null }): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  settled: boolean;
}

/**
 * Step processes started by a small helper process instead of this one. Forking copies the page
 * tables of the process that forks: with the embedded database open this process holds a few
 * hundred MB, and each spawn cost about 11 ms of CPU here against 0.6 ms from the helper (ADR 032).
 * The helper starts the process detached, sends its stdout and stderr pipes here (the output never
 * passes through the helper), and reports its exit. Signals still go from here to the process
 * group. If the helper is gone, steps are spawned here.
 */
export class StepSpawner {
  private readonly pending = new Map<number, Pending>();
  /** `finish` requests sent to the helper and not yet answered. */
  private readonly finishing = new Map<
    number,
    {
      files: StepFile[];
      read: string[];
      settle(texts: Promise<string[]>): void;
    }
  >();
  private nextId = 1;
  private alive = true;

  private constructor(private readonly helper: ChildProcess) {
    helper.on("message", (message: SpawnerMessage, handle?: unknown) =>
      this.onMessage(message, handle),
    );
    helper.once("exit", () => this.gone());
    helper.on("error", () => this.gone());
  }

  /** Starts the helper; resolves once it is ready (or undefined if it cannot start). */
  static async start(): Promise<StepSpawner | undefined> {
    const built = fileURLToPath(new URL("./spawner-main.js", import.meta.url));
    const source = fileURLToPath(new URL("./spawner-main.ts", import.meta.url));
    // From src/ (tests run the TypeScript), the helper needs tsx's loader.
    const [entry, execArgv] = existsSync(built)
      ? [built, []]
      : [source, ["--import", "tsx"]];
    try {
      const helper = fork(entry, [], {
        execArgv: [...execArgv, "--max-old-space-size=64"],
        stdio: ["ignore", "inherit", "inherit", "ipc"],
        serialization: "json",
      });
      await new Promise<void>((resolve, reject) => {
        helper.once("message", (message: SpawnerMessage) =>
          message.kind === "ready"
            ? resolve()
            : reject(new Error("unexpected message")),
        );
        helper.once("error", reject);
        helper.once("exit", () => reject(new Error("the spawner exited")));
      });
      const spawner = new StepSpawner(helper);
      // Idle, neither the helper nor its channel keeps this process alive.
      spawner.holdLoop(false);
      return spawner;
    } catch {
      return undefined;
    }
  }

  /** The `SpawnStep` that goes through the helper (or spawns here once the helper is gone). */
  readonly spawn: SpawnStep = (request) => {
    if (!this.alive) return spawnHere(request);
    const id = this.nextId++;
    return new Promise<StepProcess>((resolve, reject) => {
      let exit!: Pending["exit"];
      const exited = new Promise<{
        code: number | null;
        signal: NodeJS.Signals | null;
      }>((r) => (exit = r));
      this.pending.set(id, {
        request,
        resolve,
        reject,
        exit,
        exited,
        settled: false,
      });
      this.holdLoop(true);
      this.helper.send({ kind: "spawn", id, ...request }, (error) => {
        if (!error) return;
        this.forget(id);
        // The helper is gone: spawn here instead.
        spawnHere(request).then(resolve, reject);
      });
    });
  };

  /** Stops the helper (running step processes are not its to stop: they have their own groups). */
  async close(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise((resolve) => this.helper.once("exit", resolve));
    // Whoever awaits the close must not be left with nothing that keeps the process alive.
    this.helper.ref();
    this.helper.disconnect();
    await exited;
  }

  /**
   * While a step is outstanding (from its spawn request to its exit report) the helper and its
   * channel keep this process alive: a step that prints nothing for a while leaves nothing else
   * to, and Node would end a process whose top-level await waits for that step (exit code 13).
   * Idle, they do not, so a command that is done exits without closing the spawner first.
   */
  private holdLoop(hold: boolean): void {
    const channel = this.helper.channel as
      { ref?: () => void; unref?: () => void } | null | undefined;
    if (hold) {
      this.helper.ref();
      channel?.ref?.();
    } else {
      this.helper.unref();
      channel?.unref?.();
    }
  }

  private forget(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0 && this.finishing.size === 0)
      this.holdLoop(false);
  }

  /** `StepProcess.finish` through the helper (or here once the helper is gone). */
  private finish(id: number, files: StepFile[], read: string[]) {
    if (!this.alive) return finishHere(files, read);
    return new Promise<string[]>((resolve, reject) => {
      this.finishing.set(id, {
        files,
        read,
        settle: (texts) => texts.then(resolve, reject),
      });
      this.holdLoop(true);
      this.helper.send({ kind: "finish", id, read }, (error) => {
        if (!error) return;
        this.finished(id, finishHere(files, read));
      });
    });
  }

  private finished(id: number, texts: Promise<string[]>): void {
    const finishing = this.finishing.get(id);
    if (!finishing) return;
    this.finishing.delete(id);
    this.forget(id);
    finishing.settle(texts);
  }

  private onMessage(message: SpawnerMessage, handle: unknown): void {
    if (message.kind === "ready") return;
    if (message.kind === "finished") {
      const { texts, error } = message;
      this.finished(
        message.id,
        error
          ? Promise.reject(
              Object.assign(new Error(error.message), { code: error.code }),
            )
          : Promise.resolve(texts ?? []),
      );
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    switch (message.kind) {
      case "stream": {
        pending.pid = message.pid;
        pending[message.stream] = handle as Socket;
        if (pending.stdout && pending.stderr && !pending.settled) {
          pending.settled = true;
          pending.resolve({
            pid: message.pid,
            stdout: pending.stdout,
            stderr: pending.stderr,
            exited: pending.exited,
            finish: (read) =>
              this.finish(message.id, pending.request.files ?? [], read),
          });
        }
        return;
      }
      case "error": {
        this.forget(message.id);
        pending.settled = true;
        pending.reject(
          message.files
            ? new StepFileError(message.message, message.code)
            : Object.assign(new Error(message.message), {
                code: message.code,
              }),
        );
        return;
      }
      case "exit":
        this.forget(message.id);
        pending.exit({
          code: message.code,
          signal: message.signal as NodeJS.Signals | null,
        });
        return;
    }
  }

  private gone(): void {
    if (!this.alive) return;
    this.alive = false;
    for (const [id, { files, read }] of this.finishing)
      this.finished(id, finishHere(files, read));
    for (const [id, pending] of this.pending) {
      this.forget(id);
      if (!pending.settled) {
        // Not started yet (or its pipes were lost with the helper): start it here.
        pending.settled = true;
        spawnHere(pending.request).then(pending.resolve, pending.reject);
      } else {
        // Started: its exit status is lost with the helper; it has ended once its output has.
        void Promise.all([ended(pending.stdout!), ended(pending.stderr!)]).then(
          () => pending.exit({ code: null, signal: null }),
        );
      }
    }
  }
}

function ended(stream: Socket): Promise<void> {
  if (stream.closed) return Promise.resolve();
  return new Promise((resolve) => stream.once("close", () => resolve()));
}
