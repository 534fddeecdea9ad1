// Shared by the decision table tests: a fully known base fact set and how a row is checked.
import { expect } from "vitest";
import { decide } from "./decide.js";
import type { Facts } from "./facts.js";
import type { Policy } from "./loader.js";
import { timeFacts } from "./time.js";

export const zero = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };

/** A small tested change on a Tuesday morning, with every fact known. */
export const base: Facts = {
  files: ["src/a.ts", "src/a.test.ts"],
  fileStats: [
    { path: "src/a.ts", added: 25, removed: 5 },
    { path: "src/a.test.ts", added: 5, removed: 5 },
  ],
  filesChanged: 2,
  linesAdded: 30,
  linesRemoved: 10,
  linesChanged: 40,
  docsOnly: false,
  testsOnly: false,
  formattingOnly: false,
  dependencyBumpOnly: false,
  generatedFiles: [],
  testsChangedWithCode: true,
  codeChanged: true,
  sensitiveFiles: [],
  testsPassed: 120,
  testsFailed: 0,
  findings: zero,
  findingsByKind: { secret: 0, dependency: 0 },
  cohort: "unmarked",
  aiMarkers: [],
  author: "dev@example.com",
  environment: "production",
  weekday: "tuesday",
  hour: 10,
  inFreeze: false,
  freezeWindows: [],
  isRevert: false,
  failedRuns: 0,
  flakySteps: [],
};

export const docs: Facts = {
  files: ["README.md"],
  fileStats: [{ path: "README.md", added: 3, removed: 1 }],
  linesChanged: 4,
  docsOnly: true,
  codeChanged: false,
  testsChangedWithCode: false,
};
/** A 4-line change to the pipeline's own configuration: no code, no tests changed. */
export const pipelineConfig: Facts = {
  files: ["sluice.yml"],
  fileStats: [{ path: "sluice.yml", added: 4, removed: 0 }],
  filesChanged: 1,
  linesAdded: 4,
  linesRemoved: 0,
  linesChanged: 4,
  codeChanged: false,
  testsChangedWithCode: false,
};
export const infraLarge: Facts = {
  files: ["infra/main.tf", "src/a.ts", "src/a.test.ts"],
  sensitiveFiles: ["infra/main.tf"],
  linesChanged: 500,
  cohort: "ai-assisted",
  aiMarkers: ["claude-code-coauthor"],
};

export interface Row {
  name: string;
  facts: Facts;
  /** Time facts from this instant instead of the base's. */
  now?: string;
  decision: "approve" | "hold" | "deny";
  fired: string[];
  /** For a hold: the approvals asked, as `count group`. */
  approvals?: string[];
  undecided?: string[];
}

/** Decides a row's facts (over the base, time facts from `now`) and checks every expectation. */
export function checkRow(policy: Policy, row: Row): void {
  const facts: Facts = {
    ...base,
    ...(row.now ? timeFacts(Date.parse(row.now), policy) : {}),
    ...row.facts,
  };
  for (const [k, v] of Object.entries(row.facts))
    if (v === undefined) delete facts[k as keyof Facts];
  const decision = decide(policy, facts);
  expect(decision.decision).toBe(row.decision);
  expect(decision.fired.map((f) => f.rule).sort()).toEqual(
    [...row.fired].sort(),
  );
  if (row.approvals)
    expect(decision.approvals.map((a) => `${a.count} ${a.group}`)).toEqual(
      row.approvals,
    );
  if (row.decision !== "hold") expect(decision.approvals).toEqual([]);
  expect(decision.undecided.map((u) => u.rule).sort()).toEqual(
    [...(row.undecided ?? [])].sort(),
  );
  // Every fired rule shows the facts it read, with their values.
  for (const fired of decision.fired) {
    const rule = policy.rules.find((r) => r.name === fired.rule)!;
    expect(Object.keys(fired.facts)).toEqual(rule.facts);
  }
  expect(decision.reasons.length).toBeGreaterThan(0);
}
