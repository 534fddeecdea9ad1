// The risk score of a change: 0–100, a weighted sum of factors that each say how they scored.
import type { FactName, Facts } from "./facts.js";

/** One factor of the score: its weight, its share (0–1) and the points it gave. */
export interface RiskFactor {
  name: string;
  /** The points it gives at full share; the weights add up to 100. */
  weight: number;
  /** 0–1; 0 when a fact it needs is unknown. */
  share: number;
  points: number;
  /** Why it scored as it did. */
  reason: string;
  /** Facts it needed that are unknown (it then gives 0 points). */
  unknown: FactName[];
}

export interface Risk {
  score: number;
  factors: RiskFactor[];
}

interface FactorSpec {
  name: string;
  weight: number;
  needs: FactName[];
  score(facts: Required<Facts>): { share: number; reason: string };
}

/** The factors and weights (docs/policy.md shows the same table). */
export const riskFactors: readonly FactorSpec[] = [
  {
    name: "size",
    weight: 30,
    needs: ["linesChanged", "formattingOnly", "docsOnly", "testsOnly"],
    score: (f) => {
      if (f.formattingOnly || f.docsOnly || f.testsOnly)
        return { share: 0, reason: "docs, tests or formatting only" };
      // Logarithmic: 10 lines ≈ 0.35, 100 ≈ 0.67, 1,000 or more = 1.
      const share = Math.min(1, Math.log10(1 + f.linesChanged) / 3);
      return { share, reason: `${f.linesChanged} lines changed` };
    },
  },
  {
    name: "sensitive paths",
    weight: 25,
    needs: ["sensitiveFiles"],
    score: (f) =>
      f.sensitiveFiles.length > 0
        ? {
            share: 1,
            reason: `${f.sensitiveFiles.length} sensitive files, e.g. ${f.sensitiveFiles[0]}`,
          }
        : { share: 0, reason: "no sensitive files" },
  },
  {
    name: "findings",
    weight: 20,
    needs: ["findings"],
    score: (f) => {
      const n = (s: string) => f.findings[s] ?? 0;
      if (n("critical") > 0)
        return { share: 1, reason: `${n("critical")} critical findings` };
      if (n("high") > 0)
        return { share: 0.6, reason: `${n("high")} high findings` };
      if (n("medium") > 0)
        return { share: 0.2, reason: `${n("medium")} medium findings` };
      return { share: 0, reason: "no findings above low" };
    },
  },
  {
    name: "untested code",
    weight: 15,
    needs: ["codeChanged", "testsChangedWithCode"],
    score: (f) =>
      f.codeChanged && !f.testsChangedWithCode
        ? { share: 1, reason: "code changed without tests" }
        : {
            share: 0,
            reason: f.codeChanged
              ? "tests changed with the code"
              : "no code changed",
          },
  },
  {
    name: "history",
    weight: 5,
    needs: ["isRevert", "failedRuns"],
    score: (f) =>
      f.isRevert || f.failedRuns > 0
        ? {
            share: 1,
            reason: f.isRevert
              ? "a revert"
              : `${f.failedRuns} earlier failed runs`,
          }
        : { share: 0, reason: "no reverts or failed runs" },
  },
  {
    name: "AI-assisted",
    weight: 5,
    needs: ["cohort"],
    score: (f) =>
      f.cohort === "ai-assisted"
        ? { share: 1, reason: "AI-assisted change" }
        : { share: 0, reason: "unmarked change" },
  },
];

/** The score of a change; factors whose facts are unknown give 0 and list them. */
export function computeRisk(facts: Facts): Risk {
  const factors = riskFactors.map((spec): RiskFactor => {
    const unknown = spec.needs.filter((n) => facts[n] === undefined);
    if (unknown.length > 0)
      return {
        name: spec.name,
        weight: spec.weight,
        share: 0,
        points: 0,
        reason: `unknown: ${unknown.join(", ")}`,
        unknown,
      };
    const { share, reason } = spec.score(facts as Required<Facts>);
    const points = Math.round(share * spec.weight * 10) / 10;
    return {
      name: spec.name,
      weight: spec.weight,
      share: Math.round(share * 100) / 100,
      points,
      reason,
      unknown,
    };
  });
  const score = Math.min(
    100,
    Math.round(factors.reduce((n, f) => n + f.points, 0)),
  );
  return { score, factors };
}
