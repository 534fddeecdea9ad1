import { describe, expect, it } from "vitest";
import { outcomeExitCode, rolloutOutcome, servingProblem } from "./outcome.js";
import type { RolloutRecord, TargetServing } from "./ports.js";
import { initialStatus } from "./status.js";
import { parseDeploySpec } from "./spec.js";
import type { RolloutStatus } from "./types.js";

function record(status: Partial<RolloutStatus>): RolloutRecord {
  return {
    id: "ro_1",
    deploymentId: "dep_1",
    project: "shop",
    environment: "production",
    spec: parseDeploySpec({}),
    status: {
      ...initialStatus({ release: "r2", stable: "r1", now: 0 }),
      ...status,
    },
    processes: {},
    createdAt: 0,
    updatedAt: 0,
  };
}

const serving = (
  routes: TargetServing["routes"],
  states: TargetServing["states"],
  running = true,
): TargetServing => ({
  running,
  endpoint: "http://127.0.0.1:1",
  routes,
  states,
});

describe("rolloutOutcome", () => {
  it.each([
    [{ phase: "Healthy" as const }, null, "promoted", 0],
    [{ phase: "Paused" as const }, null, "paused", 3],
    [{ phase: "Progressing" as const }, null, "progressing", 0],
    [
      { phase: "Degraded" as const, aborted: true },
      "rolled_back",
      "aborted",
      4,
    ],
    [{ phase: "Degraded" as const, aborted: true }, "failed", "failed", 1],
    // failure action pause: the canary failed, the rollout waits for a person
    [{ phase: "Degraded" as const, aborted: false }, null, "paused", 3],
  ] as const)(
    "%o with a deployment %s is %s (exit %d)",
    (status, deployment, outcome, code) => {
      const o = rolloutOutcome(
        record(status),
        deployment ? { status: deployment } : null,
      );
      expect(o).toBe(outcome);
      expect(outcomeExitCode[o]).toBe(code);
    },
  );
});

describe("servingProblem", () => {
  const healthy = record({ phase: "Healthy", stable: "r2" });
  const names = { r1: null, r2: null };

  it("is null when the proxy routes to a ready stable", () => {
    expect(
      servingProblem(
        healthy,
        serving({ stable: "r2", canary: null, weight: 0 }, { r2: "ready" }),
        names,
      ),
    ).toBeNull();
  });

  it("says so when the proxy routes nowhere (a daemon that lost its state)", () => {
    expect(
      servingProblem(
        healthy,
        serving({ stable: null, canary: null, weight: 0 }, {}),
        names,
      ),
    ).toBe("the proxy routes to no release");
  });

  it("says so when nothing runs (stopped)", () => {
    expect(
      servingProblem(
        healthy,
        serving({ stable: null, canary: null, weight: 0 }, {}, false),
        names,
      ),
    ).toMatch(/^nothing runs \(stopped, or never started\)/);
  });

  it("says so when stable is not ready", () => {
    expect(
      servingProblem(
        healthy,
        serving({ stable: "r2", canary: null, weight: 0 }, { r2: "failed" }),
        names,
      ),
    ).toBe("stable r2 is failed");
  });

  it("checks the canary's share while the rollout runs", () => {
    const paused = record({
      phase: "Paused",
      weight: 40,
      canary: { release: "r2", state: "ready" },
    });
    const states = { r1: "ready", r2: "ready" } as const;
    expect(
      servingProblem(
        paused,
        serving({ stable: "r1", canary: "r2", weight: 40 }, states),
        names,
      ),
    ).toBeNull();
    expect(
      servingProblem(
        paused,
        serving({ stable: "r1", canary: null, weight: 0 }, states),
        names,
      ),
    ).toBe("canary r2 takes 0 % instead of 40 %");
  });

  it("expects nothing of a first deployment that was aborted", () => {
    const first = record({ phase: "Degraded", aborted: true, stable: null });
    expect(
      servingProblem(
        first,
        serving({ stable: null, canary: null, weight: 0 }, {}),
        names,
      ),
    ).toBeNull();
  });
});
