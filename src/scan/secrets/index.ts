export {
  BaselineMatcher,
  BaselineWriter,
  readBaseline,
  redact,
  secretFingerprint,
  secretHash,
  baselineVersion,
} from "./baseline.js";
export type { BaselineEntry, BaselineFile } from "./baseline.js";
export { defaultConfig, loadConfigFile, parseConfig } from "./config.js";
export type { SecretsConfig } from "./config.js";
export { Detector } from "./detect.js";
export type { DetectResult, Fragment, SecretMatch } from "./detect.js";
export { compileRuleSet } from "./rule.js";
export type { AllowlistSpec, RuleProblem, RuleSpec, RuleSet } from "./rule.js";
export { defaultAllowlists, defaultRules } from "./rules/index.js";
export { defaultMaxFileSize, scanSecrets } from "./scan.js";
export type {
  ScanCutOff,
  ScanStats,
  SecretMask,
  ScanTarget,
  ScanTimeout,
  SecretScanOptions,
  SecretScanResult,
} from "./scan.js";
export { repoRoot } from "./sources/git.js";
export { hashKeyFileName, loadHashKey } from "./hash-key.js";
export {
  projectBaselineFile,
  projectRoot,
  projectRuleFile,
  scanProjectSecrets,
} from "./setup.js";
export type { ProjectScanOptions, ProjectScanResult } from "./setup.js";
export { createCredentialFinder } from "./credentials.js";
export type { CredentialFinder } from "./credentials.js";
