import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { openDatabase } from "./open.js";
import { extractTemplate } from "./template.js";

const template = process.env.SLUICE_TEST_PGLITE_TEMPLATE;

/** One ustar entry: a 512-byte header, then the data padded to 512 bytes. */
function entry(name: string, data = "", type = "0"): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100);
  header.write("0000600\0", 100);
  header.write(`${data.length.toString(8).padStart(11, "0")}\0`, 124);
  header.write(type, 156);
  const body = Buffer.alloc(Math.ceil(data.length / 512) * 512);
  body.write(data);
  return Buffer.concat([header, body]);
}

describe("extractTemplate", () => {
  it.skipIf(!template)(
    "writes the template (migrated, with the job queue) as a data folder PGlite opens as is",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "sluice-template-"));
      await extractTemplate(readFileSync(template!), dir);
      expect(readdirSync(dir)).toEqual(
        expect.arrayContaining(["PG_VERSION", "base", "global"]),
      );
      const database = await openDatabase({ kind: "pglite", dataDir: dir });
      try {
        const { rows } = await database.executeSql(
          "select count(*)::int as n from drizzle.__drizzle_migrations",
        );
        expect(Number(rows[0]!.n)).toBeGreaterThan(0);
        // The job queue is installed too: a fresh home's first run does not create it.
        const queues = await database.executeSql(
          "select name from pgboss.queue",
        );
        expect(queues.rows.map((row) => row.name)).toContain("sluice-jobs");
      } finally {
        await database.close();
      }
    },
  );

  it("writes PG_VERSION last: an archive cut short leaves a folder the next open redoes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-template-"));
    const whole = Buffer.concat([
      entry("/PG_VERSION", "17\n"),
      entry("/base/", "", "5"),
      entry("/base/1", "x".repeat(600)),
      Buffer.alloc(1024),
    ]);
    // Cut inside the data of /base/1: gunzip of a truncated stream fails before anything is written.
    const cut = gzipSync(whole).subarray(0, 40);
    await expect(extractTemplate(cut, dir)).rejects.toThrow();
    expect(existsSync(join(dir, "PG_VERSION"))).toBe(false);

    await extractTemplate(gzipSync(whole), dir);
    expect(readFileSync(join(dir, "PG_VERSION"), "utf8")).toBe("17\n");
    expect(readFileSync(join(dir, "base", "1"), "utf8")).toHaveLength(600);
  });

  it("reports a file it cannot write once every write has settled, and writes no PG_VERSION", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-template-"));
    // A folder where the archive has a file: that write fails (EISDIR), the others go on.
    mkdirSync(join(dir, "base", "2"), { recursive: true });
    const archive = Buffer.concat([
      entry("/PG_VERSION", "17\n"),
      entry("/base/", "", "5"),
      ...Array.from({ length: 20 }, (_, i) => entry(`/base/${i}`, "x")),
      Buffer.alloc(1024),
    ]);
    await expect(extractTemplate(archive, dir)).rejects.toThrow(/EISDIR/);
    expect(existsSync(join(dir, "PG_VERSION"))).toBe(false);
    expect(readFileSync(join(dir, "base", "19"), "utf8")).toBe("x");
  });

  it("refuses an entry that would leave the data folder", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-template-"));
    const evil = gzipSync(
      Buffer.concat([entry("../../escape", "x"), Buffer.alloc(1024)]),
    );
    await expect(extractTemplate(evil, dir)).rejects.toThrow(
      /leaves the data folder/,
    );
  });
});
