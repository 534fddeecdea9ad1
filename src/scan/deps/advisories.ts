import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { AppError, messageOf } from "../../kernel/index.js";
import type { Clock } from "../../kernel/index.js";
import type { OsvRecord } from "./osv.js";
import type { AdvisoryImport } from "./ports.js";
import { checkRecord } from "./validate.js";
import { readZip } from "./zip.js";

/** Progress of a long import, for stderr. */
export type ImportProgress = (message: string) => void;

/**
 * Reads OSV records from a folder of `*.json` files (searched recursively, so an extracted
 * `<ECOSYSTEM>/` export works), an OSV `all.zip` export, or a folder holding `*.zip` exports.
 * Invalid documents and entries are skipped and counted; a corrupted zip is an error and nothing
 * of that import is kept. Several paths (the exports `sluice advisories update` downloaded) make
 * one import.
 */
export function loadAdvisories(
  paths: string | readonly string[],
  clock: Clock,
  progress?: ImportProgress,
): AdvisoryImport {
  const list = typeof paths === "string" ? [paths] : [...paths];
  const stats = list.map((path) => {
    try {
      return statSync(path);
    } catch (error) {
      throw new AppError(
        "NOT_FOUND",
        `no advisories at ${path}: ${messageOf(error)}`,
        { cause: error },
      );
    }
  });
  const byId = new Map<string, OsvRecord>();
  const skippedReasons: Record<string, number> = {};
  let skipped = 0;
  let seen = 0;
  const count = (reason: string, n = 1) => {
    skippedReasons[reason] = (skippedReasons[reason] ?? 0) + n;
  };
  const take = (name: string, data: Buffer | string) => {
    if (!name.endsWith(".json")) return;
    seen++;
    if (progress && seen % 10_000 === 0) progress(`read ${seen} advisories`);
    let value: unknown;
    try {
      value = JSON.parse(data.toString());
    } catch {
      skipped++;
      count("invalid JSON");
      return;
    }
    const checked = checkRecord(value);
    if (!checked.ok) {
      skipped++;
      count(checked.reason);
      return;
    }
    for (const [reason, n] of Object.entries(checked.droppedEntries))
      count(`entry: ${reason}`, n);
    const previous = byId.get(checked.record.id);
    if (!previous || previous.modified < checked.record.modified)
      byId.set(checked.record.id, checked.record);
  };
  const readZipFile = (file: string) => {
    readZip(readFileSync(file), file, (entry) => take(entry.name, entry.data));
  };
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".zip")) readZipFile(full);
      else if (entry.name.endsWith(".json"))
        take(entry.name, readFileSync(full));
    }
  };
  list.forEach((path, i) => {
    if (stats[i]!.isDirectory()) walk(path);
    else if (path.endsWith(".zip")) readZipFile(path);
    else take(path, readFileSync(path));
  });
  if (seen === 0)
    throw new AppError(
      "INVALID_ARGUMENT",
      `no OSV records (*.json or *.zip) in ${list.join(", ")}`,
    );
  const records = [...byId.values()].sort((a, b) =>
    a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
  const hash = createHash("sha256");
  for (const record of records)
    hash.update(`${record.id}@${record.modified}\n`);
  return {
    records,
    hash: hash.digest("hex"),
    source: list.join(", "),
    skipped,
    skippedReasons,
    createdAt: new Date(clock.now()),
  };
}
