import type { ReleaseRecord, TargetRoutes } from "../../src/deploy/ports.js";

/**
 * A deploy target (an external system) whose releases are ready once started: it keeps the
 * routes it was given and which releases run.
 */
export function memoryTarget() {
  const running = new Set<string>();
  let routes: TargetRoutes = { stable: null, canary: null, weight: 0 };
  const recovering: (() => void)[] = [];
  const idle = async () => {};
  const target = {
    startRelease: async (release: ReleaseRecord) =>
      void running.add(release.id),
    releaseState: async (id: string) => ({
      state: running.has(id) ? ("ready" as const) : ("stopped" as const),
      pid: null,
      port: null,
      restarts: 0,
    }),
    setRoutes: async (r: TargetRoutes) => void (routes = r),
    stopRelease: async (id: string) => void running.delete(id),
    recover: async (release: ReleaseRecord) => {
      recovering.splice(0).forEach((told) => told());
      running.add(release.id);
      return "running" as const;
    },
    endpoint: async () => "http://127.0.0.1:0",
    serving: async () => ({
      running: running.size > 0,
      endpoint: "",
      routes,
      states: {},
    }),
    shutdown: async () => false,
    close: idle,
    window: async () => ({ requests: 0, errors: 0, latencies: [] }),
  };
  return {
    target,
    running,
    routes: () => routes,
    /** Settles when a driver next recovers the releases (it holds the rollout by then). */
    recovered: () => new Promise<void>((told) => void recovering.push(told)),
  };
}
