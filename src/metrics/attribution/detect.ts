import type { Cohort, Marker } from "../model.js";
import type { AttributionRule } from "./rules.js";
import { builtinRules } from "./rules.js";

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

interface Compiled {
  rule: AttributionRule;
  body?: RegExp;
  email?: string;
  domain?: string;
  trailer?: string;
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

/** Builds a detector; extra rules are checked after the built-in ones. */
export function createDetector(
  extra: readonly AttributionRule[] = [],
): Detector {
  const compiled: Compiled[] = [...builtinRules, ...extra].map((rule) => ({
    rule,
    ...(rule.body ? { body: new RegExp(rule.body, "m") } : {}),
    ...(rule.email ? { email: rule.email.toLowerCase() } : {}),
    ...(rule.emailDomain
      ? { domain: `@${rule.emailDomain.toLowerCase()}` }
      : {}),
    ...(rule.trailer ? { trailer: rule.trailer.toLowerCase() } : {}),
  }));

  function commit(meta: CommitMeta): Marker[] {
    const markers: Marker[] = [];
    const addresses: {
      field: Marker["field"];
      email: string;
      name: string;
      text: string;
    }[] = [
      {
        field: "author",
        email: meta.authorEmail.toLowerCase(),
        name: meta.authorName,
        text: `${meta.authorName} <${meta.authorEmail}>`,
      },
    ];
    if (meta.committerEmail) {
      addresses.push({
        field: "committer",
        email: meta.committerEmail.toLowerCase(),
        name: meta.committerName ?? "",
        text: `${meta.committerName ?? ""} <${meta.committerEmail}>`,
      });
    }
    for (const [key, value] of meta.trailers) {
      if (key.toLowerCase() !== coAuthorKey) continue;
      const m = /^(.*?)\s*<([^>]+)>\s*$/.exec(value);
      if (m) {
        addresses.push({
          field: "trailer",
          email: m[2]!.toLowerCase(),
          name: m[1]!,
          text: `Co-authored-by: ${value}`,
        });
      }
    }
    for (const c of compiled) {
      const r = c.rule;
      const hit = (field: Marker["field"], evidence: string, model?: string) =>
        markers.push({
          rule: r.id,
          tool: r.tool,
          field,
          evidence,
          ...(model ? { model } : {}),
        });
      if (c.email || c.domain) {
        for (const a of addresses) {
          if (a.email === c.email || (c.domain && a.email.endsWith(c.domain))) {
            hit(
              a.field,
              a.text,
              a.field === "trailer" ? modelOf(a.name) : undefined,
            );
            break;
          }
        }
      }
      if (c.trailer) {
        const t = meta.trailers.find(([k]) => k.toLowerCase() === c.trailer);
        if (t) hit("trailer", `${t[0]}: ${t[1]}`, modelOfTrailer(t[1]));
      }
      if (c.body) {
        const m = c.body.exec(meta.body) ?? c.body.exec(meta.subject);
        if (m) hit("body", m[0]);
      }
      if (r.authorSuffix) {
        const suffix = ` ${r.authorSuffix}`;
        if (meta.authorName.endsWith(suffix)) hit("author", meta.authorName);
        else if (meta.committerName?.endsWith(suffix))
          hit("committer", meta.committerName);
      }
      if (r.subjectPrefix && meta.subject.startsWith(r.subjectPrefix))
        hit("subject", meta.subject);
    }
    return markers;
  }

  function change(commits: CommitMeta[], pr?: PullRequestMeta) {
    const markers = commits.flatMap(commit);
    for (const c of compiled) {
      const r = c.rule;
      if (r.branchPrefix && pr?.branch?.startsWith(r.branchPrefix)) {
        markers.push({
          rule: r.id,
          tool: r.tool,
          field: "branch",
          evidence: pr.branch,
        });
      }
      if (c.body && pr?.body) {
        const m = c.body.exec(pr.body);
        if (m)
          markers.push({
            rule: r.id,
            tool: r.tool,
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

/**
 * The trailers of a commit message: `Key: value` lines of its last paragraph, when every line of
 * that paragraph is one (git's own rule, simplified: no continuation lines).
 */
export function parseTrailers(message: string): [string, string][] {
  const paragraphs = message.trimEnd().split(/\n\s*\n/);
  if (paragraphs.length < 2) return [];
  const last = paragraphs.at(-1)!.split("\n");
  const out: [string, string][] = [];
  for (const line of last) {
    const m = /^([A-Za-z0-9][A-Za-z0-9-]*):\s*(.*)$/.exec(line.trim());
    if (!m) return [];
    out.push([m[1]!, m[2]!]);
  }
  return out;
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
