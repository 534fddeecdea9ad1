import { describe, expect, it } from "vitest";
import { computeRisk, riskFactors } from "./risk.js";
import type { Facts } from "./facts.js";

const none = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
const calm: Facts = {
  linesChanged: 0,
  formattingOnly: false,
  docsOnly: false,
  testsOnly: false,
  sensitiveFiles: [],
  findings: none,
  codeChanged: false,
  testsChangedWithCode: false,
  isRevert: false,
  failedRuns: 0,
  cohort: "unmarked",
};

describe("computeRisk", () => {
  it("has weights that add up to 100", () => {
    expect(riskFactors.reduce((n, f) => n + f.weight, 0)).toBe(100);
  });

  it.each([
    { name: "nothing risky", facts: {}, score: 0 },
    { name: "10 lines", facts: { linesChanged: 10 }, score: 10 },
    { name: "1,000 lines", facts: { linesChanged: 1000 }, score: 30 },
    {
      name: "5,000 lines of formatting",
      facts: { linesChanged: 5000, formattingOnly: true },
      score: 0,
    },
    {
      name: "a sensitive file",
      facts: { sensitiveFiles: ["infra/a.tf"] },
      score: 25,
    },
    {
      name: "a high finding",
      facts: { findings: { ...none, high: 1 } },
      score: 12,
    },
    {
      name: "a critical finding",
      facts: { findings: { ...none, critical: 1, high: 3 } },
      score: 20,
    },
    { name: "untested code", facts: { codeChanged: true }, score: 15 },
    {
      name: "tested code",
      facts: { codeChanged: true, testsChangedWithCode: true },
      score: 0,
    },
    { name: "a revert", facts: { isRevert: true }, score: 5 },
    {
      name: "everything at once",
      facts: {
        linesChanged: 2000,
        sensitiveFiles: ["infra/a.tf"],
        findings: { ...none, critical: 1 },
        codeChanged: true,
        failedRuns: 2,
        cohort: "ai-assisted",
      },
      score: 100,
    },
  ])("$name: $score", ({ facts, score }) => {
    const risk = computeRisk({ ...calm, ...facts } as Facts);
    expect(risk.score).toBe(score);
    expect(risk.factors.map((f) => f.name)).toEqual(
      riskFactors.map((f) => f.name),
    );
    expect(risk.factors.reduce((n, f) => n + f.points, 0)).toBeCloseTo(
      score,
      0,
    );
  });

  it("gives 0 for a factor whose facts are unknown, and says which", () => {
    const risk = computeRisk({
      ...calm,
      findings: undefined,
      sensitiveFiles: ["x"],
    });
    const findings = risk.factors.find((f) => f.name === "findings")!;
    expect(findings).toMatchObject({
      points: 0,
      unknown: ["findings"],
      reason: "unknown: findings",
    });
    expect(risk.score).toBe(25);
  });
});
