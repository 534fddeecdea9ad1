// The flags capability: flagd-format evaluation, OFREP mapping, flag management.
export { FlagEvaluator } from "./evaluator.js";
export type {
  Evaluation,
  FlagDefinition,
  FlagSetDocument,
  FlagType,
  FlagValue,
  ResolutionDetails,
} from "./types.js";
export type { ApiKeySummary, FlagAuditEntry, FlagScope } from "./ports.js";
export { FlagService } from "./service.js";
export type { FlagSummary } from "./service.js";
export type { StaleFlag } from "./stale.js";
export { keyCacheMs } from "./api-keys.js";
export type { RevokedKey } from "./api-keys.js";
export { LiveFlagSets } from "./live.js";
export { isValidFlagKey, parseFlagSet, validateFlagSet } from "./validate.js";
export { parsePercent, parseSchedule } from "./split.js";
export type { SplitStep } from "./split.js";
export { SluiceProvider } from "./provider.js";
export type { SluiceProviderOptions } from "./provider.js";
export { createFlagStore } from "./store.js";
