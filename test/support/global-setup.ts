import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/store/open.js";

/**
 * Creating a PGlite database costs seconds (initdb in WASM); loading a dump costs half a second.
 * So the suite migrates one database once and every test loads its dump.
 */
export async function setup(): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-template-"));
  const database = await openDatabase({ kind: "pglite" });
  // drizzle keeps the PGlite client on `$client`.
  const client = (
    database.db as unknown as {
      $client: { dumpDataDir(c: "none"): Promise<Blob> };
    }
  ).$client;
  const dump = await client.dumpDataDir("none");
  const file = join(dir, "template.tar");
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  await database.close();
  process.env.SLUICE_TEST_PGLITE_TEMPLATE = file;
  return () => rmSync(dir, { recursive: true, force: true });
}
