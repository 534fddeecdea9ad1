/** The pipeline engine: plan, scheduler, local executor, logs and masking, cache, artifacts, built-in steps. */
export type * from "./ports.js";
export { createStepRegistry } from "./registry.js";
