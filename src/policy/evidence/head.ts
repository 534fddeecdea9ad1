// The signed head of an export: the first and last record of each chain it holds, signed, so that
// records removed from either end of a chain (or whole chains) are named too.
import type { KeyObject } from "node:crypto";
import { envelopeProblem, signPayload } from "./dsse.js";
import type { Envelope } from "./dsse.js";
import { lineHash, verifyRecords } from "./chain.js";
import type { ReadRecord, VerifyResult } from "./chain.js";

export const headPayloadType = "application/vnd.sluice.evidence-head+json";
const headType = "https://sluice.dev/evidence/head/v1";

/** The head line: `{"head":true,"envelope":…}`, last in an exported file. */
interface HeadLine {
  head: true;
  envelope: Envelope;
}

interface HeadChain {
  environment: string;
  first: number;
  last: number;
  /** sha256 of the last record's line. */
  hash: string;
}

function chainsOf(records: ReadRecord[]): HeadChain[] {
  const chains = new Map<string, HeadChain>();
  for (const r of records) {
    const chain = chains.get(r.environment);
    if (chain) {
      chain.last = r.record.seq;
      chain.hash = lineHash(r.text);
    } else
      chains.set(r.environment, {
        environment: r.environment,
        first: r.record.seq,
        last: r.record.seq,
        hash: lineHash(r.text),
      });
  }
  return [...chains.values()];
}

/** The head line for these records, signed with the evidence key. */
export function headLine(records: ReadRecord[], privateKey: KeyObject): string {
  const payload = { _type: headType, chains: chainsOf(records) };
  const head: HeadLine = {
    head: true,
    envelope: signPayload(headPayloadType, payload, privateKey),
  };
  return JSON.stringify(head);
}

/**
 * Why the records do not match the signed head (or there is none), or undefined when they do.
 * `line` is the head's line, or the line after the last when the head is missing.
 */
export function headProblem(
  records: ReadRecord[],
  head: { line: number; envelope: Envelope } | undefined,
  publicKey: KeyObject,
): { line: number; problem: string } | undefined {
  const end = (records.at(-1)?.line ?? 0) + 1;
  if (head === undefined)
    return {
      line: end,
      problem:
        "the file ends without its signed head: records at its end may have been removed",
    };
  const line = head.line;
  const signature = envelopeProblem(head.envelope, publicKey);
  if (head.envelope.payloadType !== headPayloadType)
    return { line, problem: "the head is not a sluice evidence head" };
  if (signature) return { line, problem: `the signed head: ${signature}` };
  const signed = JSON.parse(
    Buffer.from(head.envelope.payload, "base64").toString("utf8"),
  ) as { chains?: HeadChain[] };
  const found = new Map(chainsOf(records).map((c) => [c.environment, c]));
  for (const want of signed.chains ?? []) {
    const got = found.get(want.environment);
    const span = `${want.first === want.last ? `record ${want.first}` : `records ${want.first}–${want.last}`} of ${want.environment}`;
    if (got === undefined)
      return {
        line,
        problem: `the signed head names ${span}, and none is in the file: they were removed`,
      };
    if (got.first > want.first)
      return {
        line,
        problem: `the signed head names ${span}; the file starts at record ${got.first}: the records before it were removed`,
      };
    if (got.last < want.last)
      return {
        line,
        problem: `the signed head names ${span}; the file ends at record ${got.last}: the records after it were removed`,
      };
    if (
      got.first !== want.first ||
      got.last !== want.last ||
      got.hash !== want.hash
    )
      return {
        line,
        problem: `the records of ${want.environment} do not match the signed head`,
      };
    found.delete(want.environment);
  }
  const extra = [...found.keys()][0];
  return extra === undefined
    ? undefined
    : {
        line,
        problem: `the records of ${extra} are not named by the signed head: they were added`,
      };
}

/** Verifies an exported file: every record's signature and link (verifyRecords), then its signed head. */
export function verifyExport(
  read: { records: ReadRecord[]; head?: { line: number; envelope: Envelope } },
  publicKey: KeyObject,
): VerifyResult {
  const result = verifyRecords(read.records, publicKey);
  if (!result.ok) return result;
  const problem = headProblem(read.records, read.head, publicKey);
  return problem ? { ok: false, ...problem } : result;
}
