export { loadAdvisories } from "./advisories.js";
export { findLockfiles, projectEcosystems, readLockfiles } from "./discover.js";
export { lockfileKinds } from "./lockfiles/index.js";
export {
  canonicalEcosystem,
  defaultExportEcosystems,
  downloadExport,
  osvExportBaseUrl,
} from "./osv-export.js";
export type { DownloadProgress, ExportDownload } from "./osv-export.js";
export type {
  AdvisoryImport,
  AdvisorySnapshot,
  AdvisoryStore,
  ScanFindingStore,
} from "./ports.js";
export { matchPackages, packageKeys } from "./scan.js";
export { scanDependencies } from "./service.js";
