// The pure core of `npm run bench:compare` (bench/compare/figures.ts): the JSON line a bench
// prints, the medians, which way each figure is better, and which rows fail the comparison.
import { describe, expect, it } from "vitest";
import {
  compareBench,
  failing,
  flatten,
  formatTable,
  inferSpec,
  lastJsonLine,
  median,
  sidesOf,
  specFor,
} from "../../bench/compare/figures.js";

describe("sidesOf", () => {
  it("runs old first in odd rounds and new first in even ones, so neither always runs second", () => {
    expect([1, 2, 3, 4].map(sidesOf)).toEqual([
      ["old", "new"],
      ["new", "old"],
      ["old", "new"],
      ["new", "old"],
    ]);
  });
});

describe("lastJsonLine", () => {
  it("takes the last JSON object among readable lines", () => {
    const out = [
      "generated 12000 commits",
      '{"bench":"first","a":1}',
      "{ not json, a readable line }",
      '{"bench":"metrics","readCpuMs":410}',
      "",
    ].join("\n");
    expect(lastJsonLine(out)).toEqual({ bench: "metrics", readCpuMs: 410 });
  });

  it("answers null when no line is a JSON object", () => {
    expect(lastJsonLine("a\n[1,2]\n42\n")).toBeNull();
  });
});

describe("flatten", () => {
  it("joins nested keys with dots and drops arrays and nulls", () => {
    expect(
      flatten({
        bench: "flags",
        inProcess: { oursPerSec: 5, ratio: 2.5 },
        peer: null,
        peerGitLog: [1, 2],
        ok: true,
      }),
    ).toEqual({
      bench: "flags",
      "inProcess.oursPerSec": 5,
      "inProcess.ratio": 2.5,
      ok: true,
    });
  });
});

describe("median", () => {
  it.each([
    [[3], 3],
    [[5, 1, 3], 3],
    [[4, 1, 3, 2], 2.5],
  ])("of %j is %d", (xs, m) => expect(median(xs)).toBe(m));
});

describe("which way a figure is better", () => {
  it.each([
    ["pipeline-overhead", "ratioCli", "lower"],
    ["flags", "inProcess.ratio", "higher"],
    ["flags", "helloWorld.rps", "control"],
    ["scan-staged", "findings", "same"],
    ["unknown-bench", "evaluationsPerSecond", "higher"],
    ["unknown-bench", "proxy_rps", "higher"],
    ["unknown-bench", "startMs", "lower"],
    ["unknown-bench", "scanSeconds", "lower"],
    ["unknown-bench", "loadAverage", "info"],
    ["unknown-bench", "rpsTarget", "info"],
    ["unknown-bench", "widgets", "info"],
  ])("%s %s: %s", (bench, key, better) =>
    expect(specFor(bench, key).better).toBe(better),
  );

  it("infers from the last part of a dotted key", () =>
    expect(inferSpec("inProcessMs.parseMs").better).toBe("lower"));
});

describe("compareBench", () => {
  const verdicts = (
    bench: string,
    olds: Record<string, number | string>[],
    news: Record<string, number | string>[],
  ) =>
    Object.fromEntries(
      compareBench(bench, olds, news, 0.1).map((r) => [r.figure, r.verdict]),
    );

  it("flags a time up by more than 10% and a rate down by more than 10%", () => {
    expect(
      verdicts(
        "scan-secrets",
        [{ sluiceSeconds: 10, sluiceMBps: 100, sluiceCpuSeconds: 10 }],
        [{ sluiceSeconds: 11.5, sluiceMBps: 89, sluiceCpuSeconds: 10.9 }],
      ),
    ).toEqual({
      sluiceSeconds: "REGRESSED",
      sluiceMBps: "REGRESSED",
      sluiceCpuSeconds: "ok",
    });
  });

  it("calls a figure better by more than 10% better, and judges medians", () => {
    const rows = compareBench(
      "metrics",
      [{ readCpuMs: 400 }, { readCpuMs: 420 }, { readCpuMs: 900 }],
      [{ readCpuMs: 300 }, { readCpuMs: 2000 }, { readCpuMs: 310 }],
      0.1,
    );
    expect(rows).toEqual([
      expect.objectContaining({
        old: 420,
        new: 310,
        verdict: "better",
        ratio: 310 / 420,
      }),
    ]);
  });

  it("ignores a difference within the figure's noise floor", () => {
    expect(
      verdicts(
        "scan-deps",
        [{ "inProcessMs.open": 3, "inProcessMs.query": 30 }],
        [{ "inProcessMs.open": 5, "inProcessMs.query": 40 }],
      ),
    ).toEqual({ "inProcessMs.open": "ok", "inProcessMs.query": "REGRESSED" });
  });

  it("flags errors that appear where there were none", () => {
    const [row] = compareBench(
      "flags",
      [{ "ofrep.errors": 0 }],
      [{ "ofrep.errors": 3 }],
      0.1,
    );
    expect(row).toMatchObject({ verdict: "REGRESSED", worse: Infinity });
  });

  it("flags a changed count or string that must stay the same", () => {
    expect(
      verdicts(
        "scan-staged",
        [{ exitCode: 1, findings: "github-pat", files: 5000 }],
        [{ exitCode: 1, findings: "", files: 5000 }],
      ),
    ).toEqual({ exitCode: "same", findings: "CHANGED", files: "same" });
  });

  it("never judges a control or info figure, however far it moves", () => {
    expect(
      verdicts(
        "flags",
        [{ "helloWorld.rps": 20000, bench: "flags" }],
        [{ "helloWorld.rps": 2000, bench: "flags" }],
      ),
    ).toEqual({ "helloWorld.rps": "control", bench: "info" });
  });

  it("fails a figure the new build no longer prints, not one it adds", () => {
    const rows = compareBench(
      "metrics",
      [{ readCpuMs: 400 }],
      [{ computeCpuMs: 40 }],
      0.1,
    );
    expect(Object.fromEntries(rows.map((r) => [r.figure, r.verdict]))).toEqual({
      readCpuMs: "missing",
      computeCpuMs: "added",
    });
    expect(failing(rows).map((r) => r.figure)).toEqual(["readCpuMs"]);
  });
});

describe("failing and formatTable", () => {
  const rows = compareBench(
    "rollback",
    [{ proxy_rps: 9000, direct_rps: 12000, canary_weight: 20 }],
    [{ proxy_rps: 7000, direct_rps: 6000, canary_weight: 20 }],
    0.1,
  );

  it("fails only the gating figure that regressed", () =>
    expect(failing(rows).map((r) => r.figure)).toEqual(["proxy_rps"]));

  it("prints one line per figure, with how much worse", () => {
    const lines = formatTable(rows);
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(
      /^rollback\s+proxy_rps\s+higher\s+9,000\s+7,000\s+0\.778\s+REGRESSED 22%$/,
    );
  });
});
