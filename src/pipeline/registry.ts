import { AppError } from "../kernel/index.js";
import type { BuiltinStepHandler, StepRegistry } from "./ports.js";

/** Built-in step names look like `sluice/scan`: a namespace, a slash, a name. */
const namePattern = /^[a-z][a-z0-9-]*\/[a-z][a-z0-9-]*$/;

/**
 * The registry of built-in steps (`uses: sluice/...`). Capabilities register theirs from
 * `src/app.ts`; the config loader takes `names()` to reject an unknown `uses`.
 */
export function createStepRegistry(): StepRegistry {
  const handlers = new Map<string, BuiltinStepHandler>();
  return {
    register(name, handler) {
      if (!namePattern.test(name)) {
        throw new AppError(
          "INVALID_ARGUMENT",
          `built-in step name ${JSON.stringify(name)} is not of the form namespace/name`,
        );
      }
      if (handlers.has(name)) {
        throw new AppError(
          "CONFLICT",
          `built-in step ${name} is registered twice`,
        );
      }
      handlers.set(name, handler);
    },
    get: (name) => handlers.get(name),
    names: () => [...handlers.keys()].sort(),
  };
}
