import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { databaseTemplate } from "../../src/database-template.js";

/**
 * Creating a PGlite database costs seconds (initdb in WASM); loading a dump costs half a second.
 * So the suite builds the template once, as `npm run build` does, and every test loads it.
 */
export async function setup(): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-template-"));
  const file = join(dir, "template.tar");
  writeFileSync(file, await databaseTemplate());
  process.env.SLUICE_TEST_PGLITE_TEMPLATE = file;
  return () => rmSync(dir, { recursive: true, force: true });
}
