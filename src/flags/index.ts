// The flags capability: flagd-format evaluation, OFREP mapping, flag management.
export { FlagEvaluator, FlagSetLoadError, resolveRefs } from "./evaluator.js";
export type { EvaluatorOptions } from "./evaluator.js";
export { murmur3, murmur3Bytes } from "./murmur3.js";
export { encodeCbor } from "./cbor.js";
export { compileLogic, LogicCompileError, truthy } from "./logic.js";
export type {
  EvaluationContext,
  Evaluation,
  FlagDefinition,
  FlagErrorCode,
  FlagMetadata,
  FlagSetDocument,
  FlagType,
  FlagValue,
  FractionalVersion,
  JsonObject,
  JsonValue,
  MetadataValue,
  Reason,
  ResolutionDetails,
} from "./types.js";
export type {
  ApiKeyRecord,
  ApiKeySummary,
  ApiKeyUse,
  EvaluationMark,
  FlagAuditEntry,
  FlagScope,
  FlagStore,
  StoredFlagSet,
} from "./ports.js";
export { FlagService } from "./service.js";
export type {
  ChangeOptions,
  FlagServiceDeps,
  FlagSummary,
  StaleFlag,
} from "./service.js";
export { keyCacheMs } from "./api-keys.js";
export type { KeyIdentity, RevokedKey } from "./api-keys.js";
export { etagOf, LiveFlagSets, scopeKey } from "./live.js";
export type { FlagSetChange, LiveFlagSet } from "./live.js";
export {
  isValidFlagKey,
  normalizeFlagSet,
  parseFlagSet,
  validateFlagSet,
} from "./validate.js";
export type { FlagSetProblem } from "./validate.js";
export {
  compileRollout,
  completesAt,
  parsePercent,
  parseSchedule,
  rolloutCompleteKey,
  rolloutVariants,
} from "./rollout.js";
export type { RolloutStep, RolloutVariants } from "./rollout.js";
export { canonicalJson, changedPaths } from "./diff.js";
export { SluiceProvider, SluiceProviderEvents } from "./provider.js";
export type { SluiceProviderEvent, SluiceProviderOptions } from "./provider.js";
