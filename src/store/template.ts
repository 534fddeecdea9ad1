import { chmodSync, mkdirSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { dirname, join, normalize, sep } from "node:path";
import { gunzipSync } from "node:zlib";

/** Files written at once: libuv's four threads, kept busy while one call returns. */
const writesAtOnce = 8;

/**
 * Writes the build's template database (a tar, gzipped or not, of a data folder, from PGlite's
 * `dumpDataDir`) into `dataDir` as plain files, so PGlite opens it as any existing database
 * instead of loading the archive into its memory first (ADR 031). The files are written on
 * libuv's threads: the calling thread goes on meanwhile (the local server loads its modules).
 * `PG_VERSION`, which marks a data folder as whole, is written last: an extraction cut short
 * is redone on the next open.
 */
export async function extractTemplate(
  archive: Buffer,
  dataDir: string,
): Promise<void> {
  const gzipped = archive[0] === 0x1f && archive[1] === 0x8b;
  const tar = gzipped ? gunzipSync(archive) : archive;
  const files: { path: string; data: Buffer; mode: number }[] = [];
  const folders = new Set<string>();
  const folder = (path: string, mode: number) => {
    if (folders.has(path)) return;
    mkdirSync(path, { recursive: true, mode });
    folders.add(path);
  };
  let last: { path: string; data: Buffer; mode: number } | undefined;
  for (let at = 0; at + 512 <= tar.length;) {
    const header = tar.subarray(at, at + 512);
    if (header.every((byte) => byte === 0)) break;
    const name = field(header, 0, 100);
    const prefix = field(header, 345, 155);
    const mode = octal(header, 100, 8) & 0o777;
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156]!);
    const data = tar.subarray(at + 512, at + 512 + size);
    at += 512 + Math.ceil(size / 512) * 512;
    const path = inside(dataDir, prefix ? `${prefix}/${name}` : name);
    // The dump's modes may let the group read (0750, 0640): the data folder is the user's alone.
    if (type === "5") {
      folder(path, (mode || 0o700) & 0o700);
    } else if (type === "0" || type === "\0") {
      const file = { path, data, mode: (mode || 0o600) & 0o700 };
      if (path === join(dataDir, "PG_VERSION")) last = file;
      else files.push(file);
    } else {
      throw new Error(`unexpected tar entry type ${JSON.stringify(type)}`);
    }
  }
  if (!last) throw new Error("the template holds no PG_VERSION");
  for (const file of files) folder(dirname(file.path), 0o700);
  let next = 0;
  const writer = async () => {
    for (let file = files[next++]; file; file = files[next++])
      await writeFile(file.path, file.data, { mode: file.mode });
  };
  // Every write settles before a failure is reported: none goes on after the folder is let go.
  const writes = await Promise.allSettled(
    Array.from({ length: writesAtOnce }, writer),
  );
  const failed = writes.find((w) => w.status === "rejected");
  if (failed) throw failed.reason;
  await writeFile(last.path, last.data, { mode: last.mode });
  chmodSync(dataDir, 0o700);
}

function field(header: Buffer, offset: number, length: number): string {
  const raw = header.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? length : end).toString("utf8");
}

function octal(header: Buffer, offset: number, length: number): number {
  const text = field(header, offset, length).trim();
  return text === "" ? 0 : parseInt(text, 8);
}

/** The entry's path under `dataDir`; names are absolute in the dump (`/base/1/...`). */
function inside(dataDir: string, name: string): string {
  const relative = normalize(name.replace(/^\/+/, ""));
  if (relative.startsWith("..") || relative.startsWith(sep))
    throw new Error(`tar entry ${JSON.stringify(name)} leaves the data folder`);
  return join(dataDir, relative);
}
