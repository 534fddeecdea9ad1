// The pure core of the gate: a policy and a change's facts in, a decision with its reasons out.
import { celContext } from "./cel.js";
import { unknownFacts } from "./facts.js";
import type { FactName, Facts } from "./facts.js";
import type { CompiledRule, Policy } from "./loader.js";
import { computeRisk } from "./risk.js";
import type { Risk } from "./risk.js";
import type { Approvals, DecisionKind } from "./schema.js";

/** A rule whose `when` was true, with the facts it read. */
export interface FiredRule {
  rule: string;
  decision: DecisionKind;
  message: string;
  approvals?: Approvals;
  /** Each fact the rule reads and its value (long lists shortened). */
  facts: Partial<Record<FactName, unknown>>;
}

/** A rule that could not be evaluated: a fact it reads is unknown, or evaluation failed. */
export interface UndecidedRule {
  rule: string;
  decision: DecisionKind;
  reason: string;
  unknown: FactName[];
}

export interface Decision {
  decision: DecisionKind;
  /** For a hold: the approvals needed, one per group (the largest count asked). */
  approvals: Approvals[];
  /** One line per fired or undecided rule that made the decision, or the default's message. */
  reasons: string[];
  fired: FiredRule[];
  undecided: UndecidedRule[];
  /** True when no rule fired and the policy's default decided. */
  defaulted: boolean;
  risk: Risk;
  /** Facts that were unknown for this change. */
  unknownFacts: FactName[];
}

const rank: Record<DecisionKind, number> = { approve: 0, hold: 1, deny: 2 };

/** Lists over this length are shown by their first items and a count. */
const shownItems = 10;

function shown(value: unknown): unknown {
  if (Array.isArray(value) && value.length > shownItems)
    return [
      ...value.slice(0, shownItems),
      `… ${value.length - shownItems} more`,
    ];
  return value;
}

/**
 * Evaluates every rule and combines what fired: deny beats hold beats approve. A deny or hold rule
 * that cannot be evaluated (an unknown fact) holds the change rather than letting it through; an
 * approve rule that cannot be evaluated does not fire. When nothing fires, the default decides.
 * `risk` is computed from the facts when they do not carry it, and left unknown when a fact it
 * needs is unknown.
 */
export function decide(policy: Policy, input: Facts): Decision {
  const risk = computeRisk(input);
  const facts: Facts = { ...input };
  if (
    facts.risk === undefined &&
    risk.factors.every((f) => f.unknown.length === 0)
  )
    facts.risk = risk.score;
  const context = celContext(facts);
  const fired: FiredRule[] = [];
  const undecided: UndecidedRule[] = [];
  for (const rule of policy.rules) {
    const unknown = rule.facts.filter((name) => facts[name] === undefined);
    if (unknown.length > 0) {
      undecided.push({
        rule: rule.name,
        decision: rule.decision,
        reason: `unknown: ${unknown.join(", ")}`,
        unknown,
      });
      continue;
    }
    const result = evaluate(rule, context);
    if (typeof result === "string") {
      undecided.push({
        rule: rule.name,
        decision: rule.decision,
        reason: result,
        unknown: [],
      });
    } else if (result) fired.push(firedRule(rule, facts));
  }
  const blocking = undecided.filter((u) => u.decision !== "approve");
  const worst = fired.reduce<DecisionKind | undefined>(
    (w, f) => (w === undefined || rank[f.decision] > rank[w] ? f.decision : w),
    undefined,
  );
  let decision: DecisionKind;
  let defaulted = false;
  if (worst === "deny") decision = "deny";
  else if (worst === "hold" || blocking.length > 0) decision = "hold";
  else if (worst === "approve") decision = "approve";
  else {
    decision = policy.default.decision;
    defaulted = true;
  }
  const deciding = fired.filter((f) => f.decision === decision);
  const reasons = defaulted
    ? [policy.default.message]
    : [
        ...deciding.map((f) => `${f.rule}: ${f.message}`),
        ...(decision === "hold"
          ? blocking.map((u) => `${u.rule} could not be decided (${u.reason})`)
          : []),
      ];
  return {
    decision,
    approvals:
      decision === "hold" ? approvalsFor(policy, deciding, blocking) : [],
    reasons,
    fired,
    undecided,
    defaulted,
    risk,
    unknownFacts: unknownFacts(facts),
  };
}

/** true/false, or the failure's message when evaluation throws or gives a non-bool. */
function evaluate(
  rule: CompiledRule,
  context: Record<string, unknown>,
): boolean | string {
  try {
    const value = rule.run(context);
    return typeof value === "boolean"
      ? value
      : `gave ${typeof value}, not a bool`;
  } catch (error) {
    return `evaluation failed: ${((error as { summary?: string }).summary ?? (error as Error).message).split("\n")[0]}`;
  }
}

function firedRule(rule: CompiledRule, facts: Facts): FiredRule {
  return {
    rule: rule.name,
    decision: rule.decision,
    message: rule.message,
    ...(rule.approvals ? { approvals: rule.approvals } : {}),
    facts: Object.fromEntries(
      rule.facts.map((name) => [name, shown(facts[name])]),
    ),
  };
}

function approvalsFor(
  policy: Policy,
  holds: FiredRule[],
  blocking: UndecidedRule[],
): Approvals[] {
  const asked: Approvals[] = holds.flatMap((h) =>
    h.approvals ? [h.approvals] : [],
  );
  for (const u of blocking) {
    const rule = policy.rules.find((r) => r.name === u.rule);
    asked.push(
      rule?.approvals ??
        policy.default.approvals ?? { count: 1, group: "maintainers" },
    );
  }
  if (asked.length === 0 && policy.default.approvals)
    asked.push(policy.default.approvals);
  const byGroup = new Map<string, number>();
  for (const a of asked)
    byGroup.set(a.group, Math.max(byGroup.get(a.group) ?? 0, a.count));
  return [...byGroup].map(([group, count]) => ({ count, group }));
}
