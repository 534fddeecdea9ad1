import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseConfig } from "./loader.js";

const docs = readFileSync(
  new URL("../../docs/config.md", import.meta.url),
  "utf8",
);
const examples = [...docs.matchAll(/```yaml\n([\s\S]*?)```/g)].map(
  (m) => m[1]!,
);

/** Every sluice.yml example in docs/config.md loads: the user guide cannot drift from the loader. */
describe("docs/config.md examples", () => {
  it("has examples", () => expect(examples.length).toBeGreaterThanOrEqual(3));
  it.each(examples.map((text, i) => [i + 1, text] as const))(
    "example %i loads",
    (_n, text) => {
      const knownSteps = new Set([
        "sluice/scan",
        "sluice/gate",
        "sluice/deploy",
      ]);
      expect(() =>
        parseConfig(text, "sluice.yml", { knownSteps }),
      ).not.toThrow();
    },
  );
});
