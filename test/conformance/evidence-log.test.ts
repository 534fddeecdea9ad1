// Two processes recording evidence into one home at once: the lock keeps one whole chain.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  evidenceLogFile,
  loadSigningKey,
  readRecords,
  verifyRecords,
} from "../../src/policy/index.js";

const dist = fileURLToPath(
  new URL("../../dist/policy/index.js", import.meta.url),
);
const built = existsSync(dist);
if (!built)
  console.warn("skipping: build first (npx tsc -p tsconfig.build.json)");

/** A process that records `count` provenance statements of one environment. */
const writer = (home: string, name: string, count: number) =>
  new Promise<number | null>((resolve) => {
    const script = `
      const { EvidenceLog, loadSigningKey, provenanceStatement, evidenceLogFile } = await import(${JSON.stringify(dist)});
      const { systemClock } = await import(${JSON.stringify(dist.replace("policy/index.js", "kernel/index.js"))});
      const home = ${JSON.stringify(home)};
      const key = loadSigningKey({ home });
      const log = new EvidenceLog({ path: home + "/" + evidenceLogFile, privateKey: key.privateKey, clock: systemClock });
      for (let i = 0; i < ${count}; i++)
        await log.record(provenanceStatement({
          release: { name: "${name}-" + i, sha256: "ab".repeat(32) }, project: "shop", environment: "production",
          commit: "c".repeat(40), runId: "${name}-" + i, steps: [], builderVersion: "0.1.0",
          startedOn: new Date(0), finishedOn: new Date(1000 * i),
        }));`;
    const child = spawn(
      process.execPath,
      ["--input-type=module", "-e", script],
      { stdio: "inherit" },
    );
    child.on("exit", resolve);
  });

describe.skipIf(!built)("EvidenceLog across processes", () => {
  it("chains 2 × 200 records written at once without a gap or a fork", async () => {
    const home = mkdtempSync(join(tmpdir(), "sluice-evidence-log-"));
    const key = loadSigningKey({ home }); // one key, made before the writers start
    const codes = await Promise.all([
      writer(home, "a", 200),
      writer(home, "b", 200),
    ]);
    expect(codes).toEqual([0, 0]);
    const read = readRecords(readFileSync(join(home, evidenceLogFile), "utf8"));
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.records.map((r) => r.record.seq)).toEqual(
      Array.from({ length: 400 }, (_, i) => i + 1),
    );
    expect(verifyRecords(read.records, key.publicKey)).toMatchObject({
      ok: true,
      records: 400,
    });
    expect(existsSync(join(home, `${evidenceLogFile}.lock`))).toBe(false);
  });
});
