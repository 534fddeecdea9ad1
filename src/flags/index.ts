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
