import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { defaultFailOn } from "../../scan/index.js";
import { parseScanStepInput } from "../../scan/step-input.js";
import type { CliContext } from "../context.js";
import { registerScan } from "./scan.js";

// Issue 9.7: the hook (scan secrets) failed at medium, `scan deps` at low and the pipeline's step
// at high. One default now, one constant of scan (ADR 043).
describe("the one default fail-on", () => {
  it("is the default of scan secrets (the hook), scan deps and the sluice/scan step", () => {
    const program = new Command();
    registerScan(program, {} as CliContext);
    const scan = program.commands.find((c) => c.name() === "scan")!;
    for (const name of ["secrets", "deps"]) {
      const command = scan.commands.find((c) => c.name() === name)!;
      const option = command.options.find((o) => o.long === "--fail-on")!;
      expect(option.defaultValue, name).toBe(defaultFailOn);
    }
    const step = parseScanStepInput({});
    expect(typeof step === "string" ? step : step["fail-on"]).toBe(
      defaultFailOn,
    );
    expect(defaultFailOn).toBe("medium");
  });
});
