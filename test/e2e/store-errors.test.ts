import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { stopLocalServer } from "../support/local-server.js";
import { assertBuilt, sluice } from "./cli.js";

// Issue 11: a database error printed drizzle's "Failed query: <sql> params: <values>".
describe("a failing query through the CLI (built CLI, real PGlite)", () => {
  it("prints one line without SQL, parameter values or driver text, and exits 2", () => {
    assertBuilt();
    const secret = "hunter2-s3cr3t-value";
    const dir = mkdtempSync(join(tmpdir(), "sluice-e2e-store-error-"));
    onTestFinished(() => {
      // The run went through the home's local server, started on demand.
      stopLocalServer(join(dir, "home"));
      rmSync(dir, { recursive: true, force: true });
    });
    // A NUL in a job's name: the database refuses the row that records it.
    writeFileSync(
      join(dir, "sluice.yml"),
      `name: shop\njobs:\n  build:\n    name: "b\\0 ${secret}"\n    steps:\n      - run: echo hi\n`,
    );
    const r = sluice(dir, { SLUICE_HOME: join(dir, "home") }, [
      "run",
      "--working-tree",
    ]);
    expect(r.code, r.stderr).toBe(2);
    const output = `${r.stdout}${r.stderr}`;
    expect(output).toContain(
      "sluice: a database query failed: data exception (SQLSTATE 22021)",
    );
    expect(output).not.toMatch(/Failed query|params:/);
    expect(output).not.toMatch(/\b(insert into|select|values \()/i);
    expect(output).not.toContain(secret);
    expect(output).not.toMatch(/UTF8|0x00/);
  });
});
