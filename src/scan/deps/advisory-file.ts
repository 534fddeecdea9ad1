import {
  closeSync,
  fstatSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { OsvRecord } from "./osv.js";
import type { AdvisoryReader, AdvisorySnapshot } from "./ports.js";

/**
 * A read-only copy of the current advisory snapshot in one file next to the embedded database
 * (`$SLUICE_HOME/advisories.idx`), so `sluice scan deps` answers without starting the database
 * (ADR 042). The database stays the truth: the file is rewritten after every import, removed
 * before one starts, and a scan without it asks the database.
 *
 * Layout: one JSON header line (format, snapshot, byte lengths), then the key table as JSON
 * (`"ecosystem\0name"` → `[offset, length]` of each record), then the records' JSON, back to back.
 */
const format = "sluice-advisories/1";

/** Where the file of an embedded store lives. */
export function advisoryFilePath(home: string): string {
  return join(home, "advisories.idx");
}

interface Header {
  format: string;
  snapshot: Omit<AdvisorySnapshot, "createdAt"> & { createdAt: string };
  keysBytes: number;
  recordsBytes: number;
}

/** One stored record: its id, its JSON text, and the (ecosystem, normalised name) keys it names. */
export interface AdvisoryFileEntry {
  id: string;
  json: string;
  keys: [string, string][];
}

/** Writes the file whole under a temporary name and renames it: a reader sees the old or the new. */
export function writeAdvisoryFile(
  path: string,
  snapshot: AdvisorySnapshot,
  entries: Iterable<AdvisoryFileEntry>,
): void {
  const keys: Record<string, [number, number][]> = Object.create(null);
  const bodies: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const body = Buffer.from(entry.json, "utf8");
    bodies.push(body);
    for (const [ecosystem, name] of entry.keys) {
      (keys[`${ecosystem}\u0000${name}`] ??= []).push([offset, body.length]);
    }
    offset += body.length;
  }
  const keyTable = Buffer.from(JSON.stringify(keys), "utf8");
  const header: Header = {
    format,
    snapshot: { ...snapshot, createdAt: snapshot.createdAt.toISOString() },
    keysBytes: keyTable.length,
    recordsBytes: offset,
  };
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    // Everything under $SLUICE_HOME is private to the user, whatever the umask.
    const fd = openSync(temporary, "w", 0o600);
    try {
      writeAll(fd, Buffer.from(`${JSON.stringify(header)}\n`, "utf8"));
      writeAll(fd, keyTable);
      for (const body of bodies) writeAll(fd, body);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

export function removeAdvisoryFile(path: string): void {
  rmSync(path, { force: true });
}

/**
 * Opens the file, or returns undefined when it is absent, of another format, or not whole: the
 * caller then asks the database. The reader keeps the file open until `close`.
 */
export function openAdvisoryFile(
  path: string,
): (AdvisoryReader & { close(): void }) | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const head = readHeader(fd);
    if (
      !head ||
      head.header.format !== format ||
      size !== head.bytes + head.header.keysBytes + head.header.recordsBytes
    ) {
      closeSync(fd);
      return undefined;
    }
    const { header } = head;
    const keys = JSON.parse(
      readAt(fd, head.bytes, header.keysBytes).toString("utf8"),
    ) as Record<string, [number, number][]>;
    const recordsStart = head.bytes + header.keysBytes;
    const snapshot: AdvisorySnapshot = {
      ...header.snapshot,
      createdAt: new Date(header.snapshot.createdAt),
    };
    return {
      async currentSnapshot() {
        return snapshot;
      },
      async recordsFor(packages) {
        const records: OsvRecord[] = [];
        const seen = new Set<number>();
        for (const [ecosystem, names] of packages) {
          for (const name of names) {
            for (const [offset, length] of keys[`${ecosystem}\u0000${name}`] ??
              []) {
              if (seen.has(offset)) continue;
              seen.add(offset);
              records.push(
                JSON.parse(
                  readAt(fd, recordsStart + offset, length).toString("utf8"),
                ) as OsvRecord,
              );
            }
          }
        }
        return records;
      },
      close() {
        closeSync(fd);
      },
    };
  } catch {
    closeSync(fd);
    return undefined;
  }
}

function readHeader(fd: number): { header: Header; bytes: number } | undefined {
  const chunk = Buffer.alloc(64 * 1024);
  const read = readSync(fd, chunk, 0, chunk.length, 0);
  const newline = chunk.subarray(0, read).indexOf(10);
  if (newline < 0) return undefined;
  return {
    header: JSON.parse(chunk.subarray(0, newline).toString("utf8")) as Header,
    bytes: newline + 1,
  };
}

function writeAll(fd: number, buffer: Buffer): void {
  for (let done = 0; done < buffer.length;)
    done += writeSync(fd, buffer, done, buffer.length - done);
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buffer, done, length - done, position + done);
    if (n === 0) throw new Error("advisory file ended early");
    done += n;
  }
  return buffer;
}
