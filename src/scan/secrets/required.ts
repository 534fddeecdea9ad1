import type { Anchor } from "./composite.js";
import { noAnchor, satisfied } from "./composite.js";
import type {
  DetectOptions,
  RequiredMatch,
  SecretMatch,
} from "./detect-types.js";
import type { RuleSet } from "./rule.js";
import type { Run } from "./rule-search.js";
import { allowedByRule, consider, spent } from "./rule-search.js";

/** A rule set's composite rules (gitleaks `required`), as the detector keeps them. */
export interface RequiredRules {
  ruleSet: RuleSet;
  /** Rules with a regex and `required` components; empty for the built-in rules. */
  composites: number[];
  /** Rule index by id, for the components of composite rules. */
  indexOf: Map<string, number>;
  /** Whole-fragment regexes of component rules, built on first use. */
  componentRegexes: Map<number, RegExp>;
}

/**
 * gitleaks' `processRequiredRules`: each composite rule's findings are kept only when every
 * required rule has a finding near them, and carry those findings. A component is searched
 * over the whole fragment, without its keywords (gitleaks runs it directly), once per
 * fragment, and its own requirements are not applied.
 */
export function applyRequired(
  required: RequiredRules,
  run: Run,
  options: DetectOptions,
): void {
  const rules = required.ruleSet.rules;
  const cache = new Map<string, { anchor: Anchor; item: RequiredMatch }[]>();
  const components = (id: string) => {
    let found = cache.get(id);
    if (!found) {
      found = runComponent(required, required.indexOf.get(id)!, run, options);
      cache.set(id, found);
    }
    return found;
  };
  const drop = new Set<SecretMatch>();
  for (const r of required.composites) {
    const rule = rules[r]!;
    for (const m of run.result.matches) {
      const anchor = run.anchors!.get(m);
      if (m.ruleId !== rule.id || !anchor) continue;
      const found = satisfied(anchor, rule.spec.required!, components);
      if (found) m.required = found;
      else drop.add(m);
    }
  }
  if (drop.size > 0)
    run.result.matches = run.result.matches.filter((m) => !drop.has(m));
}

/** A component rule's findings in the whole fragment, with their gitleaks positions. */
function runComponent(
  required: RequiredRules,
  r: number,
  run: Run,
  options: DetectOptions,
): { anchor: Anchor; item: RequiredMatch }[] {
  const rule = required.ruleSet.rules[r]!;
  const path = run.fragment.path;
  if (options.exclude?.has(rule.id)) return [];
  if (rule.spec.path !== undefined && !rule.path!.test(path)) return [];
  if (rule.spec.regex === undefined) {
    if (allowedByRule(rule, path, run.fragment.commit, "", "", "")) return [];
    const item = {
      ruleId: rule.id,
      line: 1,
      column: 1,
      endLine: 1,
      endColumn: 1,
      secret: path,
    };
    return [{ anchor: noAnchor, item }];
  }
  const sub: Run = {
    ...run,
    result: { matches: [], timeouts: [], regexRuns: 1 },
    anchors: new Map(),
    started: run.now(),
    timedOut: false,
  };
  if (options.currentRule) options.currentRule[0] = r;
  let regex = required.componentRegexes.get(r);
  if (!regex) {
    regex = new RegExp(rule.regex!.source, `${rule.regex!.flags}g`);
    required.componentRegexes.set(r, regex);
  }
  const text = run.content.text;
  regex.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = regex.exec(text)) !== null) {
    if (m[0].length === 0) {
      regex.lastIndex++;
      continue;
    }
    consider(rule, m, 0, sub);
    if (spent(sub)) break;
  }
  run.result.regexRuns += sub.result.regexRuns;
  if (sub.timedOut)
    run.result.timeouts.push({
      ruleId: rule.id,
      elapsedMs: sub.now() - sub.started,
    });
  return sub.result.matches.map((m) => ({
    anchor: sub.anchors!.get(m)!,
    item: {
      ruleId: m.ruleId,
      line: m.line,
      column: m.column,
      endLine: m.endLine,
      endColumn: m.endColumn,
      secret: m.secret,
    },
  }));
}
