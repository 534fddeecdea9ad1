import { describe, expect, it } from "vitest";
import { ManualClock } from "../kernel/index.js";
import { createStepRegistry } from "./registry.js";

describe("createStepRegistry", () => {
  it("lists registered names sorted and returns their handlers", async () => {
    const registry = createStepRegistry();
    registry.register("sluice/scan", async () => ({ status: "failure" }));
    registry.register("sluice/echo", async (ctx) => ({
      status: "success",
      outputs: { said: String(ctx.with.text) },
    }));
    expect(registry.names()).toEqual(["sluice/echo", "sluice/scan"]);
    expect(registry.get("sluice/missing")).toBeUndefined();
    const handler = registry.get("sluice/echo");
    const result = await handler!({
      with: { text: "hi" },
      env: {},
      workdir: "/",
      runId: "run_1",
      jobKey: "build",
      facts: { event: "manual" },
      log: () => {},
      signal: new AbortController().signal,
      clock: new ManualClock(0),
    });
    expect(result).toEqual({ status: "success", outputs: { said: "hi" } });
  });

  it.each([["scan"], ["sluice/"], ["Sluice/Scan"], ["a/b/c"]])(
    "rejects the malformed name %s",
    (name) => {
      expect(() =>
        createStepRegistry().register(name, async () => ({
          status: "success",
        })),
      ).toThrow(/namespace\/name/);
    },
  );

  it("rejects a second registration of one name", () => {
    const registry = createStepRegistry();
    const handler = async () => ({ status: "success" as const });
    registry.register("sluice/gate", handler);
    expect(() => registry.register("sluice/gate", handler)).toThrow(/twice/);
  });
});
