import type { SluiceConfig } from "../config/index.js";
import { globToRegExp } from "../kernel/index.js";
import type { TriggerFacts } from "./ports.js";

/** Whether a pipeline runs for a trigger, and why (shown when it does not). */
export interface TriggerMatch {
  runs: boolean;
  reason: string;
}

/**
 * Matches trigger facts against `on:`. No `on:` runs for everything; a manual run always runs (the
 * user asked for it); push and pull_request honour `branches` and `paths` globs (`!` excludes,
 * later patterns win, as in GitHub); schedule needs a `schedule` entry.
 */
export function matchTrigger(
  on: SluiceConfig["on"],
  facts: TriggerFacts,
): TriggerMatch {
  if (on === undefined) return { runs: true, reason: "no `on:` filter" };
  if (facts.event === "manual") return { runs: true, reason: "a manual run" };
  if (facts.event === "schedule") {
    return on.schedule?.length
      ? { runs: true, reason: "a scheduled run" }
      : { runs: false, reason: "`on:` has no schedule" };
  }
  const filter = on[facts.event];
  if (filter === undefined)
    return { runs: false, reason: `\`on:\` has no ${facts.event}` };
  if (
    filter.branches &&
    facts.branch !== undefined &&
    !matchesAny(filter.branches, [facts.branch])
  ) {
    return {
      runs: false,
      reason: `branch ${facts.branch} is not in on.${facts.event}.branches`,
    };
  }
  if (
    filter.paths &&
    facts.changedPaths !== undefined &&
    !matchesAny(filter.paths, facts.changedPaths)
  ) {
    return {
      runs: false,
      reason: `no changed path is in on.${facts.event}.paths`,
    };
  }
  return { runs: true, reason: `a ${facts.event} that matches \`on:\`` };
}

/** True when some value is included by the patterns (evaluated in order; `!` excludes). */
function matchesAny(patterns: string[], values: string[]): boolean {
  const compiled = patterns.map((p) => ({
    negate: p.startsWith("!"),
    re: globToRegExp(p.replace(/^!/, "")),
  }));
  return values.some((value) => {
    let included = false;
    for (const { negate, re } of compiled)
      if (re.test(value)) included = !negate;
    return included;
  });
}
