import type { Cohort, Marker } from "../model.js";
import type { AttributionRule } from "./rules.js";
import { builtinRules } from "./rules.js";

/** The one trailer parser (git's rules), shared with the pipeline; the webhook path reads it here. */
export { parseTrailers } from "../../kernel/index.js";

/** What attribution reads of a commit. */
export interface CommitMeta {
  sha: string;
  authorName: string;
  authorEmail: string;
  committerName?: string | undefined;
  committerEmail?: string | undefined;
  subject: string;
  body: string;
  /** `[key, value]` pairs, as git's `%(trailers)` or `parseTrailers` gives them. */
  trailers: [string, string][];
}

/** What attribution reads of a pull request, beyond its commits. */
export interface PullRequestMeta {
  branch?: string | undefined;
  body?: string | undefined;
}

/** A detector over the built-in table plus extra rules (from config). */
export interface Detector {
  commit(meta: CommitMeta): Marker[];
  /** The union of markers over a pull request's commits, its body and its head branch. */
  change(
    commits: CommitMeta[],
    pr?: PullRequestMeta,
  ): { cohort: Cohort; markers: Marker[] };
}

const coAuthorKey = "co-authored-by";

interface Found {
  rule: AttributionRule;
  marker: Marker;
}

function found1(
  rule: AttributionRule,
  field: Marker["field"],
  evidence: string,
  model?: string,
): Found {
  return {
    rule,
    marker: {
      rule: rule.id,
      tool: rule.tool,
      field,
      evidence,
      ...(model ? { model } : {}),
    },
  };
}

/**
 * Builds a detector; extra rules are checked after the built-in ones. Rules are indexed by address,
 * domain and trailer key, so a commit costs a few map lookups plus the handful of body patterns.
 */
export function createDetector(
  extra: readonly AttributionRule[] = [],
): Detector {
  const rules = [...builtinRules, ...extra];
  const byEmail = new Map<string, AttributionRule[]>();
  const byDomain = new Map<string, AttributionRule[]>();
  const byTrailer = new Map<string, AttributionRule[]>();
  const add = (
    map: Map<string, AttributionRule[]>,
    key: string,
    rule: AttributionRule,
  ) => {
    const list = map.get(key);
    if (list) list.push(rule);
    else map.set(key, [rule]);
  };
  const bodies: { rule: AttributionRule; re: RegExp }[] = [];
  const suffixes: AttributionRule[] = [];
  const prefixes: AttributionRule[] = [];
  const branches: AttributionRule[] = [];
  for (const rule of rules) {
    if (rule.email) add(byEmail, rule.email.toLowerCase(), rule);
    if (rule.emailDomain) add(byDomain, rule.emailDomain.toLowerCase(), rule);
    if (rule.trailer) add(byTrailer, rule.trailer.toLowerCase(), rule);
    if (rule.body) bodies.push({ rule, re: new RegExp(rule.body, "m") });
    if (rule.authorSuffix) suffixes.push(rule);
    if (rule.subjectPrefix) prefixes.push(rule);
    if (rule.branchPrefix) branches.push(rule);
  }
  const order = new Map(rules.map((r, i) => [r, i]));

  /** Rules matching an address exactly or by its domain; undefined for the usual no-match. */
  function addressRules(email: string): AttributionRule[] | undefined {
    const exact = byEmail.get(email);
    const at = email.lastIndexOf("@");
    const domain = at >= 0 ? byDomain.get(email.slice(at + 1)) : undefined;
    if (!domain) return exact;
    return exact ? [...exact, ...domain] : domain;
  }

  // A history has few distinct addresses and thousands of commits: remember each address's rules
  // (null for none) by its spelling as found, skipping the lower-casing, slicing and two lookups.
  // Bounded, for a detector that lives as long as a server.
  const byAddress = new Map<string, AttributionRule[] | null>();
  function rulesOfAddress(email: string): AttributionRule[] | undefined {
    let rules = byAddress.get(email);
    if (rules === undefined) {
      rules = addressRules(email.toLowerCase()) ?? null;
      if (byAddress.size >= 10_000) byAddress.clear();
      byAddress.set(email, rules);
    }
    return rules ?? undefined;
  }

  // Most commits carry no marker, so nothing is allocated until a rule matches: git import runs
  // this for every commit of a history.
  function commit(meta: CommitMeta): Marker[] {
    const found: Found[] = [];
    let trailerSeen: Set<AttributionRule> | undefined;
    for (const [key, value] of meta.trailers) {
      const rules = byTrailer.get(key.toLowerCase());
      if (!rules) continue;
      for (const rule of rules) {
        trailerSeen ??= new Set();
        if (trailerSeen.has(rule)) continue;
        trailerSeen.add(rule);
        found.push(
          found1(rule, "trailer", `${key}: ${value}`, modelOfTrailer(value)),
        );
      }
    }
    // Addresses: one marker per rule, from the first address that matches it (author, committer,
    // then Co-authored-by trailers).
    let addressSeen: Set<AttributionRule> | undefined;
    const authorRules = rulesOfAddress(meta.authorEmail);
    if (authorRules) {
      addressSeen = new Set();
      for (const rule of authorRules) {
        if (addressSeen.has(rule)) continue;
        addressSeen.add(rule);
        found.push(
          found1(rule, "author", `${meta.authorName} <${meta.authorEmail}>`),
        );
      }
    }
    if (meta.committerEmail && meta.committerEmail !== meta.authorEmail) {
      const rules = rulesOfAddress(meta.committerEmail);
      if (rules) {
        addressSeen ??= new Set();
        for (const rule of rules) {
          if (addressSeen.has(rule)) continue;
          addressSeen.add(rule);
          found.push(
            found1(
              rule,
              "committer",
              `${meta.committerName ?? ""} <${meta.committerEmail}>`,
            ),
          );
        }
      }
    }
    for (const [key, value] of meta.trailers) {
      if (key.toLowerCase() !== coAuthorKey) continue;
      const m = /^(.*?)\s*<([^>]+)>\s*$/.exec(value);
      if (!m) continue;
      const rules = rulesOfAddress(m[2]!);
      if (!rules) continue;
      addressSeen ??= new Set();
      for (const rule of rules) {
        if (addressSeen.has(rule)) continue;
        addressSeen.add(rule);
        found.push(found1(rule, "trailer", `${key}: ${value}`, modelOf(m[1]!)));
      }
    }
    for (const { rule, re } of bodies) {
      const m =
        (meta.body ? re.exec(meta.body) : null) ?? re.exec(meta.subject);
      if (m) found.push(found1(rule, "body", m[0]));
    }
    if (meta.authorName.endsWith(")") || meta.committerName?.endsWith(")")) {
      for (const rule of suffixes) {
        const suffix = ` ${rule.authorSuffix}`;
        if (meta.authorName.endsWith(suffix))
          found.push(found1(rule, "author", meta.authorName));
        else if (meta.committerName?.endsWith(suffix))
          found.push(found1(rule, "committer", meta.committerName));
      }
    }
    for (const rule of prefixes) {
      if (meta.subject.startsWith(rule.subjectPrefix!))
        found.push(found1(rule, "subject", meta.subject));
    }
    if (found.length === 0) return [];
    if (found.length > 1)
      found.sort((a, b) => order.get(a.rule)! - order.get(b.rule)!);
    return found.map((f) => f.marker);
  }

  function change(commits: CommitMeta[], pr?: PullRequestMeta) {
    const markers = commits.flatMap(commit);
    if (pr?.branch) {
      for (const rule of branches) {
        if (pr.branch.startsWith(rule.branchPrefix!)) {
          markers.push({
            rule: rule.id,
            tool: rule.tool,
            field: "branch",
            evidence: pr.branch,
          });
        }
      }
    }
    if (pr?.body) {
      for (const { rule, re } of bodies) {
        const m = re.exec(pr.body);
        if (m)
          markers.push({
            rule: rule.id,
            tool: rule.tool,
            field: "pr-body",
            evidence: m[0],
          });
      }
    }
    return {
      cohort:
        markers.length > 0 ? ("ai-assisted" as const) : ("unmarked" as const),
      markers,
    };
  }

  return { commit, change };
}

/** `Claude Opus 4.6 (1M context)` names a model; a bare `Claude` or `Cursor` does not. */
function modelOf(name: string): string | undefined {
  const aider = /^aider \((.+)\)$/.exec(name);
  if (aider) return aider[1];
  return /\d/.test(name) ? name.trim() : undefined;
}

/** `Assisted-by: AGENT:MODEL [TOOLS]` names the model after the colon. */
function modelOfTrailer(value: string): string | undefined {
  const m = /^[^:\s]+:(\S+)/.exec(value.trim());
  return m ? m[1] : undefined;
}

/** Splits a full message into subject and body. */
export function splitMessage(message: string): {
  subject: string;
  body: string;
} {
  const i = message.indexOf("\n");
  if (i < 0) return { subject: message.trim(), body: "" };
  return {
    subject: message.slice(0, i).trim(),
    body: message.slice(i + 1).trim(),
  };
}
