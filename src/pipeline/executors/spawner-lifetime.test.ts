import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { groupMembers, signalGroup } from "./process-group.js";

// These tests run a small program that uses the spawner the way `sluice run` does, in a process
// of its own: what is tested is that process's lifetime (how it exits, what it leaves behind).
const spawnerModule = pathToFileURL(
  fileURLToPath(new URL("./spawner.ts", import.meta.url)),
).href;

function program(dir: string, body: string): string {
  const file = join(dir, "program.mts");
  writeFileSync(
    file,
    `import { StepSpawner } from ${JSON.stringify(spawnerModule)};\n` +
      `const spawner = await StepSpawner.start();\n` +
      `if (!spawner) throw new Error("the spawner did not start");\n` +
      body,
  );
  return file;
}

interface Ended {
  code: number | null;
  out: string;
  err: string;
}

function start(file: string): {
  child: ChildProcess;
  ended: Promise<Ended>;
  firstLine: Promise<string>;
} {
  const child = spawn(process.execPath, ["--import", "tsx", file], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  let gotLine!: (line: string) => void;
  const firstLine = new Promise<string>((resolve) => (gotLine = resolve));
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
    if (out.includes("\n")) gotLine(out.slice(0, out.indexOf("\n")));
  });
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  // Ended once it exited and its output is closed: the helper shares that output, so this waits
  // for the helper too.
  const ended = new Promise<Ended>((resolve) => {
    let code: number | null = null;
    let waiting = 3;
    const done = () => --waiting === 0 && resolve({ code, out, err });
    child.once("exit", (c) => {
      code = c;
      done();
    });
    child.stdout!.once("close", done);
    child.stderr!.once("close", done);
  });
  return { child, ended, firstLine };
}

describe("the spawner and the life of the process that uses it", () => {
  it("keeps the process alive while a step prints nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-spawner-quiet-"));
    // A top-level await on a step that is silent for 3 s, with nothing else in the event loop:
    // Node ends such a process with exit code 13 unless the spawner holds the loop.
    const file = program(
      dir,
      `const child = await spawner.spawn({ program: "bash", args: ["-c", "sleep 3; echo done"],
         cwd: "/", env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
       let out = "";
       child.stdout.on("data", (d) => (out += d));
       const exit = await child.exited;
       await new Promise((r) => (child.stdout.closed ? r() : child.stdout.once("close", r)));
       process.stdout.write(out.trim() + " " + exit.code + "\\n");
       await spawner.close();
       process.stdout.write("closed\\n");`,
    );
    const result = await start(file).ended;
    expect(result.err).toBe("");
    expect(result.out).toBe("done 0\nclosed\n");
    expect(result.code).toBe(0);
  });

  it("lets a process with no step outstanding end without closing the spawner", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-spawner-idle-"));
    const file = program(
      dir,
      `const child = await spawner.spawn({ program: "true", args: [], cwd: "/",
         env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
       await child.exited;
       process.stdout.write("idle\\n");`,
    );
    const result = await start(file).ended;
    expect(result).toEqual({ code: 0, out: "idle\n", err: "" });
  });

  it("stops the steps of a killed process, even one that ignores SIGTERM, and removes their temp files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-spawner-orphan-"));
    const temp = join(dir, "tmp");
    const script = join(temp, "step.sh");
    const output = join(temp, "step-output");
    const file = program(
      dir,
      `import { mkdirSync } from "node:fs";
       mkdirSync(${JSON.stringify(temp)});
       const child = await spawner.spawn({ program: "bash", args: [${JSON.stringify(script)}],
         cwd: "/", env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
         files: [{ path: ${JSON.stringify(output)}, content: "" },
           { path: ${JSON.stringify(script)}, content: "trap '' TERM\\nsleep 300 &\\nsleep 300\\n" }] });
       process.stdout.write(child.pid + "\\n");
       await child.exited;`,
    );
    const { child, ended, firstLine } = start(file);
    const pgid = Number(await firstLine);
    expect(pgid).toBeGreaterThan(1);
    // The step, its background child and its foreground child all ignore SIGTERM (`trap "" TERM` is inherited).
    await waitFor(() => groupMembers(pgid).length === 3);
    child.kill("SIGKILL");
    try {
      // The helper's grace is 3 s; a helper that is still there after 20 s left the step running.
      const result = await Promise.race([
        ended,
        new Promise<undefined>((r) => setTimeout(r, 20_000)),
      ]);
      expect(result?.code).toBe(null);
      // The helper stopped the group (SIGTERM, then SIGKILL after its grace) and exited quietly.
      expect(result?.err).toBe("");
      expect(groupMembers(pgid)).toEqual([]);
      expect(existsSync(temp) && readdirSync(temp)).toEqual([]);
    } finally {
      // Whatever failed above, leave no process behind.
      signalGroup(pgid, "SIGKILL");
    }
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 20));
}
