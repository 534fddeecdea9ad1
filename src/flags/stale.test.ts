import { describe, expect, it } from "vitest";
import { auditRows } from "./audit.js";
import { staleFlags } from "./stale.js";
import type { FlagDefinition, FlagSetDocument } from "./types.js";

const day = 86_400_000;
const flag = (metadata?: Record<string, number>): FlagDefinition => ({
  state: "ENABLED",
  variants: { on: true, off: false },
  defaultVariant: "off",
  ...(metadata ? { metadata } : {}),
});

describe("staleFlags", () => {
  const document: FlagSetDocument = {
    flags: {
      done: flag({ "sluice.rolloutCompleteAt": (10 * day) / 1000 }),
      later: flag({ "sluice.rolloutCompleteAt": (40 * day) / 1000 }),
      unused: flag(),
      used: flag(),
      never: flag(),
    },
  };
  const evaluated = new Map([
    ["unused", new Date(5 * day)],
    ["used", new Date(35 * day)],
  ]);
  // Newest first, as the store lists it: `never` was created on day 1, then updated on day 33.
  const audit = [
    { flagKey: "never", createdAt: new Date(33 * day) },
    { flagKey: "never", createdAt: new Date(1 * day) },
  ];

  it.each([
    [
      30 * day,
      [
        ["done", "fully-rolled-out", 10 * day],
        ["unused", "not-evaluated", 5 * day],
        ["never", "not-evaluated", 1 * day],
      ],
    ],
    [4 * day, [["never", "not-evaluated", 1 * day]]],
    [0, []],
  ])("at a cutoff of %d ms names %j", (cutoff, expected) => {
    expect(
      staleFlags(document, evaluated, audit, cutoff).map((s) => [
        s.key,
        s.reason,
        s.since.getTime(),
      ]),
    ).toEqual(expected);
  });
});

describe("auditRows", () => {
  const scope = { project: "shop", environment: "production" };
  const at = new Date(day);
  const who = { actor: "ana", reason: "why" };

  it("writes one row per changed flag, named by what happened to it", () => {
    const before = { flags: { a: flag(), b: flag(), c: flag() } };
    const after = {
      flags: {
        a: flag(),
        b: { ...flag(), state: "DISABLED" as const },
        d: flag(),
      },
    };
    expect(
      auditRows(scope, before, after, undefined, who, at).map((r) => [
        r.flagKey,
        r.action,
        r.changes,
      ]),
    ).toEqual([
      ["b", "update", ["state"]],
      ["c", "delete", []],
      ["d", "create", []],
    ]);
    expect(
      auditRows(scope, before, after, "kill", who, at).map((r) => r.action),
    ).toEqual(["kill", "kill", "kill"]);
    expect(auditRows(scope, before, before, "kill", who, at)).toEqual([]);
  });
});
