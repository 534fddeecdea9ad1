// The facts of a commit in a working tree, from git and the clock alone (no run): what
// `sluice gate facts` shows. Facts only a run knows stay unknown and are listed as such.
import type { Clock } from "../kernel/index.js";
import { unknownFacts } from "./facts.js";
import type { FactName, Facts } from "./facts.js";
import { gitChangeFacts } from "./git.js";
import type { GitChange } from "./git.js";
import type { Policy } from "./loader.js";
import { computeRisk } from "./risk.js";
import type { Risk } from "./risk.js";
import { timeFacts } from "./time.js";

export interface ChangeFacts {
  change: GitChange;
  facts: Facts;
  /** Facts nobody computed for this change (they need a run). */
  unknown: FactName[];
  risk: Risk;
}

/** Reads a commit's facts (default HEAD) in `cwd`, with time facts from the clock and the policy. */
export function readChangeFacts(options: {
  cwd: string;
  rev?: string;
  policy: Pick<Policy, "sensitivePaths" | "timezone" | "freezeWindows">;
  clock: Pick<Clock, "now">;
}): ChangeFacts {
  const { change, facts: git } = gitChangeFacts({
    cwd: options.cwd,
    ...(options.rev ? { rev: options.rev } : {}),
    sensitivePaths: options.policy.sensitivePaths,
  });
  const facts: Facts = {
    ...git,
    ...timeFacts(options.clock.now(), options.policy),
  };
  const risk = computeRisk(facts);
  if (risk.factors.every((f) => f.unknown.length === 0))
    facts.risk = risk.score;
  return { change, facts, unknown: unknownFacts(facts), risk };
}
