// The table test of decisions: fact sets in, the decision and every fired rule out, against the
// default policy and a policy that uses every kind of fact (freeze windows in Europe/Berlin).
import { describe, expect, it } from "vitest";
import { decide } from "./decide.js";
import { defaultPolicyText } from "./default-policy.js";
import type { Facts } from "./facts.js";
import { parsePolicy } from "./loader.js";
import { timeFacts } from "./time.js";

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

const zero = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };

/** A small tested change on a Tuesday morning, with every fact known. */
const base: Facts = {
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

const docs: Facts = {
  files: ["README.md"],
  fileStats: [{ path: "README.md", added: 3, removed: 1 }],
  linesChanged: 4,
  docsOnly: true,
  codeChanged: false,
  testsChangedWithCode: false,
};
const infraLarge: Facts = {
  files: ["infra/main.tf", "src/a.ts", "src/a.test.ts"],
  sensitiveFiles: ["infra/main.tf"],
  linesChanged: 500,
  cohort: "ai-assisted",
  aiMarkers: ["claude-code-coauthor"],
};

interface Row {
  name: string;
  policy: "default" | "custom";
  facts: Facts;
  /** Time facts from this instant instead of the base's. */
  now?: string;
  decision: "approve" | "hold" | "deny";
  fired: string[];
  /** For a hold: the approvals asked, as `count group`. */
  approvals?: string[];
  undecided?: string[];
}

const rows: Row[] = [
  // The default policy.
  {
    name: "small tested change",
    policy: "default",
    facts: {},
    decision: "approve",
    fired: ["small-tested-change"],
  },
  {
    name: "200 lines is still small",
    policy: "default",
    facts: { linesChanged: 200 },
    decision: "approve",
    fired: ["small-tested-change"],
  },
  {
    name: "201 lines: no rule approves, the default holds",
    policy: "default",
    facts: { linesChanged: 201 },
    decision: "hold",
    fired: [],
    approvals: ["1 maintainers"],
  },
  {
    name: "code without tests waits for a maintainer",
    policy: "default",
    facts: { testsChangedWithCode: false },
    decision: "hold",
    fired: [],
    approvals: ["1 maintainers"],
  },
  {
    name: "a critical finding denies a small tested change",
    policy: "default",
    facts: { findings: { ...zero, critical: 1 } },
    decision: "deny",
    fired: ["critical-findings", "small-tested-change"],
  },
  {
    name: "a high finding stops the small-change approval",
    policy: "default",
    facts: { findings: { ...zero, high: 2 } },
    decision: "hold",
    fired: [],
  },
  {
    name: "failing tests deny",
    policy: "default",
    facts: { testsFailed: 3 },
    decision: "deny",
    fired: ["failing-tests", "small-tested-change"],
  },
  {
    name: "docs only",
    policy: "default",
    facts: docs,
    decision: "approve",
    fired: ["docs-tests-or-formatting-only"],
  },
  {
    name: "tests only",
    policy: "default",
    facts: { testsOnly: true, codeChanged: false, testsChangedWithCode: false },
    decision: "approve",
    fired: ["docs-tests-or-formatting-only"],
  },
  {
    name: "formatting only, 800 lines",
    policy: "default",
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
    policy: "default",
    facts: {
      dependencyBumpOnly: true,
      codeChanged: false,
      testsChangedWithCode: false,
      linesChanged: 60,
    },
    decision: "approve",
    fired: ["dependency-bump"],
  },
  {
    name: "dependency bump with a high finding",
    policy: "default",
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
    policy: "default",
    facts: {
      dependencyBumpOnly: true,
      codeChanged: false,
      testsChangedWithCode: false,
      findings: { ...zero, critical: 1 },
    },
    decision: "deny",
    fired: ["critical-findings", "dependency-bump"],
  },
  {
    name: "500-line AI-assisted change to infra/",
    policy: "default",
    facts: infraLarge,
    decision: "hold",
    fired: ["large-sensitive-change"],
    approvals: ["1 maintainers"],
  },
  {
    name: "a small change to infra/ is not approved on its own",
    policy: "default",
    facts: { sensitiveFiles: ["infra/main.tf"], linesChanged: 20 },
    decision: "hold",
    fired: [],
  },
  {
    name: "high risk: large, sensitive, untested, AI-assisted revert",
    policy: "default",
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
    policy: "default",
    facts: { ...infraLarge, findings: { ...zero, critical: 1 } },
    decision: "deny",
    fired: ["critical-findings", "large-sensitive-change", "high-risk"],
  },
  {
    name: "freeze holds a small change for two maintainers",
    policy: "default",
    facts: { inFreeze: true, freezeWindows: ["release"] },
    decision: "hold",
    fired: ["freeze", "small-tested-change"],
    approvals: ["2 maintainers"],
  },
  {
    name: "docs go through a freeze",
    policy: "default",
    facts: { ...docs, inFreeze: true },
    decision: "approve",
    fired: ["docs-tests-or-formatting-only"],
  },
  {
    name: "deny beats a freeze hold",
    policy: "default",
    facts: { inFreeze: true, testsFailed: 1 },
    decision: "deny",
    fired: ["failing-tests", "freeze", "small-tested-change"],
  },
  {
    name: "two holds ask the larger count of one group",
    policy: "default",
    facts: { ...infraLarge, inFreeze: true },
    decision: "hold",
    fired: ["freeze", "large-sensitive-change"],
    approvals: ["2 maintainers"],
  },
  {
    name: "unknown findings hold what would be approved",
    policy: "default",
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
    policy: "default",
    facts: { ...docs, testsFailed: undefined },
    decision: "hold",
    fired: ["docs-tests-or-formatting-only"],
    undecided: ["failing-tests"],
  },
  // A policy over every kind of fact, with freeze windows in Europe/Berlin (UTC+1 in December).
  {
    name: "custom: small change on a Tuesday morning",
    policy: "custom",
    facts: {},
    now: "2026-12-08T09:00:00Z",
    decision: "approve",
    fired: ["approve-small"],
  },
  {
    name: "custom: Friday 15:30 Berlin is frozen",
    policy: "custom",
    facts: {},
    now: "2026-12-11T14:30:00Z",
    decision: "hold",
    fired: ["freeze", "approve-small"],
    approvals: ["2 release-managers"],
  },
  {
    name: "custom: Friday 14:59 Berlin is not",
    policy: "custom",
    facts: {},
    now: "2026-12-11T13:59:00Z",
    decision: "approve",
    fired: ["approve-small"],
  },
  {
    name: "custom: the year-end window",
    policy: "custom",
    facts: {},
    now: "2026-12-24T10:00:00Z",
    decision: "hold",
    fired: ["freeze", "approve-small"],
  },
  {
    name: "custom: the year-end window has closed",
    policy: "custom",
    facts: {},
    now: "2027-01-04T10:00:00Z",
    decision: "approve",
    fired: ["approve-small"],
  },
  {
    name: "custom: nights from 22:00",
    policy: "custom",
    facts: {},
    now: "2026-12-08T21:30:00Z",
    decision: "hold",
    fired: ["freeze", "approve-small"],
  },
  {
    name: "custom: nights until 05:59",
    policy: "custom",
    facts: {},
    now: "2026-12-08T04:59:00Z",
    decision: "hold",
    fired: ["freeze", "approve-small"],
  },
  {
    name: "custom: 06:00 is open",
    policy: "custom",
    facts: {},
    now: "2026-12-08T05:00:00Z",
    decision: "approve",
    fired: ["approve-small"],
  },
  {
    name: "custom: Saturday 23:30 UTC is Sunday night in Berlin",
    policy: "custom",
    facts: {},
    now: "2026-12-12T23:30:00Z",
    decision: "hold",
    fired: ["freeze", "weekend", "approve-small"],
    approvals: ["2 release-managers", "1 sre"],
  },
  {
    name: "custom: deny beats a freeze hold",
    policy: "custom",
    facts: { findingsByKind: { secret: 1, dependency: 0 } },
    now: "2026-12-24T10:00:00Z",
    decision: "deny",
    fired: ["secrets", "freeze", "approve-small"],
  },
  {
    name: "custom: infra/ by glob",
    policy: "custom",
    facts: { files: ["infra/net/vpc.tf", "src/a.ts"] },
    now: "2026-12-08T09:00:00Z",
    decision: "hold",
    fired: ["infra", "approve-small"],
    approvals: ["1 sre"],
  },
  {
    name: "custom: large AI-assisted change to production",
    policy: "custom",
    facts: { cohort: "ai-assisted", linesChanged: 500 },
    now: "2026-12-08T09:00:00Z",
    decision: "hold",
    fired: ["prod-ai-large"],
  },
  {
    name: "custom: the same change to staging falls to the default",
    policy: "custom",
    facts: { cohort: "ai-assisted", linesChanged: 500, environment: "staging" },
    now: "2026-12-08T09:00:00Z",
    decision: "approve",
    fired: [],
  },
  {
    name: "custom: flaky steps hold",
    policy: "custom",
    facts: { flakySteps: ["test/integration"] },
    now: "2026-12-08T09:00:00Z",
    decision: "hold",
    fired: ["flaky", "approve-small"],
  },
  {
    name: "custom: three failed runs deny",
    policy: "custom",
    facts: { failedRuns: 3 },
    now: "2026-12-08T09:00:00Z",
    decision: "deny",
    fired: ["repeated-failures", "approve-small"],
  },
  {
    name: "custom: one file over 1,000 added lines",
    policy: "custom",
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
    policy: "custom",
    facts: { isRevert: true, linesChanged: 500 },
    now: "2026-12-08T09:00:00Z",
    decision: "approve",
    fired: ["revert"],
  },
  {
    name: "custom: the bot's dependency bump",
    policy: "custom",
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
    policy: "custom",
    facts: { dependencyBumpOnly: true, linesChanged: 400 },
    now: "2026-12-08T09:00:00Z",
    decision: "approve",
    fired: [],
  },
  {
    name: "custom: an unknown fact of an approve rule does not block",
    policy: "custom",
    facts: { isRevert: undefined },
    now: "2026-12-08T09:00:00Z",
    decision: "approve",
    fired: ["approve-small"],
    undecided: ["revert"],
  },
  {
    name: "custom: a deny rule that fails to evaluate holds",
    policy: "custom",
    facts: { findings: {} },
    now: "2026-12-08T09:00:00Z",
    decision: "hold",
    fired: ["approve-small"],
    undecided: ["deny-critical"],
    approvals: ["1 maintainers"],
  },
];

describe("decide: the table", () => {
  it("has at least 40 fact sets", () => {
    expect(rows.length).toBeGreaterThanOrEqual(40);
  });

  it.each(rows)("$name", (row) => {
    const policy = row.policy === "default" ? defaults : custom;
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
