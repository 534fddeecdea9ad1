import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { systemClock } from "../../src/kernel/index.js";
import { formatReport } from "../../src/scan/report/index.js";
import { scanSecrets } from "../../src/scan/secrets/scan.js";

// Values built at run time: no literal credential in this file.
const strong = ["Qz8", "#tLw", "2vPk"].join("");
const word = ["cack", "le"].join("");

const dir = mkdtempSync(join(tmpdir(), "sluice-confidence-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(
  join(dir, ".env"),
  `DB_PASSWORD=${strong}\nSMTP_PASSWORD=${word}\nAPI_URL=https://example.com\n`,
);

const scan = (confidence?: "low" | "medium" | "high") =>
  scanSecrets({
    target: { kind: "tree", path: dir },
    clock: systemClock,
    workers: 1,
    ...(confidence ? { confidence } : {}),
  });

describe("confidence of contextual findings", () => {
  it("reports medium and above by default, a dictionary word only at --confidence low", async () => {
    const lines = (r: Awaited<ReturnType<typeof scan>>) =>
      r.findings.map(
        (f) => `${f.location.startLine} ${String(f.properties?.confidence)}`,
      );
    expect(lines(await scan())).toEqual(["1 high"]);
    expect(lines(await scan("low"))).toEqual(["1 high", "2 low"]);
    expect(lines(await scan("high"))).toEqual(["1 high"]);
  });

  it("says why a finding fired (name and syntax) and never prints the value", async () => {
    const result = await scan("low");
    const text = formatReport(
      "human",
      { findings: result.findings },
      { readSource: (p) => readFileSync(join(dir, p), "utf8") },
    );
    expect(text).toContain(
      "why: `DB_PASSWORD` in dotenv syntax, high confidence",
    );
    expect(text).toContain(
      "why: `SMTP_PASSWORD` in dotenv syntax, low confidence",
    );
    expect(text).not.toContain(strong);
    expect(text).not.toContain(word);
    expect(JSON.stringify(result.findings)).not.toContain(strong);
    // At the default confidence the word is no finding, yet the frame of line 1 shows line 2:
    // it is masked there too.
    const byDefault = await scan();
    const framed = formatReport(
      "human",
      { findings: byDefault.findings, masks: byDefault.masks },
      { readSource: (p) => readFileSync(join(dir, p), "utf8") },
    );
    expect(framed).toContain("SMTP_PASSWORD=");
    expect(framed).not.toContain(word);
  });
});
