// The generated JSON Schema of .sluice/policy.yml accepts the default policy and refuses what
// the zod schema refuses (editors validate with it).
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { defaultPolicyText } from "./default-policy.js";

const schema = JSON.parse(
  readFileSync(
    new URL("../../schema/policy.schema.json", import.meta.url),
    "utf8",
  ),
) as object;
const validate = new Ajv2020({ strict: false }).compile(schema);

describe("schema/policy.schema.json", () => {
  it("accepts the default policy", () => {
    expect(validate(parse(defaultPolicyText))).toBe(true);
  });

  it("refuses an unknown decision and a rule without `when`", () => {
    expect(
      validate({
        rules: [{ name: "r", when: "true", decision: "allow", message: "m" }],
      }),
    ).toBe(false);
    expect(
      validate({ rules: [{ name: "r", decision: "deny", message: "m" }] }),
    ).toBe(false);
  });
});
