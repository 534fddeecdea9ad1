// Reads `.sluice/policy.yml`: YAML and schema problems at file:line:col (config's machinery), then
// every rule's CEL checked against the facts, so a typo'd fact or a non-bool rule never runs.
import type { Problem } from "../config/index.js";
import { parseDuration } from "../kernel/index.js";
import { compileExpression } from "./cel.js";
import type { CompiledExpression } from "./cel.js";
import type { FactName } from "./facts.js";
import { PolicyFile } from "./schema.js";
import { parseYaml, readPolicyText } from "./yaml.js";
import type { Approvals, DecisionKind, FreezeWindow } from "./schema.js";

/** Where a repository keeps its policy. */
export const policyFileName = ".sluice/policy.yml";

/** A rule ready to evaluate. */
export interface CompiledRule {
  name: string;
  when: string;
  decision: DecisionKind;
  approvals?: Approvals;
  message: string;
  /** The facts its expression reads. */
  facts: FactName[];
  run: CompiledExpression["run"];
}

/** A loaded policy: its settings and compiled rules. */
export interface Policy {
  file: string;
  timezone: string;
  sensitivePaths: string[];
  freezeWindows: FreezeWindow[];
  /** How long a hold waits for approvals, in ms. */
  holdTimeoutMs: number;
  /** Members of approval groups, by git email (lower case); unlisted groups accept anyone. */
  groups: Record<string, string[]>;
  default: { decision: DecisionKind; approvals?: Approvals; message: string };
  rules: CompiledRule[];
}

/** Reads and checks a policy file. */
export function loadPolicy(file: string): Policy {
  return parsePolicy(readPolicyText(file), file);
}

const describe = (path: readonly (string | number)[]): string => {
  if (path[0] === "rules" && typeof path[1] === "number")
    return path.length > 2
      ? `\`${String(path[2])}\` of rule ${path[1] + 1}`
      : `rule ${path[1] + 1}`;
  if (path[0] === "freezeWindows" && typeof path[1] === "number")
    return path.length > 2
      ? `\`${String(path[2])}\` of freeze window ${path[1] + 1}`
      : `freeze window ${path[1] + 1}`;
  return path.length === 0 ? "the policy" : `\`${path.join(".")}\``;
};

/** Checks the text of a policy; `file` is used in messages only. */
export function parsePolicy(text: string, file: string): Policy {
  const { source, value: policy } = parseYaml(
    text,
    file,
    PolicyFile,
    "a policy",
    describe,
  );
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const rules: CompiledRule[] = [];
  policy.rules.forEach((rule, i) => {
    const at = (key: string) => source.offsetOf(["rules", i, key]);
    if (seen.has(rule.name))
      problems.push(
        source.problem(`rule name \`${rule.name}\` is used twice`, at("name")),
      );
    seen.add(rule.name);
    if (rule.decision === "hold" && !rule.approvals)
      problems.push(
        source.problem(
          `rule \`${rule.name}\` holds but says no \`approvals\` (count and group)`,
          source.offsetOf(["rules", i, "decision"]),
        ),
      );
    if (rule.decision !== "hold" && rule.approvals)
      problems.push(
        source.problem(
          `rule \`${rule.name}\` has \`approvals\` but decides ${rule.decision}; only hold needs approvals`,
          at("approvals"),
        ),
      );
    const compiled = compileExpression(rule.when);
    if ("index" in compiled) {
      const offset = source.offsetInString(
        ["rules", i, "when"],
        compiled.index,
      );
      problems.push(
        source.problem(
          `rule \`${rule.name}\`: ${compiled.kind === "syntax" ? "CEL syntax error" : "CEL type error"} at column ${compiled.index + 1} of \`when\`: ${describeCel(compiled.message)}`,
          offset,
        ),
      );
      return;
    }
    rules.push({
      name: rule.name,
      when: rule.when,
      decision: rule.decision,
      ...(rule.approvals ? { approvals: rule.approvals } : {}),
      message: rule.message,
      facts: compiled.facts,
      run: compiled.run,
    });
  });
  if (policy.default.decision === "hold" && !policy.default.approvals)
    problems.push(
      source.problem(
        "`default` holds but says no `approvals`",
        source.offsetOf(["default"]),
      ),
    );
  for (const [i, window] of policy.freezeWindows.entries()) {
    const once = window.start !== undefined || window.end !== undefined;
    const recurring = window.weekdays || window.from || window.to;
    if (once && (recurring || !window.start || !window.end))
      problems.push(
        source.problem(
          `freeze window \`${window.name}\` needs both \`start\` and \`end\`, or only \`weekdays\`/\`from\`/\`to\``,
          source.offsetOf(["freezeWindows", i]),
        ),
      );
  }
  if (!validTimeZone(policy.timezone))
    problems.push(
      source.problem(
        `\`timezone\` ${JSON.stringify(policy.timezone)} is not an IANA time zone such as Europe/Berlin`,
        source.offsetOf(["timezone"]),
      ),
    );
  if (problems.length > 0) throw source.error(problems);
  return {
    file,
    timezone: policy.timezone,
    sensitivePaths: policy.sensitivePaths,
    freezeWindows: policy.freezeWindows,
    holdTimeoutMs: parseDuration(policy.holdTimeout) ?? 0,
    groups: Object.fromEntries(
      Object.entries(policy.groups).map(([group, emails]) => [
        group,
        emails.map((email) => email.toLowerCase()),
      ]),
    ),
    default: policy.default,
    rules,
  };
}

/** The engine says `Unknown variable: x`; in a policy that is a fact nobody computes. */
function describeCel(message: string): string {
  const unknown = /^Unknown variable: (\S+)/.exec(message);
  return unknown
    ? `unknown fact \`${unknown[1]}\` (see docs/policy.md for the facts)`
    : message;
}

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
