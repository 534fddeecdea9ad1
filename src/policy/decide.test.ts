// The table test of decisions against the default policy of the golden paths (the custom policy's
// table is decide-custom.test.ts; together they hold 44 fact sets).
import { describe, expect, it } from "vitest";
import { defaultPolicyText } from "./default-policy.js";
import { parsePolicy } from "./loader.js";
import {
  checkRow,
  docs,
  infraLarge,
  pipelineConfig,
  zero,
} from "./decide.testkit.js";
import type { Row } from "./decide.testkit.js";

const defaults = parsePolicy(defaultPolicyText, "default");

const rows: Row[] = [
  {
    name: "small tested change",
    facts: {},
    decision: "approve",
    fired: ["small-tested-change"],
  },
  {
    name: "200 lines is still small",
    facts: { linesChanged: 200 },
    decision: "approve",
    fired: ["small-tested-change"],
  },
  {
    name: "201 lines: no rule approves, the default holds",
    facts: { linesChanged: 201 },
    decision: "hold",
    fired: [],
    approvals: ["1 maintainers"],
  },
  {
    name: "a small code change without test edits whose tests passed",
    facts: { testsChangedWithCode: false },
    decision: "approve",
    fired: ["small-tested-change"],
  },
  {
    name: "a run that ran no tests waits for a maintainer",
    facts: { testsPassed: 0 },
    decision: "hold",
    fired: [],
    approvals: ["1 maintainers"],
  },
  {
    name: "a 4-line change to sluice.yml whose tests passed",
    facts: pipelineConfig,
    decision: "approve",
    fired: ["small-tested-change"],
  },
  {
    name: "a change to pipeline config with no tests run waits",
    facts: { ...pipelineConfig, testsPassed: 0 },
    decision: "hold",
    fired: [],
  },
  {
    name: "a small workflow change is sensitive: a maintainer decides",
    facts: {
      ...pipelineConfig,
      files: [".github/workflows/ci.yml"],
      sensitiveFiles: [".github/workflows/ci.yml"],
    },
    decision: "hold",
    fired: [],
  },
  {
    name: "a change to the policy itself waits for a person",
    facts: {
      ...pipelineConfig,
      files: [".sluice/policy.yml"],
      sensitiveFiles: [".sluice/policy.yml"],
    },
    decision: "hold",
    fired: [],
  },
  {
    name: "a critical finding denies a small tested change",
    facts: { findings: { ...zero, critical: 1 } },
    decision: "deny",
    fired: ["critical-findings", "small-tested-change"],
  },
  {
    name: "a high finding stops the small-change approval",
    facts: { findings: { ...zero, high: 2 } },
    decision: "hold",
    fired: [],
  },
  {
    name: "failing tests deny",
    facts: { testsFailed: 3 },
    decision: "deny",
    fired: ["failing-tests"],
  },
  {
    name: "docs only",
    facts: docs,
    decision: "approve",
    // Small, and the run's tests passed: the small-change rule approves it too.
    fired: ["docs-tests-or-formatting-only", "small-tested-change"],
  },
  {
    name: "tests only",
    facts: { testsOnly: true, codeChanged: false, testsChangedWithCode: false },
    decision: "approve",
    fired: ["docs-tests-or-formatting-only", "small-tested-change"],
  },
  {
    name: "formatting only, 800 lines",
    facts: {
      formattingOnly: true,
      linesChanged: 800,
      testsChangedWithCode: false,
    },
    decision: "approve",
    fired: ["docs-tests-or-formatting-only"],
  },
  {
    name: "dependency bump",
    facts: {
      dependencyBumpOnly: true,
      codeChanged: false,
      testsChangedWithCode: false,
      linesChanged: 60,
    },
    decision: "approve",
    fired: ["dependency-bump", "small-tested-change"],
  },
  {
    name: "dependency bump with a high finding",
    facts: {
      dependencyBumpOnly: true,
      codeChanged: false,
      testsChangedWithCode: false,
      findings: { ...zero, high: 1 },
    },
    decision: "hold",
    fired: [],
  },
  {
    name: "dependency bump with a critical finding",
    facts: {
      dependencyBumpOnly: true,
      codeChanged: false,
      testsChangedWithCode: false,
      findings: { ...zero, critical: 1 },
    },
    decision: "deny",
    fired: ["critical-findings", "dependency-bump", "small-tested-change"],
  },
  {
    name: "500-line AI-assisted change to infra/",
    facts: infraLarge,
    decision: "hold",
    fired: ["large-sensitive-change"],
    approvals: ["1 maintainers"],
  },
  {
    name: "a small change to infra/ is not approved on its own",
    facts: { sensitiveFiles: ["infra/main.tf"], linesChanged: 20 },
    decision: "hold",
    fired: [],
  },
  {
    name: "high risk: large, sensitive, untested, AI-assisted revert",
    facts: {
      ...infraLarge,
      linesChanged: 1000,
      testsChangedWithCode: false,
      isRevert: true,
    },
    decision: "hold",
    fired: ["large-sensitive-change", "high-risk"],
  },
  {
    name: "deny beats hold: critical finding in a large infra change",
    facts: { ...infraLarge, findings: { ...zero, critical: 1 } },
    decision: "deny",
    fired: ["critical-findings", "large-sensitive-change", "high-risk"],
  },
  {
    name: "freeze holds a small change for two maintainers",
    facts: { inFreeze: true, freezeWindows: ["release"] },
    decision: "hold",
    fired: ["freeze", "small-tested-change"],
    approvals: ["2 maintainers"],
  },
  {
    name: "docs go through a freeze",
    facts: { ...docs, inFreeze: true },
    decision: "approve",
    fired: ["docs-tests-or-formatting-only", "small-tested-change"],
  },
  {
    name: "deny beats a freeze hold",
    facts: { inFreeze: true, testsFailed: 1 },
    decision: "deny",
    fired: ["failing-tests", "freeze"],
  },
  {
    name: "two holds ask the larger count of one group",
    facts: { ...infraLarge, inFreeze: true },
    decision: "hold",
    fired: ["freeze", "large-sensitive-change"],
    approvals: ["2 maintainers"],
  },
  {
    name: "unknown findings hold what would be approved",
    facts: { findings: undefined },
    decision: "hold",
    fired: [],
    undecided: [
      "critical-findings",
      "high-risk",
      "dependency-bump",
      "small-tested-change",
    ],
  },
  {
    name: "unknown test results hold docs too",
    facts: { ...docs, testsFailed: undefined },
    decision: "hold",
    fired: ["docs-tests-or-formatting-only"],
    undecided: ["failing-tests", "small-tested-change"],
  },
];

describe("decide: the default policy", () => {
  it("has at least 20 fact sets", () => {
    expect(rows.length).toBeGreaterThanOrEqual(20);
  });

  it.each(rows)("$name", (row) => checkRow(defaults, row));
});
