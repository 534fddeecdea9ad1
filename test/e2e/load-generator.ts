import { Agent, get } from "node:http";

/** One request as the load generator saw it. */
export interface Seen {
  start: number;
  end: number;
  status: number;
  version: string;
}

/**
 * A load generator: `concurrency` loops of keep-alive GETs through the proxy, recording every
 * answer (status 0 is a connection failure).
 */
export function loadGenerator(url: string, concurrency = 4) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const seen: Seen[] = [];
  let running = true;
  const once = () =>
    new Promise<void>((resolve) => {
      const start = Date.now();
      const req = get(url, { agent }, (res) => {
        res.resume();
        res.on("end", () => {
          seen.push({
            start,
            end: Date.now(),
            status: res.statusCode ?? 0,
            version: String(res.headers["x-version"] ?? ""),
          });
          resolve();
        });
      });
      req.on("error", () => {
        seen.push({ start, end: Date.now(), status: 0, version: "" });
        resolve();
      });
    });
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      await once();
      await new Promise((r) => setTimeout(r, 5));
    }
  });
  return {
    seen,
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return seen;
    },
  };
}
