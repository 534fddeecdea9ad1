import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../kernel/index.js";
import { Masker } from "./masker.js";
import { createLogSinkFactory, jobDirName, stepLogPath } from "./step-log.js";
import { createPrefixedView, createProgressView } from "./terminal.js";

function setup(
  live?: Parameters<typeof createLogSinkFactory>[0]["live"],
  cap?: number,
) {
  const home = mkdtempSync(join(tmpdir(), "sluice-logs-"));
  const masker = new Masker();
  masker.add("p4ssw0rd!");
  const factory = createLogSinkFactory({
    home,
    masker,
    live,
    terminalCapBytes: cap,
  });
  return { home, factory };
}

const step = {
  runId: "run_1",
  jobKey: "test (node: 20)",
  position: 0,
  name: "npm test",
};

describe("step logs", () => {
  it("writes masked output to <home>/runs/<run>/<job>/<position>.log, even when split", async () => {
    const { home, factory } = setup();
    const log = factory.open(step);
    log.write("stdout", Buffer.from("login with p4ss"));
    log.write("stdout", Buffer.from("w0rd! ok\n"));
    log.note("retrying after p4ssw0rd!");
    await log.close({ status: "success" });
    expect(log.path).toBe(stepLogPath(home, "run_1", "test (node: 20)", 0));
    expect(log.path).toBe(
      join(home, "runs", "run_1", "test (node: 20)", "0.log"),
    );
    const text = readFileSync(log.path, "utf8");
    expect(text).not.toContain("p4ssw0rd!");
    expect(text).toContain("login with *** ok\n");
    expect(text).toContain("[sluice] retrying after ***\n");
  });

  it("replaces invalid UTF-8 instead of failing, and keeps multi-byte characters split across chunks", async () => {
    const { factory } = setup();
    const log = factory.open(step);
    const euro = Buffer.from("€", "utf8");
    log.write(
      "stdout",
      Buffer.concat([
        Buffer.from("bad:"),
        Buffer.from([0xff, 0xfe]),
        Buffer.from(" "),
        euro.subarray(0, 1),
      ]),
    );
    log.write("stdout", Buffer.concat([euro.subarray(1), Buffer.from("\n")]));
    await log.close({ status: "success" });
    expect(readFileSync(log.path, "utf8")).toBe("bad:\uFFFD\uFFFD €\n");
  });

  it("escapes a job key that is not a safe directory name", () => {
    expect(jobDirName("deploy (target: eu/west)")).toBe(
      "deploy (target: eu%2Fwest)",
    );
    expect(jobDirName("build")).toBe("build");
  });

  it("sends masked lines to the live view", async () => {
    const lines: string[] = [];
    const { factory } = setup(recorder(lines));
    const log = factory.open(step);
    log.write("stderr", "one p4ssw0rd!\ntwo\n");
    await log.close({ status: "failure" });
    expect(lines).toEqual([
      "start",
      "stderr:one ***",
      "stderr:two",
      "end:failure",
    ]);
  });

  it("caps what the terminal gets, while the file gets everything", async () => {
    const lines: string[] = [];
    const { factory } = setup(recorder(lines), 40);
    const log = factory.open(step);
    log.write("stdout", "short\n" + "x".repeat(50) + "\nlast\n");
    await log.close({ status: "success" });
    expect(lines[1]).toBe("stdout:short");
    expect(lines[2]).toMatch(
      /^sluice:output continues in .*0\.log \(terminal view capped at 40 bytes\)$/,
    );
    expect(lines.slice(3)).toEqual(["end:success"]);
    expect(readFileSync(log.path, "utf8")).toBe(
      `short\n${"x".repeat(50)}\nlast\n`,
    );
  });
});

function recorder(lines: string[]) {
  return {
    stepStarted: () => lines.push("start"),
    line: (_s: unknown, stream: string, text: string) =>
      lines.push(`${stream}:${text}`),
    stepFinished: (_s: unknown, o: { status: string }) =>
      lines.push(`end:${o.status}`),
  };
}

describe("terminal views", () => {
  it("prefixes lines with the job, in colour only when asked", () => {
    const out: string[] = [];
    const clock = new ManualClock(0);
    const view = createPrefixedView((t) => out.push(t), {
      color: false,
      clock,
    });
    view.stepStarted(step);
    view.line(step, "stdout", "hello");
    clock.advance(1500);
    view.stepFinished(step, {
      status: "success",
      cache: "exact",
      logPath: "/x",
    });
    expect(out).toEqual([
      "[test (node: 20)] ▸ npm test\n",
      "[test (node: 20)] hello\n",
      "[test (node: 20)] ✓ npm test (1.5s, cache exact)\n",
    ]);
    const coloured: string[] = [];
    const cview = createPrefixedView((t) => coloured.push(t), {
      color: true,
      clock,
    });
    cview.line(step, "stdout", "hello");
    expect(coloured[0]).toBe("\u001b[36m[test (node: 20)]\u001b[0m hello\n");
  });

  it("the compact view prints one line per step and the tail of a failed one", () => {
    const out: string[] = [];
    const clock = new ManualClock(0);
    const view = createProgressView((t) => out.push(t), { clock, tail: 2 });
    view.stepStarted(step);
    for (const l of ["a", "b", "c"]) view.line(step, "stdout", l);
    clock.advance(200);
    view.stepFinished(step, {
      status: "failure",
      error: "exit code 1",
      logPath: "/l/0.log",
    });
    const ok = { ...step, position: 1, name: "lint" };
    view.stepStarted(ok);
    view.line(ok, "stdout", "quiet");
    view.stepFinished(ok, { status: "success", logPath: "/l/1.log" });
    expect(out).toEqual([
      "test (node: 20) › ✗ npm test (0.2s, exit code 1)\n",
      "    b\n",
      "    c\n",
      "    (full log: /l/0.log)\n",
      "test (node: 20) › ✓ lint (0.0s)\n",
    ]);
  });
});
