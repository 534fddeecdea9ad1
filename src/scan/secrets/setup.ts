import { existsSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import type { BaselineFile } from "./baseline.js";
import { readBaseline } from "./baseline.js";
import type { SecretsConfig } from "./config.js";
import { loadConfigFile } from "./config.js";
import type { SecretScanOptions, SecretScanResult } from "./scan.js";
import { scanSecrets } from "./scan.js";
import { repoRoot } from "./sources/git.js";

/** The project's rule file, read when no other is given (gitleaks compatibility). */
const projectRuleFile = ".gitleaks.toml";
/** The project's baseline, read when no other is given. */
const projectBaselineFile = ".sluice/secrets-baseline.json";

/** A project's secret scan: the scan's options minus what the project's own files decide. */
export interface ProjectScanOptions extends Omit<
  SecretScanOptions,
  "config" | "baseline" | "excludePaths"
> {
  /** A rule file (absolute); default: the project's `.gitleaks.toml` when present, else the built-in rules. */
  configFile?: string;
  /** A baseline (absolute); default: the project's `.sluice/secrets-baseline.json` when present. */
  baselineFile?: string;
  /** Apply no baseline (writing a new one records every finding). */
  noBaseline?: boolean;
  /** More files (absolute) never scanned as content: the baseline being written. */
  alsoExclude?: string[];
}

export interface ProjectScanResult extends SecretScanResult {
  /** The project's root: its repository's top folder, else the scanned folder. */
  root: string;
  /** The rule file used (absolute), if not the built-in rules. */
  configFile?: string;
  /** The baseline applied (absolute), if any. */
  baselineFile?: string;
  /**
   * What a reader of the report must know about the scan itself, one line each, no secret:
   * a rule file that replaces the built-in rules or disables some, an old baseline format.
   */
  notices: string[];
}

const toPosix = (p: string): string => p.split(sep).join("/");

/** The project's root for a scan target: its repository's top folder, else the folder itself. */
function projectRoot(target: SecretScanOptions["target"]): string {
  const path = resolve(target.path);
  if (target.kind === "stdin") return repoRoot(path) ?? path;
  const dir =
    existsSync(path) && statSync(path).isFile() ? dirname(path) : path;
  return repoRoot(dir) ?? dir;
}

/**
 * The one secret-scan use case of a project, shared by `sluice scan secrets`, the pre-commit
 * hook (which runs it) and the `sluice/scan` step, so a secret the project allows passes or
 * fails all three alike: rules from `configFile` or the project's `.gitleaks.toml`, the
 * baseline from `baselineFile` or `.sluice/secrets-baseline.json`, neither file scanned as
 * content, and notices for what a reader must know (ADR 044).
 */
export async function scanProjectSecrets(
  options: ProjectScanOptions,
): Promise<ProjectScanResult> {
  const { configFile: given, baselineFile: givenBaseline, ...rest } = options;
  const root = projectRoot(options.target);
  const found = (name: string): string | undefined =>
    existsSync(join(root, name)) ? join(root, name) : undefined;
  const configFile = given ?? found(projectRuleFile);
  const config = configFile ? loadConfigFile(configFile) : undefined;
  const baselineFile = options.noBaseline
    ? undefined
    : (givenBaseline ?? found(projectBaselineFile));
  const baseline = baselineFile ? readBaseline(baselineFile) : undefined;
  const inRoot = (file: string | undefined): string[] => {
    if (!file) return [];
    const rel = relative(root, file);
    return rel.startsWith("..") || isAbsolute(rel) ? [] : [toPosix(rel)];
  };
  const excludePaths = [
    configFile,
    baselineFile,
    givenBaseline,
    ...(options.alsoExclude ?? []),
  ].flatMap(inRoot);
  const result = await scanSecrets({
    ...rest,
    ...(config ? { config } : {}),
    ...(baseline ? { baseline } : {}),
    excludePaths,
  });
  const shown = (file: string): string => inRoot(file)[0] ?? file;
  return {
    ...result,
    root,
    ...(configFile ? { configFile } : {}),
    ...(baselineFile ? { baselineFile } : {}),
    notices: notices(config, configFile && shown(configFile), {
      baseline,
      file: baselineFile && shown(baselineFile),
    }),
  };
}

function notices(
  config: SecretsConfig | undefined,
  configName: string | undefined,
  baseline: { baseline: BaselineFile | undefined; file: string | undefined },
): string[] {
  const out: string[] = [];
  if (config && configName && !config.extendsDefault)
    out.push(
      `${configName} replaces sluice's built-in secret rules (it has no [extend] useDefault = true): only its ${config.rules.length} rule${config.rules.length === 1 ? "" : "s"} ran`,
    );
  if (config?.disabledRules?.length && configName)
    out.push(
      `${configName} turns off ${config.disabledRules.length} rule${config.disabledRules.length === 1 ? "" : "s"} it extends: ${config.disabledRules.join(", ")}`,
    );
  if (baseline.baseline?.version === 1 && baseline.file)
    out.push(
      `${baseline.file} is a version 1 baseline (unsalted hashes of the secrets): write a new one with --write-baseline`,
    );
  return out;
}
