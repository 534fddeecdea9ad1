import { createHash } from "node:crypto";
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { AppError, messageOf } from "../../kernel/index.js";

/** OSV's public bucket of per-ecosystem exports (`<ECOSYSTEM>/all.zip`), as osv-scanner's offline mode reads it. */
export const osvExportBaseUrl =
  "https://osv-vulnerabilities.storage.googleapis.com";

/** OSV ecosystem names sluice knows, as the bucket spells its folders. */
const osvEcosystems = [
  "npm",
  "PyPI",
  "Go",
  "crates.io",
  "Maven",
  "RubyGems",
  "Packagist",
  "NuGet",
  "Pub",
  "Hex",
  "CRAN",
  "Hackage",
  "SwiftURL",
  "GitHub Actions",
] as const;

/** What `advisories update` downloads when the project names no ecosystem. */
export const defaultExportEcosystems = [
  "npm",
  "PyPI",
  "Go",
  "crates.io",
  "Maven",
];

/** The canonical spelling of an ecosystem name given in any case; throws on an unknown name. */
export function canonicalEcosystem(name: string): string {
  const found = osvEcosystems.find(
    (e) => e.toLowerCase() === name.trim().toLowerCase(),
  );
  if (!found) {
    throw new AppError(
      "INVALID_ARGUMENT",
      `unknown ecosystem '${name}': one of ${osvEcosystems.join(", ")}`,
    );
  }
  return found;
}

/** How a download went, for progress lines. */
export type DownloadProgress =
  | {
      kind: "start";
      ecosystem: string;
      url: string;
      from: number;
      total?: number;
    }
  | { kind: "bytes"; ecosystem: string; done: number; total?: number }
  | { kind: "restart"; ecosystem: string; why: string }
  | { kind: "done"; ecosystem: string; bytes: number; unchanged: boolean };

export interface ExportDownload {
  ecosystem: string;
  /** The complete, checked `all.zip`. */
  path: string;
  bytes: number;
  /** Bytes already on disk that a resumed download kept (0 for a fresh one). */
  resumedFrom: number;
  /** The server said the copy on disk is current (304): nothing was transferred. */
  unchanged: boolean;
  /** What names this version of the file: its ETag, else Last-Modified, else MD5, else size. */
  version: string;
}

/** What is known of a file being downloaded, kept beside it so a later run can resume or revalidate. */
interface Meta {
  url: string;
  etag?: string;
  lastModified?: string;
  total?: number;
  /** base64 MD5 of the whole object (GCS `x-goog-hash: md5=`), checked when the file is complete. */
  md5?: string;
}

/**
 * Downloads `<baseUrl>/<ecosystem>/all.zip` into `<dir>/<ecosystem>/all.zip`. A download that
 * stops midway leaves `all.zip.part` and what the server said of it; the next call asks only for
 * the rest (`Range`, with `If-Range` naming the same version, so a changed file starts over), and
 * a complete copy is revalidated (`If-None-Match` / `If-Modified-Since`). The whole file is checked
 * against its length and, when the server sent one, its MD5, before it replaces the previous copy.
 */
export async function downloadExport(options: {
  baseUrl: string;
  ecosystem: string;
  dir: string;
  signal?: AbortSignal;
  progress?: (event: DownloadProgress) => void;
}): Promise<ExportDownload> {
  const { ecosystem } = options;
  const folder = join(options.dir, ecosystem);
  mkdirSync(folder, { recursive: true });
  const final = join(folder, "all.zip");
  const part = `${final}.part`;
  const url = `${options.baseUrl.replace(/\/+$/, "")}/${encodeURIComponent(ecosystem)}/all.zip`;
  const shown = `${ecosystem}/all.zip`;
  const finalMeta = readMeta(`${final}.json`, url);
  let meta = readMeta(`${part}.json`, url);
  let from = meta && existsSync(part) ? statSync(part).size : 0;
  if (from === 0) meta = undefined;

  const headers: Record<string, string> = {};
  if (meta && from > 0) {
    headers.range = `bytes=${from}-`;
    const validator = meta.etag ?? meta.lastModified;
    if (validator) headers["if-range"] = validator;
  } else if (finalMeta && existsSync(final)) {
    if (finalMeta.etag) headers["if-none-match"] = finalMeta.etag;
    else if (finalMeta.lastModified)
      headers["if-modified-since"] = finalMeta.lastModified;
  }

  let response: Response;
  try {
    response = await fetch(url, {
      headers,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    throw unreachable(url, error);
  }
  if (response.status === 304 && existsSync(final)) {
    await response.body?.cancel();
    const bytes = statSync(final).size;
    options.progress?.({ kind: "done", ecosystem, bytes, unchanged: true });
    return {
      ecosystem,
      path: final,
      bytes,
      resumedFrom: 0,
      unchanged: true,
      version: versionOf(finalMeta, bytes),
    };
  }
  if (response.status === 416 && meta?.total === from) {
    // The part is already whole (the last run stopped after the final byte): check it below.
    await response.body?.cancel();
  } else if (response.status === 416) {
    // The part is longer than the file now is: it belongs to another version. Start over.
    await response.body?.cancel();
    rmSync(part, { force: true });
    rmSync(`${part}.json`, { force: true });
    options.progress?.({
      kind: "restart",
      ecosystem,
      why: "the partial download does not fit the file on the server",
    });
    return downloadExport(options);
  } else if (response.status === 206 && from > 0) {
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(
      response.headers.get("content-range") ?? "",
    );
    if (!range || Number(range[1]) !== from) {
      await response.body?.cancel();
      throw new AppError(
        "EXTERNAL",
        `${url} answered a range request with the wrong range (${response.headers.get("content-range") ?? "none"})`,
      );
    }
    if (range[3] !== "*") meta = { ...meta!, total: Number(range[3]) };
    meta = { ...meta!, ...hashOf(response) };
    await receive(response, part, "a", from, meta);
  } else if (response.status === 200) {
    if (from > 0) {
      options.progress?.({
        kind: "restart",
        ecosystem,
        why: "the file changed on the server since the partial download",
      });
    }
    from = 0;
    const length = response.headers.get("content-length");
    meta = {
      url,
      ...(response.headers.get("etag")
        ? { etag: response.headers.get("etag")! }
        : {}),
      ...(response.headers.get("last-modified")
        ? { lastModified: response.headers.get("last-modified")! }
        : {}),
      ...(length !== null && /^\d+$/.test(length)
        ? { total: Number(length) }
        : {}),
      ...hashOf(response),
    };
    await receive(response, part, "w", 0, meta);
  } else {
    await response.body?.cancel();
    rmSync(part, { force: true });
    rmSync(`${part}.json`, { force: true });
    throw new AppError(
      response.status === 404 ? "NOT_FOUND" : "EXTERNAL",
      `${url} answered ${response.status} ${response.statusText}${response.status === 404 ? `: no export for ecosystem ${ecosystem} there` : ""}`,
    );
  }

  // Whole? Check the length the server announced and its MD5 before the file replaces the old copy.
  const bytes = statSync(part).size;
  if (meta?.total !== undefined && bytes !== meta.total) {
    throw new AppError(
      "EXTERNAL",
      `${shown}: the download stopped at ${bytes} of ${meta.total} bytes: run the command again to resume`,
    );
  }
  if (meta?.md5) {
    const actual = await md5Of(part);
    if (actual !== meta.md5) {
      rmSync(part, { force: true });
      rmSync(`${part}.json`, { force: true });
      throw new AppError(
        "EXTERNAL",
        `${shown}: the downloaded file fails its MD5 check; it was removed: run the command again`,
      );
    }
  }
  renameSync(part, final);
  writeFileSync(`${final}.json`, JSON.stringify(meta ?? { url }));
  rmSync(`${part}.json`, { force: true });
  options.progress?.({ kind: "done", ecosystem, bytes, unchanged: false });
  return {
    ecosystem,
    path: final,
    bytes,
    resumedFrom: from,
    unchanged: false,
    version: versionOf(meta, bytes),
  };

  async function receive(
    res: Response,
    file: string,
    flags: "a" | "w",
    start: number,
    known: Meta,
  ): Promise<void> {
    // Written first: should the transfer stop, the next run knows what it was resuming.
    writeFileSync(`${file}.json`, JSON.stringify(known));
    options.progress?.({
      kind: "start",
      ecosystem,
      url,
      from: start,
      ...(known.total !== undefined ? { total: known.total } : {}),
    });
    let done = start;
    // Each chunk is written as it arrives (synchronously), so whatever came before a dropped
    // connection is on disk for the resume.
    const fd = openSync(file, flags);
    try {
      for await (const chunk of (res.body ??
        []) as unknown as AsyncIterable<Uint8Array>) {
        for (let at = 0; at < chunk.length;)
          at += writeSync(fd, chunk, at, chunk.length - at);
        done += chunk.length;
        options.progress?.({
          kind: "bytes",
          ecosystem,
          done,
          ...(known.total !== undefined ? { total: known.total } : {}),
        });
      }
    } catch (error) {
      if (options.signal?.aborted) {
        throw new AppError(
          "CANCELLED",
          `${shown}: download stopped at ${done} bytes; run the command again to resume`,
          { cause: error },
        );
      }
      throw new AppError(
        "EXTERNAL",
        `${shown}: the download was interrupted at ${done}${known.total !== undefined ? ` of ${known.total}` : ""} bytes (${messageOf(error)}): run the command again to resume`,
        { cause: error },
      );
    } finally {
      closeSync(fd);
    }
  }
}

function versionOf(meta: Meta | undefined, bytes: number): string {
  return meta?.etag ?? meta?.lastModified ?? meta?.md5 ?? `${bytes} bytes`;
}

function readMeta(path: string, url: string): Meta | undefined {
  try {
    const meta = JSON.parse(readFileSync(path, "utf8")) as Meta;
    // A download from another source is not resumed or revalidated.
    return meta.url === url ? meta : undefined;
  } catch {
    return undefined;
  }
}

/** The MD5 in GCS's `x-goog-hash: crc32c=…,md5=…`, when the server sent one. */
function hashOf(response: Response): { md5?: string } {
  const header = response.headers.get("x-goog-hash") ?? "";
  const md5 = /(?:^|,)\s*md5=([A-Za-z0-9+/=]+)/.exec(header)?.[1];
  return md5 ? { md5 } : {};
}

async function md5Of(path: string): Promise<string> {
  const hash = createHash("md5");
  for await (const chunk of createReadStream(path))
    hash.update(chunk as Buffer);
  return hash.digest("base64");
}

function unreachable(url: string, error: unknown): AppError {
  const cause = (error as { cause?: unknown }).cause;
  return new AppError(
    "EXTERNAL",
    `cannot reach ${new URL(url).origin}: ${messageOf(cause ?? error)}`,
    { cause: error },
  );
}
