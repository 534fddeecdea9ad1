import { isUtf8 } from "node:buffer";

/** Why a file's content was not scanned. Path-only rules still apply to it. */
export type SkipReason = "binary" | "too-large" | "generated" | "minified";

const sampleSize = 8192;

/** Lockfiles and build output: generated, long, and full of hashes that look like secrets. */
const generatedNames =
  /(?:^|\/)(?:package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|bun\.lockb?|deno\.lock|composer\.lock|Gemfile\.lock|Cargo\.lock|poetry\.lock|Pipfile\.lock|uv\.lock|pdm\.lock|go\.sum|gradle\.lockfile|packages\.lock\.json)$|\.(?:min\.(?:js|mjs|cjs|css)|map)$/;

/** Lines longer than this (in the first 8 KiB) mark a minified bundle. */
const minifiedLine = 4096;

const minifiableExtensions = /\.(?:js|mjs|cjs|css|html?|svg)$/i;

/** Skip by name alone, before any read. */
export function skipByPath(path: string): SkipReason | undefined {
  return generatedNames.test(path) ? "generated" : undefined;
}

/**
 * Skip by content, from a file's first bytes: NUL bytes, or more than 10 % of the sample not
 * decoding as UTF-8, mean binary; a very long first line in a script or stylesheet means minified.
 * A text file with a few invalid bytes (Latin-1 comments) is still scanned.
 */
export function skipByContent(
  path: string,
  data: Uint8Array,
): SkipReason | undefined {
  const sample = data.length > sampleSize ? data.subarray(0, sampleSize) : data;
  if (sample.includes(0)) return "binary";
  if (!isUtf8(sample)) {
    // The sample may end inside a multi-byte character; count replacement characters instead.
    const text = Buffer.from(
      sample.buffer,
      sample.byteOffset,
      sample.length,
    ).toString("utf8");
    let bad = 0;
    for (let i = 0; i < text.length; i++)
      if (text.charCodeAt(i) === 0xfffd) bad++;
    if (bad > text.length / 10) return "binary";
  }
  if (minifiableExtensions.test(path) && data.length > minifiedLine) {
    const newline = sample.indexOf(10);
    if (newline < 0 ? sample.length >= minifiedLine : newline > minifiedLine)
      return "minified";
  }
  return undefined;
}
