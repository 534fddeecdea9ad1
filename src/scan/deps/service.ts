import { readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { AppError } from "../../kernel/index.js";
import type { Finding } from "../finding.js";
import { findProjectFiles, readLockfiles } from "./discover.js";
import type { LockfileResult } from "./discover.js";
import { unlockedManifests, unpinnedRequirements } from "./manifests.js";
import type { UnlockedManifest } from "./manifests.js";
import { lockfileKindOf } from "./lockfiles/index.js";
import type { OsvRecord } from "./osv.js";
import { queryOsvApi } from "./osv-api.js";
import type { AdvisoryReader, AdvisorySnapshot } from "./ports.js";
import { matchPackages, packageKeys } from "./scan.js";
import { checkRecord } from "./validate.js";

/** Options of one dependency scan. */
export interface DepsScanOptions {
  /** A folder (lockfiles found under it, node_modules skipped) or one lockfile. */
  target: string;
  /**
   * The advisory store, or the promise of it: the lockfiles are read and parsed first, so the
   * store can be opening meanwhile.
   */
  advisories: AdvisoryReader | Promise<AdvisoryReader>;
  /** Refuse to scan when no advisories were imported (the CLI without `--online`). */
  requireSnapshot?: boolean;
  /** Also ask the OSV API (`--online`); fails with EXTERNAL when unreachable. */
  online?: { baseUrl: string };
  /** Lockfiles larger than this are refused unread (default `defaultMaxLockfileBytes`, 64 MB). */
  maxLockfileBytes?: number;
  progress?: (message: string) => void;
}

/** What a dependency scan found, plus what it read and could not read. */
export interface DepsScanResult {
  findings: Finding[];
  lockfiles: { path: string; kind: string; packages: number; error?: string }[];
  /** Malformed lockfiles: each names its file and line; the others were still scanned. */
  errors: AppError[];
  packageCount: number;
  snapshot?: AdvisorySnapshot;
  /** Manifests that declare dependencies no lockfile pins (so nothing of them was scanned). */
  unlocked: UnlockedManifest[];
  /**
   * What the scan could not see, one line each: the unlocked manifests, requirements that pin no
   * version. Not errors: the scan ran, but these dependencies were not in it.
   */
  notes: string[];
}

/** Finds and parses lockfiles, loads the advisories of their packages with one indexed query per ecosystem, matches. */
export async function scanDependencies(
  options: DepsScanOptions,
): Promise<DepsScanResult> {
  const opening = Promise.resolve(options.advisories);
  // Awaited below; until then a failure to open must not count as unhandled.
  opening.catch(() => {});
  let root = options.target;
  let paths: string[];
  let manifests: string[] = [];
  let stat;
  try {
    stat = statSync(options.target);
  } catch {
    throw new AppError(
      "NOT_FOUND",
      `no such file or folder: ${options.target}`,
    );
  }
  if (stat.isDirectory()) {
    ({ lockfiles: paths, manifests } = findProjectFiles(root));
  } else {
    if (!lockfileKindOf(options.target)) {
      throw new AppError(
        "INVALID_ARGUMENT",
        `${options.target} is not a lockfile sluice reads`,
      );
    }
    root = dirname(options.target);
    paths = [basename(options.target)];
  }
  options.progress?.(
    `reading ${paths.length} lockfile${paths.length === 1 ? "" : "s"}`,
  );
  const lockfiles: LockfileResult[] = readLockfiles(
    root,
    paths,
    options.maxLockfileBytes,
  );
  const unlocked = unlockedManifests({ lockfiles: paths, manifests }, (path) =>
    readSmall(join(root, path)),
  );
  const notes = unlocked.map((m) => m.message);
  for (const file of lockfiles) {
    if (file.kind !== "requirements" || file.error) continue;
    const text = readSmall(join(root, file.path));
    const unpinned = text === undefined ? 0 : unpinnedRequirements(text);
    if (unpinned > 0) {
      notes.push(
        `${file.path}: ${unpinned} requirement${unpinned === 1 ? "" : "s"} without an exact == pin ${unpinned === 1 ? "was" : "were"} not scanned (\`pip freeze\` or pip-compile writes pins)`,
      );
    }
  }
  const keys = packageKeys(lockfiles);
  const advisories = await opening;
  const snapshot = await advisories.currentSnapshot();
  if (!snapshot && options.requireSnapshot) {
    throw new AppError(
      "INVALID_ARGUMENT",
      "no advisories imported yet: run `sluice advisories update` (downloads OSV's exports) or `sluice advisories import PATH`, or scan with --online",
    );
  }
  let records: OsvRecord[] = await advisories.recordsFor(keys);
  if (options.online) {
    const queries = lockfiles.flatMap((f) =>
      f.packages
        .filter((p) => p.version !== "")
        .map((p) => ({
          ecosystem: p.ecosystem,
          name: p.name,
          version: p.version,
        })),
    );
    options.progress?.(`asking the OSV API about ${queries.length} packages`);
    const online = await queryOsvApi(queries, options.online);
    const known = new Set(records.map((r) => r.id));
    for (const value of online) {
      const checked = checkRecord(value);
      if (checked.ok && !known.has(checked.record.id))
        records = [...records, checked.record];
    }
  }
  const findings = matchPackages(lockfiles, records, snapshot?.id);
  return {
    findings,
    lockfiles: lockfiles.map((f) => ({
      path: f.path,
      kind: f.kind,
      packages: f.packages.length,
      ...(f.error ? { error: f.error.message } : {}),
    })),
    errors: lockfiles.flatMap((f) => (f.error ? [f.error] : [])),
    packageCount: lockfiles.reduce((n, f) => n + f.packages.length, 0),
    ...(snapshot ? { snapshot } : {}),
    unlocked,
    notes,
  };
}

/** A manifest's text, or undefined when it is unreadable or too large to be a manifest (1 MB). */
function readSmall(path: string): string | undefined {
  try {
    if (statSync(path).size > 1024 * 1024) return undefined;
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
