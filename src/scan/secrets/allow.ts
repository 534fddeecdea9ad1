import type { CompiledAllowlist } from "./rule.js";

/** A path that a global, paths-only allowlist skips entirely. */
export function pathAllowed(
  allowlists: readonly CompiledAllowlist[],
  path: string,
): boolean {
  return allowlists.some(
    (a) =>
      !a.targetRules &&
      a.paths.length > 0 &&
      a.regexes.length === 0 &&
      a.stopwords.length === 0 &&
      a.paths.some((p) => p.test(path)),
  );
}

/** gitleaks semantics: OR = any criterion matches; AND = every given criterion matches. */
export function allowlistMatches(
  a: CompiledAllowlist,
  path: string,
  commit: string | undefined,
  secret: string,
  match: string,
  line: string,
): boolean {
  const checks: boolean[] = [];
  if (a.commits.length > 0)
    checks.push(commit !== undefined && a.commits.includes(commit));
  if (a.paths.length > 0) checks.push(a.paths.some((p) => p.test(path)));
  if (a.regexes.length > 0) {
    const target =
      a.regexTarget === "match"
        ? match
        : a.regexTarget === "line"
          ? line
          : secret;
    checks.push(a.regexes.some((r) => r.test(target)));
  }
  if (a.stopwords.length > 0) {
    const lower = secret.toLowerCase();
    checks.push(a.stopwords.foundIn(lower));
  }
  if (checks.length === 0) return false;
  return a.and ? checks.every(Boolean) : checks.some(Boolean);
}
