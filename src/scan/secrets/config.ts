import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import type { parse as parseToml } from "smol-toml";
import { AppError } from "../../kernel/index.js";
import type { AllowlistSpec, RequiredSpec, RuleSpec } from "./rule.js";
import { trustRules } from "./rule.js";
import { defaultAllowlists, defaultRules } from "./rules/index.js";

/** A rule configuration: what `--config FILE` (gitleaks TOML) resolves to. */
export interface SecretsConfig {
  rules: RuleSpec[];
  allowlists: AllowlistSpec[];
  /**
   * The built-in rules are part of it (they are, or a file extends them with `[extend]
   * useDefault = true`, directly or through `[extend] path`). A rule file without it replaces
   * them, as in gitleaks.
   */
  extendsDefault?: boolean;
  /** Rules of the base that `[extend] disabledRules` removed. */
  disabledRules?: string[];
}

/** The built-in rules and allowlists. */
export function defaultConfig(): SecretsConfig {
  const rules = defaultRules.map((r) => ({ ...r }));
  // Copies of the built-in rules compile as the originals do (a rule a user file overrides
  // becomes a new object, compiled and checked up front).
  trustRules(rules);
  return { rules, allowlists: [...defaultAllowlists], extendsDefault: true };
}

export interface LoadConfigOptions {
  /** Directory that relative `[extend] path` values resolve from; default: the file's directory. */
  baseDir?: string;
}

type Table = Record<string, unknown>;

const isTable = (v: unknown): v is Table =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function strings(
  v: unknown,
  where: string,
  file: string,
): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string"))
    throw invalid(file, `${where} must be a list of strings`);
  return v as string[];
}

function invalid(file: string, message: string, cause?: unknown): AppError {
  return new AppError("CONFIG_INVALID", `${file}: ${message}`, { cause });
}

function readAllowlist(
  raw: unknown,
  where: string,
  file: string,
): AllowlistSpec {
  if (!isTable(raw)) throw invalid(file, `${where} must be a table`);
  const spec: AllowlistSpec = {};
  if (typeof raw.description === "string") spec.description = raw.description;
  if (raw.condition !== undefined) {
    const c = String(raw.condition).toUpperCase();
    if (c !== "OR" && c !== "AND")
      throw invalid(file, `${where}: condition must be OR or AND`);
    spec.condition = c;
  }
  if (raw.regexTarget !== undefined) {
    const t = raw.regexTarget;
    if (t !== "secret" && t !== "match" && t !== "line")
      throw invalid(
        file,
        `${where}: regexTarget must be secret, match or line (got ${JSON.stringify(t)})`,
      );
    spec.regexTarget = t;
  }
  const regexes = strings(raw.regexes, `${where}.regexes`, file);
  const paths = strings(raw.paths, `${where}.paths`, file);
  const stopwords = strings(raw.stopwords, `${where}.stopwords`, file);
  const commits = strings(raw.commits, `${where}.commits`, file);
  const targetRules = strings(raw.targetRules, `${where}.targetRules`, file);
  if (regexes) spec.regexes = regexes;
  if (paths) spec.paths = paths;
  if (stopwords) spec.stopwords = stopwords;
  if (commits) spec.commits = commits;
  if (targetRules) spec.targetRules = targetRules;
  if (
    !regexes?.length &&
    !paths?.length &&
    !stopwords?.length &&
    !commits?.length
  )
    throw invalid(
      file,
      `${where} is empty: give regexes, paths, stopwords or commits`,
    );
  return spec;
}

function readAllowlists(
  table: Table,
  where: string,
  file: string,
): AllowlistSpec[] {
  if (table.allowlist !== undefined && table.allowlists !== undefined)
    throw invalid(
      file,
      `${where} has both [allowlist] and [[allowlists]]: use one`,
    );
  if (table.allowlist !== undefined)
    return [readAllowlist(table.allowlist, `${where}.allowlist`, file)];
  if (table.allowlists === undefined) return [];
  if (!Array.isArray(table.allowlists))
    throw invalid(file, `${where}.allowlists must be an array of tables`);
  return table.allowlists.map((a, i) =>
    readAllowlist(a, `${where}.allowlists[${i}]`, file),
  );
}

/** Rule fields that override a base rule's when extending (keywords and allowlists append). */
function readRule(
  raw: unknown,
  index: number,
  file: string,
): Partial<RuleSpec> & { id: string } {
  if (!isTable(raw)) throw invalid(file, `rules[${index}] must be a table`);
  if (typeof raw.id !== "string" || raw.id === "")
    throw invalid(file, `rules[${index}] has no id`);
  const where = `rule ${raw.id}`;
  const rule: Partial<RuleSpec> & { id: string } = { id: raw.id };
  if (typeof raw.description === "string") rule.description = raw.description;
  if (typeof raw.regex === "string") rule.regex = raw.regex;
  if (typeof raw.path === "string") rule.path = raw.path;
  if (raw.secretGroup !== undefined) {
    if (typeof raw.secretGroup !== "number" || raw.secretGroup < 0)
      throw invalid(file, `${where}: secretGroup must be a number`);
    rule.secretGroup = raw.secretGroup;
  }
  if (raw.entropy !== undefined) {
    if (typeof raw.entropy !== "number")
      throw invalid(file, `${where}: entropy must be a number`);
    rule.entropy = raw.entropy;
  }
  const keywords = strings(raw.keywords, `${where}.keywords`, file);
  if (keywords) rule.keywords = keywords;
  const tags = strings(raw.tags, `${where}.tags`, file);
  if (tags) rule.tags = tags;
  if (typeof raw.severity === "string") {
    const s = raw.severity;
    if (!["info", "low", "medium", "high", "critical"].includes(s))
      throw invalid(
        file,
        `${where}: severity must be info, low, medium, high or critical`,
      );
    rule.severity = s as RuleSpec["severity"] & string;
  }
  const allowlists = readAllowlists(raw, where, file);
  if (allowlists.length > 0) rule.allowlists = allowlists;
  if (raw.skipReport !== undefined) {
    if (typeof raw.skipReport !== "boolean")
      throw invalid(file, `${where}: skipReport must be true or false`);
    rule.skipReport = raw.skipReport;
  }
  if (raw.required !== undefined)
    rule.required = readRequired(raw.required, where, file);
  return rule;
}

/**
 * `[[rules.required]]`: `id`, optional `withinLines` / `withinColumns` (whole numbers, 0 or
 * more). An id naming no rule is not an error here: the rule set reports it by rule id.
 */
function readRequired(
  raw: unknown,
  where: string,
  file: string,
): RequiredSpec[] {
  if (!Array.isArray(raw))
    throw invalid(
      file,
      `${where}.required must be an array of tables ([[rules.required]])`,
    );
  return raw.map((r, i) => {
    const at = `${where}.required[${i}]`;
    if (!isTable(r)) throw invalid(file, `${at} must be a table`);
    if (typeof r.id !== "string" || r.id === "")
      throw invalid(file, `${at} has no id`);
    const spec: RequiredSpec = { id: r.id };
    for (const key of ["withinLines", "withinColumns"] as const) {
      const v = r[key];
      if (v === undefined) continue;
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0)
        throw invalid(file, `${at}: ${key} must be a whole number, 0 or more`);
      spec[key] = v;
    }
    return spec;
  });
}

function groupCount(regex: string): number {
  // Count capturing groups: `(` not followed by `?`, unless `(?P<` / `(?<name>`; skip escapes and classes.
  let n = 0;
  let inClass = false;
  for (let i = 0; i < regex.length; i++) {
    const c = regex[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") inClass = true;
    else if (c === "(") {
      if (regex[i + 1] !== "?") n++;
      else if (/^\?P?<[A-Za-z_]/.test(regex.slice(i + 1))) n++;
    }
  }
  return n;
}

/**
 * Loads a gitleaks-format TOML rule file: `[[rules]]`, `[allowlist]` / `[[allowlists]]`, and
 * `[extend]` (`useDefault` = our built-in rules, `path` = another file, `disabledRules`). A rule
 * with the id of a base rule overrides its fields; keywords and allowlists are appended.
 * Structural errors throw CONFIG_INVALID naming the file; regexes are compiled later, where a
 * rule that fails is reported by id and skipped.
 */
export function loadConfigFile(
  file: string,
  options: LoadConfigOptions = {},
  depth = 0,
): SecretsConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw invalid(file, "cannot read the rule file", error);
  }
  return parseConfig(text, file, options, depth);
}

/** {@link loadConfigFile} for text already read (`file` names it in errors). */
export function parseConfig(
  text: string,
  file: string,
  options: LoadConfigOptions = {},
  depth = 0,
): SecretsConfig {
  let doc: Table;
  try {
    // Loaded here, not at start: most projects have no rule file, and the pre-commit scan pays
    // for every module it loads (the package's one CommonJS file, not its nine ES modules).
    const { parse } = createRequire(import.meta.url)("smol-toml") as {
      parse: typeof parseToml;
    };
    doc = parse(text) as Table;
  } catch (error) {
    throw invalid(
      file,
      `not valid TOML: ${(error as Error).message.split("\n")[0]}`,
      error,
    );
  }
  let base: SecretsConfig = { rules: [], allowlists: [] };
  let disabled: string[] = [];
  // Like gitleaks, follow at most two levels of [extend]; deeper ones are ignored.
  if (doc.extend !== undefined && depth < 2) {
    if (!isTable(doc.extend)) throw invalid(file, "[extend] must be a table");
    const ext = doc.extend;
    if (ext.useDefault === true) base = defaultConfig();
    else if (typeof ext.path === "string") {
      const from = options.baseDir ?? dirname(file);
      base = loadConfigFile(resolve(from, ext.path), options, depth + 1);
    }
    disabled = strings(ext.disabledRules, "extend.disabledRules", file) ?? [];
  }
  const rawRules = doc.rules === undefined ? [] : doc.rules;
  if (!Array.isArray(rawRules))
    throw invalid(file, "rules must be an array of tables ([[rules]])");
  const rules = new Map(base.rules.map((r) => [r.id, r]));
  for (const [i, raw] of rawRules.entries()) {
    const rule = readRule(raw, i, file);
    const prior = rules.get(rule.id);
    const merged: RuleSpec = prior
      ? {
          ...prior,
          ...rule,
          keywords: [
            ...new Set([...(prior.keywords ?? []), ...(rule.keywords ?? [])]),
          ],
          allowlists: [...(prior.allowlists ?? []), ...(rule.allowlists ?? [])],
        }
      : { description: rule.id, ...rule };
    // In an extending file, such a rule is reported by compileRuleSet and skipped (gitleaks
    // accepts the file); in a standalone file it is an error.
    if (
      merged.regex === undefined &&
      merged.path === undefined &&
      doc.extend === undefined
    )
      throw invalid(file, `rule ${rule.id} has neither regex nor path`);
    if (
      merged.secretGroup !== undefined &&
      merged.regex !== undefined &&
      merged.secretGroup > groupCount(merged.regex)
    )
      throw invalid(
        file,
        `rule ${rule.id}: secretGroup ${merged.secretGroup} is larger than the regex's ${groupCount(merged.regex)} groups`,
      );
    if (prior) {
      // gitleaks' extend keeps the base rule's skipReport and [[rules.required]]: an extending
      // file's values for them are dropped, so a file gives the same findings in both tools.
      delete merged.required;
      delete merged.skipReport;
      // A built-in hit check holds for the built-in regex and keywords only.
      if (rule.regex !== undefined || rule.keywords !== undefined)
        delete merged.hitCheck;
      if (prior.required) merged.required = prior.required;
      if (prior.skipReport !== undefined) merged.skipReport = prior.skipReport;
    }
    rules.set(rule.id, merged);
  }
  const removed = disabled.filter((id) => rules.delete(id));
  const own = readAllowlists(doc, "config", file);
  // An inherited allowlist may target a rule this file disabled: it then targets the rest.
  const inherited = base.allowlists.map((a) =>
    a.targetRules
      ? { ...a, targetRules: a.targetRules.filter((id) => rules.has(id)) }
      : a,
  );
  const allowlists = [...inherited, ...own];
  for (const a of own) {
    for (const target of a.targetRules ?? [])
      if (!rules.has(target))
        throw invalid(
          file,
          `an allowlist targets rule ${target}, which does not exist`,
        );
  }
  return {
    rules: [...rules.values()],
    allowlists,
    extendsDefault: base.extendsDefault === true,
    ...(removed.length > 0 ? { disabledRules: removed } : {}),
  };
}
