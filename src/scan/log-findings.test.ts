import { describe, expect, it } from "vitest";
import { ManualClock } from "../kernel/index.js";
import { testDatabases } from "../../test/support/databases.js";
import { recordLogFindings } from "./log-findings.js";
import { createCredentialFinder } from "./secrets/credentials.js";
import { createScanStore } from "./store.js";

// Built from pieces, so that no file holds a whole credential.
const awsKey = ["AKIA", "QWERTYUIOPASDFGH"].join("");
const ghToken = ["ghp", "_", "abcdefghijklmnopqrstuvwxyz0123456789"].join("");

describe("credentials in step logs", () => {
  it("are found with their rule and a keyed hash, read from the key only when one is found", () => {
    let keyReads = 0;
    const finder = createCredentialFinder({
      hashKey: () => {
        keyReads++;
        return Buffer.from("a test key");
      },
    });
    expect(finder.find("compiling 12 files\nok\n")).toEqual([]);
    expect(keyReads).toBe(0);
    const found = finder.find(
      `aws_access_key_id = ${awsKey}\ntoken ${ghToken} ${ghToken}\n`,
    );
    expect(found.map((f) => [f.value, f.ruleId])).toEqual([
      [awsKey, "aws-access-token"],
      [ghToken, "github-pat"],
    ]);
    expect(found[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(found[0]!.hash).not.toContain(awsKey);
    // Another key, another hash: the hash cannot be checked against a guess without the key.
    const other = createCredentialFinder({
      hashKey: () => Buffer.from("x"),
    });
    expect(other.find(awsKey)[0]!.hash).not.toBe(found[0]!.hash);
    expect(keyReads).toBe(1);
  });
});

describe.each(testDatabases)("log findings on $name", ({ open }) => {
  it("are findings of the run in the scan findings store (rule, step log, line, keyed hash)", async () => {
    const database = await open();
    try {
      const clock = new ManualClock(Date.UTC(2026, 0, 1));
      const store = createScanStore(database, { clock });
      await recordLogFindings(
        store,
        {
          runId: "run_a",
          jobKey: "deploy",
          position: 1,
          name: "push",
          found: [
            { ruleId: "github-pat", line: 4, stream: "stderr", hash: "ab12" },
            { ruleId: "not-a-rule", line: 9, stream: "stdout" },
          ],
        },
        { id: "scan_log1", createdAt: new Date(clock.now()) },
      );
      const findings = await store.findingsForRun("run_a");
      expect(findings).toHaveLength(2);
      expect(findings[0]).toMatchObject({
        tool: "secrets",
        ruleId: "github-pat",
        severity: "critical",
        location: { path: "deploy/1.log", startLine: 4 },
        message: 'secret in log: masked in step "push" (stderr)',
        properties: {
          kind: "secret in log",
          job: "deploy",
          step: "push",
          position: 1,
          stream: "stderr",
          secretHash: "ab12",
        },
      });
      expect(findings[0]!.fingerprint).toMatch(/^[0-9a-f]{32}$/);
      // A rule the scanner does not know (a finder of its own) is still a finding, of high severity.
      expect(findings[1]).toMatchObject({
        ruleId: "not-a-rule",
        severity: "high",
      });
      expect(await store.findingsForRun("run_b")).toEqual([]);
    } finally {
      await database.close();
    }
  });
});
