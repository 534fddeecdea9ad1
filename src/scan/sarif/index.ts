export { importSarif, validateSarif } from "./import.js";
export type { ImportedSarif } from "./import.js";
export { sarifSchemaUri } from "./types.js";
export type { SarifLog, SarifResult, SarifRule, SarifRun } from "./types.js";
