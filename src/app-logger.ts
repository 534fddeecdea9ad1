import { mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import type { Logger } from "./kernel/index.js";

/** Structured logs go to `$SLUICE_HOME/sluice.log`, never to the terminal the user reads. */
export function createLogger(home: string): Logger {
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    // Opened here, synchronously: a destination that opens its file itself is not ready for a
    // while, and a command that exits meanwhile (a store in use) crashed in pino's exit flush.
    const fd = openSync(join(home, "sluice.log"), "a", 0o600);
    const log = pino({ level: "info" }, pino.destination({ fd, sync: false }));
    return {
      debug: (msg, fields) => log.debug(fields ?? {}, msg),
      info: (msg, fields) => log.info(fields ?? {}, msg),
      warn: (msg, fields) => log.warn(fields ?? {}, msg),
      error: (msg, fields) => log.error(fields ?? {}, msg),
    };
  } catch {
    return { debug() {}, info() {}, warn() {}, error() {} };
  }
}
