// The table test of decisions against a policy that uses every kind of fact (freeze windows in
// Europe/Berlin), and the details of a decision.
import { describe, expect, it } from "vitest";
import { decide } from "./decide.js";
import { defaultPolicyText } from "./default-policy.js";
import { parsePolicy } from "./loader.js";
import { base, checkRow } from "./decide.testkit.js";
import type { Row } from "./decide.testkit.js";

const defaults = parsePolicy(defaultPolicyText, "default");

const custom = parsePolicy(
  `timezone: Europe/Berlin
freezeWindows:
  - { name: friday-afternoon, weekdays: [friday], from: "15:00" }
  - { name: year-end, start: "2026-12-20T00:00:00Z", end: "2027-01-04T00:00:00Z" }
  - { name: nights, from: "22:00", to: "06:00" }
default: { decision: approve, message: nothing objected }
rules:
  - name: deny-critical
    when: findings.critical > 0
    decision: deny
    message: critical findings
  - name: secrets
    when: findingsByKind.secret > 0
    decision: deny
    message: a secret was found
  - name: repeated-failures
    when: failedRuns >= 3
    decision: deny
    message: this change failed three times
  - name: freeze
    when: inFreeze
    decision: hold
    approvals: { count: 2, group: release-managers }
    message: frozen
  - name: weekend
    when: weekday in ["saturday", "sunday"]
    decision: hold
    approvals: { count: 1, group: sre }
    message: weekend
  - name: prod-ai-large
    when: cohort == "ai-assisted" && environment == "production" && linesChanged > 300
    decision: hold
    approvals: { count: 1, group: maintainers }
    message: a large AI-assisted change to production
  - name: infra
    when: files.exists(f, glob(f, "infra/**"))
    decision: hold
    approvals: { count: 1, group: sre }
    message: infrastructure changed
  - name: flaky
    when: size(flakySteps) > 0
    decision: hold
    approvals: { count: 1, group: maintainers }
    message: flaky steps
  - name: per-file-large
    when: fileStats.exists(s, s.added > 1000)
    decision: hold
    approvals: { count: 1, group: maintainers }
    message: one file grew by more than 1,000 lines
  - name: approve-small
    when: linesChanged < 100
    decision: approve
    message: small
  - name: revert
    when: isRevert
    decision: approve
    message: reverts go through
  - name: bot-bump
    when: author.endsWith("@bots.example") && dependencyBumpOnly
    decision: approve
    message: the dependency bot's bumps
`,
  "custom.yml",
);

const rows: Row[] = [
  {
    name: "custom: small change on a Tuesday morning",
    facts: {},
    now: "2026-12-08T09:00:00Z",
    decision: "approve",
    fired: ["approve-small"],
  },
  {
    name: "custom: Friday 15:30 Berlin is frozen",
    facts: {},
    now: "2026-12-11T14:30:00Z",
    decision: "hold",
    fired: ["freeze", "approve-small"],
    approvals: ["2 release-managers"],
  },
  {
    name: "custom: Friday 14:59 Berlin is not",
    facts: {},
    now: "2026-12-11T13:59:00Z",
    decision: "approve",
    fired: ["approve-small"],
  },
  {
    name: "custom: the year-end window",
    facts: {},
    now: "2026-12-24T10:00:00Z",
    decision: "hold",
    fired: ["freeze", "approve-small"],
  },
  {
    name: "custom: the year-end window has closed",
    facts: {},
    now: "2027-01-04T10:00:00Z",
    decision: "approve",
    fired: ["approve-small"],
  },
  {
    name: "custom: nights from 22:00",
    facts: {},
    now: "2026-12-08T21:30:00Z",
    decision: "hold",
    fired: ["freeze", "approve-small"],
  },
  {
    name: "custom: nights until 05:59",
    facts: {},
    now: "2026-12-08T04:59:00Z",
    decision: "hold",
    fired: ["freeze", "approve-small"],
  },
  {
    name: "custom: 06:00 is open",
    facts: {},
    now: "2026-12-08T05:00:00Z",
    decision: "approve",
    fired: ["approve-small"],
  },
  {
    name: "custom: Saturday 23:30 UTC is Sunday night in Berlin",
    facts: {},
    now: "2026-12-12T23:30:00Z",
    decision: "hold",
    fired: ["freeze", "weekend", "approve-small"],
    approvals: ["2 release-managers", "1 sre"],
  },
  {
    name: "custom: deny beats a freeze hold",
    facts: { findingsByKind: { secret: 1, dependency: 0 } },
    now: "2026-12-24T10:00:00Z",
    decision: "deny",
    fired: ["secrets", "freeze", "approve-small"],
  },
  {
    name: "custom: infra/ by glob",
    facts: { files: ["infra/net/vpc.tf", "src/a.ts"] },
    now: "2026-12-08T09:00:00Z",
    decision: "hold",
    fired: ["infra", "approve-small"],
    approvals: ["1 sre"],
  },
  {
    name: "custom: large AI-assisted change to production",
    facts: { cohort: "ai-assisted", linesChanged: 500 },
    now: "2026-12-08T09:00:00Z",
    decision: "hold",
    fired: ["prod-ai-large"],
  },
  {
    name: "custom: the same change to staging falls to the default",
    facts: { cohort: "ai-assisted", linesChanged: 500, environment: "staging" },
    now: "2026-12-08T09:00:00Z",
    decision: "approve",
    fired: [],
  },
  {
    name: "custom: flaky steps hold",
    facts: { flakySteps: ["test/integration"] },
    now: "2026-12-08T09:00:00Z",
    decision: "hold",
    fired: ["flaky", "approve-small"],
  },
  {
    name: "custom: three failed runs deny",
    facts: { failedRuns: 3 },
    now: "2026-12-08T09:00:00Z",
    decision: "deny",
    fired: ["repeated-failures", "approve-small"],
  },
  {
    name: "custom: one file over 1,000 added lines",
    facts: {
      linesChanged: 1500,
      fileStats: [{ path: "src/big.ts", added: 1400, removed: 100 }],
    },
    now: "2026-12-08T09:00:00Z",
    decision: "hold",
    fired: ["per-file-large"],
  },
  {
    name: "custom: a large revert is approved",
    facts: { isRevert: true, linesChanged: 500 },
    now: "2026-12-08T09:00:00Z",
    decision: "approve",
    fired: ["revert"],
  },
  {
    name: "custom: the bot's dependency bump",
    facts: {
      author: "deps@bots.example",
      dependencyBumpOnly: true,
      linesChanged: 400,
    },
    now: "2026-12-08T09:00:00Z",
    decision: "approve",
    fired: ["bot-bump"],
  },
  {
    name: "custom: someone else's dependency bump falls to the default",
    facts: { dependencyBumpOnly: true, linesChanged: 400 },
    now: "2026-12-08T09:00:00Z",
    decision: "approve",
    fired: [],
  },
  {
    name: "custom: an unknown fact of an approve rule does not block",
    facts: { isRevert: undefined },
    now: "2026-12-08T09:00:00Z",
    decision: "approve",
    fired: ["approve-small"],
    undecided: ["revert"],
  },
  {
    name: "custom: a deny rule that fails to evaluate holds",
    facts: { findings: {} },
    now: "2026-12-08T09:00:00Z",
    decision: "hold",
    fired: ["approve-small"],
    undecided: ["deny-critical"],
    approvals: ["1 maintainers"],
  },
];

describe("decide: a custom policy", () => {
  it("has at least 20 fact sets", () => {
    expect(rows.length).toBeGreaterThanOrEqual(20);
  });

  it.each(rows)("$name", (row) => checkRow(custom, row));

  it("refuses, when the policy loads, a rule that reads an unknown fact", () => {
    expect(() =>
      parsePolicy(
        "rules:\n  - name: x\n    when: approvers > 1\n    decision: approve\n    message: m\n",
        "unknown.yml",
      ),
    ).toThrow(
      "rule `x`: CEL type error at column 1 of `when`: unknown fact `approvers`",
    );
  });
});

describe("decide: details", () => {
  it("shows the facts each fired rule read, shortening long lists", () => {
    const files = Array.from({ length: 30 }, (_, i) => `infra/m${i}.tf`);
    const d = decide(custom, { ...base, files });
    const infra = d.fired.find((f) => f.rule === "infra")!;
    expect(infra.facts.files).toHaveLength(11);
    expect((infra.facts.files as string[])[10]).toBe("… 20 more");
  });

  it("computes risk from the facts and leaves it unknown when a factor's fact is", () => {
    const known = decide(defaults, base);
    expect(known.risk.score).toBe(16);
    expect(known.unknownFacts).toEqual([]);
    const partial = decide(defaults, { ...base, findings: undefined });
    expect(partial.unknownFacts).toEqual(["findings", "risk"]);
    expect(partial.undecided.map((u) => u.rule)).toContain("high-risk");
  });

  it("explains a default decision by the policy's message", () => {
    const d = decide(defaults, { ...base, linesChanged: 400 });
    expect(d.defaulted).toBe(true);
    expect(d.reasons).toEqual([
      "no rule approved this change; a maintainer decides",
    ]);
  });
});
