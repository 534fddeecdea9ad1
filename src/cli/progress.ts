import { withoutTrailers } from "../kernel/index.js";
import type { Finding } from "../scan/finding.js";
import type { RunDetail, RunRow } from "../pipeline/index.js";

const marks: Record<string, string> = {
  success: "✓",
  failure: "✗",
  skipped: "○",
  cancelled: "■",
  held: "⏸",
  interrupted: "!",
  running: "▸",
  queued: "…",
  pending: "·",
};

/** `1.2s`, `3m04s`, or `-` when a time is missing. */
export function duration(
  start: Date | null | undefined,
  end: Date | null | undefined,
): string {
  if (!start || !end) return "-";
  const ms = end.getTime() - start.getTime();
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

function pad(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) =>
    Math.max(...rows.map((row) => (row[i] ?? "").length)),
  );
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd(),
  );
}

/** The table `sluice runs` prints, newest first. */
export function formatRunList(runs: RunRow[]): string {
  if (runs.length === 0) return "no runs yet: `sluice run` starts one";
  const rows = [
    ["RUN", "STATUS", "PROJECT", "BRANCH", "COMMIT", "CREATED", "DURATION"],
    ...runs.map((run) => [
      run.id,
      run.status,
      run.project,
      run.branch ?? "-",
      // As `git describe --dirty`: the run ran uncommitted changes on top of the commit.
      `${run.commit?.slice(0, 8) ?? "-"}${run.dirty ? "-dirty" : ""}`,
      run.createdAt.toISOString().replace("T", " ").slice(0, 19),
      duration(run.startedAt, run.finishedAt),
    ]),
  ];
  return pad(rows).join("\n");
}

/** What the run ran, in words (runs recorded before sources were recorded say nothing). */
function sourceLine(run: RunRow): string | undefined {
  switch (run.source) {
    case "checkout":
      return "ran a clean checkout of the commit";
    case "working-tree":
      return run.dirty
        ? `ran the working tree, dirty: uncommitted changes ${run.diffHash ?? ""}`.trimEnd()
        : "ran the working tree (no uncommitted changes)";
    case "folder":
      return "ran the folder as it is (not in a git repository)";
    default:
      return undefined;
  }
}

/** Lines of a commit message's body `sluice run show` prints. */
const bodyShown = 12;

/** Findings `sluice run show` lists; the rest are counted (all of them are in `--json`). */
const findingsShown = 50;

/**
 * What `sluice run show` prints: the run, its change, each job with its steps, then what its scan
 * steps found (most severe first; secrets are already redacted in findings).
 */
export function formatRunDetail(
  run: RunDetail,
  findings: readonly Finding[] = [],
): string {
  // Trailers (Signed-off-by, Co-authored-by) are not the change's text; `--json` has them.
  const [subject, ...body] = withoutTrailers(run.message ?? "").split("\n");
  const lines = [
    `run ${run.id}  ${run.status}  ${duration(run.startedAt, run.finishedAt)}`,
    `  project ${run.project}  trigger ${run.trigger}  in ${run.workdir}`,
  ];
  if (run.commit) {
    lines.push(
      `  change ${run.branch ?? "(detached)"}@${run.commit.slice(0, 8)}${
        run.author ? ` by ${run.author}` : ""
      }${subject ? `: ${subject}` : ""}`,
    );
  }
  const bodyText = body.join("\n").trim();
  const text = bodyText === "" ? [] : bodyText.split("\n");
  if (run.commit && text.length > 0) {
    for (const line of text.slice(0, bodyShown)) lines.push(`    ${line}`);
    if (text.length > bodyShown)
      lines.push(`    … ${text.length - bodyShown} more lines`);
  }
  const source = sourceLine(run);
  if (source) lines.push(`  ${source}`);
  if (run.reason) lines.push(`  reason: ${run.reason}`);
  const rows: string[][] = [];
  for (const job of run.jobs) {
    rows.push([
      `${marks[job.status] ?? "?"} ${job.key}`,
      job.status,
      duration(job.startedAt, job.finishedAt),
      job.infraRetries > 0 ? `requeued ${job.infraRetries}x` : "",
      job.reason ?? "",
    ]);
    for (const step of job.steps) {
      rows.push([
        `    ${marks[step.status] ?? "?"} ${step.name}`,
        step.status,
        duration(step.startedAt, step.finishedAt),
        step.exitCode === null ? "" : `exit ${step.exitCode}`,
        [
          step.cache ? `cache ${step.cache}` : "",
          step.attempts > 1 ? `${step.attempts} attempts` : "",
          step.warnings.length > 0
            ? `${step.warnings.length} warning${step.warnings.length === 1 ? "" : "s"}`
            : "",
        ]
          .filter(Boolean)
          .join(", "),
      ]);
    }
  }
  if (rows.length > 0) lines.push("", ...pad(rows));
  const warnings = runWarnings(run);
  if (warnings.length > 0) {
    lines.push(
      "",
      `warnings: ${warnings.length}`,
      ...warnings.map((w) => `  ${w}`),
    );
  }
  if (findings.length > 0) lines.push("", ...formatFindings(run.id, findings));
  return lines.join("\n");
}

/** Each step warning of a run as `job › step: warning`, in plan order. */
export function runWarnings(run: RunDetail): string[] {
  return run.jobs.flatMap((job) =>
    job.steps.flatMap((step) =>
      step.warnings.map((w) => `${job.key} › ${step.name}: ${w}`),
    ),
  );
}

const severityOrder = ["critical", "high", "medium", "low", "info"];

function formatFindings(runId: string, findings: readonly Finding[]): string[] {
  const sorted = [...findings].sort(
    (a, b) =>
      severityOrder.indexOf(a.severity) - severityOrder.indexOf(b.severity) ||
      a.location.path.localeCompare(b.location.path) ||
      a.location.startLine - b.location.startLine,
  );
  const counts = severityOrder
    .map((severity) => [
      severity,
      findings.filter((f) => f.severity === severity).length,
    ])
    .filter(([, n]) => n)
    .map(([severity, n]) => `${n} ${severity}`);
  const rows = sorted
    .slice(0, findingsShown)
    .map((f) => [
      `  ${f.severity}`,
      f.tool,
      f.ruleId,
      `${f.location.path}:${f.location.startLine}`,
      f.message,
    ]);
  const lines = [
    `findings: ${findings.length} (${counts.join(", ")})`,
    ...pad(rows),
  ];
  if (findings.length > findingsShown) {
    lines.push(
      `  … ${findings.length - findingsShown} more: sluice run show ${runId} --json`,
    );
  }
  return lines;
}
