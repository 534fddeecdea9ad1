import { Agent, get } from "node:http";
import { join } from "node:path";
import { formatDuration } from "../kernel/index.js";
import type { RolloutRecord } from "./ports.js";
import { writeSampleService } from "./sample-service.js";
import type { DeployService } from "./service.js";
import { parseDeploySpec } from "./spec.js";
import type { LocalTarget } from "./targets/local/client.js";

export interface DeployDemoOptions {
  deploy: DeployService;
  /** The demo's folder; the sample service goes into `deploy-service/` under it. */
  dir: string;
  stdout(line: string): void;
  stderr(line: string): void;
}

/** What the demo's rollouts ended as, for callers and tests. */
export interface DeployDemoResult {
  phases: string[];
  requests: number;
  failedFromStable: number;
  failedFromBad: number;
  recoveryMs: number | null;
}

/**
 * The deploy phase of `sluice demo`: the sample service deployed on the local target, a good
 * release promoted step by step, then a bad one (30% errors) rolled back automatically, all
 * while a load generator runs; prints the timeline. Stops everything it started.
 */
export async function runDeployDemo(
  o: DeployDemoOptions,
): Promise<DeployDemoResult> {
  const server = writeSampleService(join(o.dir, "deploy-service"));
  const spec = parseDeploySpec({
    "proxy-port": 0,
    "kill-flags": ["new-checkout"],
  });
  const project = "sample-service";
  const environment = "demo";
  const release = (version: string, env: Record<string, string> = {}) => ({
    command: `exec node ${server}`,
    env: { VERSION: version, ...env },
    health: "/healthz",
  });
  const progress =
    (label: string) =>
    (entry: { at: number; event: string; weight?: number; detail?: string }) =>
      o.stderr(
        `  ${label} ${new Date(entry.at).toISOString().slice(11, 23)} ${entry.event}${entry.weight !== undefined ? ` ${entry.weight}%` : ""}`,
      );
  const ship = async (
    version: string,
    env: Record<string, string> = {},
  ): Promise<RolloutRecord> => {
    const record = await o.deploy.deploy({
      project,
      environment,
      spec,
      version,
      release: release(version, env),
    });
    return o.deploy.drive(record.id, { onProgress: progress(version) });
  };

  const results: RolloutRecord[] = [];
  results.push(await ship("v1"));
  const target = o.deploy.target(results[0]!) as LocalTarget;
  const endpoint = await target.endpoint();
  o.stderr(`  sample service on ${endpoint}; load generator started`);
  const load = startLoad(`${endpoint}/`);
  try {
    results.push(await ship("v2"));
    results.push(await ship("v3-bad", { FAIL_RATE: "0.3" }));
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    await load.stop();
    await target.shutdown();
  }

  const bad = results[2]!;
  const recovered = bad.status.timeline.find(
    (t) => t.event === "all traffic on stable",
  );
  const incident = bad.status.canaryTrafficSince;
  const recoveryMs =
    recovered && incident !== undefined ? recovered.at - incident : null;
  const seen = load.seen;
  const result: DeployDemoResult = {
    phases: results.map((r) => r.status.phase),
    requests: seen.length,
    failedFromStable: seen.filter(
      (s) => s.status !== 200 && s.version !== "v3-bad",
    ).length,
    failedFromBad: seen.filter(
      (s) => s.status !== 200 && s.version === "v3-bad",
    ).length,
    recoveryMs,
  };
  const t0 = results[0]!.status.startedAt;
  const lines = [
    "",
    "progressive delivery timeline (seconds since the first deploy):",
    ...results.flatMap((r, i) => [
      `  ${["v1 (first deploy)", "v2 (good)", "v3-bad (30% errors)"][i]}: ${r.status.phase}${r.status.aborted ? ` (${r.status.message})` : ""}`,
      ...r.status.timeline.map(
        (t) =>
          `    +${((t.at - t0) / 1000).toFixed(2).padStart(6)}s  ${t.event}${t.weight !== undefined ? ` ${t.weight}%` : ""}`,
      ),
    ]),
    `load generator: ${result.requests} requests, ${result.failedFromStable} failed from stable, ${result.failedFromBad} failed from the bad canary`,
    ...(recoveryMs !== null
      ? [
          `incident opened and resolved automatically: recovery in ${formatDuration(recoveryMs)}`,
        ]
      : []),
  ];
  for (const line of lines) o.stdout(line);
  return result;
}

function startLoad(url: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const seen: { status: number; version: string }[] = [];
  let running = true;
  const loops = Array.from({ length: 4 }, async () => {
    while (running) {
      await new Promise<void>((resolve) => {
        get(url, { agent }, (res) => {
          res.resume();
          res.on("end", () => {
            seen.push({
              status: res.statusCode ?? 0,
              version: String(res.headers["x-version"] ?? ""),
            });
            resolve();
          });
        }).on("error", () => {
          seen.push({ status: 0, version: "" });
          resolve();
        });
      });
      await new Promise((r) => setTimeout(r, 5));
    }
  });
  return {
    seen,
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}
