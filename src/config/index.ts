// The public surface of config: the sluice.yml schema, expressions, the loader and templates.
export {
  CacheSpec,
  Concurrency,
  Duration,
  Job,
  Matrix,
  RetrySpec,
  SluiceConfig,
  Step,
  Trigger,
  durationPattern,
  templateRefPattern,
} from "./schema.js";
export type { PipelineConfig } from "./schema.js";
export {
  ExpressionError,
  contextsOf,
  evaluate,
  expressionContexts,
  expressionText,
  functionArity,
  hasExpression,
  interpolate,
  parseCondition,
  parseExpression,
  parseTemplate,
  statusFunctions,
  truthy,
  usesStatusFunction,
  walk,
} from "./expressions.js";
export type {
  Ast,
  BinaryOp,
  ExpressionContext,
  ExpressionFunctions,
  TemplatePart,
} from "./expressions.js";
