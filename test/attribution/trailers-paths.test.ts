import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  createDetector,
  parseTrailers,
  readLog,
  splitMessage,
} from "../../src/metrics/index.js";
import type { CommitMeta } from "../../src/metrics/index.js";
import { readGitFacts } from "../../src/pipeline/git-facts.js";

// Issue 11: `sluice run` (pipeline's git facts), the GitHub webhook (the message of the push
// payload) and `import-git` (git log) attributed one commit differently when a trailer was folded
// or written `Key : value`.
const messages = [
  "Add search\n\nBody.\n\nCo-authored-by: Claude\n  <noreply@anthropic.com>",
  "Add filters\n\nAssisted-by : Claude:claude-sonnet-4",
  "Add paging\n\nSome prose here\nmore prose\nand more\nSigned-off-by: Ada <ada@example.com>\nGenerated-by : Copilot",
  "Add cache\n\nCo-authored-by: Ada <ada@example.com>\nNote: a long\n\tnote",
  "Fix typo\n\nSee also: the docs\nCo-authored-by: Claude <noreply@anthropic.com>",
];

const sorted = (pairs: [string, string][]) =>
  pairs.map(([k, v]) => `${k}: ${v}`).sort();

describe("one trailer parser for the three ways a commit arrives", () => {
  it.each(messages)("%j", async (message) => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-trailers-"));
    const git = (...args: string[]) =>
      execFileSync("git", args, { cwd: dir, encoding: "utf8" });
    git("init", "-q");
    writeFileSync(join(dir, "message.txt"), message);
    git(
      "-c",
      "user.name=Ada",
      "-c",
      "user.email=ada@example.com",
      "commit",
      "-q",
      "--allow-empty",
      "--cleanup=verbatim",
      "-F",
      "message.txt",
    );

    // `sluice run`: the pipeline's git facts, turned into pairs as the metrics service does.
    const facts = await readGitFacts(dir);
    const run = Object.entries(facts.trailers).flatMap(([key, values]) =>
      values.map((value): [string, string] => [key, value]),
    );
    // The webhook: the push payload's message, parsed as the GitHub source does.
    const webhook = parseTrailers(facts.message ?? "");
    // `import-git`: git log's record of the commit.
    const [imported] = await readLog(dir, ["HEAD"]);

    expect(sorted(run)).toEqual(sorted(webhook));
    expect(sorted(imported!.trailers)).toEqual(sorted(webhook));
    // And all three read what git itself reads as trailers.
    const gits = git("log", "-1", "--format=%(trailers:only,unfold)")
      .split("\n")
      .filter(Boolean)
      .sort();
    expect(sorted(webhook)).toEqual(gits);

    const detector = createDetector();
    const meta = (trailers: [string, string][]): CommitMeta => ({
      sha: imported!.sha,
      authorName: "Ada",
      authorEmail: "ada@example.com",
      ...splitMessage(message),
      trailers,
    });
    const verdicts = [run, webhook, imported!.trailers].map((t) =>
      detector.change([meta(t)]),
    );
    expect(verdicts[1]).toEqual(verdicts[0]);
    expect(verdicts[2]).toEqual(verdicts[0]);
  });

  it("the folded and `Key : value` trailers are AI markers on every path", () => {
    const detector = createDetector();
    for (const message of messages.slice(0, 2)) {
      const verdict = detector.change([
        {
          sha: "abc",
          authorName: "Ada",
          authorEmail: "ada@example.com",
          ...splitMessage(message),
          trailers: parseTrailers(message),
        },
      ]);
      expect(verdict.cohort).toBe("ai-assisted");
    }
  });
});
