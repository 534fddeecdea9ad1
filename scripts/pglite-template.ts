// Writes dist/store/pglite-template.tar: an embedded database with every migration applied.
// A fresh `$SLUICE_HOME` starts from it instead of running initdb in WASM (seconds on a laptop).
// Not compressed: unzipping its 42 MB was a fifth of a second of every first run (ADR 031).
import { writeFileSync } from "node:fs";
import { openDatabase, pgliteTemplateFile } from "../src/store/open.js";

const database = await openDatabase({ kind: "pglite" });
const client = (
  database.db as unknown as {
    $client: { dumpDataDir(compression: "none"): Promise<Blob> };
  }
).$client;
const dump = await client.dumpDataDir("none");
writeFileSync(pgliteTemplateFile, Buffer.from(await dump.arrayBuffer()));
await database.close();
console.log(`wrote ${pgliteTemplateFile}`);
