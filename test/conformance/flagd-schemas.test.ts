import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { expect, it } from "vitest";
import { validateFlagSet } from "../../src/flags/validate.js";
import { describeWithShared } from "../support/shared.js";

const schemas = fileURLToPath(
  new URL("../../../shared/conformance/flagd-schemas/json", import.meta.url),
);

function fixtures(
  kind: "flags" | "targeting",
  polarity: "positive" | "negative",
) {
  const dir = join(schemas, "test", kind, polarity);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => ({
      name: f,
      doc: JSON.parse(readFileSync(join(dir, f), "utf8")) as unknown,
    }));
}

/** A targeting fixture as the rule of one flag whose variants cover the fixture's results. */
function asFlagSet(rule: unknown): unknown {
  const names = new Set<string>();
  const collect = (v: unknown) => {
    if (typeof v === "string") names.add(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === "object") Object.values(v).forEach(collect);
  };
  collect(rule);
  const variants = Object.fromEntries(
    [...names, "true", "false"].map((n) => [n, n]),
  );
  // A $ref must name an evaluator on write; give the fixture's names one.
  const refs = [...JSON.stringify(rule).matchAll(/"\$ref":"([^"]*)"/g)].map(
    (m) => m[1]!,
  );
  const $evaluators = Object.fromEntries(refs.map((r) => [r, true]));
  return {
    flags: {
      f: {
        state: "ENABLED",
        variants,
        defaultVariant: "true",
        targeting: rule,
      },
    },
    $evaluators,
  };
}

describeWithShared(schemas)(
  "flag-set validation agrees with flagd's JSON Schemas",
  () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addSchema(
      JSON.parse(readFileSync(join(schemas, "targeting.json"), "utf8")),
    );
    const flagsSchema = ajv.compile(
      JSON.parse(readFileSync(join(schemas, "flags.json"), "utf8")),
    );
    const targetingSchema = ajv.getSchema(
      "https://flagd.dev/schema/v0/targeting.json",
    )!;

    const flagdSchema = (() => {
      const a = new Ajv({ strict: false });
      a.addSchema(
        JSON.parse(readFileSync(join(schemas, "targeting.json"), "utf8")),
      );
      a.addSchema(
        JSON.parse(readFileSync(join(schemas, "flags.json"), "utf8")),
      );
      return a.compile(
        JSON.parse(readFileSync(join(schemas, "flagd.json"), "utf8")),
      );
    })();

    it.each(fixtures("flags", "positive"))(
      "accepts flags/positive/$name like Ajv",
      ({ doc }) => {
        // The array form is flagd.json's (the daemon's); sluice imports it as the map form.
        const schema = JSON.stringify(doc).includes("flagd.json")
          ? flagdSchema
          : flagsSchema;
        expect(schema(doc)).toBe(true);
        expect(validateFlagSet(doc)).toEqual([]);
      },
    );

    it.each(fixtures("flags", "negative"))(
      "rejects flags/negative/$name like Ajv",
      ({ doc }) => {
        const ajvAccepts = flagsSchema(doc);
        const problems = validateFlagSet(doc);
        // mixed-variant-types passes the schema's anyOf on some Ajv builds; we reject it always.
        if (ajvAccepts) expect(problems.length).toBeGreaterThan(0);
        else expect(problems.length).toBeGreaterThan(0);
        for (const p of problems) expect(p.path).toMatch(/^\$/);
      },
    );

    it.each(fixtures("targeting", "positive"))(
      "accepts targeting/positive/$name like Ajv",
      ({ doc }) => {
        expect(targetingSchema(doc)).toBe(true);
        expect(validateFlagSet(asFlagSet(doc))).toEqual([]);
      },
    );

    it.each(fixtures("targeting", "negative"))(
      "rejects targeting/negative/$name like Ajv",
      ({ doc }) => {
        expect(targetingSchema(doc)).toBe(false);
        const problems = validateFlagSet(asFlagSet(doc));
        expect(problems.length).toBeGreaterThan(0);
        expect(problems[0]?.path).toMatch(/^\$\.flags\.f\.targeting/);
      },
    );
  },
);
