/**
 * Deterministic CBOR (RFC 8949 §4.2.1) of a JSON value: the bytes flagd's fractional v3 hashes.
 * Integral numbers encode as integers (-0 as 0), other floats in the shortest of f16/f32/f64
 * that round-trips, map entries sorted by the bytes of their encoded keys.
 */
export function encodeCbor(value: unknown): Uint8Array {
  const out: number[] = [];
  write(value, out);
  return Uint8Array.from(out);
}

const encoder = new TextEncoder();

function head(major: number, n: number | bigint, out: number[]): void {
  const m = major << 5;
  const big = BigInt(n);
  if (big < 24n) out.push(m | Number(big));
  else if (big < 0x100n) out.push(m | 24, Number(big));
  else if (big < 0x10000n)
    out.push(m | 25, Number(big >> 8n), Number(big & 0xffn));
  else if (big < 0x100000000n) {
    out.push(m | 26);
    for (let s = 24n; s >= 0n; s -= 8n) out.push(Number((big >> s) & 0xffn));
  } else {
    out.push(m | 27);
    for (let s = 56n; s >= 0n; s -= 8n) out.push(Number((big >> s) & 0xffn));
  }
}

function write(value: unknown, out: number[]): void {
  if (value === null || value === undefined) out.push(0xf6);
  else if (value === false) out.push(0xf4);
  else if (value === true) out.push(0xf5);
  else if (typeof value === "number") writeNumber(value, out);
  else if (typeof value === "string") {
    const bytes = encoder.encode(value);
    head(3, bytes.length, out);
    for (const b of bytes) out.push(b);
  } else if (Array.isArray(value)) {
    head(4, value.length, out);
    for (const item of value) write(item, out);
  } else if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).map(
      ([k, v]) => {
        const key: number[] = [];
        write(k, key);
        return { key, v };
      },
    );
    entries.sort((a, b) => compareBytes(a.key, b.key));
    head(5, entries.length, out);
    for (const { key, v } of entries) {
      out.push(...key);
      write(v, out);
    }
  } else out.push(0xf6);
}

function compareBytes(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++)
    if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}

const twoTo64 = 18446744073709551616;
const twoTo63 = 9223372036854775808;

function writeNumber(x: number, out: number[]): void {
  if (Number.isInteger(x) && x >= -twoTo63 && x < twoTo64) {
    if (x >= 0) head(0, BigInt(x), out);
    else head(1, -1n - BigInt(x), out);
    return;
  }
  const half = toHalf(x);
  if (half !== undefined) {
    out.push(0xf9, half >> 8, half & 0xff);
    return;
  }
  const view = new DataView(new ArrayBuffer(8));
  if (Math.fround(x) === x) {
    view.setFloat32(0, x);
    out.push(0xfa);
    for (let i = 0; i < 4; i++) out.push(view.getUint8(i));
    return;
  }
  view.setFloat64(0, x);
  out.push(0xfb);
  for (let i = 0; i < 8; i++) out.push(view.getUint8(i));
}

/** The IEEE 754 half-precision bits of x when x is exactly representable, else undefined. */
function toHalf(x: number): number | undefined {
  if (!Number.isFinite(x)) return undefined;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a === 0) return sign;
  if (a < 2 ** -14) {
    // Subnormal: a multiple of 2^-24 below 2^-14.
    const m = a * 2 ** 24;
    return Number.isInteger(m) ? sign | m : undefined;
  }
  const e = Math.floor(Math.log2(a));
  // log2 can be off by one near powers of two; fix the exponent exactly.
  const exp = 2 ** e > a ? e - 1 : 2 ** (e + 1) <= a ? e + 1 : e;
  if (exp > 15) return undefined;
  const m = a / 2 ** exp - 1;
  const mantissa = m * 1024;
  if (!Number.isInteger(mantissa)) return undefined;
  return sign | ((exp + 15) << 10) | mantissa;
}
