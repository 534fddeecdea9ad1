// `sluice policy test`: a table of cases (facts in, the expected decision and fired rules out),
// for policy authors to keep beside their policy and run in CI. The comparison is pure.
import { z } from "zod";
import { decide } from "./decide.js";
import type { Decision } from "./decide.js";
import type { FactName } from "./facts.js";
import type { Policy } from "./loader.js";
import { decisions } from "./schema.js";
import { timeFacts } from "./time.js";
import { parseYaml } from "./yaml.js";

const count = z.int().min(0);
const strings = z.array(z.string());

/** Facts as a case or a run gives them: every key optional, an unknown key refused. */
export const FactsInput = z
  .strictObject({
    files: strings,
    fileStats: z.array(
      z.strictObject({ path: z.string(), added: count, removed: count }),
    ),
    filesChanged: count,
    linesAdded: count,
    linesRemoved: count,
    linesChanged: count,
    docsOnly: z.boolean(),
    testsOnly: z.boolean(),
    formattingOnly: z.boolean(),
    dependencyBumpOnly: z.boolean(),
    generatedFiles: strings,
    testsChangedWithCode: z.boolean(),
    codeChanged: z.boolean(),
    sensitiveFiles: strings,
    testsPassed: count,
    testsFailed: count,
    findings: z.record(z.string(), count),
    findingsByKind: z.record(z.string(), count),
    cohort: z.enum(["ai-assisted", "unmarked"]),
    aiMarkers: strings,
    author: z.string(),
    environment: z.string(),
    weekday: z.enum([
      "monday",
      "tuesday",
      "wednesday",
      "thursday",
      "friday",
      "saturday",
      "sunday",
    ]),
    hour: z.int().min(0).max(23),
    inFreeze: z.boolean(),
    freezeWindows: strings,
    isRevert: z.boolean(),
    failedRuns: count,
    flakySteps: strings,
    risk: z.int().min(0).max(100),
  } satisfies Record<FactName, z.ZodType>)
  .partial();

const Case = z.strictObject({
  name: z.string().min(1),
  /** The instant the time facts are computed at (when the facts do not give them). */
  now: z.iso.datetime({ offset: true }).optional(),
  facts: FactsInput,
  expect: z.strictObject({
    decision: z.enum(decisions),
    /** The names of every rule that fires, in any order. */
    fired: z.array(z.string()).optional(),
  }),
});

/** A case file: an optional policy path (relative to the file) and the cases. */
export const PolicyCases = z.strictObject({
  policy: z
    .string()
    .optional()
    .describe("The policy the cases are for, relative to this file"),
  cases: z.array(Case).min(1),
});
export type PolicyCases = z.infer<typeof PolicyCases>;
type PolicyCase = z.infer<typeof Case>;

/** Parses a case file; problems at file:line:col. */
export function parsePolicyCases(text: string, file: string): PolicyCases {
  return parseYaml(text, file, PolicyCases, "a policy test file", (path) =>
    path[0] === "cases" && typeof path[1] === "number"
      ? `${path.length > 2 ? `\`${path.slice(2).join(".")}\` of ` : ""}case ${path[1] + 1}`
      : `\`${path.join(".")}\``,
  ).value;
}

/** One case's outcome: what was expected, what came, and the differences as lines. */
export interface CaseResult {
  name: string;
  passed: boolean;
  /** Human lines describing each difference (empty when passed). */
  differences: string[];
  decision: Decision;
}

/** Evaluates every case against the policy. */
export function runPolicyCases(
  policy: Policy,
  cases: readonly PolicyCase[],
): CaseResult[] {
  return cases.map((c) => {
    const facts = {
      ...(c.now ? timeFacts(Date.parse(c.now), policy) : {}),
      ...c.facts,
    };
    const decision = decide(policy, facts);
    const differences: string[] = [];
    if (decision.decision !== c.expect.decision)
      differences.push(
        `decision: expected ${c.expect.decision}, got ${decision.decision} (${decision.reasons.join("; ")})`,
      );
    if (c.expect.fired) {
      const got = new Set(decision.fired.map((f) => f.rule));
      const want = new Set(c.expect.fired);
      const missing = [...want].filter((r) => !got.has(r));
      const extra = [...got].filter((r) => !want.has(r));
      if (missing.length > 0 || extra.length > 0)
        differences.push(
          `fired: expected [${[...want].join(", ")}], got [${[...got].join(", ")}]` +
            `${missing.length ? ` (did not fire: ${missing.join(", ")})` : ""}` +
            `${extra.length ? ` (fired too: ${extra.join(", ")})` : ""}`,
        );
    }
    return {
      name: c.name,
      passed: differences.length === 0,
      differences,
      decision,
    };
  });
}
