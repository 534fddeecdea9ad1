// Writes the generated JSON Schemas into schema/; with --check, fails when a committed file is stale.
import { readFileSync, writeFileSync } from "node:fs";

const generated: Record<string, unknown> = {};
const check = process.argv.includes("--check");
let stale = 0;
for (const [file, schema] of Object.entries(generated)) {
  const text = `${JSON.stringify(schema, null, 2)}\n`;
  const path = `schema/${file}`;
  let current = "";
  try {
    current = readFileSync(path, "utf8");
  } catch {
    // missing counts as stale
  }
  if (current === text) continue;
  if (check) {
    console.error(`${path} is stale: run npm run schema`);
    stale++;
  } else writeFileSync(path, text);
}
process.exitCode = stale > 0 ? 1 : 0;
