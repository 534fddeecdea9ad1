/**
 * Rows in Postgres' binary COPY format, for the metrics store's fast path into PGlite
 * (`COPY … FROM '/dev/blob' WITH (FORMAT binary)`, ADR 084). Pure: columns and rows in, bytes out.
 */

/**
 * The rows in COPY's binary format: a signature, then per row a field count and each field as a
 * byte length (-1 for null) and its bytes. Postgres reads text and JSON as they are and timestamps
 * as integers, so nothing is escaped and no date is parsed on either side (ADR 084).
 *
 * The bytes are built as a string of one character per byte and encoded once: this code runs once
 * per import, mostly before V8 optimizes it, so native string operations beat loops over bytes.
 */
export function copyBinary<R>(
  columns: readonly Column<R>[],
  rows: readonly R[],
  recordedAt: number,
): Buffer<ArrayBuffer> {
  const n = columns.length;
  const getters = columns.map((c) => c[2]);
  const kinds = columns.map(([, type]) => kindOf[type]);
  const fields = new Array<string>(n + 2);
  fields[0] = bytes16(n + 1);
  fields[n + 1] = timestampField(recordedAt);
  const parts = new Array<string>(rows.length + 2);
  parts[0] = signature;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    for (let c = 0; c < n; c++) {
      const v = getters[c]!(row);
      let field: string;
      if (v === null || v === undefined) field = nullField;
      else {
        const kind = kinds[c];
        if (kind === 0) field = textField(String(v));
        else if (kind === 1) field = timestampField(v as number);
        else if (kind === 2) field = jsonbField(v);
        else field = v ? trueField : falseField;
      }
      fields[c + 1] = field;
    }
    parts[r + 1] = fields.join("");
  }
  parts[rows.length + 1] = bytes16(-1);
  return Buffer.from(parts.join(""), "latin1");
}

const bytes16 = (v: number) => String.fromCharCode((v >>> 8) & 255, v & 255);
const bytes32 = (v: number) =>
  String.fromCharCode(
    (v >>> 24) & 255,
    (v >>> 16) & 255,
    (v >>> 8) & 255,
    v & 255,
  );

/** `PGCOPY\n\377\r\n\0`, then no flags and no header extension. */
const signature = "PGCOPY\n\xff\r\n\0" + "\0".repeat(8);
const nullField = bytes32(-1);
const trueField = bytes32(1) + "\x01";
const falseField = bytes32(1) + "\x00";
const timestampLength = bytes32(8);

/** Anything but ASCII without NUL: such a string needs its UTF-8 bytes spelled out. */
// eslint-disable-next-line no-control-regex -- NUL is what it looks for
const notPlainAscii = /[^\x01-\x7f]/;

/** A string's UTF-8 bytes as one character each (lone surrogates become U+FFFD, as a Blob writes them). */
const utf8Bytes = (s: string) =>
  notPlainAscii.test(s) ? Buffer.from(s, "utf8").toString("latin1") : s;

/** Text: its UTF-8 bytes; NUL, which text cannot hold, is dropped. */
function textField(s: string): string {
  if (s.includes("\0")) s = s.replaceAll("\0", "");
  const b = utf8Bytes(s);
  return bytes32(b.length) + b;
}

/** jsonb's binary form: version 1, then the JSON text. */
function jsonbField(v: unknown): string {
  const b = utf8Bytes(jsonText(v));
  return bytes32(b.length + 1) + "\x01" + b;
}

/** A character JSON escapes or writes as more than one byte: quote, backslash, control, non-ASCII. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const notPlainJson = /["\\\x00-\x1f\x7f-\uffff]/;

/**
 * A jsonb value as JSON text. Empty arrays and arrays of plain ASCII strings (SHAs, the common
 * case) skip `JSON.stringify`.
 */
function jsonText(v: unknown): string {
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    let plain = true;
    for (let i = 0; i < v.length && plain; i++) {
      const x: unknown = v[i];
      plain = typeof x === "string" && !notPlainJson.test(x);
    }
    if (plain) return '["' + (v as string[]).join('","') + '"]';
  }
  return JSON.stringify(v);
}

/** 2000-01-01T00:00:00Z, Postgres' epoch, in Unix milliseconds. */
const pgEpochMs = 946_684_800_000;
/** Up to here (about 285 years either side of 2000) microseconds are exact in a double. */
const exactMs = Math.floor(Number.MAX_SAFE_INTEGER / 1000);

/** Microseconds since 2000 as a signed 64-bit integer; a fraction of a millisecond is cut, as by `Date`. */
function timestampField(ms: number): string {
  // An invalid time throws as `toISOString` does.
  if (!(Math.abs(ms) <= 8.64e15)) new Date(ms).toISOString();
  const since = Math.trunc(ms) - pgEpochMs;
  if (Math.abs(since) <= exactMs) {
    const us = since * 1000;
    const high = Math.floor(us / 2 ** 32);
    return timestampLength + bytes32(high) + bytes32(us - high * 2 ** 32);
  }
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(since) * 1000n);
  return timestampLength + b.toString("latin1");
}

const kindOf = { text: 0, timestamptz: 1, jsonb: 2, boolean: 3 } as const;

/** A column: its name, Postgres type and how to read it from a record, in table order. */
export type Column<R> = readonly [
  name: string,
  type: "text" | "jsonb" | "timestamptz" | "boolean",
  get: (r: R) => unknown,
];
