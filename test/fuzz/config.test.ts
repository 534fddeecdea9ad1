import fc from "fast-check";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/index.js";
import { isAppError } from "../../src/kernel/index.js";
import { plan } from "../../src/pipeline/index.js";
import {
  applyEdits,
  edit,
  extreme,
  json,
  pipeline,
  samples,
} from "./config-inputs.js";
import type { Edit } from "./config-inputs.js";
import { builtinStepNames } from "../../src/builtin-steps.js";

/**
 * Issue 10 "Must show": the sluice.yml loader fed mutated valid files, random YAML, random text,
 * and very deep or very long structures (job chains and cycles, nesting, expressions). Each input
 * either loads (and plans) or is refused with a clear error: an AppError CONFIG_INVALID with one
 * line of message and a file:line:col inside the file. No TypeError, no stack overflow, no hang.
 *
 * A fixed seed in CI; longer runs by hand:
 *   SLUICE_FUZZ_RUNS=5000 SLUICE_FUZZ_SEED=$RANDOM npx vitest run test/fuzz/config.test.ts
 */
const seed = Number(
  process.env.SLUICE_FUZZ_SEED ?? process.env.FUZZ_SEED ?? 20261206,
);
const numRuns = Number(
  process.env.SLUICE_FUZZ_RUNS ?? process.env.FUZZ_RUNS ?? 200,
);
/** Generous, not a timing assertion: the largest input here loads in well under 1 s. */
const perInputMs = 5_000;
/** Longer runs by hand get a test timeout to match. */
const timeout = 60_000 + numRuns * 500;

const knownSteps = new Set(builtinStepNames);
const facts = { event: "push" as const, branch: "main", commit: "abc" };

/** Loads `text`; returns what happened, after checking the outcome is one of the allowed two. */
function check(text: string): "loaded" | "refused" {
  const started = performance.now();
  let outcome: "loaded" | "refused";
  try {
    const loaded = parseConfig(text, "sluice.yml", { knownSteps, name: "svc" });
    expect(Object.keys(loaded.config.jobs).length).toBeGreaterThan(0);
    // What the loader accepts, the planner must plan or refuse as a config error.
    try {
      plan(loaded.config, facts);
    } catch (error) {
      if (!isAppError(error)) throw error;
      expect(error.code).toBe("CONFIG_INVALID");
    }
    outcome = "loaded";
  } catch (error) {
    if (!isAppError(error)) throw error;
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).not.toContain("\n");
    expect(error.message).not.toMatch(
      /Maximum call stack|\bat .*\.(ts|js):\d+/,
    );
    const location = error.location!;
    expect(location.file).toBe("sluice.yml");
    expect(location.line).toBeGreaterThanOrEqual(1);
    expect(location.line).toBeLessThanOrEqual(text.split("\n").length);
    expect(location.column).toBeGreaterThanOrEqual(1);
    outcome = "refused";
  }
  const elapsed = performance.now() - started;
  expect(elapsed, `${elapsed.toFixed(0)} ms`).toBeLessThan(perInputMs);
  return outcome;
}

describe("fuzz: the sluice.yml loader", () => {
  const options = { seed, numRuns };

  it("loads its own valid samples", () => {
    for (const sample of samples) expect(check(sample)).toBe("loaded");
  });

  it("mutated valid files: a pipeline or a clear error", { timeout }, () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...samples),
        fc.array(edit, { minLength: 1, maxLength: 6 }),
        (sample, edits) => {
          check(applyEdits(sample, edits as Edit[]));
        },
      ),
      options,
    );
  });

  it(
    "random pipelines written as YAML: a pipeline or a clear error",
    { timeout },
    () => {
      let loaded = 0;
      fc.assert(
        fc.property(pipeline, (doc) => {
          if (
            check(stringify(doc, { aliasDuplicateObjects: false })) === "loaded"
          )
            loaded++;
        }),
        options,
      );
      // The generator must reach past the schema now and then, or it tests only the first check.
      expect(loaded).toBeGreaterThan(0);
    },
  );

  it("random text and random YAML values: a clear error", { timeout }, () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200, unit: "binary" }),
          json.map((value) => stringify(value)),
        ),
        (text) => {
          check(text);
        },
      ),
      options,
    );
  });

  it(
    "very deep and very long structures: a result or a clear error, never a stack overflow",
    { timeout },
    () => {
      fc.assert(
        fc.property(extreme, (text) => {
          check(text);
        }),
        { seed, numRuns: Math.max(20, Math.round(numRuns / 4)) },
      );
    },
  );
});
