import type { Finding } from "../finding.js";

/** A part of a file that holds a secret: a finding, or a part of a composite finding. */
export interface SecretSpan {
  startLine: number;
  /** 1-based; without it the whole line is hidden. */
  startColumn?: number | undefined;
  endLine: number;
  /** 1-based and exclusive (SARIF); without it the span runs to the end of its last line. */
  endColumn?: number | undefined;
  /** What is printed in its place: the redacted secret (the whole secret under --show-secrets). */
  shown: string;
}

/** A secret span of one file: a value a rule matched that is no finding (an allowlist let it through). */
export interface FileSpan extends SecretSpan {
  path: string;
}

/** A finding whose matched value must never be printed: a secret, or one a scanner marks so. */
function isSensitive(finding: Finding): boolean {
  return finding.tool === "secrets" || finding.properties?.sensitive === true;
}

const shownOf = (value: unknown): string =>
  typeof value === "string" ? value : "****";

/**
 * The secret spans of findings, by path: each sensitive finding's own span, the spans of the
 * findings a composite rule required (gitleaks `requiredFindings`), which sit on other lines,
 * and `others` (allowed values).
 */
export function secretSpans(
  findings: readonly Finding[],
  others: readonly FileSpan[] = [],
): Map<string, SecretSpan[]> {
  const byPath = new Map<string, SecretSpan[]>();
  const add = (path: string, span: SecretSpan) => {
    const list = byPath.get(path) ?? [];
    list.push(span);
    byPath.set(path, list);
  };
  for (const { path, ...span } of others) add(path, span);
  for (const finding of findings) {
    if (!isSensitive(finding)) continue;
    const { location } = finding;
    add(location.path, {
      startLine: location.startLine,
      startColumn: location.startColumn,
      endLine: Math.max(location.startLine, location.endLine ?? 0),
      endColumn: location.endColumn,
      shown: shownOf(finding.properties?.redacted),
    });
    const required = finding.properties?.requiredFindings;
    if (!Array.isArray(required)) continue;
    for (const part of required as Record<string, unknown>[]) {
      if (typeof part.startLine !== "number") continue;
      add(location.path, {
        startLine: part.startLine,
        startColumn:
          typeof part.startColumn === "number" ? part.startColumn : undefined,
        endLine:
          typeof part.endLine === "number"
            ? Math.max(part.startLine, part.endLine)
            : part.startLine,
        endColumn:
          typeof part.endColumn === "number" ? part.endColumn : undefined,
        shown: shownOf(part.redacted),
      });
    }
  }
  return byPath;
}

/**
 * Does the file still hold each span's secret where the scan found it? The shown text of a
 * redacted secret is its first characters and `…`; a file edited since the scan (or the work
 * tree of a staged scan, when it differs from the index) fails this, and then no frame is
 * printed: its lines may have moved, and masking the old positions would print a secret whole.
 */
function agrees(lines: readonly string[], span: SecretSpan): boolean {
  if (span.startColumn === undefined) return true;
  const line = lines[span.startLine - 1];
  if (line === undefined) return false;
  // The characters before the mark (`…`, or a `****` mask) are the secret's own.
  const prefix = span.shown.replace(/[…*].*$/su, "");
  return line.startsWith(prefix, span.startColumn - 1);
}

/** One line with every secret span on it replaced by its shown text. */
function maskLine(
  text: string,
  n: number,
  spans: readonly SecretSpan[],
): { text: string; hidden: boolean } {
  const cuts: { from: number; to: number; put: string }[] = [];
  for (const s of spans) {
    if (n < s.startLine || n > s.endLine) continue;
    const put = n === s.startLine ? s.shown : "";
    if (s.startColumn === undefined) {
      cuts.push({ from: 0, to: text.length, put });
      continue;
    }
    const from = n === s.startLine ? s.startColumn - 1 : 0;
    const to =
      n === s.endLine && s.endColumn !== undefined
        ? s.endColumn - 1
        : text.length;
    cuts.push({ from, to: Math.max(from, to), put });
  }
  if (cuts.length === 0) return { text, hidden: false };
  cuts.sort((a, b) => a.from - b.from || b.to - a.to);
  let out = "";
  let at = 0;
  for (const cut of cuts) {
    if (cut.from >= at) {
      out += text.slice(at, cut.from) + cut.put;
      at = cut.to;
    } else {
      // Overlapping spans (a composite rule's part inside its finding): one replacement.
      at = Math.max(at, cut.to);
    }
  }
  out += text.slice(at);
  return { text: out, hidden: out === "" && text !== "" };
}

/**
 * A few numbered lines around the finding, its lines marked `>`. Every secret span on a printed
 * line is masked: the finding's own, and those of its neighbours (`spans`, every sensitive
 * finding of the file), so a context line never shows another secret. Lines a multi-line secret
 * hides entirely (a private key's body) are folded into one line.
 */
export function codeFrame(
  finding: Finding,
  lines: readonly string[],
  context: number,
  spans: readonly SecretSpan[] = [],
): string[] {
  const { startLine } = finding.location;
  const endLine = Math.max(startLine, finding.location.endLine ?? startLine);
  if (startLine < 1 || startLine > lines.length) return [];
  const from = Math.max(1, startLine - context);
  const to = Math.min(lines.length, endLine + context);
  const shown = spans.filter((s) => s.startLine <= to && s.endLine >= from);
  if (!shown.every((s) => agrees(lines, s))) return [];
  // Rows first, padded at the end: a folded range label is wider than a line number.
  const rows: { marked: boolean; label: string; text: string }[] = [];
  let folded: { first: number; last: number; marked: boolean } | undefined;
  const flush = () => {
    if (!folded) return;
    const count = folded.last - folded.first + 1;
    rows.push({
      marked: folded.marked,
      label:
        count === 1 ? String(folded.first) : `${folded.first}-${folded.last}`,
      text: `… (${count} line${count === 1 ? "" : "s"} of the secret hidden)`,
    });
    folded = undefined;
  };
  for (let n = from; n <= to; n++) {
    const marked = n >= startLine && n <= endLine;
    const masked = maskLine(lines[n - 1] ?? "", n, shown);
    if (masked.hidden) {
      if (folded && folded.marked === marked) folded.last = n;
      else {
        flush();
        folded = { first: n, last: n, marked };
      }
      continue;
    }
    flush();
    const text = masked.text;
    rows.push({
      marked,
      label: String(n),
      text: text.length > 200 ? `${text.slice(0, 197)}...` : text,
    });
  }
  flush();
  const width = Math.max(...rows.map((r) => r.label.length));
  return rows.map(
    (r) =>
      `     ${r.marked ? ">" : " "} ${r.label.padStart(width)} | ${r.text}`,
  );
}
