// Writes dist/store/pglite-template.tar.gz: an embedded database with every migration applied.
// A fresh `$SLUICE_HOME` starts from it instead of running initdb in WASM (seconds on a laptop).
import { writeFileSync } from "node:fs";
import { openDatabase, pgliteTemplateFile } from "../src/store/open.js";

const database = await openDatabase({ kind: "pglite" });
const client = (
  database.db as unknown as {
    $client: { dumpDataDir(compression: "gzip"): Promise<Blob> };
  }
).$client;
const dump = await client.dumpDataDir("gzip");
writeFileSync(pgliteTemplateFile, Buffer.from(await dump.arrayBuffer()));
await database.close();
console.log(`wrote ${pgliteTemplateFile}`);
