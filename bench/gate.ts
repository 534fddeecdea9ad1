// Gate: decision time for a change with 2,000 changed files and 500 findings against a 50-rule
// policy (target < 20 ms), and the same 50 rules run by both CEL engines side by side (ADR 100).
// Prints readable lines, then one JSON line.
import { performance } from "node:perf_hooks";
import {
  CelScalar,
  celEnv,
  celFunc,
  isCelError,
  parse as bufParse,
  plan as bufPlan,
} from "@bufbuild/cel";
import { Environment } from "@marcbachmann/cel-js";
import {
  classify,
  decide,
  factTypes,
  globMatch,
  parsePolicy,
  severities,
} from "../src/policy/index.js";
import type { DiffFile, Facts } from "../src/policy/index.js";

const files = 2000;
const findingCount = 500;
const ruleCount = 50;

/** 50 rules of the shapes policies use: counts, globs over every file, per-file stats, strings. */
function rules(): { name: string; when: string; decision: string }[] {
  const shapes = [
    (i: number) => `findings.critical > ${i % 3}`,
    (i: number) => `files.exists(f, glob(f, "infra/m${i}/**"))`,
    (i: number) => `fileStats.exists(s, s.added > ${900 + i})`,
    (i: number) => `linesChanged > ${100 * i} && size(sensitiveFiles) > 0`,
    (i: number) => `cohort == "ai-assisted" && linesChanged > ${50 * i}`,
    (i: number) => `weekday in ["saturday", "sunday"] && hour > ${i % 24}`,
    (i: number) =>
      `author.endsWith("@team${i}.example") && !testsChangedWithCode`,
    (i: number) => `findingsByKind.secret > ${i} || findings.high > ${10 * i}`,
    (i: number) => `risk > ${i % 100}`,
    (_: number) => `files.all(f, glob(f, "docs/**")) || docsOnly`,
  ];
  return Array.from({ length: ruleCount }, (_, i) => ({
    name: `rule-${i}`,
    when: shapes[i % shapes.length]!(i),
    decision: ["approve", "hold", "deny"][i % 3]!,
  }));
}

const policyText = `sensitivePaths: ["infra/**"]
rules:
${rules()
  .map(
    (r) =>
      `  - name: ${r.name}\n    when: '${r.when}'\n    decision: ${r.decision}\n${r.decision === "hold" ? "    approvals: { count: 1, group: sre }\n" : ""}    message: m\n`,
  )
  .join("")}`;

const diff: DiffFile[] = Array.from({ length: files }, (_, i) => ({
  path:
    i % 50 === 0
      ? `infra/m${i % 7}/main.tf`
      : i % 10 === 0
        ? `src/mod${i % 40}/f${i}.test.ts`
        : `src/mod${i % 40}/f${i}.ts`,
  added: (i * 7) % 120,
  removed: (i * 3) % 40,
  addedLines: [],
  removedLines: [],
  binary: false,
}));
const findings = Array.from({ length: findingCount }, (_, i) => ({
  severity: severities[i % severities.length]!,
  kind: i % 4 === 0 ? "secret" : "dependency",
}));

/** The facts a run would compute: the diff's classifiers plus counts of the findings. */
function factsOf(): Facts {
  const bySeverity = Object.fromEntries(severities.map((s) => [s, 0]));
  const byKind: Record<string, number> = { secret: 0, dependency: 0 };
  for (const f of findings) {
    bySeverity[f.severity]!++;
    byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
  }
  return {
    ...classify(diff, false, ["infra/**"]),
    testsPassed: 1200,
    testsFailed: 0,
    findings: bySeverity,
    findingsByKind: byKind,
    cohort: "ai-assisted",
    aiMarkers: ["claude-code-coauthor"],
    author: "dev@team7.example",
    environment: "production",
    weekday: "saturday",
    hour: 14,
    inFreeze: false,
    freezeWindows: [],
    isRevert: false,
    failedRuns: 0,
    flakySteps: [],
  };
}

function timeIt(label: string, runs: number, fn: () => unknown) {
  for (let i = 0; i < Math.min(20, runs); i++) fn(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)]!;
  const p95 = samples[Math.floor(samples.length * 0.95)]!;
  console.log(
    `  ${label.padEnd(46)} median ${median.toFixed(3)} ms, p95 ${p95.toFixed(3)} ms (${runs} runs)`,
  );
  return { median: Number(median.toFixed(3)), p95: Number(p95.toFixed(3)) };
}

console.log(
  `gate: ${files} changed files, ${findingCount} findings, ${ruleCount} rules`,
);
let t = performance.now();
const policy = parsePolicy(policyText, "bench-policy.yml");
const loadMs = performance.now() - t;
console.log(
  `  policy load (parse + type-check 50 rules)      ${loadMs.toFixed(1)} ms`,
);
const facts = factsOf();
const decision = decide(policy, facts);
console.log(
  `  decision: ${decision.decision}, ${decision.fired.length} rules fired, risk ${decision.risk.score}`,
);
const decideOnly = timeIt("decide (50 rules, facts given)", 200, () =>
  decide(policy, facts),
);
const factsAndDecide = timeIt(
  "facts from the diff and findings + decide",
  200,
  () => decide(policy, factsOf()),
);

// Both engines on the same 50 expressions and the same values (ints as BigInt for both).
const celFacts = { ...facts, risk: decision.risk.score };
// The policy's own environment: every fact declared with its type (src/policy/cel.ts).
let marc = new Environment({ homogeneousAggregateLiterals: false });
for (const [name, type] of Object.entries(factTypes))
  marc = marc.registerVariable(name, type);
marc = marc.registerFunction(
  "glob(string, string): bool",
  (p: string, g: string) => globMatch(p, g),
);
t = performance.now();
const marcRules = rules().map((r) => marc.parse(r.when));
const marcCompileMs = performance.now() - t;
const marcContext = {
  ...Object.fromEntries(
    Object.entries(celFacts).map(([k, v]) => [
      k,
      typeof v === "number" ? BigInt(v) : v,
    ]),
  ),
  findings: Object.fromEntries(
    Object.entries(facts.findings!).map(([k, v]) => [k, BigInt(v)]),
  ),
  findingsByKind: Object.fromEntries(
    Object.entries(facts.findingsByKind!).map(([k, v]) => [k, BigInt(v)]),
  ),
  fileStats: facts.fileStats!.map((f) => ({
    path: f.path,
    added: BigInt(f.added),
    removed: BigInt(f.removed),
  })),
};
const bufEnv = celEnv({
  funcs: [
    celFunc(
      "glob",
      [CelScalar.STRING, CelScalar.STRING],
      CelScalar.BOOL,
      (p, g) => globMatch(p, g),
    ),
  ],
});
t = performance.now();
const bufRules = rules().map((r) => bufPlan(bufEnv, bufParse(r.when)));
const bufCompileMs = performance.now() - t;
const toMap = (r: Record<string, number>) =>
  new Map(Object.entries(r).map(([k, v]) => [k, BigInt(v)]));
const bufContext = {
  ...marcContext,
  findings: toMap(facts.findings!),
  findingsByKind: toMap(facts.findingsByKind!),
  fileStats: facts.fileStats!.map(
    (f) =>
      new Map<string, string | bigint>([
        ["path", f.path],
        ["added", BigInt(f.added)],
        ["removed", BigInt(f.removed)],
      ]),
  ),
};
const marcResults = marcRules.map((r) => r(marcContext) as unknown);
const bufResults = bufRules.map((r) => r(bufContext as never) as unknown);
const agree = marcResults.every((v, i) => v === bufResults[i]);
const bufErrors = bufResults.filter((v) => isCelError(v)).length;
console.log(
  `  engines agree on all ${ruleCount} rules: ${agree}${bufErrors ? ` (@bufbuild/cel errors: ${bufErrors})` : ""}`,
);
console.log(
  `  compile 50 rules: @marcbachmann/cel-js ${marcCompileMs.toFixed(1)} ms, @bufbuild/cel ${bufCompileMs.toFixed(1)} ms`,
);
const marcRun = timeIt("@marcbachmann/cel-js: 50 rules", 200, () =>
  marcRules.forEach((r) => r(marcContext)),
);
const bufRun = timeIt("@bufbuild/cel: 50 rules", 200, () =>
  bufRules.forEach((r) => r(bufContext as never)),
);
console.log(
  JSON.stringify({
    bench: "gate",
    files,
    findings: findingCount,
    rules: ruleCount,
    policyLoadMs: Number(loadMs.toFixed(1)),
    decideMedianMs: decideOnly.median,
    decideP95Ms: decideOnly.p95,
    factsAndDecideMedianMs: factsAndDecide.median,
    targetMs: 20,
    engines: {
      "@marcbachmann/cel-js": {
        compileMs: Number(marcCompileMs.toFixed(1)),
        rulesMedianMs: marcRun.median,
      },
      "@bufbuild/cel": {
        compileMs: Number(bufCompileMs.toFixed(1)),
        rulesMedianMs: bufRun.median,
      },
    },
    enginesAgree: agree,
  }),
);
if (!agree || decideOnly.median > 20) process.exitCode = 1;
