import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { systemClock } from "../kernel/index.js";
import { defaultFailOn, severityRank } from "./finding.js";
import { findingsAtOrAbove } from "./report/index.js";
import { defaultRules, scanSecrets } from "./secrets/index.js";

// Issue 9.7: a hard-coded password was low, below the hook's medium: a committed credential
// now reaches the one default fail-on.
describe("the one default fail-on (ADR 043)", () => {
  it("blocks a hard-coded password in a Django settings file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-fail-on-"));
    writeFileSync(
      join(dir, "settings.py"),
      `DATABASES = {\n    'default': {\n        'USER': 'shop',\n        'PASSWORD': '${"Xk9mPq27"}vLr4Tz8w',\n    }\n}\n`,
    );
    const result = await scanSecrets({
      target: { kind: "tree", path: dir },
      clock: systemClock,
      workers: 1,
    });
    expect(result.findings.map((f) => f.ruleId)).toEqual(["generic-api-key"]);
    expect(findingsAtOrAbove(result.findings, defaultFailOn)).toHaveLength(1);
  });

  it("puts every rule named for a secret, password, token or private key at or above it", () => {
    // secp256k1-private-key is a shape (0x + 64 hex) that every transaction hash has (ADR 043).
    const below = defaultRules
      .filter((r) => /secret|passw|token|private-key/.test(r.id))
      .filter((r) => r.id !== "secp256k1-private-key")
      .filter(
        (r) => severityRank(r.severity ?? "high") < severityRank(defaultFailOn),
      )
      .map((r) => r.id);
    expect(below).toEqual([]);
  });
});
