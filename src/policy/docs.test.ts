// docs/policy.md's examples stay true: its policy loads and its cases pass against it.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parsePolicyCases, runPolicyCases } from "./cases.js";
import { factNames } from "./facts.js";
import { parsePolicy } from "./loader.js";

const page = readFileSync(
  new URL("../../docs/policy.md", import.meta.url),
  "utf8",
);
const yaml = [...page.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe("docs/policy.md", () => {
  it("has a policy whose cases pass", () => {
    expect(yaml).toHaveLength(2);
    const policy = parsePolicy(yaml[0]!, "docs/policy.md");
    const { cases } = parsePolicyCases(yaml[1]!, "docs/policy.md");
    const results = runPolicyCases(policy, cases);
    expect(results.map((r) => [r.name, r.differences])).toEqual(
      cases.map((c) => [c.name, []]),
    );
  });

  it("lists every fact", () => {
    for (const name of factNames) expect(page).toContain(`\`${name}\``);
  });
});
