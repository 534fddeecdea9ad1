// The hash chain of evidence records: each record carries the sha256 of the line of the record
// before it in the same environment, and its place (seq) in that chain.
import { createHash } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { envelopeProblem } from "./dsse.js";
import type { Envelope } from "./dsse.js";
import { statementMeta } from "./statement.js";

/** One line of an evidence file. Only `seq` and `prev` are unsigned; both are checked by the chain. */
export interface EvidenceRecord {
  seq: number;
  /** sha256 (hex) of the previous record's line in this environment; null for the first. */
  prev: string | null;
  envelope: Envelope;
}

/** The canonical line of a record (fields in this order, no spaces). */
export const recordLine = (record: EvidenceRecord): string =>
  JSON.stringify({
    seq: record.seq,
    prev: record.prev,
    envelope: record.envelope,
  });

export const lineHash = (line: string): string =>
  createHash("sha256").update(line, "utf8").digest("hex");

/** A record read back with what its signed statement says. */
export interface ReadRecord {
  line: number;
  text: string;
  record: EvidenceRecord;
  statement: unknown;
  environment: string;
  time: string;
}

export type ReadResult =
  | {
      ok: true;
      records: ReadRecord[];
      /** The signed head of an export (its last line), when there is one. */
      head?: { line: number; envelope: Envelope };
    }
  | { ok: false; line: number; problem: string };

const isRecord = (value: unknown): value is EvidenceRecord => {
  const v = value as Partial<EvidenceRecord> | null;
  const env = v?.envelope as Partial<Envelope> | undefined;
  return (
    typeof v === "object" &&
    v !== null &&
    Number.isSafeInteger(v.seq) &&
    (v.seq ?? 0) >= 1 &&
    (v.prev === null ||
      (typeof v.prev === "string" && /^[0-9a-f]{64}$/.test(v.prev))) &&
    typeof env?.payload === "string" &&
    typeof env.payloadType === "string" &&
    Array.isArray(env.signatures) &&
    env.signatures.every(
      (s: unknown) =>
        typeof (s as { keyid?: unknown }).keyid === "string" &&
        typeof (s as { sig?: unknown }).sig === "string",
    )
  );
};

/** Parses an evidence file's lines; the first line that is not a record is named. */
export function readRecords(text: string): ReadResult {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const records: ReadRecord[] = [];
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { ok: false, line, problem: "not a JSON line" };
    }
    const head = value as { head?: unknown; envelope?: Envelope } | null;
    if (head?.head === true && typeof head.envelope?.payload === "string") {
      if (line !== lines.length)
        return {
          ok: false,
          line,
          problem: "a signed head before the end of the file",
        };
      return { ok: true, records, head: { line, envelope: head.envelope } };
    }
    if (!isRecord(value))
      return {
        ok: false,
        line,
        problem: "not an evidence record (seq, prev, envelope)",
      };
    let statement: unknown;
    try {
      statement = JSON.parse(
        Buffer.from(value.envelope.payload, "base64").toString("utf8"),
      );
    } catch {
      statement = undefined;
    }
    const meta = statementMeta(statement);
    // An unreadable payload is reported by the signature check (it was edited) or as foreign.
    records.push({
      line,
      text,
      record: value,
      statement,
      environment: meta?.environment ?? "",
      time: meta?.time ?? "",
    });
  }
  return { ok: true, records };
}

/** Where each environment's chain starts and ends in a verified file. */
export interface ChainSpan {
  environment: string;
  first: number;
  last: number;
  records: number;
}

export type VerifyResult =
  | { ok: true; records: number; chains: ChainSpan[] }
  | { ok: false; line: number; problem: string };

/**
 * Checks every signature and every link, in file order, and names the first line that is wrong:
 * an edited record (its signature, or the link the next record holds), a removed record (a gap in
 * seq) or a reordered one (a later seq before an earlier one). A file may start an environment's
 * chain past its first record (an export `--since`); the span is reported so that can be seen.
 * Removing the last records of a chain cannot be seen from the file alone.
 */
export function verifyRecords(
  records: ReadRecord[],
  publicKey: KeyObject,
): VerifyResult {
  const last = new Map<string, ReadRecord>();
  const spans = new Map<string, ChainSpan>();
  for (const [index, r] of records.entries()) {
    const signature = envelopeProblem(r.record.envelope, publicKey);
    if (signature) return { ok: false, line: r.line, problem: signature };
    if (r.environment === "")
      return {
        ok: false,
        line: r.line,
        problem: "the statement is not sluice evidence",
      };
    const env = r.environment;
    const before = last.get(env);
    const { seq, prev } = r.record;
    const where = `record ${seq} of ${env}`;
    if (before === undefined) {
      if (seq === 1 && prev !== null)
        return {
          ok: false,
          line: r.line,
          problem: `${where} is first but links to an earlier record`,
        };
      // A chain may start past record 1 (an export since a date), but not before an earlier record.
      const earlier = records
        .slice(index + 1)
        .find((o) => o.environment === env && o.record.seq < seq);
      if (earlier !== undefined)
        return {
          ok: false,
          line: r.line,
          problem: `${where} comes before record ${earlier.record.seq} (line ${earlier.line}): the records were reordered`,
        };
    } else {
      const expected = before.record.seq + 1;
      if (seq !== expected) {
        const later = records
          .slice(index + 1)
          .find((o) => o.environment === env && o.record.seq === expected);
        const problem =
          later !== undefined
            ? `${where} comes before record ${expected} (line ${later.line}): the records were reordered`
            : seq > expected
              ? `record${seq - expected > 1 ? `s ${expected}–${seq - 1}` : ` ${expected}`} of ${env} ${seq - expected > 1 ? "were" : "was"} removed before this line`
              : `${where} comes after record ${before.record.seq} (line ${before.line}): the records were reordered or repeated`;
        return { ok: false, line: r.line, problem };
      }
      if (prev !== lineHash(before.text))
        return {
          ok: false,
          line: before.line,
          problem: `record ${before.record.seq} of ${env} was edited (its hash does not match the link that record ${seq} on line ${r.line} holds, or that link was edited)`,
        };
    }
    last.set(env, r);
    const span = spans.get(env);
    if (span) {
      span.last = seq;
      span.records += 1;
    } else
      spans.set(env, { environment: env, first: seq, last: seq, records: 1 });
  }
  return { ok: true, records: records.length, chains: [...spans.values()] };
}
