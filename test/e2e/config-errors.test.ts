import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, sluice } from "./cli.js";

// Issue 9.13: `sluice config` reported only the first of several errors.
describe("sluice config with several problems (built CLI)", () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-config-errors-"));
  beforeAll(() => assertBuilt());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reports every problem, each at file:line:col, and exits 2", () => {
    writeFileSync(
      join(dir, "sluice.yml"),
      [
        "jobs:",
        "  build:",
        "    steps:",
        "      - run: echo hi",
        "        timout: 5m",
        "  test:",
        "    needs: [biuld]",
        "    runs: x",
        "    steps:",
        "      - run: echo ${{ foo.bar }}",
        "  lint:",
        "    needs: [test]",
        "    steps:",
        "      - uses: sluice/nope",
        "",
      ].join("\n"),
    );
    const result = sluice(dir, { SLUICE_HOME: join(dir, ".home") }, ["config"]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe(
      "sluice: sluice.yml:5:9: unknown key `timout` in step 1 of job `build`; did you mean `timeout`?",
    );
    expect(lines.slice(3)).toEqual([
      "sluice.yml:7:13: job `test` needs `biuld`, which is not a job; did you mean `build`?",
      "sluice.yml:8:5: unknown key `runs` in job `test`",
      expect.stringMatching(
        /^sluice\.yml:10:23: unknown context `foo` in `run` in step 1 of job `test`/,
      ),
      expect.stringMatching(
        /^sluice\.yml:14:15: unknown built-in step `sluice\/nope` in step 1 of job `lint`/,
      ),
    ]);
  });
});
