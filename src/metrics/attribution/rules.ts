import { z } from "zod";

/**
 * One attribution rule. Rules match addresses, bot ids, trailers and fixed message lines, never
 * names: "Claude", "Devin" and "Jules" are people's names, and "cursor" or "amp" ordinary words.
 * The built-in table below uses the same shape users write in config.
 */
export const AttributionRule = z
  .strictObject({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, "a lower-case id such as my-agent"),
    tool: z.string().min(1),
    /** A full address on the author, committer or a `Co-authored-by` trailer (case-insensitive). */
    email: z
      .string()
      .regex(/^[^@\s]+@[^@\s]+$/, "a full e-mail address")
      .optional(),
    /** Every address at this domain (only for domains that belong to the tool). */
    emailDomain: z
      .string()
      .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, "a domain such as ampcode.com")
      .optional(),
    /** A trailer key that marks the change whatever its value (`Assisted-by`). */
    trailer: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/, "a trailer key such as Assisted-by")
      .optional(),
    /** A regular expression over the commit message body or the PR body. */
    body: z.string().min(4).optional(),
    /** A parenthesised suffix of the author or committer name, e.g. `(aider)`. */
    authorSuffix: z
      .string()
      .regex(/^\(.+\)$/, "a parenthesised suffix such as (aider)")
      .optional(),
    /** A prefix of the subject line, e.g. `aider: `. */
    subjectPrefix: z.string().min(3).optional(),
    /** A prefix of the pull request's head branch, e.g. `codex/`. */
    branchPrefix: z
      .string()
      .regex(/\/$/, "a branch prefix ending in /")
      .optional(),
  })
  .refine(
    (r) =>
      [
        r.email,
        r.emailDomain,
        r.trailer,
        r.body,
        r.authorSuffix,
        r.subjectPrefix,
        r.branchPrefix,
      ].some((m) => m !== undefined),
    {
      message:
        "a rule with at least one matcher (email, emailDomain, trailer, body, authorSuffix, subjectPrefix, branchPrefix)",
    },
  );
export type AttributionRule = z.infer<typeof AttributionRule>;

/** The `metrics.attribution` config section: extra rules added to the built-in table. */
export const AttributionConfig = z.strictObject({
  rules: z.array(AttributionRule).default([]),
});
export type AttributionConfig = z.infer<typeof AttributionConfig>;

const gh = (id: number, login: string) =>
  `${id}+${login}@users.noreply.github.com`;

/** Markers of AI tools in git history (sources: ../shared/notes/metrics.md §6). */
export const builtinRules: readonly AttributionRule[] = [
  // Claude Code
  {
    id: "claude-code-coauthor",
    tool: "Claude Code",
    email: "noreply@anthropic.com",
  },
  {
    id: "claude-app-coauthor",
    tool: "Claude Code",
    email: "no-reply@anthropic.com",
  },
  {
    id: "claude-code-generated",
    tool: "Claude Code",
    body: String.raw`Generated with \[?Claude Code\]?(\(https://claude\.(ai|com)/[^)]*\))?`,
  },
  { id: "claude-code-session", tool: "Claude Code", trailer: "Claude-Session" },
  {
    id: "claude-bot",
    tool: "Claude Code",
    email: gh(209825114, "claude[bot]"),
  },
  // GitHub Copilot
  {
    id: "copilot-agent",
    tool: "GitHub Copilot agent",
    email: gh(198982749, "Copilot"),
  },
  {
    id: "copilot-cli",
    tool: "GitHub Copilot CLI",
    email: gh(223556219, "Copilot"),
  },
  {
    id: "copilot-other",
    tool: "GitHub Copilot",
    email: gh(175728472, "Copilot"),
  },
  {
    id: "copilot-coauthor",
    tool: "GitHub Copilot",
    email: "copilot@github.com",
  },
  {
    id: "copilot-agent-logs",
    tool: "GitHub Copilot agent",
    trailer: "Agent-Logs-Url",
  },
  // Cursor
  { id: "cursor-agent", tool: "Cursor", email: "cursoragent@cursor.com" },
  {
    id: "cursor-pr-body",
    tool: "Cursor",
    body: String.raw`Made with \[Cursor\]\(https://cursor\.com`,
  },
  // Aider
  { id: "aider-author", tool: "Aider", authorSuffix: "(aider)" },
  { id: "aider-subject", tool: "Aider", subjectPrefix: "aider: " },
  { id: "aider-coauthor", tool: "Aider", emailDomain: "aider.chat" },
  { id: "aider-coauthor-dev", tool: "Aider", emailDomain: "aider.dev" },
  // Devin
  {
    id: "devin-bot",
    tool: "Devin",
    email: gh(158243242, "devin-ai-integration[bot]"),
  },
  {
    id: "devin-generated",
    tool: "Devin",
    body: String.raw`Generated with \[Devin\]\(https://devin\.ai`,
  },
  // Jules
  {
    id: "jules-bot",
    tool: "Jules",
    email: gh(161369871, "google-labs-jules[bot]"),
  },
  // Amp
  { id: "amp-coauthor", tool: "Amp", emailDomain: "ampcode.com" },
  { id: "amp-thread", tool: "Amp", trailer: "Amp-Thread-ID" },
  // OpenAI Codex
  { id: "codex-coauthor", tool: "Codex", email: "noreply@openai.com" },
  { id: "codex-address", tool: "Codex", email: "codex@openai.com" },
  {
    id: "codex-connector-bot",
    tool: "Codex",
    email: gh(199175422, "chatgpt-codex-connector[bot]"),
  },
  { id: "codex-bot", tool: "Codex", email: gh(215057067, "openai-codex[bot]") },
  // Others with stable addresses or trailers
  {
    id: "amazon-q-bot",
    tool: "Amazon Q Developer",
    email: gh(208079219, "amazon-q-developer[bot]"),
  },
  { id: "replit-agent", tool: "Replit Agent", trailer: "Replit-Commit-Author" },
  { id: "opencode-coauthor", tool: "OpenCode", email: "noreply@opencode.ai" },
  { id: "cline-bot", tool: "Cline", email: gh(205137888, "cline[bot]") },
  // Disclosure conventions (Linux kernel, Fedora, FluxCD; ASF)
  { id: "assisted-by", tool: "Assisted-by trailer", trailer: "Assisted-by" },
  { id: "generated-by", tool: "Generated-by trailer", trailer: "Generated-by" },
  // Agent branches of pull requests
  ...(
    [
      "codex/",
      "claude/",
      "copilot/",
      "cursor/",
      "devin/",
      "cline/",
      "aider/",
      "gemini/",
    ] as const
  ).map((prefix) => ({
    id: `branch-${prefix.slice(0, -1)}`,
    tool: `${prefix.slice(0, -1)} agent branch`,
    branchPrefix: prefix,
  })),
];
