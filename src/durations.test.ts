import { describe, expect, it } from "vitest";
import { builtinStepNames, loadBuiltinStepChecks } from "./builtin-steps.js";
import { parseConfig } from "./config/index.js";
import { parseDeploySpec } from "./deploy/index.js";
import type { AppError } from "./kernel/index.js";

// sluice.yml as `sluice config` and `sluice run` load it: the golden path's schema, then the
// deploy step's own check of its `with`; both read kernel's one duration grammar.
describe("durations in a golden path's deploy steps (issue 11)", () => {
  const yml = (pauses: string[]) =>
    [
      "extends: golden/node@1",
      "with:",
      "  deploy:",
      "    steps:",
      "      - weight: 10",
      ...pauses.map((p) => `      - pause: ${p}`),
      "      - weight: 100",
      "",
    ].join("\n");
  const load = async (text: string) =>
    parseConfig(text, "sluice.yml", {
      knownSteps: new Set(builtinStepNames),
      checkWith: await loadBuiltinStepChecks(),
    });

  it("loads and expands pause: 1h30m and pause: 1.5s, which the deploy step then reads", async () => {
    const { config } = await load(yml(["1h30m", "1.5s", "{ duration: 2m }"]));
    const step = Object.values(config.jobs)
      .flatMap((job) => job.steps)
      .find((s) => s.uses === "sluice/deploy");
    expect(step?.with?.steps).toEqual([
      { weight: 10 },
      { pause: { duration: "1h30m" } },
      { pause: { duration: "1.5s" } },
      { pause: { duration: "2m" } },
      { weight: 100 },
    ]);
    expect(parseDeploySpec(step?.with).steps).toEqual([
      { kind: "weight", weight: 10 },
      { kind: "pause", durationMs: 5_400_000 },
      { kind: "pause", durationMs: 1500 },
      { kind: "pause", durationMs: 120_000 },
      { kind: "weight", weight: 100 },
    ]);
  });

  it.each(["1h-30m", "soon", "{ duration: 90 minutes later }"])(
    "points a bad duration (%s) at its own line and column, not at extends",
    async (bad) => {
      const error = await load(yml(["1m", bad])).then(
        () => undefined,
        (e: unknown) => e as AppError,
      );
      expect(error?.code).toBe("CONFIG_INVALID");
      expect(error?.message).toMatch(/pause.*must be a duration such as/);
      // Line 7 is the second pause; its value starts after "      - pause: ".
      expect(error?.location).toMatchObject({
        file: "sluice.yml",
        line: 7,
        column: bad.startsWith("{") ? 28 : 16,
      });
    },
  );
});
