// bench/rollback: (1) time from the first request served by a bad canary (30% errors) to 100% of
// traffic back on stable, with the default analysis; (2) the local proxy's overhead: requests per
// second through the proxy against the service directly (autocannon), the proxy's CPU per request,
// and added p50/p99 latency from a high-resolution interleaved client, in one run. Prints our figures beside the peers', then one JSON line.
import { Agent, get, request } from "node:http";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import {
  defaultAnalysis,
  parseDeploySpec,
  writeSampleService,
} from "../src/deploy/index.js";
import type { LocalTarget } from "../src/deploy/index.js";
import { createDeployService } from "../src/deploy/wiring.js";
import { silentLogger, systemClock } from "../src/kernel/index.js";
import { createDeployStore } from "../src/deploy/store.js";
import { openDatabase } from "../src/store/open.js";

/** The part of autocannon's result we read (the package ships no types). */
interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  non2xx: number;
}
const autocannon = createRequire(import.meta.url)("autocannon") as (
  options: {
    url: string;
    connections: number;
    duration: number;
  },
  done: (error: unknown, result: CannonResult) => void,
) => unknown;

const dir = mkdtempSync(join(tmpdir(), "sluice-bench-rollback-"));
const server = writeSampleService(join(dir, "app"));
const database = await openDatabase({ kind: "pglite" });
const store = createDeployStore(database);
const daemonEntry = fileURLToPath(
  new URL("../src/deploy/targets/local/daemon-main.ts", import.meta.url),
);
const deploy = createDeployService({
  home: dir,
  store,
  clock: systemClock,
  logger: silentLogger,
  daemonCommand: [process.execPath, "--import", "tsx", daemonEntry],
  env: process.env,
  cwd: dir,
});

const release = (version: string, env: Record<string, string> = {}) => ({
  command: `exec node ${server}`,
  env: { VERSION: version, ...env },
  health: "/healthz",
});
const spec = parseDeploySpec({ "proxy-port": 0 });

// 1. rollback time
const first = await deploy.deploy({
  project: "bench",
  environment: "production",
  spec,
  version: "v1",
  release: release("v1"),
});
await deploy.drive(first.id);
const target = deploy.target(first) as LocalTarget;
const endpoint = await target.endpoint();

const agent = new Agent({ keepAlive: true, maxSockets: 8 });
const served: {
  start: number;
  end: number;
  version: string;
  status: number;
}[] = [];
let loading = true;
const loops = Array.from({ length: 8 }, async () => {
  while (loading) {
    await new Promise<void>((resolve) => {
      const start = Date.now();
      get(`${endpoint}/`, { agent }, (res) => {
        res.resume();
        res.on("end", () => {
          served.push({
            start,
            end: Date.now(),
            version: String(res.headers["x-version"]),
            status: res.statusCode ?? 0,
          });
          resolve();
        });
      }).on("error", () => resolve());
    });
  }
});
await new Promise((r) => setTimeout(r, 500));
const bad = await deploy.deploy({
  project: "bench",
  environment: "production",
  spec,
  version: "bad",
  release: release("bad", { FAIL_RATE: "0.3" }),
});
const done = await deploy.drive(bad.id);
await new Promise((r) => setTimeout(r, 500));
loading = false;
await Promise.all(loops);
agent.destroy();

const [deployment] = await store.listDeployments("bench", "production");
const incident = deployment?.incidentId
  ? await store.getIncident(deployment.incidentId)
  : null;
const canary = served.filter((s) => s.version === "bad");
const firstCanary = Math.min(...canary.map((s) => s.end));
const lastCanaryStart = Math.max(...canary.map((s) => s.start));
const onStable = incident?.resolvedAt ?? done.status.finishedAt ?? Number.NaN;
const rollbackS = (onStable - firstCanary) / 1000;
const analysis = defaultAnalysis().metrics[0]!;

// 2. proxy overhead: the stable release directly, then through the proxy, 50 connections each
const state = await target.state();
const stablePort = state.releases.find((r) => r.state === "ready")?.port;
const cannon = (url: string) =>
  new Promise<CannonResult>((resolve, reject) =>
    autocannon({ url, connections: 50, duration: 8 }, (error, result) =>
      error ? reject(error) : resolve(result),
    ),
  );
/** CPU time (user + system, ms) a process has used so far, from /proc (Linux only). */
const cpuMs = (pid: number | null | undefined): number => {
  if (!pid || !existsSync(`/proc/${pid}/stat`)) return Number.NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8")
    .split(") ")[1]!
    .split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
};
// Throughput at saturation (50 connections), with the CPU the proxy (the daemon) spends per
// request: the figure that does not depend on what else the machine is running.
const direct = await cannon(`http://127.0.0.1:${stablePort}/`);
const daemonCpu0 = cpuMs(state.pid);
const proxied = await cannon(`${endpoint}/`);
const proxyCpuUsPerRequest =
  ((cpuMs(state.pid) - daemonCpu0) * 1000) / proxied.requests.total;

// Added latency, with a high-resolution client (autocannon reports whole milliseconds): one
// keep-alive connection to each side, requests alternating direct / proxy so both see the same
// machine load, one request in flight at a time (no queueing in the figure).
const latency = { direct: [] as number[], proxy: [] as number[] };
const agents = {
  direct: new Agent({ keepAlive: true, maxSockets: 1 }),
  proxy: new Agent({ keepAlive: true, maxSockets: 1 }),
};
const proxyPort = Number(new URL(endpoint).port);
const timed = (side: "direct" | "proxy") =>
  new Promise<void>((resolve, reject) => {
    const started = process.hrtime.bigint();
    request(
      {
        host: "127.0.0.1",
        port: side === "direct" ? stablePort : proxyPort,
        path: "/",
        agent: agents[side],
      },
      (res) => {
        res.resume();
        res.on("end", () => {
          latency[side].push(Number(process.hrtime.bigint() - started) / 1e6);
          resolve();
        });
      },
    )
      .on("error", reject)
      .end();
  });
for (let i = 0; i < 200; i++) await timed(i % 2 ? "proxy" : "direct"); // warm-up
latency.direct.length = 0;
latency.proxy.length = 0;
const latencyUntil = Date.now() + 8_000;
while (Date.now() < latencyUntil) {
  await timed("direct");
  await timed("proxy");
}
agents.direct.destroy();
agents.proxy.destroy();
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};
const ms = (value: number) => Number(value.toFixed(3));
const directP50 = quantile(latency.direct, 0.5);
const proxyP50 = quantile(latency.proxy, 0.5);
const directP99 = quantile(latency.direct, 0.99);
const proxyP99 = quantile(latency.proxy, 0.99);

await target.shutdown();
await database.close();
rmSync(dir, { recursive: true, force: true });

const figures = {
  rollback_seconds: Number(rollbackS.toFixed(2)),
  rollback_target_seconds: 10,
  analysis_interval_seconds: (analysis.intervalMs ?? 0) / 1000,
  analysis_initial_delay_seconds: analysis.initialDelayMs / 1000,
  analysis_failure_limit: analysis.failureLimit,
  analysis_min_requests: analysis.minRequests ?? 0,
  canary_weight: 20,
  canary_requests: canary.length,
  canary_failed: canary.filter((s) => s.status !== 200).length,
  stable_failed: served.filter((s) => s.version !== "bad" && s.status !== 200)
    .length,
  canary_requests_started_after_recovery: canary.filter(
    (s) => s.start > onStable,
  ).length,
  last_canary_request_before_recovery_ms: Math.round(
    onStable - lastCanaryStart,
  ),
  direct_rps: Math.round(direct.requests.average),
  proxy_rps: Math.round(proxied.requests.average),
  proxy_rps_target: 8000,
  proxy_cpu_us_per_request: Math.round(proxyCpuUsPerRequest),
  proxy_rps_one_core_bound: Math.round(1e6 / proxyCpuUsPerRequest),
  latency_samples_per_side: latency.proxy.length,
  direct_p50_ms: ms(directP50),
  proxy_p50_ms: ms(proxyP50),
  added_p50_ms: ms(proxyP50 - directP50),
  added_p50_target_ms: 1,
  direct_p99_ms: ms(directP99),
  proxy_p99_ms: ms(proxyP99),
  added_p99_ms: ms(proxyP99 - directP99),
  saturated_direct_p50_ms: direct.latency.p50,
  saturated_proxy_p50_ms: proxied.latency.p50,
  saturated_direct_p99_ms: direct.latency.p99,
  saturated_proxy_p99_ms: proxied.latency.p99,
  proxy_errors: proxied.errors + proxied.non2xx,
  cores: cpus().length,
  load_average_1m: Number(loadavg()[0]!.toFixed(2)),
  // peers, from ../shared/notes/delivery.md
  peer_flagger_rollback_seconds: 300,
  peer_note_proxy_rps: 7342,
  peer_note_direct_rps: 12330,
  peer_note_proxy_p50_ms: 2.9,
  peer_note_direct_p50_ms: 1.24,
};

const line = (label: string, ours: string, peer: string) =>
  console.log(`${label.padEnd(48)} ${ours.padEnd(36)} ${peer}`);
line("", "sluice", "peer");
line(
  "bad canary: first request -> 100% on stable",
  `${figures.rollback_seconds} s (target <= 10 s)`,
  "Flagger: interval x threshold = 60 s x 5 = 300 s",
);
line(
  "default analysis",
  `interval 2s, delay 2s, failure-limit 0, min 10 req`,
  "Argo: failureLimit 0, consecutiveErrorLimit 4",
);
line(
  "canary requests / failed (30% injected)",
  `${figures.canary_requests} / ${figures.canary_failed}`,
  "",
);
line(
  "failures from stable; canary after recovery",
  `${figures.stable_failed}; ${figures.canary_requests_started_after_recovery}`,
  "",
);
line(
  "requests/s direct -> through proxy",
  `${figures.direct_rps} -> ${figures.proxy_rps} (target >= 8000)`,
  "notes' 30-line proxy: 12330 -> 7342",
);
line(
  "proxy CPU per request (one-core bound)",
  `${figures.proxy_cpu_us_per_request} us (${figures.proxy_rps_one_core_bound} req/s)`,
  "",
);
line(
  "p50 ms, hrtime, interleaved: direct -> proxy",
  `${figures.direct_p50_ms} -> ${figures.proxy_p50_ms} (+${figures.added_p50_ms})`,
  "notes: 1.24 -> 2.90 (+1.66)",
);
line(
  "p99 ms, hrtime, interleaved: direct -> proxy",
  `${figures.direct_p99_ms} -> ${figures.proxy_p99_ms} (+${figures.added_p99_ms})`,
  "notes: 22.9 -> 25.3",
);
line(
  "p50/p99 ms at saturation (50 connections)",
  `direct ${figures.saturated_direct_p50_ms}/${figures.saturated_direct_p99_ms}, proxy ${figures.saturated_proxy_p50_ms}/${figures.saturated_proxy_p99_ms}`,
  "",
);
line(
  "machine",
  `${figures.cores} cores, load ${figures.load_average_1m}`,
  "2 cores shared with the load generator",
);
console.log(JSON.stringify(figures));
