// The library surface of the package (the OpenFeature provider and friends are exported here).
export { AppError } from "./kernel/index.js";
export {
  evaluate,
  interpolate,
  loadConfig,
  parseConfig,
  parseExpression,
} from "./config/index.js";
export type { LoadedConfig, PipelineConfig } from "./config/index.js";
export { FlagEvaluator, SluiceProvider } from "./flags/index.js";
export type {
  Evaluation,
  FlagSetDocument,
  ResolutionDetails,
  SluiceProviderOptions,
} from "./flags/index.js";
