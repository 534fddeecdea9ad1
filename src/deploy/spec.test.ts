import { describe, expect, it } from "vitest";
import { effectiveSteps, parseDeploySpec } from "./spec.js";

describe("parseDeploySpec", () => {
  it.each([
    [
      { steps: [{ weight: 120 }] },
      /steps.0.weight: 120 is not a whole percentage/,
    ],
    [{ steps: [{ weight: -1 }] }, /not a whole percentage/],
    [{ steps: [{ weight: 50 }, { weight: 20 }] }, /out of order/],
    [{ steps: [{ analysis: "nope" }] }, /no analysis named "nope"/],
    [
      { strategy: "blue-green", steps: [{ weight: 10 }] },
      /blue-green takes no steps/,
    ],
    [{ steps: [{ pause: { duration: "soon" } }] }, /not a duration/],
    [{ steps: [{ jump: 3 }] }, /steps.0/],
    [
      { steps: [{ weight: 50 }, { pause: "1s" }] },
      /steps.1: a step is \{weight: 0-100\}, \{pause: \{duration: 30s\}\}/,
    ],
    [{ "failure-action": "panic" }, /failure-action/],
    [
      { release: { name: "checkout-api", command: "node server.js" } },
      /^sluice\/deploy release\.name: not read: name the release with the step's `version`/,
    ],
    [
      {
        analysis: {
          a: {
            metrics: [
              { name: "b", provider: { baseline: { pass: 50, marginal: 80 } } },
            ],
          },
        },
      },
      /marginal \(80\) is above pass \(50\)/,
    ],
  ])("refuses %j", (input, message) => {
    expect(() => parseDeploySpec(input)).toThrow(message);
  });

  it("fills in the default analysis and steps", () => {
    const spec = parseDeploySpec({ "kill-flags": ["f"] });
    expect(spec.steps.map((s) => s.kind)).toEqual([
      "weight",
      "analysis",
      "weight",
      "analysis",
      "weight",
    ]);
    expect(
      spec.analysis.default?.metrics.map((m) => [
        m.name,
        m.intervalMs,
        m.minRequests,
      ]),
    ).toEqual([
      ["error-rate", 2000, 10],
      ["latency-p99", 2000, 10],
    ]);
    expect(spec.killFlags).toEqual(["f"]);
  });

  it("reads a pause with and without a duration", () => {
    const spec = parseDeploySpec({
      steps: [{ pause: {} }, { pause: { duration: "1m" } }, { pause: null }],
    });
    expect(spec.steps).toEqual([
      { kind: "pause" },
      { kind: "pause", durationMs: 60_000 },
      { kind: "pause" },
    ]);
  });

  it("turns blue-green into preview, analysis, pause and switch", () => {
    const spec = parseDeploySpec({
      strategy: "blue-green",
      "blue-green": {
        "auto-promote": false,
        "pre-promotion-analysis": "default",
      },
    });
    expect(effectiveSteps(spec)).toEqual([
      { kind: "analysis", template: "default" },
      { kind: "pause" },
      { kind: "weight", weight: 100 },
    ]);
  });
});

describe("durations in the deploy spec (kernel's grammar; a bare number is seconds)", () => {
  it.each([
    ["500ms", 500],
    ["2s", 2000],
    ["1.5s", 1500],
    ["1.5m", 90_000],
    ["1h", 3_600_000],
    ["1h30m", 5_400_000],
    ["30", 30_000],
    [3, 3000],
  ] as const)("pause %j is %d ms", (duration, ms) => {
    const spec = parseDeploySpec({ steps: [{ pause: { duration } }] });
    expect(spec.steps).toEqual([{ kind: "pause", durationMs: ms }]);
  });

  it("reads analysis timeouts, intervals and initial delays the same way", () => {
    const spec = parseDeploySpec({
      analysis: {
        a: {
          metrics: [
            {
              name: "m",
              provider: { http: { url: "http://x/", timeout: "1m30s" } },
              interval: "1.5s",
              "initial-delay": 2,
            },
          ],
        },
      },
    });
    expect(spec.analysis.a?.metrics[0]).toMatchObject({
      provider: { timeoutMs: 90_000 },
      intervalMs: 1500,
      initialDelayMs: 2000,
    });
  });

  it("names the field of a bad duration", () => {
    expect(() =>
      parseDeploySpec({ steps: [{ pause: { duration: "1h-30m" } }] }),
    ).toThrow(
      'sluice/deploy steps.0.pause.duration: "1h-30m" is not a duration such as',
    );
  });
});
