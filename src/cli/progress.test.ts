import { describe, expect, it } from "vitest";
import type { Finding } from "../scan/finding.js";
import type { RunDetail } from "../pipeline/index.js";
import { formatRunDetail, formatRunList } from "./progress.js";

const t0 = new Date(Date.UTC(2026, 0, 1, 12));
const run = {
  id: "run_1",
  project: "p",
  status: "failure",
  trigger: "local",
  workdir: "/w",
  commit: null,
  branch: null,
  author: null,
  authorEmail: null,
  message: null,
  trailers: {},
  source: null,
  dirty: false,
  diffHash: null,
  ownerPid: null,
  ownerHost: null,
  reason: null,
  createdAt: t0,
  startedAt: t0,
  finishedAt: new Date(t0.getTime() + 1500),
  jobs: [],
} satisfies RunDetail;

const finding = (
  severity: Finding["severity"],
  path: string,
  line: number,
): Finding => ({
  tool: "secrets",
  ruleId: "github-pat",
  severity,
  message: "GitHub token: ghp_…",
  location: { path, startLine: line },
  fingerprint: `${path}:${line}`,
});

describe("formatRunDetail with findings", () => {
  it.each([
    [[], []],
    [
      [finding("medium", "b.ts", 2), finding("critical", "a.ts", 9)],
      [
        "findings: 2 (1 critical, 1 medium)",
        "  critical  secrets  github-pat  a.ts:9  GitHub token: ghp_…",
        "  medium    secrets  github-pat  b.ts:2  GitHub token: ghp_…",
      ],
    ],
  ])("lists %j most severe first", (findings, expected) => {
    const lines = formatRunDetail(run, findings).split("\n");
    const from = lines.findIndex((l) => l.startsWith("findings:"));
    expect(from === -1 ? [] : lines.slice(from)).toEqual(expected);
  });

  it("shows 50 and counts the rest", () => {
    const many = Array.from({ length: 53 }, (_, i) =>
      finding("low", "x.ts", i + 1),
    );
    const text = formatRunDetail(run, many);
    expect(text).toContain("findings: 53 (53 low)");
    expect(text).toContain("x.ts:50 ");
    expect(text).not.toContain("x.ts:51 ");
    expect(text).toContain("… 3 more: sluice run show run_1 --json");
  });
});

describe("formatRunDetail's change", () => {
  it("shows the subject and body, never the trailers as the change's text", () => {
    const message =
      "Fix the retry loop\n\nIt retried forever.\nNow it stops at 3.\n\nSigned-off-by: Ada <ada@example.com>\nCo-authored-by: Bob <bob@example.com>";
    const text = formatRunDetail({
      ...run,
      commit: "0123456789abcdef",
      branch: "main",
      author: "Ada",
      message,
      trailers: {
        "Signed-off-by": ["Ada <ada@example.com>"],
        "Co-authored-by": ["Bob <bob@example.com>"],
      },
    });
    const lines = text.split("\n");
    expect(lines.slice(2, 5)).toEqual([
      "  change main@01234567 by Ada: Fix the retry loop",
      "    It retried forever.",
      "    Now it stops at 3.",
    ]);
    expect(text).not.toContain("Signed-off-by");
    expect(text).not.toContain("Co-authored-by");
  });

  it("keeps a last paragraph that is not a trailer block", () => {
    const text = formatRunDetail({
      ...run,
      commit: "0123456789abcdef",
      message: "Subject\n\nNote: this is prose,\nnot a trailer block.",
    });
    expect(text).toContain(
      "    Note: this is prose,\n    not a trailer block.",
    );
  });
});

describe("what a run ran", () => {
  it("shows a dirty working-tree run with its diff hash, in run show and runs", () => {
    const dirty = {
      ...run,
      commit: "0123456789abcdef",
      branch: "main",
      source: "working-tree",
      dirty: true,
      diffHash: "sha256:abc123",
    };
    expect(formatRunDetail(dirty)).toContain(
      "  ran the working tree, dirty: uncommitted changes sha256:abc123",
    );
    expect(formatRunList([dirty])).toContain("01234567-dirty");
    const clean = {
      ...dirty,
      source: "checkout",
      dirty: false,
      diffHash: null,
    };
    expect(formatRunDetail(clean)).toContain(
      "  ran a clean checkout of the commit",
    );
    expect(formatRunList([clean])).not.toContain("-dirty");
  });
});
