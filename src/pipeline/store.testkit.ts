import type { NewRun } from "./store.js";

/** The time the run store tests start at. */
export const t0 = Date.UTC(2026, 0, 1, 12, 0, 0);

/** A run for a change with everything a store records filled in. */
export function newRun(overrides: Partial<NewRun> = {}): NewRun {
  return {
    project: "checkout",
    trigger: "manual",
    workdir: "/src/checkout",
    change: {
      commit: "a".repeat(40),
      branch: "main",
      author: "Ada",
      authorEmail: "ada@example.com",
      message: "Add healthz\n\nCo-authored-by: Bot <bot@example.com>",
      trailers: { "Co-authored-by": ["Bot <bot@example.com>"] },
    },
    ownerPid: 4242,
    ownerHost: "laptop",
    ...overrides,
  };
}
