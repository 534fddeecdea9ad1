import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Masker, maskText } from "./masker.js";
import type { CredentialFinder } from "./masker.js";
import { createLogSinkFactory } from "./step-log.js";
import type { LogFinding, StepRef } from "./step-log.js";

// A finder in the shape of the scanner's: the value, its rule and a keyed hash (here a fake one).
const token = ["tok", "_", "A1b2C3d4E5f6G7h8"].join("");
const other = ["tok", "_", "Z9y8X7w6V5u4T3s2"].join("");
const finder: CredentialFinder = {
  find: (text) =>
    [...new Set(text.match(/\btok_[A-Za-z0-9]{16}\b/g))].map((value) => ({
      value,
      ruleId: "test-token",
      hash: `h-${value.slice(-4)}`,
    })),
};

function sink(masker: Masker) {
  const recorded: {
    step: StepRef & { logPath: string };
    found: LogFinding[];
  }[] = [];
  const home = mkdtempSync(join(tmpdir(), "sluice-logfind-"));
  const factory = createLogSinkFactory({
    home,
    masker,
    findings: {
      record: async (step, found) => {
        recorded.push({ step, found });
      },
    },
  });
  const step = { runId: "run_1", jobKey: "build", position: 2, name: "print" };
  return { log: factory.open(step), recorded };
}

describe("step log findings of undeclared credentials", () => {
  it("reports each masked credential with its rule, stream and line in the log file, never the value", async () => {
    const masker = new Masker({ credentials: finder });
    // stderr's line waits behind the masker's tail (the longest registered form) until the note.
    // A registered two-line value: masked as one `***`, so the lines after it move up.
    masker.add("line-one\nline-two");
    const { log, recorded } = sink(masker);
    log.write("stdout", "start\nline-one\nline-two and more\n");
    log.write("stdout", `key ${token.slice(0, 7)}`);
    log.write("stderr", "warn\n");
    log.write("stdout", `${token.slice(7)} end\nx ${other} y ${token}\n`);
    log.note("done");
    log.write("stdout", Buffer.from(`late ${other}`));
    await log.close({ status: "success" });

    const text = readFileSync(log.path, "utf8");
    expect(text).toBe(
      `start\n${maskText} and more\nkey ${maskText} end\nx ${maskText} y ${maskText}\nwarn\n[sluice] done\nlate ${maskText}`,
    );
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.step).toMatchObject({
      runId: "run_1",
      jobKey: "build",
      position: 2,
      logPath: log.path,
    });
    expect(recorded[0]!.found).toEqual([
      { ruleId: "test-token", line: 3, stream: "stdout", hash: "h-G7h8" },
      { ruleId: "test-token", line: 4, stream: "stdout", hash: "h-T3s2" },
      { ruleId: "test-token", line: 4, stream: "stdout", hash: "h-G7h8" },
      { ruleId: "test-token", line: 7, stream: "stdout", hash: "h-T3s2" },
    ]);
    expect(JSON.stringify(recorded)).not.toContain(token);
    expect(JSON.stringify(recorded)).not.toContain(other);
  });

  it("does not report a credential that was registered as a secret, nor a log without any", async () => {
    const masker = new Masker({ credentials: finder });
    masker.add(token);
    const { log, recorded } = sink(masker);
    log.write("stdout", `declared ${token}\nplain\n`);
    await log.close({ status: "success" });
    expect(readFileSync(log.path, "utf8")).toBe(
      `declared ${maskText}\nplain\n`,
    );
    expect(recorded).toEqual([]);
  });

  it("notes in the log when the findings cannot be recorded", async () => {
    const home = mkdtempSync(join(tmpdir(), "sluice-logfind-"));
    const factory = createLogSinkFactory({
      home,
      masker: new Masker({ credentials: finder }),
      findings: {
        record: () => Promise.reject(new Error("database is closed")),
      },
    });
    const log = factory.open({
      runId: "r",
      jobKey: "j",
      position: 1,
      name: "s",
    });
    log.write("stdout", `a ${token}\n`);
    await log.close({ status: "success" });
    expect(readFileSync(log.path, "utf8")).toBe(
      `a ${maskText}\n[sluice] cannot record the 1 undeclared credentials masked above as findings: database is closed\n`,
    );
  });
});
