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
export { JobEntry } from "./schema.js";
export {
  configFileName,
  defaultMaxBytes,
  loadConfig,
  parseConfig,
} from "./loader.js";
export type { LoadOptions, LoadedConfig } from "./loader.js";
export { findCycle, matrixSize, maxMatrixCells } from "./checks.js";
// The YAML position machinery, for other capabilities' user files (the policy).
export { ConfigSource } from "./source.js";
export type { Problem } from "./source.js";
export { problemsFromIssues } from "./issues.js";
export { yamlValue } from "./yaml-value.js";
export {
  builtinTemplates,
  createTemplateRegistry,
  defineTemplate,
  templateRef,
} from "./templates/index.js";
export type {
  Template,
  TemplateExpansion,
  TemplateRegistry,
} from "./templates/index.js";
export { detectProject, filesIn } from "./detect.js";
export type { Detection, ProjectFiles } from "./detect.js";
export { initProject, renderInitConfig } from "./init.js";
export type { InitResult } from "./init.js";
export { resolveProject } from "./project.js";
