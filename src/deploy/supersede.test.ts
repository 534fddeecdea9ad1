import { describe, expect, it } from "vitest";
import { initialStatus } from "./status.js";
import { supersedeRefusal } from "./supersede.js";
import type { RolloutRecord } from "./ports.js";
import type { RolloutStatus } from "./types.js";

const at = Date.UTC(2026, 0, 5, 9);

function rollout(status: Partial<RolloutStatus>): RolloutRecord {
  return {
    id: "ro_1",
    deploymentId: "dep_1",
    project: "shop",
    environment: "staging",
    spec: {} as RolloutRecord["spec"],
    status: {
      ...initialStatus({ release: "rel_2", stable: "rel_1", now: at }),
      ...status,
    },
    processes: {},
    createdAt: at,
    updatedAt: at,
  };
}

describe("which unfinished rollout a new deployment supersedes (ADR 076)", () => {
  it.each([
    [
      "a pause without an end",
      { phase: "Paused", pause: { reason: "Inconclusive", since: at } },
    ],
    [
      "failure action pause (Degraded, not aborted)",
      {
        phase: "Degraded",
        aborted: false,
        pause: { reason: "AnalysisFailed", since: at },
      },
    ],
  ] as const)("supersedes %s", (_, status) => {
    expect(supersedeRefusal(rollout(status), false)).toBeNull();
  });

  it.each([
    ["progressing", { phase: "Progressing" }, false, "is still Progressing"],
    [
      "in a pause with an end",
      {
        phase: "Paused",
        pause: { reason: "PauseStep", since: at, until: at + 60_000 },
      },
      false,
      "is Paused until 2026-01-05T09:01:00.000Z",
    ],
    [
      "driven by this process",
      { phase: "Paused", pause: { reason: "Inconclusive", since: at } },
      true,
      "is being driven right now (Paused)",
    ],
  ] as const)("refuses one %s", (_, status, driven, why) => {
    expect(supersedeRefusal(rollout(status), driven)).toBe(
      `rollout ro_1 in staging ${why}: wait until it ends or waits for a person, or run \`sluice rollout abort\` first`,
    );
  });
});
