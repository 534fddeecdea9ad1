import { describe, expect, it } from "vitest";
import type { CommitMeta } from "./detect.js";
import { createDetector, parseTrailers, splitMessage } from "./detect.js";
import { AttributionRule } from "./rules.js";

const detector = createDetector();

function meta(
  message: string,
  author = "Ada Lovelace <ada@example.com>",
  committer?: string,
): CommitMeta {
  const [, authorName = "", authorEmail = ""] =
    /^(.*) <(.*)>$/.exec(author) ?? [];
  const [, committerName, committerEmail] = committer
    ? (/^(.*) <(.*)>$/.exec(committer) ?? [])
    : [];
  const { subject, body } = splitMessage(message);
  return {
    sha: "abc",
    authorName,
    authorEmail,
    committerName,
    committerEmail,
    subject,
    body,
    trailers: parseTrailers(message),
  };
}

describe("AI attribution of a commit", () => {
  const cases: {
    name: string;
    commit: CommitMeta;
    rules: string[];
    model?: string;
  }[] = [
    {
      name: "Claude Code co-author trailer and its Generated-with line",
      commit: meta(
        "Add cache\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude <noreply@anthropic.com>",
      ),
      rules: ["claude-code-coauthor", "claude-code-generated"],
    },
    {
      name: "Claude Code with the model in the co-author name",
      commit: meta(
        "Fix\n\nCo-Authored-By: Claude Opus 4.6 (1M context) <noreply@anthropic.com>",
      ),
      rules: ["claude-code-coauthor"],
      model: "Claude Opus 4.6 (1M context)",
    },
    {
      name: "older claude.ai/code link",
      commit: meta(
        "Fix\n\nGenerated with [Claude Code](https://claude.ai/code)",
      ),
      rules: ["claude-code-generated"],
    },
    {
      name: "Copilot coding agent as author",
      commit: meta(
        "Fix flaky test",
        "Copilot <198982749+Copilot@users.noreply.github.com>",
      ),
      rules: ["copilot-agent"],
    },
    {
      name: "Copilot CLI co-author",
      commit: meta(
        "Tidy\n\nCo-authored-by: Copilot <223556219+Copilot@users.noreply.github.com>",
      ),
      rules: ["copilot-cli"],
    },
    {
      name: "Cursor agent co-author",
      commit: meta(
        "Refactor\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>",
      ),
      rules: ["cursor-agent"],
    },
    {
      name: "Aider author suffix, committer suffix and subject prefix",
      commit: meta(
        "aider: add retries",
        "Ada Lovelace (aider) <ada@example.com>",
        "Ada Lovelace (aider) <ada@example.com>",
      ),
      rules: ["aider-author", "aider-subject"],
    },
    {
      name: "Aider co-author trailer names the model",
      commit: meta("Add\n\nCo-authored-by: aider (gpt-4o) <aider@aider.chat>"),
      rules: ["aider-coauthor"],
      model: "gpt-4o",
    },
    {
      name: "Devin bot author",
      commit: meta(
        "Bump",
        "devin-ai-integration[bot] <158243242+devin-ai-integration[bot]@users.noreply.github.com>",
      ),
      rules: ["devin-bot"],
    },
    {
      name: "Jules bot author",
      commit: meta(
        "Docs",
        "google-labs-jules[bot] <161369871+google-labs-jules[bot]@users.noreply.github.com>",
      ),
      rules: ["jules-bot"],
    },
    {
      name: "Amp co-author and thread trailer",
      commit: meta(
        "Amp change\n\nCo-authored-by: Amp <amp@ampcode.com>\nAmp-Thread-ID: https://ampcode.com/threads/T-1",
      ),
      rules: ["amp-coauthor", "amp-thread"],
    },
    {
      name: "Codex CLI co-author",
      commit: meta("Port\n\nCo-authored-by: Codex <noreply@openai.com>"),
      rules: ["codex-coauthor"],
    },
    {
      name: "Assisted-by trailer (kernel convention) names the model",
      commit: meta(
        "mm: fix\n\nAssisted-by: claude:claude-3-opus coccinelle\nSigned-off-by: Ada <ada@example.com>",
      ),
      rules: ["assisted-by"],
      model: "claude-3-opus",
    },
    {
      name: "Generated-by trailer (ASF)",
      commit: meta("Add\n\nGenerated-by: GitHub Copilot"),
      rules: ["generated-by"],
    },
    // Never on names or words:
    {
      name: "a person called Claude is not Claude Code",
      commit: meta(
        "Fix\n\nCo-authored-by: Claude Martin <claude@example.com>",
        "Claude Shannon <claude@example.org>",
      ),
      rules: [],
    },
    {
      name: "people called Devin and Jules are not agents",
      commit: meta(
        "Pair\n\nCo-authored-by: Jules Verne <jules@example.org>",
        "Devin Smith <devin@example.com>",
      ),
      rules: [],
    },
    {
      name: "the words cursor, codex and amp in a message mark nothing",
      commit: meta("Move the cursor; codex docs; amp up logging"),
      rules: [],
    },
    {
      name: "a Copilot login with another id is not the Copilot bot",
      commit: meta("x", "Copilot <12345+Copilot@users.noreply.github.com>"),
      rules: [],
    },
    {
      name: "a trailer-looking line in the middle of the body is not a trailer",
      commit: meta("Fix\n\nAssisted-by: nobody\nthis is prose\n\nthe end"),
      rules: [],
    },
  ];
  it.each(cases)("$name", (c) => {
    const markers = detector.commit(c.commit);
    expect(markers.map((m) => m.rule).sort()).toEqual([...c.rules].sort());
    if (c.model) expect(markers.map((m) => m.model)).toContain(c.model);
  });
});

describe("attribution of a change", () => {
  const plain = meta("Plain commit");
  it("unions markers over a pull request's commits, body and branch", () => {
    const result = detector.change(
      [plain, meta("Fix\n\nCo-authored-by: Codex <noreply@openai.com>")],
      {
        branch: "codex/fix-login-1a2b",
        body: "Made with [Cursor](https://cursor.com)",
      },
    );
    expect(result.cohort).toBe("ai-assisted");
    expect(result.markers.map((m) => [m.rule, m.field]).sort()).toEqual([
      ["branch-codex", "branch"],
      ["codex-coauthor", "trailer"],
      ["cursor-pr-body", "pr-body"],
    ]);
  });
  it("calls a change without markers unmarked, never human", () => {
    expect(detector.change([plain], { branch: "feature/x" })).toEqual({
      cohort: "unmarked",
      markers: [],
    });
  });
  it("takes extra rules from config", () => {
    const rule = AttributionRule.parse({
      id: "inhouse-bot",
      tool: "In-house agent",
      email: "agent@corp.example",
    });
    const custom = createDetector([rule]);
    const c = meta("x", "Agent <AGENT@corp.example>");
    expect(custom.commit(c).map((m) => m.rule)).toEqual(["inhouse-bot"]);
    expect(detector.commit(c)).toEqual([]);
  });
  it("refuses a rule that would match on a name or has no matcher", () => {
    expect(
      AttributionRule.safeParse({ id: "x", tool: "X", authorSuffix: "Claude" })
        .success,
    ).toBe(false);
    expect(AttributionRule.safeParse({ id: "x", tool: "X" }).success).toBe(
      false,
    );
    expect(
      AttributionRule.safeParse({ id: "x", tool: "X", email: "Claude" })
        .success,
    ).toBe(false);
  });
});
