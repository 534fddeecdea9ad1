import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openApp } from "./app.js";
import { builtinStepNames } from "./builtin-steps.js";
import { silentLogger } from "./kernel/index.js";

describe("builtinStepNames", () => {
  it("lists exactly the built-in steps the App registers", async () => {
    const home = mkdtempSync(join(tmpdir(), "sluice-steps-"));
    const app = await openApp({ home, logger: silentLogger });
    try {
      expect([...builtinStepNames].sort()).toEqual(app.steps.names());
      expect(app.steps.names().length).toBeGreaterThan(0);
    } finally {
      await app.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
