import { crc32, inflateRawSync } from "node:zlib";
import { AppError, messageOf } from "../../kernel/index.js";

/** One file of a zip archive, inflated. */
export interface ZipEntry {
  name: string;
  data: Buffer;
}

const eocdSignature = 0x06054b50;
const centralSignature = 0x02014b50;
const localSignature = 0x04034b50;

function corrupt(source: string, why: string, cause?: unknown): AppError {
  return new AppError(
    "CONFIG_INVALID",
    `${source}: not a readable zip archive (${why})`,
    {
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

/**
 * Reads a zip archive through its central directory (stored and deflate entries), checking each
 * entry's CRC-32: a truncated or altered archive is an error, never a partial import.
 * `onEntry` sees each file in turn, so a large archive is not held inflated all at once.
 */
export function readZip(
  buffer: Buffer,
  source: string,
  onEntry: (entry: ZipEntry) => void,
): number {
  // The end-of-central-directory record sits in the last 22 + 65,535 bytes.
  let eocd = -1;
  for (
    let i = buffer.length - 22;
    i >= Math.max(0, buffer.length - 22 - 0xffff);
    i--
  ) {
    if (buffer.readUInt32LE(i) === eocdSignature) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt(source, "no end of central directory");
  const count = buffer.readUInt16LE(eocd + 10);
  const size = buffer.readUInt32LE(eocd + 12);
  let offset = buffer.readUInt32LE(eocd + 16);
  if (offset === 0xffffffff || count === 0xffff)
    throw corrupt(source, "zip64 archives are not supported");
  if (offset + size > eocd)
    throw corrupt(source, "central directory out of bounds");
  let files = 0;
  for (let n = 0; n < count; n++) {
    if (
      offset + 46 > buffer.length ||
      buffer.readUInt32LE(offset) !== centralSignature
    ) {
      throw corrupt(source, `bad central directory entry ${n + 1}`);
    }
    const method = buffer.readUInt16LE(offset + 10);
    const crc = buffer.readUInt32LE(offset + 16);
    const compressedSize = buffer.readUInt32LE(offset + 20);
    const uncompressedSize = buffer.readUInt32LE(offset + 24);
    const nameLength = buffer.readUInt16LE(offset + 28);
    const extraLength = buffer.readUInt16LE(offset + 30);
    const commentLength = buffer.readUInt16LE(offset + 32);
    const localOffset = buffer.readUInt32LE(offset + 42);
    const name = buffer.toString("utf8", offset + 46, offset + 46 + nameLength);
    offset += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith("/")) continue;
    if (
      localOffset + 30 > buffer.length ||
      buffer.readUInt32LE(localOffset) !== localSignature
    ) {
      throw corrupt(source, `bad local header for ${name}`);
    }
    const dataStart =
      localOffset +
      30 +
      buffer.readUInt16LE(localOffset + 26) +
      buffer.readUInt16LE(localOffset + 28);
    if (dataStart + compressedSize > buffer.length)
      throw corrupt(source, `${name} is truncated`);
    const raw = buffer.subarray(dataStart, dataStart + compressedSize);
    let data: Buffer;
    try {
      if (method === 0) data = Buffer.from(raw);
      else if (method === 8) data = inflateRawSync(raw);
      else throw corrupt(source, `${name} uses compression method ${method}`);
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw corrupt(
        source,
        `${name} does not inflate: ${messageOf(error)}`,
        error,
      );
    }
    if (data.length !== uncompressedSize || crc32(data) !== crc) {
      throw corrupt(source, `${name} fails its CRC-32 check`);
    }
    onEntry({ name, data });
    files++;
  }
  return files;
}
