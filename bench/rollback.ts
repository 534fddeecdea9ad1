// bench/rollback: (1) time from the first request served by a bad canary (30% errors) to 100% of
// traffic back on stable, with the default analysis; (2) the local proxy's overhead: requests per
// second and p50/p99 latency through the proxy against the service directly, in one run
// (autocannon). Prints our figures beside the peers', then one JSON line.
import { Agent, get } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
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
import { createDeployStore } from "../src/store/deploy-store.js";
import { openDatabase } from "../src/store/open.js";

/** The part of autocannon's result we read (the package ships no types). */
interface CannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  errors: number;
  non2xx: number;
}
const autocannon = createRequire(import.meta.url)("autocannon") as (
  options: {
    url: string;
    connections: number;
    duration: number;
    overallRate?: number;
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
const cannon = (url: string, rate?: number) =>
  new Promise<CannonResult>((resolve, reject) =>
    autocannon(
      {
        url,
        connections: rate ? 10 : 50,
        duration: rate ? 5 : 8,
        ...(rate ? { overallRate: rate } : {}),
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    ),
  );
// Throughput at saturation (50 connections), then latency at a fixed 2,000 req/s, where the
// added latency is the proxy's own and not queueing behind a saturated core.
const direct = await cannon(`http://127.0.0.1:${stablePort}/`);
const proxied = await cannon(`${endpoint}/`);
const directPaced = await cannon(`http://127.0.0.1:${stablePort}/`, 2_000);
const proxiedPaced = await cannon(`${endpoint}/`, 2_000);

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
  direct_p50_ms: directPaced.latency.p50,
  proxy_p50_ms: proxiedPaced.latency.p50,
  added_p50_ms: Number(
    (proxiedPaced.latency.p50 - directPaced.latency.p50).toFixed(2),
  ),
  added_p50_target_ms: 1,
  direct_p99_ms: directPaced.latency.p99,
  proxy_p99_ms: proxiedPaced.latency.p99,
  added_p99_ms: Number(
    (proxiedPaced.latency.p99 - directPaced.latency.p99).toFixed(2),
  ),
  saturated_direct_p50_ms: direct.latency.p50,
  saturated_proxy_p50_ms: proxied.latency.p50,
  saturated_direct_p99_ms: direct.latency.p99,
  saturated_proxy_p99_ms: proxied.latency.p99,
  proxy_errors:
    proxied.errors + proxied.non2xx + proxiedPaced.errors + proxiedPaced.non2xx,
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
  "p50 ms at 2,000 req/s: direct -> proxy (added)",
  `${figures.direct_p50_ms} -> ${figures.proxy_p50_ms} (+${figures.added_p50_ms})`,
  "notes: 1.24 -> 2.90 (+1.66)",
);
line(
  "p99 ms at 2,000 req/s: direct -> proxy (added)",
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
