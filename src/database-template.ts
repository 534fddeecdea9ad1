import { installJobQueue } from "./pipeline/index.js";
import { openDatabase } from "./store/index.js";

/**
 * An embedded database with every schema sluice installs, as an uncompressed tar of its data
 * folder: the store's migrations, and the job queue's tables and jobs queue (pg-boss). A fresh
 * `$SLUICE_HOME` starts from it (`npm run build` writes it; ADR 031), and so does every test's
 * database. pg-boss's install was half a second of a fresh home's first `sluice run` (ADR 110).
 */
export async function databaseTemplate(): Promise<Buffer> {
  const database = await openDatabase({ kind: "pglite" });
  try {
    await installJobQueue(database);
    // drizzle keeps the PGlite client on `$client`.
    const client = (
      database.db as unknown as {
        $client: { dumpDataDir(compression: "none"): Promise<Blob> };
      }
    ).$client;
    const dump = await client.dumpDataDir("none");
    return Buffer.from(await dump.arrayBuffer());
  } finally {
    await database.close();
  }
}
