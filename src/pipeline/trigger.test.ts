import { describe, expect, it } from "vitest";
import type { SluiceConfig } from "../config/index.js";
import type { TriggerFacts } from "./ports.js";
import { matchTrigger } from "./trigger.js";

const on: SluiceConfig["on"] = {
  push: {
    branches: ["main", "release/**", "!release/old"],
    paths: ["src/**", "!src/**/*.md"],
  },
  pull_request: {},
};

describe("matchTrigger", () => {
  it.each<[TriggerFacts, boolean, string]>([
    [{ event: "push", branch: "main" }, true, "a push that matches `on:`"],
    [
      { event: "push", branch: "release/1.2" },
      true,
      "a push that matches `on:`",
    ],
    [
      { event: "push", branch: "release/old" },
      false,
      "branch release/old is not in on.push.branches",
    ],
    [
      { event: "push", branch: "feature/x" },
      false,
      "branch feature/x is not in on.push.branches",
    ],
    [
      { event: "push", branch: "main", changedPaths: ["src/a.ts"] },
      true,
      "a push that matches `on:`",
    ],
    [
      {
        event: "push",
        branch: "main",
        changedPaths: ["docs/a.md", "src/x/readme.md"],
      },
      false,
      "no changed path is in on.push.paths",
    ],
    [
      { event: "pull_request", branch: "anything" },
      true,
      "a pull_request that matches `on:`",
    ],
    [{ event: "schedule" }, false, "`on:` has no schedule"],
    [{ event: "manual" }, true, "a manual run"],
  ])("%j → %s", (facts, runs, reason) => {
    expect(matchTrigger(on, facts)).toEqual({ runs, reason });
  });

  it("runs everything without an on: block, and nothing for an event it does not name", () => {
    expect(matchTrigger(undefined, { event: "push", branch: "x" }).runs).toBe(
      true,
    );
    expect(
      matchTrigger({ pull_request: {} }, { event: "push", branch: "main" }),
    ).toEqual({ runs: false, reason: "`on:` has no push" });
  });
});
