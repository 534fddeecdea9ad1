import {
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StepFileError, StepSpawner, spawnHere } from "./spawner.js";
import type { SpawnStep, StepFile, StepProcess } from "./spawner.js";

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
const temp = mkdtempSync(join(tmpdir(), "sluice-spawner-files-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

async function collect(child: StepProcess): Promise<{
  out: string;
  err: string;
  code: number | null;
  signal: string | null;
}> {
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  // A quiet process's pipe may have closed before it was handed over (as runProcess checks too).
  const ended = (s: NodeJS.ReadableStream & { closed?: boolean }) =>
    s.closed
      ? Promise.resolve()
      : new Promise((resolve) => s.once("close", resolve));
  const [exit] = await Promise.all([
    child.exited,
    ended(child.stdout),
    ended(child.stderr),
  ]);
  return { out, err, ...exit };
}

describe("step processes started by the spawner helper", () => {
  let spawner: StepSpawner;
  beforeAll(async () => {
    const started = await StepSpawner.start();
    if (!started) throw new Error("the spawner did not start");
    spawner = started;
  }, 60_000);
  afterAll(async () => {
    await spawner.close();
  });

  const cases: [string, () => SpawnStep][] = [
    ["helper", () => spawner.spawn],
    ["here", () => spawnHere],
  ];

  describe.each(cases)("spawned %s", (_name, spawnOf) => {
    /** `bash ARGS` with these files, from `/`. */
    const bashWith = (
      args: string[],
      files: StepFile[],
      more: Record<string, string> = {},
    ) =>
      spawnOf()({
        program: "bash",
        args,
        cwd: "/",
        env: { ...env, ...more },
        files,
      });

    it("hands over every byte of stdout and stderr and the exit code", async () => {
      const child = await spawnOf()({
        program: "bash",
        args: [
          "-c",
          "head -c 3000000 /dev/zero | tr '\\0' x; echo oops >&2; exit 3",
        ],
        cwd: "/",
        env,
      });
      const result = await collect(child);
      expect(result.out.length).toBe(3_000_000);
      expect(result.err).toBe("oops\n");
      expect(result.code).toBe(3);
    });

    it("starts the process as the leader of its own process group", async () => {
      const child = await spawnOf()({
        program: "bash",
        args: ["-c", "ps -o pgid= -p $$"],
        cwd: "/",
        env,
      });
      const result = await collect(child);
      expect(Number(result.out.trim())).toBe(child.pid);
    });

    it("lets this process signal the group", async () => {
      const child = await spawnOf()({
        program: "bash",
        args: ["-c", "sleep 30 & wait"],
        cwd: "/",
        env,
      });
      const done = collect(child);
      process.kill(-child.pid, "SIGTERM");
      expect((await done).signal).toBe("SIGTERM");
    });

    it("writes the step's files owner-only before it starts, reads and removes them in finish", async () => {
      const dir = mkdtempSync(join(temp, "ok-"));
      const script = join(dir, "step.sh");
      const output = join(dir, "output");
      const child = await bashWith(
        [script],
        [
          { path: output, content: "" },
          { path: script, content: 'echo "k=v" >> "$OUT"; echo ran' },
        ],
        { OUT: output },
      );
      // Both exist, owner-only, while the process may still use them.
      expect(statSync(script).mode & 0o777).toBe(0o600);
      expect(statSync(output).mode & 0o777).toBe(0o600);
      expect((await collect(child)).out).toBe("ran\n");
      expect(await child.finish([output])).toEqual(["k=v\n"]);
      expect(readdirSync(dir)).toEqual([]);
    });

    it("rejects finish with the read error when a file is gone, and removes the rest", async () => {
      const dir = mkdtempSync(join(temp, "gone-"));
      const output = join(dir, "output");
      const other = join(dir, "other");
      const child = await bashWith(
        ["-c", `rm ${output}`],
        [
          { path: output, content: "" },
          { path: other, content: "x" },
        ],
      );
      await collect(child);
      await expect(child.finish([output])).rejects.toMatchObject({
        code: "ENOENT",
      });
      expect(existsSync(other)).toBe(false);
    });

    it("rejects with a StepFileError, the file system's message, when a file cannot be written", async () => {
      const missing = join(temp, "no-such-dir", "output");
      const error = await bashWith(
        ["-c", "true"],
        [{ path: missing, content: "" }],
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StepFileError);
      expect(error).toMatchObject({ code: "ENOENT" });
      expect((error as Error).message).toContain(missing);
    });

    it("rejects with ENOENT when the program is missing, and removes the files it wrote", async () => {
      const dir = mkdtempSync(join(temp, "nostart-"));
      await expect(
        spawnOf()({
          program: "no-such-shell-600",
          args: [],
          cwd: "/",
          env,
          files: [{ path: join(dir, "output"), content: "" }],
        }),
      ).rejects.toMatchObject({ code: "ENOENT" });
      expect(readdirSync(dir)).toEqual([]);
    });
  });

  it("spawns here once the helper is gone", async () => {
    const other = await StepSpawner.start();
    await other!.close();
    const child = await other!.spawn({
      program: "bash",
      args: ["-c", "echo still"],
      cwd: "/",
      env,
    });
    expect((await collect(child)).out).toBe("still\n");
  });
});
