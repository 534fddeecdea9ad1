import { mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { keepDaemon } from "./keeper.js";

/**
 * A stand-in daemon (a real process): it counts its starts in a file, writes `daemon.json` as a
 * daemon does once it serves (unless told not to), then exits with the code of its start.
 */
function fakeDaemon(dir: string, codes: number[], serves = true): string[] {
  const script = `
    const fs = require("node:fs");
    const count = Number(fs.existsSync("${dir}/count") ? fs.readFileSync("${dir}/count", "utf8") : 0) + 1;
    fs.writeFileSync("${dir}/count", String(count));
    if (${serves}) fs.writeFileSync("${dir}/daemon.json", JSON.stringify({ pid: process.pid }));
    const codes = ${JSON.stringify(codes)};
    setTimeout(() => process.exit(codes[Math.min(count, codes.length) - 1]), 20);
  `;
  return [process.execPath, "-e", script];
}

function keeper(dir: string, command: string[]) {
  const lines: string[] = [];
  const k = keepDaemon({
    dir,
    command,
    env: process.env,
    logFd: openSync(join(dir, "daemon.log"), "a"),
    log: (line) => lines.push(line),
    backoffMs: 10,
    // every death counts as quick, however slowly a loaded machine starts node
    quickMs: 600_000,
  });
  return { ...k, lines };
}

describe("keepDaemon", () => {
  it("starts a daemon that died again, and stops when one exits 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-keeper-"));
    const k = keeper(dir, fakeDaemon(dir, [137, 1, 0]));
    expect(await k.done).toBe(0);
    expect(readFileSync(join(dir, "count"), "utf8")).toBe("3");
    expect(k.lines).toHaveLength(2);
    expect(k.lines[0]).toMatch(/exited with code 137; starting it again$/);
  });

  it("ends with the exit code of a first daemon that never served", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-keeper-"));
    const k = keeper(dir, fakeDaemon(dir, [7], false));
    expect(await k.done).toBe(7);
    expect(readFileSync(join(dir, "count"), "utf8")).toBe("1");
  });

  it("backs off a crash loop after the first immediate restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-keeper-"));
    const k = keeper(dir, fakeDaemon(dir, [1, 1, 1, 1, 0]));
    expect(await k.done).toBe(0);
    expect(k.lines.map((l) => /in (\d+) ms$/.exec(l)?.[1] ?? "0")).toEqual([
      "0",
      "10",
      "20",
      "40",
    ]);
  });

  it("stops its daemon when asked, and ends with 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-keeper-"));
    writeFileSync(join(dir, "count"), "0");
    const k = keeper(dir, [
      process.execPath,
      "-e",
      "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1000);",
    ]);
    await new Promise((r) => setTimeout(r, 300));
    k.stop();
    expect(await k.done).toBe(0);
  });
});
