// Writes the generated JSON Schemas into schema/; with --check, fails when a committed file is stale.
import { readFileSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { SluiceConfig, builtinTemplates } from "../src/config/index.js";
import { scanStepInput } from "../src/scan/step-input.js";
import { PolicyFile } from "../src/policy/index.js";

/** Built-in steps whose `with` the schema describes (as an if/then on the step's `uses`). */
const stepInputs: Record<string, z.ZodType> = {
  "sluice/scan": scanStepInput,
};

/** Adds each built-in step's `with` schema to every step schema (an object with `uses` and `with`). */
function describeStepInputs(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(describeStepInputs);
    return;
  }
  if (typeof node !== "object" || node === null) return;
  const schema = node as Record<string, unknown>;
  for (const value of Object.values(schema)) describeStepInputs(value);
  const properties = schema.properties as Record<string, unknown> | undefined;
  if (!properties || !("uses" in properties) || !("with" in properties)) return;
  schema.allOf = [
    ...((schema.allOf as unknown[] | undefined) ?? []),
    ...Object.entries(stepInputs).map(([uses, input]) => {
      const { $schema: _drop, ...inputSchema } = z.toJSONSchema(input, {
        io: "input",
      }) as Record<string, unknown>;
      return {
        if: { properties: { uses: { const: uses } }, required: ["uses"] },
        then: { properties: { with: inputSchema } },
      };
    }),
  ];
}

/**
 * sluice.yml: the zod schema as the user writes it (`io: "input"`: before transforms, so env
 * values may be numbers and versions may be numbers). Each template's typed `with` is added as an
 * if/then on `extends`. Refinements cannot be said in JSON Schema; the loader checks them and the
 * description lists them.
 */
function sluiceSchema(): Record<string, unknown> {
  const base = z.toJSONSchema(SluiceConfig, { io: "input" }) as Record<
    string,
    unknown
  >;
  describeStepInputs(base);
  const templates = [...builtinTemplates.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([ref, template]) => {
      const { $schema: _drop, ...inputs } = z.toJSONSchema(template.inputs, {
        io: "input",
      }) as Record<string, unknown>;
      return {
        if: { properties: { extends: { const: ref } }, required: ["extends"] },
        then: {
          properties: {
            with: { description: template.description, ...inputs },
          },
        },
      };
    });
  return {
    $schema: base.$schema,
    $id: "https://github.com/sluice/sluice/schema/sluice.schema.json",
    title: "sluice.yml",
    description:
      "A sluice pipeline: `extends` a golden-path template with `with` inputs, and/or `jobs`. " +
      "Checked by `sluice config` beyond this schema: a step has exactly one of `run` and `uses`; " +
      "`steps` is required unless a job overrides a template job; `needs` names existing jobs " +
      "without cycles; `if` and `${{ }}` expressions parse; `uses` names a built-in step; " +
      "durations are non-empty.",
    ...Object.fromEntries(
      Object.entries(base).filter(([k]) => k !== "$schema"),
    ),
    allOf: templates,
  };
}

/** Every generated file under schema/ (other capabilities add theirs here). */
const generated: Record<string, unknown> = {
  "sluice.schema.json": sluiceSchema(),
  "policy.schema.json": {
    $id: "https://github.com/sluice/sluice/schema/policy.schema.json",
    title: ".sluice/policy.yml",
    ...z.toJSONSchema(PolicyFile, { io: "input" }),
    description:
      "A sluice policy: rules whose `when` is CEL over the facts of a change (docs/policy.md). " +
      "Checked when it loads beyond this schema: each `when` parses, reads only known facts and " +
      "gives a bool; `hold` has `approvals` and other decisions none; rule names are unique; a " +
      "freeze window is recurring or has both `start` and `end`; `timezone` exists.",
  },
};

const check = process.argv.includes("--check");
let stale = 0;
for (const [file, schema] of Object.entries(generated)) {
  const text = `${JSON.stringify(schema, null, 2)}\n`;
  const path = `schema/${file}`;
  let current = "";
  try {
    current = readFileSync(path, "utf8");
  } catch {
    // missing counts as stale
  }
  if (current === text) continue;
  if (check) {
    console.error(`${path} is stale: run npm run schema`);
    stale++;
  } else writeFileSync(path, text);
}
process.exitCode = stale > 0 ? 1 : 0;
