export { defaultFailOn } from "./finding.js";
export type { Finding, Severity } from "./finding.js";
export {
  findingsAtOrAbove,
  formatReport,
  sourceReader,
} from "./report/index.js";
export type { ReportFormat, RuleInfo, ToolInfo } from "./report/index.js";
export { loadAdvisories, scanDependencies } from "./deps/index.js";
export type { AdvisoryImport, AdvisorySnapshot } from "./deps/index.js";
export { importSarif } from "./sarif/index.js";
export * as secrets from "./secrets/index.js";
export { createScanStore } from "./store.js";
export { recordLogFindings } from "./log-findings.js";
export type { ScanStore } from "./store.js";
