import { Agent, get } from "node:http";
import { join } from "node:path";
import { formatDuration, messageOf } from "../kernel/index.js";
import type { RolloutReport } from "./inspect.js";
import { writeSampleService } from "./sample-service.js";

/** A release of the sample to deploy, as `sluice deploy` sends it to the server. */
interface DemoRelease {
  project: string;
  environment: string;
  version: string;
  /** The sluice/deploy step's `with` (the rollout spec with its `release`). */
  spec: Record<string, unknown>;
}

/** A timeline entry as it happens (`at` in ISO 8601). */
interface DemoProgress {
  at: string;
  event: string;
  weight?: number;
}

export interface DeployDemoOptions {
  /**
   * Deploys a release and drives its rollout until it ends, telling each timeline entry as it
   * happens (the CLI: through the home's server, as `sluice deploy`).
   */
  ship(
    release: DemoRelease,
    onProgress: (entry: DemoProgress) => void,
  ): Promise<RolloutReport>;
  /** Stops what serves the environment (as `sluice deploy stop`). */
  stop(project: string, environment: string): Promise<void>;
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

const ms = (iso: string | null | undefined) =>
  iso ? Date.parse(iso) : Number.NaN;

/**
 * The deploy phase of `sluice demo`: the sample service deployed on the local target, a good
 * release promoted step by step, then a bad one (30% errors) rolled back automatically, all
 * while a load generator runs; prints the timeline. Stops everything it started.
 */
export async function runDeployDemo(
  o: DeployDemoOptions,
): Promise<DeployDemoResult> {
  const server = writeSampleService(join(o.dir, "deploy-service"));
  const project = "sample-service";
  const environment = "demo";
  const progress = (label: string) => (entry: DemoProgress) =>
    o.stderr(
      `  ${label} ${entry.at.slice(11, 23)} ${entry.event}${entry.weight !== undefined ? ` ${entry.weight}%` : ""}`,
    );
  const ship = (version: string, env: Record<string, string> = {}) =>
    o.ship(
      {
        project,
        environment,
        version,
        spec: {
          "proxy-port": 0,
          "kill-flags": ["new-checkout"],
          release: {
            command: `exec node ${server}`,
            env: { VERSION: version, ...env },
            health: "/healthz",
            cwd: join(o.dir, "deploy-service"),
          },
        },
      },
      progress(version),
    );

  const results: RolloutReport[] = [];
  results.push(await ship("v1"));
  try {
    const endpoint = results[0]!.endpoint;
    o.stderr(`  sample service on ${endpoint}; load generator started`);
    const load = startLoad(`${endpoint}/`);
    try {
      results.push(await ship("v2"));
      results.push(await ship("v3-bad", { FAIL_RATE: "0.3" }));
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await load.stop();
    }
    return summarize(o, results, load.seen);
  } finally {
    // Never hides why the demo failed: a rollout left unfinished cannot be stopped.
    await o
      .stop(project, environment)
      .catch((error: unknown) =>
        o.stderr(`  the sample service was not stopped: ${messageOf(error)}`),
      );
  }
}

/** The demo's figures and the timeline it prints. */
function summarize(
  o: Pick<DeployDemoOptions, "stdout">,
  results: RolloutReport[],
  seen: { status: number; version: string }[],
): DeployDemoResult {
  const bad = results[2]!;
  const recovered = bad.timeline.find(
    (t) => t.event === "all traffic on stable",
  );
  // The incident began when the canary first took traffic (its first weight above 0).
  const incident = bad.timeline.find(
    (t) => t.event === "weight" && (t.weight ?? 0) > 0,
  );
  const recoveryMs =
    recovered && incident ? ms(recovered.at) - ms(incident.at) : null;
  const result: DeployDemoResult = {
    phases: results.map((r) => r.phase),
    requests: seen.length,
    failedFromStable: seen.filter(
      (s) => s.status !== 200 && s.version !== "v3-bad",
    ).length,
    failedFromBad: seen.filter(
      (s) => s.status !== 200 && s.version === "v3-bad",
    ).length,
    recoveryMs,
  };
  const t0 = ms(results[0]!.startedAt);
  const lines = [
    "",
    "progressive delivery timeline (seconds since the first deploy):",
    ...results.flatMap((r, i) => [
      `  ${["v1 (first deploy)", "v2 (good)", "v3-bad (30% errors)"][i]}: ${r.phase}${r.aborted ? ` (${r.message})` : ""}`,
      ...r.timeline.map(
        (t) =>
          `    +${((ms(t.at) - t0) / 1000).toFixed(2).padStart(6)}s  ${t.event}${t.weight !== undefined ? ` ${t.weight}%` : ""}`,
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
