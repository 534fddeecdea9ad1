// `sluice evidence export | verify | key` through the built CLI, against a home filled with evidence.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { filledHome } from "../../src/policy/evidence/evidence.testkit.js";

const bin = fileURLToPath(new URL("../../bin/sluice.js", import.meta.url));
const built = existsSync(
  fileURLToPath(
    new URL("../../dist/cli/commands/evidence.js", import.meta.url),
  ),
);
if (!built)
  console.warn("skipping: build first (npx tsc -p tsconfig.build.json)");

let home: string;
const sluice = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [bin, ...args], {
    cwd: home,
    encoding: "utf8",
    env: { ...process.env, SLUICE_HOME: home, SLUICE_EVIDENCE_KEY: "", ...env },
  });
const exported = () =>
  readFileSync(join(home, "all.jsonl"), "utf8").trimEnd().split("\n");
const write = (name: string, lines: string[]) => {
  writeFileSync(join(home, name), `${lines.join("\n")}\n`);
  return name;
};

describe.skipIf(!built)("sluice evidence", () => {
  beforeAll(async () => {
    home = (await filledHome(3)).home;
    const out = sluice(["evidence", "export", "--out", "all.jsonl"]);
    expect(out.stderr).toBe(
      "9 evidence records and their signed head written to all.jsonl\n",
    );
    expect(out.status).toBe(0);
  });

  it("exports and verifies every signature and link", () => {
    const verify = sluice(["evidence", "verify", "all.jsonl"]);
    expect(verify.stdout).toBe(
      "all.jsonl: 9 records, every signature, link and the signed head verify\n  production: records 1–6\n  staging: records 1–3\n",
    );
    expect(verify.status).toBe(0);
    const json = sluice(["evidence", "verify", "all.jsonl", "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      file: "all.jsonl",
      ok: true,
      records: 9,
    });
    const stdout = sluice(["evidence", "export"]);
    expect(stdout.stdout.trimEnd().split("\n")).toEqual(exported());
  });

  it("exports one environment, or since a date, as chains that verify", () => {
    sluice([
      "evidence",
      "export",
      "--env",
      "staging",
      "--out",
      "staging.jsonl",
    ]);
    expect(sluice(["evidence", "verify", "staging.jsonl"]).stdout).toContain(
      "staging: records 1–3\n",
    );
    sluice([
      "evidence",
      "export",
      "--since",
      "2026-12-03",
      "--out",
      "since.jsonl",
    ]);
    const since = sluice(["evidence", "verify", "since.jsonl"]);
    expect(since.stdout).toContain(
      "production: records 5–6 (the file starts at record 5)",
    );
    expect(since.status).toBe(0);
  });

  it("verifies with the public key alone, and refuses another key", () => {
    writeFileSync(join(home, "pub.pem"), sluice(["evidence", "key"]).stdout);
    expect(
      sluice(["evidence", "verify", "all.jsonl", "--key", "pub.pem"]).status,
    ).toBe(0);
    const otherHome = { SLUICE_HOME: join(home, "other") };
    const none = sluice(["evidence", "verify", "all.jsonl"], otherHome);
    expect([none.stderr, none.status]).toEqual([
      `sluice: no evidence key at ${join(home, "other", "evidence-key.pem")}: give the public key with --key\n`,
      2,
    ]);
    expect(sluice(["evidence", "key"], otherHome).status).toBe(0);
    const other = sluice(["evidence", "verify", "all.jsonl"], otherHome);
    expect(other.stderr).toMatch(
      /^sluice: all\.jsonl:1: no signature by key [0-9a-f]{16}\n$/,
    );
    expect(other.status).toBe(1);
  });

  it("names an edited record", () => {
    const lines = exported();
    const record = JSON.parse(lines[3]!) as { envelope: { payload: string } };
    const text = Buffer.from(record.envelope.payload, "base64").toString();
    record.envelope.payload = Buffer.from(
      text.replace('"passed"', '"failed"'),
    ).toString("base64");
    lines[3] = JSON.stringify(record);
    const verify = sluice(["evidence", "verify", write("edited.jsonl", lines)]);
    expect(verify.stderr).toBe(
      "sluice: edited.jsonl:4: the signature does not verify (the record was edited)\n",
    );
    expect(verify.status).toBe(1);
  });

  it("names a removed record", () => {
    const lines = exported();
    lines.splice(4, 1); // line 5, record 4 of production: record 5 (line 7) moves to line 6
    const verify = sluice([
      "evidence",
      "verify",
      write("removed.jsonl", lines),
    ]);
    expect(verify.stderr).toBe(
      "sluice: removed.jsonl:6: record 4 of production was removed before this line\n",
    );
    expect(verify.status).toBe(1);
  });

  it("names records removed from the end, by the signed head", () => {
    const lines = exported();
    lines.splice(8, 1); // record 3 of staging, the last before the head
    const verify = sluice([
      "evidence",
      "verify",
      write("truncated.jsonl", lines),
    ]);
    expect(verify.stderr).toBe(
      "sluice: truncated.jsonl:9: the signed head names records 1–3 of staging; the file ends at record 2: the records after it were removed\n",
    );
    const headless = sluice([
      "evidence",
      "verify",
      write("headless.jsonl", exported().slice(0, 9)),
    ]);
    expect(headless.stderr).toBe(
      "sluice: headless.jsonl:10: the file ends without its signed head: records at its end may have been removed\n",
    );
    expect([verify.status, headless.status]).toEqual([1, 1]);
  });

  it("names reordered records", () => {
    const lines = exported();
    [lines[0], lines[1]] = [lines[1]!, lines[0]!];
    const verify = sluice([
      "evidence",
      "verify",
      write("reordered.jsonl", lines),
    ]);
    expect(verify.stderr).toBe(
      "sluice: reordered.jsonl:1: record 2 of production comes before record 1 (line 2): the records were reordered\n",
    );
    const later = exported();
    [later[3], later[6]] = [later[6]!, later[3]!]; // records 3 and 5 of production
    const again = sluice([
      "evidence",
      "verify",
      write("reordered2.jsonl", later),
    ]);
    expect(again.stderr).toBe(
      "sluice: reordered2.jsonl:4: record 5 of production comes before record 3 (line 7): the records were reordered\n",
    );
    expect(again.status).toBe(1);
  });

  it("a broken line, a missing key, a bad --since: one line, exit 2", () => {
    const lines = exported();
    lines[2] = `${lines[2]!.slice(0, 30)}`;
    const broken = sluice(["evidence", "verify", write("broken.jsonl", lines)]);
    expect([broken.stderr, broken.status]).toEqual([
      "sluice: broken.jsonl:3: not a JSON line\n",
      2,
    ]);
    const noKey = sluice([
      "evidence",
      "verify",
      "all.jsonl",
      "--key",
      "nope.pem",
    ]);
    expect([noKey.stderr, noKey.status]).toEqual([
      "sluice: evidence key nope.pem cannot be read (ENOENT)\n",
      2,
    ]);
    const envKey = sluice(["evidence", "key"], {
      SLUICE_EVIDENCE_KEY: "gone.pem",
    });
    expect([envKey.stderr, envKey.status]).toEqual([
      "sluice: evidence signing key gone.pem cannot be read (ENOENT)\n",
      2,
    ]);
    const since = sluice(["evidence", "export", "--since", "yesterday"]);
    expect(since.stderr).toMatch(/^sluice: --since yesterday: give a date/);
    expect(since.stderr.split("\n")).toHaveLength(2);
    expect(since.status).toBe(2);
    const missing = sluice(["evidence", "verify", "absent.jsonl"]);
    expect([missing.stderr, missing.status]).toEqual([
      "sluice: absent.jsonl cannot be read (ENOENT)\n",
      2,
    ]);
  });
});
