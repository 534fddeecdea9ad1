import {
  mkdtempSync,
  readFileSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { AdvisorySnapshot } from "./ports.js";
import {
  openAdvisoryFile,
  removeAdvisoryFile,
  writeAdvisoryFile,
} from "./advisory-file.js";

const snapshot: AdvisorySnapshot = {
  id: "snap_1",
  hash: "abc",
  source: "all.zip",
  imported: 2,
  skipped: 0,
  total: 2,
  skippedReasons: {},
  createdAt: new Date(Date.UTC(2026, 0, 1)),
};
const record = (id: string, name: string) => ({
  id,
  modified: "2024-01-01T00:00:00Z",
  summary: `ünïcode in ${name}`,
  affected: [{ package: { ecosystem: "npm", name } }],
});

function written(): string {
  const path = join(mkdtempSync(join(tmpdir(), "sluice-adv-")), "a.idx");
  writeAdvisoryFile(path, snapshot, [
    {
      id: "GHSA-1",
      json: JSON.stringify(record("GHSA-1", "left-pad")),
      keys: [["npm", "left-pad"]],
    },
    {
      id: "GHSA-2",
      json: JSON.stringify(record("GHSA-2", "both")),
      keys: [
        ["npm", "left-pad"],
        ["PyPI", "both"],
      ],
    },
  ]);
  return path;
}

describe("advisory file", () => {
  it("answers the snapshot and each package's records once", async () => {
    const file = openAdvisoryFile(written())!;
    expect(await file.currentSnapshot()).toEqual(snapshot);
    const records = await file.recordsFor(
      new Map([
        ["npm", new Set(["left-pad", "absent"])],
        ["PyPI", new Set(["both"])],
      ]),
    );
    expect(records).toEqual([
      record("GHSA-1", "left-pad"),
      record("GHSA-2", "both"),
    ]);
    expect(
      await file.recordsFor(new Map([["Go", new Set(["left-pad"])]])),
    ).toEqual([]);
    file.close();
  });

  it("is ignored when absent, cut short or of another format", () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-adv-"));
    expect(openAdvisoryFile(join(dir, "none.idx"))).toBeUndefined();

    const short = written();
    truncateSync(short, readFileSync(short).length - 3);
    expect(openAdvisoryFile(short)).toBeUndefined();

    const other = written();
    const text = readFileSync(other, "utf8");
    writeFileSync(
      other,
      text.replace("sluice-advisories/1", "sluice-advisories/9"),
    );
    expect(openAdvisoryFile(other)).toBeUndefined();

    const garbage = join(dir, "garbage.idx");
    writeFileSync(garbage, "not json\n{}");
    expect(openAdvisoryFile(garbage)).toBeUndefined();

    removeAdvisoryFile(short);
    expect(openAdvisoryFile(short)).toBeUndefined();
  });
});
