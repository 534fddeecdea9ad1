import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { severityRank } from "../finding.js";
import type { Finding, Severity } from "../finding.js";

/** Files larger than this are not read for code frames. */
const maxFrameFileBytes = 2 * 1024 * 1024;

/** A `readSource` for the human report that reads repository-relative paths under `root`. */
export function sourceReader(
  root: string,
): (path: string) => string | undefined {
  return (path) => {
    const full = isAbsolute(path) ? path : join(root, path);
    try {
      if (statSync(full).size > maxFrameFileBytes) return undefined;
      return readFileSync(full, "utf8");
    } catch {
      return undefined;
    }
  };
}

/**
 * A `readSource` for a staged scan: the file as the index holds it (`git show :path`), which is
 * what the scan read and what would be committed; the work tree may differ.
 */
export function indexSourceReader(
  root: string,
): (path: string) => string | undefined {
  return (path) => {
    const r = spawnSync("git", ["show", `:${path}`], {
      cwd: root,
      encoding: "utf8",
      maxBuffer: maxFrameFileBytes,
    });
    return r.status === 0 && !r.error ? r.stdout : undefined;
  };
}

/** The findings at or above a `--fail-on` threshold; a non-empty list means exit code 1. */
export function findingsAtOrAbove(
  findings: readonly Finding[],
  threshold: Severity,
): Finding[] {
  const rank = severityRank(threshold);
  return findings.filter((f) => severityRank(f.severity) >= rank);
}
