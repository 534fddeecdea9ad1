// Where evidence is kept: an append-only JSON lines file per home, written under a lock file.
import {
  appendFileSync,
  existsSync,
  openSync,
  closeSync,
  readFileSync,
  rmSync,
  writeFileSync,
  chmodSync,
  mkdirSync,
} from "node:fs";
import { dirname } from "node:path";
import type { KeyObject } from "node:crypto";
import { AppError, isAlive, sleep } from "../../kernel/index.js";
import type { Clock } from "../../kernel/index.js";
import { lineHash, readRecords, recordLine } from "./chain.js";
import type { EvidenceRecord, ReadRecord } from "./chain.js";
import { signStatement } from "./dsse.js";
import { headLine } from "./head.js";
import { statementMeta } from "./statement.js";
import type { Statement } from "./statement.js";

export const evidenceLogFile = "evidence.jsonl";

export interface EvidenceFilter {
  /** Only records of this environment. */
  environment?: string;
  /** Only records whose signed time is at or after this instant. */
  since?: Date;
}

function readAll(path: string): ReadRecord[] {
  if (!existsSync(path)) return [];
  const read = readRecords(readFileSync(path, "utf8"));
  if (!read.ok)
    throw new AppError(
      "CONFIG_INVALID",
      `${path}:${read.line}: ${read.problem}`,
    );
  return read.records;
}

/** An export: the lines of the log that pass the filter, then their head signed with the key. */
export function exportEvidence(
  path: string,
  filter: EvidenceFilter,
  privateKey: KeyObject,
): string[] {
  const since = filter.since?.toISOString();
  const records = readAll(path).filter(
    (r) =>
      (filter.environment === undefined ||
        r.environment === filter.environment) &&
      (since === undefined || r.time >= since),
  );
  return [...records.map((r) => r.text), headLine(records, privateKey)];
}

/** The evidence log of one home: `record` signs a statement and chains it. */
export class EvidenceLog {
  readonly path: string;
  readonly #privateKey: KeyObject;
  readonly #lockPath: string;
  readonly #clock: Pick<Clock, "setTimeout">;

  /** `clock` paces the wait for a lock another process holds. */
  constructor(options: {
    path: string;
    privateKey: KeyObject;
    clock: Pick<Clock, "setTimeout">;
  }) {
    this.#clock = options.clock;
    this.path = options.path;
    this.#privateKey = options.privateKey;
    this.#lockPath = `${options.path}.lock`;
  }

  /**
   * Signs the statement and appends it to its environment's chain; returns the record written.
   * A statement that links records already in the log is given as a function of them: it is
   * made under the same lock, so nothing is written between the read and the append.
   */
  async record(
    statement: Statement | ((records: ReadRecord[]) => Statement),
  ): Promise<EvidenceRecord> {
    return this.#locked(() => {
      const records = readAll(this.path);
      const made =
        typeof statement === "function" ? statement(records) : statement;
      const meta = statementMeta(made);
      if (!meta)
        throw new AppError(
          "INVALID_ARGUMENT",
          "evidence: the statement names no environment and time",
        );
      const before = records.findLast(
        (r) => r.environment === meta.environment,
      );
      const record: EvidenceRecord = {
        seq: (before?.record.seq ?? 0) + 1,
        prev: before ? lineHash(before.text) : null,
        envelope: signStatement(made, this.#privateKey),
      };
      mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
      appendFileSync(this.path, `${recordLine(record)}\n`, { mode: 0o600 });
      chmodSync(this.path, 0o600);
      return record;
    });
  }

  async #locked<T>(work: () => T): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        const fd = openSync(this.#lockPath, "wx", 0o600);
        writeFileSync(fd, String(process.pid));
        closeSync(fd);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        const holder = lockHolder(this.#lockPath);
        // The holder let go between our attempt and the read: try again at once.
        if (holder === undefined) continue;
        // A lock left by a process that died is taken over; a live holder is waited for.
        if (holder > 0 && !isAlive(holder))
          rmSync(this.#lockPath, { force: true });
        else if (attempt >= 400)
          throw new AppError(
            "CONFLICT",
            `evidence log ${this.path} is locked by process ${holder}`,
          );
        else await sleep(this.#clock, 25);
      }
    }
    try {
      return work();
    } finally {
      rmSync(this.#lockPath, { force: true });
    }
  }
}

/** The process id written in a lock file (0 while its holder is still writing it); undefined when it is gone. */
function lockHolder(lockPath: string): number | undefined {
  try {
    return Number(readFileSync(lockPath, "utf8") || "0");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
