import {
  mkdtempSync,
  readFileSync,
  readdirSync,
  writeFileSync,
  mkdirSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ghsaSample as sampleDir } from "../../../test/support/ghsa-sample.js";
import { ManualClock } from "../../kernel/index.js";
import { loadAdvisories } from "./advisories.js";
import { readZip } from "./zip.js";
import { writeZip } from "./zip.testkit.js";

const clock = new ManualClock(Date.UTC(2026, 0, 1));

const good = {
  id: "GHSA-good",
  modified: "2024-01-01T00:00:00Z",
  affected: [
    {
      package: { ecosystem: "npm", name: "a" },
      ranges: [
        {
          type: "ECOSYSTEM",
          events: [{ introduced: "0" }, { fixed: "1.0.0" }],
        },
      ],
    },
  ],
};
const unknownEcosystem = {
  id: "X-1",
  modified: "2024-01-01T00:00:00Z",
  affected: [
    {
      package: { ecosystem: "Debian:11", name: "openssl" },
      ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }] }],
    },
  ],
};
const badRange = {
  id: "X-2",
  modified: "2024-01-01T00:00:00Z",
  affected: [
    {
      package: { ecosystem: "npm", name: "b" },
      ranges: [{ type: "ECOSYSTEM", events: [{ fixed: "1.0.0" }] }],
    },
  ],
};
const mixedRange = {
  id: "X-3",
  modified: "2024-01-01T00:00:00Z",
  affected: [
    {
      package: { ecosystem: "npm", name: "c" },
      ranges: [
        {
          type: "SEMVER",
          events: [{ introduced: "0" }, { fixed: "1" }, { last_affected: "2" }],
        },
      ],
    },
  ],
};
const partlyBad = {
  ...good,
  id: "GHSA-partly",
  affected: [...good.affected, ...unknownEcosystem.affected],
};

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "sluice-adv-"));
}

describe("loading advisories", () => {
  it("reads a folder, skips and counts unknown ecosystems and bad ranges", () => {
    const dir = tempDir();
    for (const r of [good, unknownEcosystem, badRange, mixedRange, partlyBad])
      writeFileSync(join(dir, `${r.id}.json`), JSON.stringify(r));
    writeFileSync(join(dir, "broken.json"), "{ nope");
    const loaded = loadAdvisories(dir, clock);
    expect(loaded.records.map((r) => r.id)).toEqual([
      "GHSA-good",
      "GHSA-partly",
    ]);
    expect(loaded.records[1]!.affected).toHaveLength(1);
    expect(loaded.skipped).toBe(4);
    expect(loaded.skippedReasons).toEqual({
      "unknown ecosystem": 1,
      "bad range": 2,
      "invalid JSON": 1,
      "entry: unknown ecosystem": 1,
    });
    expect(loaded.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(loaded.createdAt.toISOString()).toBe("2026-01-01T00:00:00.000Z");
  });

  it("reads an OSV all.zip export the same as its folder", () => {
    const files = readdirSync(sampleDir).filter((f) => f.endsWith(".json"));
    const dir = tempDir();
    writeFileSync(
      join(dir, "all.zip"),
      writeZip(
        files.map((f) => ({ name: f, data: readFileSync(join(sampleDir, f)) })),
      ),
    );
    const fromZip = loadAdvisories(join(dir, "all.zip"), clock);
    const fromFolder = loadAdvisories(sampleDir, clock);
    expect(fromZip.records.map((r) => r.id)).toEqual([
      "GHSA-35jh-r3h4-6jhm",
      "GHSA-p6mc-m468-83gw",
      "GHSA-vh95-rmgr-6w4m",
      "GHSA-xvch-5gv4-984h",
    ]);
    expect(fromZip.hash).toBe(fromFolder.hash);
    expect(fromZip.records[0]).not.toHaveProperty("details");
  });

  it("reads <ECOSYSTEM>/all.zip files under a folder", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "npm"));
    writeFileSync(
      join(dir, "npm", "all.zip"),
      writeZip([{ name: "GHSA-good.json", data: JSON.stringify(good) }]),
    );
    expect(loadAdvisories(dir, clock).records.map((r) => r.id)).toEqual([
      "GHSA-good",
    ]);
  });

  it.each([
    [
      "truncated",
      (z: Buffer) => z.subarray(0, z.length - 30),
      /not a readable zip archive/,
    ],
    [
      "a flipped byte in the data",
      (z: Buffer) =>
        Buffer.concat([
          z.subarray(0, 50),
          Buffer.from([z[50]! ^ 0xff]),
          z.subarray(51),
        ]),
      /not a readable zip archive \(GHSA-good.json (does not inflate|fails its CRC-32 check)/,
    ],
    [
      "not a zip at all",
      () => Buffer.from("hello, this is not a zip file at all........"),
      /no end of central directory/,
    ],
  ])("a corrupted zip (%s) is a clear error", (_name, damage, message) => {
    const dir = tempDir();
    const path = join(dir, "all.zip");
    writeFileSync(
      path,
      damage(
        writeZip([
          { name: "GHSA-good.json", data: JSON.stringify(good) },
          { name: "b.json", data: JSON.stringify({ ...good, id: "GHSA-b" }) },
        ]),
      ),
    );
    expect(() => loadAdvisories(path, clock)).toThrow(message);
  });

  it("round-trips stored and deflated entries", () => {
    const zip = writeZip([
      { name: "x.json", data: "{}" },
      { name: "dir/y.json", data: "[1]" },
    ]);
    const seen: string[] = [];
    expect(
      readZip(zip, "t.zip", (e) => seen.push(`${e.name}=${e.data.toString()}`)),
    ).toBe(2);
    expect(seen).toEqual(["x.json={}", "dir/y.json=[1]"]);
  });
});
