export { loadAdvisories } from "./advisories.js";
export type { ImportProgress } from "./advisories.js";
export { cvssBaseScore, severityOfScore } from "./cvss.js";
export {
  defaultMaxLockfileBytes,
  findLockfiles,
  findProjectFiles,
  projectEcosystems,
  readLockfiles,
} from "./discover.js";
export type { LockfileResult, ProjectFiles } from "./discover.js";
export {
  manifestKindOf,
  unlockedManifests,
  unpinnedRequirements,
} from "./manifests.js";
export type { UnlockedManifest } from "./manifests.js";
export { lockfileKindOf, lockfileKinds } from "./lockfiles/index.js";
export {
  advisoryIndexKeys,
  matchRecord,
  normalizePackageName,
  severityOf,
} from "./osv.js";
export type {
  AdvisoryMatch,
  OsvAffected,
  OsvEvent,
  OsvRange,
  OsvRecord,
} from "./osv.js";
export { queryOsvApi } from "./osv-api.js";
export {
  canonicalEcosystem,
  defaultExportEcosystems,
  downloadExport,
  osvEcosystems,
  osvExportBaseUrl,
} from "./osv-export.js";
export type { DownloadProgress, ExportDownload } from "./osv-export.js";
export type {
  AdvisoryImport,
  AdvisoryReader,
  AdvisorySnapshot,
  AdvisoryStore,
  ScanFindingStore,
} from "./ports.js";
export { matchPackages, packageKeys } from "./scan.js";
export { scanDependencies } from "./service.js";
export type { DepsScanOptions, DepsScanResult } from "./service.js";
export { compareVersions } from "./versions/index.js";
export type { Ecosystem, LockedPackage } from "./types.js";
export { readZip } from "./zip.js";
