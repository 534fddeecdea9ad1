import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A tiny `node:http` service for demos, tests and benches: `GET /healthz` answers 200, every
 * other path answers `VERSION`. `FAIL_RATE=0.3` makes exactly 3 of every 10 requests answer
 * 500 (evenly spread, deterministic). `DELAY_MS` adds latency. It stops cleanly on SIGTERM.
 */
const sampleServiceSource = `import { createServer } from "node:http";
const version = process.env.VERSION ?? "dev";
const failRate = Number(process.env.FAIL_RATE ?? 0);
const delay = Number(process.env.DELAY_MS ?? 0);
let served = 0;
let failed = 0;
const server = createServer((req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(200, { "content-type": "text/plain" });
    return res.end("ok\\n");
  }
  served++;
  const fail = failRate > 0 && failed < Math.floor(served * failRate + 1e-9);
  if (fail) failed++;
  const answer = () => {
    res.writeHead(fail ? 500 : 200, { "content-type": "text/plain", "x-version": version });
    res.end(fail ? "error " + version + "\\n" : "hello from " + version + "\\n");
  };
  if (delay > 0) setTimeout(answer, delay); else answer();
});
server.keepAliveTimeout = 65000;
server.listen(Number(process.env.PORT ?? 3000), "127.0.0.1");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
`;

/** Writes the sample service as `server.mjs` into a folder and returns its path. */
export function writeSampleService(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "server.mjs");
  writeFileSync(file, sampleServiceSource);
  return file;
}
