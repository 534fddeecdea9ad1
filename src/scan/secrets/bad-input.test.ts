import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { systemClock } from "../../kernel/index.js";
import { Detector } from "./detect.js";
import { compileRuleSet } from "./rule.js";
import { defaultRules } from "./rules/index.js";
import type { SecretScanOptions } from "./scan.js";
import { scanSecrets } from "./scan.js";

// Bad input (issue 15): each case ends, says what it could not do, and loses no finding silently.
// Outcomes only: how long a case takes is bench/scan-secrets' business.

const token = "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";
const dirs: string[] = [];
const tmp = (files: Record<string, string | Buffer>): string => {
  const d = mkdtempSync(join(tmpdir(), "sluice-bad-input-"));
  dirs.push(d);
  for (const [name, data] of Object.entries(files))
    writeFileSync(join(d, name), data);
  return d;
};
afterAll(() => {
  for (const d of dirs) execFileSync("rm", ["-rf", d]);
});
const scan = (path: string, extra: Partial<SecretScanOptions> = {}) =>
  scanSecrets({
    target: { kind: "tree", path },
    clock: systemClock,
    gitignore: false,
    hashKey: Buffer.from("a test key of this file"),
    ...extra,
  });

/** A minified bundle's single line of about `bytes`, dense with keywords, then a token. */
const bundleLine = (bytes: number): string => {
  const chunk =
    'var a={password:e.pwd,token:t,key:"k"+i,url:"https://x.example/"+p};function f(s){return s.secret||s.auth_token}';
  return `${chunk.repeat(Math.floor(bytes / chunk.length))}const t="${token}";`;
};

describe("secret scan of bad input", () => {
  it("a 10 MB single line: skipped and counted as minified in a .js file, scanned whole (its token found) in a .txt", async () => {
    const line = bundleLine(9.5e6);
    const d = tmp({ "bundle.js": line, "bundle.txt": line });
    const r = await scan(d);
    expect(r.stats.skipped.minified).toBe(1);
    expect(r.timeouts).toEqual([]);
    expect(
      r.findings
        .filter((f) => f.ruleId === "github-pat")
        .map((f) => [f.location.path, f.location.startLine]),
    ).toEqual([["bundle.txt", 1]]);
  }, 300_000);

  it("100,000 password= lines: every line reported, or the rules that ran out of time named", async () => {
    const lines = Array.from(
      { length: 100_000 },
      (_, i) => `password=Xk9${i.toString(36)}qZr7Lm2Pw`,
    );
    const d = tmp({ "many.env": `${lines.join("\n")}\n` });
    const r = await scan(d);
    const reported = new Set(r.findings.map((f) => f.location.startLine));
    if (r.timeouts.length === 0) expect(reported.size).toBe(100_000);
    else expect(reported.size).toBeGreaterThan(0);
    expect(r.errors).toEqual([]);
  }, 300_000);

  it("a contextual rule stops at its time budget and is named, like a regex rule", () => {
    const lines = Array.from(
      { length: 5_000 },
      (_, i) => `password=Xk9${i.toString(36)}qZr7Lm2Pw`,
    );
    const rules = defaultRules.filter((r) => r.id === "password-assignment");
    let t = 0;
    const r = new Detector(compileRuleSet(rules, [])).detect(
      { path: "many.env", data: Buffer.from(lines.join("\n")) },
      { ruleBudgetMs: 5, now: () => (t += 10) },
    );
    expect(r.timeouts.map((x) => x.ruleId)).toEqual(["password-assignment"]);
    expect(r.matches.length).toBeGreaterThan(0);
    expect(r.matches.length).toBeLessThan(5_000);
  });

  it("base64 nested 30 deep, and base64 that decodes to base64 for a megabyte, end without errors", async () => {
    let nested = 'password = "S3cr3t-Pa55-w0rd!"';
    for (let i = 0; i < 30; i++)
      nested = Buffer.from(nested).toString("base64");
    const d = tmp({
      "nested.txt": `data = "${nested.slice(0, 200_000)}"\n`,
      "self.txt": `secret = "${"QUFB".repeat(250_000)}"\n`,
    });
    const r = await scan(d);
    expect(r.errors).toEqual([]);
    expect(r.timeouts).toEqual([]);
    expect(r.stats.files).toBe(2);
  }, 300_000);

  it("text that is not UTF-8 (Latin-1 with many accents) is scanned, not skipped as binary", async () => {
    const d = tmp({
      "latin1.env": Buffer.from(
        `# Schlüssel für Ümläute: ÄÖÜäöüß ÄÖÜäöüß\nGITHUB=${token}\n`,
        "latin1",
      ),
    });
    const r = await scan(d);
    expect(r.stats.skipped.binary).toBeUndefined();
    expect(r.findings.map((f) => [f.ruleId, f.location.startLine])).toEqual([
      ["github-pat", 2],
    ]);
  });

  it("UTF-16 text, with a byte-order mark or without, is scanned at its lines and columns", async () => {
    const text = `// saved by a Windows editor\nconst t = "${token}";\n`;
    const le = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from(text, "utf16le"),
    ]);
    const be = Buffer.from(text, "utf16le").swap16();
    const d = tmp({ "le.ts": le, "be.ts": be });
    const r = await scan(d);
    expect(r.stats.skipped.binary).toBeUndefined();
    expect(
      r.findings.map((f) => [
        f.location.path,
        f.location.startLine,
        f.location.startColumn,
      ]),
    ).toEqual([
      ["be.ts", 2, 12],
      ["le.ts", 2, 12],
    ]);
  });
});
