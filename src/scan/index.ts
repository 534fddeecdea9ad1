export { defaultFailOn, severities, severityRank } from "./finding.js";
export type {
  Finding,
  FindingCommit,
  FindingLocation,
  Severity,
} from "./finding.js";
export {
  findingsAtOrAbove,
  formatReport,
  reportFormats,
  sourceReader,
  toSarif,
} from "./report/index.js";
export type {
  ReportFormat,
  ReportInput,
  RuleInfo,
  ToolInfo,
} from "./report/index.js";
export {
  advisoryIndexKeys,
  loadAdvisories,
  scanDependencies,
} from "./deps/index.js";
export type {
  AdvisoryImport,
  AdvisoryReader,
  AdvisorySnapshot,
  AdvisoryStore,
  DepsScanResult,
  OsvRecord,
  ScanFindingStore,
} from "./deps/index.js";
export { importSarif } from "./sarif/index.js";
export type { ImportedSarif, SarifLog } from "./sarif/index.js";
export * as secrets from "./secrets/index.js";
