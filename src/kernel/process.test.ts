import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { isAlive } from "./process.js";

describe("isAlive", () => {
  it("is true for this process and for pid 1 (another user's: EPERM is alive)", () => {
    expect(isAlive(process.pid)).toBe(true);
    expect(isAlive(1)).toBe(true);
  });

  it("is false for a process that has exited", async () => {
    const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    const pid = child.pid!;
    await once(child, "exit");
    expect(isAlive(pid)).toBe(false);
  });

  it.each([0, -1, -process.pid, 1.5, NaN, Infinity, 2 ** 53])(
    "is false for %s, which is not a pid",
    (pid) => expect(isAlive(pid)).toBe(false),
  );
});
