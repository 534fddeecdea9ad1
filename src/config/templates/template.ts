import type { z } from "zod";
import type { Job, SluiceConfig } from "../schema.js";

/** What a template turns into: ordinary jobs, plus the triggers and env of the pipeline. */
export interface TemplateExpansion {
  on?: SluiceConfig["on"];
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

/**
 * A golden-path template: a name, a major version and typed inputs. `extends: golden/node@1` picks
 * it; `with:` is checked against `inputs` (a strict zod object with defaults); `expand` is pure.
 */
export interface Template {
  /** `golden/node` */
  name: string;
  /** The major version; a breaking change to the jobs or inputs makes a new one. */
  version: number;
  description: string;
  inputs: z.ZodType<Record<string, unknown>, Record<string, unknown>>;
  expand(inputs: Record<string, unknown>): TemplateExpansion;
}

/** Declares a template with its inputs typed from the zod schema. */
export function defineTemplate<
  S extends z.ZodType<Record<string, unknown>>,
>(spec: {
  name: string;
  version: number;
  description: string;
  inputs: S;
  expand(inputs: z.output<S>): TemplateExpansion;
}): Template {
  return {
    name: spec.name,
    version: spec.version,
    description: spec.description,
    inputs: spec.inputs as unknown as Template["inputs"],
    expand: (inputs) => spec.expand(inputs as z.output<S>),
  };
}

/** `golden/node@1` */
export function templateRef(
  template: Pick<Template, "name" | "version">,
): string {
  return `${template.name}@${template.version}`;
}
