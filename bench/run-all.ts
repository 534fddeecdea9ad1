// Runs every bench/*.ts (except this file) in turn; each prints readable lines and, last, one JSON line.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";

const only = process.argv.slice(2);
const benches = readdirSync(new URL(".", import.meta.url))
  .filter(
    (f) => f.endsWith(".ts") && f !== "run-all.ts" && !f.endsWith(".test.ts"),
  )
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
let failed = 0;
for (const file of benches) {
  console.log(`\n== bench/${file}`);
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", new URL(file, import.meta.url).pathname],
    {
      stdio: "inherit",
    },
  );
  if (result.status !== 0) failed++;
}
process.exitCode = failed > 0 ? 1 : 0;
