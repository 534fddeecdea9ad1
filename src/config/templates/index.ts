import { goV1 } from "./go.js";
import { nodeV1 } from "./node.js";
import { pythonV1 } from "./python.js";
import { templateRef } from "./template.js";
import type { Template } from "./template.js";

export { defineTemplate, templateRef } from "./template.js";
export type { Template, TemplateExpansion } from "./template.js";

/** The built-in golden paths, keyed by `name@major`. */
export const builtinTemplates: ReadonlyMap<string, Template> = new Map(
  [nodeV1, pythonV1, goV1].map((t) => [templateRef(t), t]),
);

/** The template registry the loader looks `extends` up in. */
export interface TemplateRegistry {
  get(ref: string): Template | undefined;
  /** Every `name@major` known, sorted. */
  refs(): string[];
}

/** A registry over the built-in templates plus any extra ones (a later capability may add some). */
export function createTemplateRegistry(
  extra: readonly Template[] = [],
): TemplateRegistry {
  const all = new Map(builtinTemplates);
  for (const t of extra) all.set(templateRef(t), t);
  return {
    get: (ref) => all.get(ref),
    refs: () => [...all.keys()].sort(),
  };
}
