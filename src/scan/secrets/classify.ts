import { isUtf8 } from "node:buffer";

/** Why a file's content was not scanned. Path-only rules still apply to it. */
export type SkipReason = "binary" | "too-large" | "generated" | "minified";

const sampleSize = 8192;

/** Lockfiles: generated, long, and full of hashes that look like secrets. */
const lockfiles = new Set([
  "package-lock.json",
  "npm-shrinkwrap.json",
  "yarn.lock",
  "pnpm-lock.yaml",
  "bun.lock",
  "bun.lockb",
  "deno.lock",
  "composer.lock",
  "Gemfile.lock",
  "Cargo.lock",
  "poetry.lock",
  "Pipfile.lock",
  "uv.lock",
  "pdm.lock",
  "go.sum",
  "gradle.lockfile",
  "packages.lock.json",
]);

/** Build output by extension: minified bundles and source maps. */
const generatedExtension = /\.(?:min\.(?:js|mjs|cjs|css)|map)$/;

/** Lines longer than this (in the first 8 KiB) mark a minified bundle. */
const minifiedLine = 4096;

const minifiableExtensions = /\.(?:js|mjs|cjs|css|html?|svg)$/i;

/** Skip by name alone, before any read. */
export function skipByPath(path: string): SkipReason | undefined {
  // The file name alone: a regex over the whole path tried a lockfile's name at every `/`.
  const name = path.slice(path.lastIndexOf("/") + 1);
  return lockfiles.has(name) || generatedExtension.test(name)
    ? "generated"
    : undefined;
}

/** C0 control bytes that text does not hold (tab, line breaks, form feed and escape do). */
const hasControlByte = (sample: Uint8Array): boolean =>
  sample.some((b) => b < 32 && (b < 9 || (b > 13 && b !== 27)));

/** More than 30 % of the bytes outside ASCII: not text in an 8-bit encoding either. */
const mostlyHigh = (sample: Uint8Array): boolean => {
  let high = 0;
  for (const b of sample) if (b >= 128) high++;
  return high > sample.length * 0.3;
};

/**
 * Skip by content, from a file's first bytes: NUL bytes, or more than 10 % of the sample not
 * decoding as UTF-8 together with control bytes or mostly non-ASCII bytes, mean binary; a very long first line in a script
 * or stylesheet means minified. Text in another 8-bit encoding (Latin-1, Windows-1252) is scanned.
 * UTF-16 text has NUL bytes: `utf16AsUtf8` converts it first.
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
    if (
      bad > text.length / 10 &&
      (hasControlByte(sample) || mostlyHigh(sample))
    )
      return "binary";
  }
  if (minifiableExtensions.test(path) && data.length > minifiedLine) {
    const newline = sample.indexOf(10);
    if (newline < 0 ? sample.length >= minifiedLine : newline > minifiedLine)
      return "minified";
  }
  return undefined;
}

/**
 * UTF-16 text (a byte-order mark, or ASCII with a NUL beside every byte: files saved by Windows
 * editors and PowerShell), re-encoded as UTF-8 so that it is scanned as text; undefined for
 * anything else. Lines and columns (UTF-16 units) are the same in both.
 */
export function utf16AsUtf8(data: Uint8Array): Buffer | undefined {
  if (data.length < 4) return undefined;
  let order: "le" | "be" | undefined;
  if (data[0] === 0xff && data[1] === 0xfe) order = "le";
  else if (data[0] === 0xfe && data[1] === 0xff) order = "be";
  else {
    const n = Math.min(data.length, sampleSize) & ~1;
    // Text without NUL bytes (nearly every file) is not UTF-16: one native search.
    if (!data.subarray(0, n).includes(0)) return undefined;
    let evenNul = 0;
    let oddNul = 0;
    for (let i = 0; i < n; i += 2) {
      if (data[i] === 0) evenNul++;
      if (data[i + 1] === 0) oddNul++;
    }
    const half = n / 2;
    if (oddNul >= half * 0.9 && evenNul <= half * 0.1) order = "le";
    else if (evenNul >= half * 0.9 && oddNul <= half * 0.1) order = "be";
  }
  if (!order) return undefined;
  const bytes = Buffer.from(data.subarray(0, data.length & ~1));
  if (order === "be") bytes.swap16();
  return Buffer.from(bytes.toString("utf16le"), "utf8");
}
