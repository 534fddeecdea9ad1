// Writes dist/store/pglite-template.tar: an embedded database with every schema sluice installs.
// A fresh `$SLUICE_HOME` starts from it instead of running initdb in WASM (seconds on a laptop).
// Not compressed: unzipping its 42 MB was a fifth of a second of every first run (ADR 031).
import { writeFileSync } from "node:fs";
import { databaseTemplate } from "../src/database-template.js";
import { pgliteTemplateFile } from "../src/store/open.js";

writeFileSync(pgliteTemplateFile, await databaseTemplate());
console.log(`wrote ${pgliteTemplateFile}`);
